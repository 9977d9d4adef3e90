import { describe, expect, it } from 'vitest';
import { detectEscalation } from '../../../src/features/escalation/detect.js';

describe('escalation detection', () => {
  it.each([
    ['转人工', 'human', 'normal'],
    ['can I talk to a real person please', 'human', 'normal'],
    ['拿铁里面有头发,太恶心了', 'safety', 'high'],
    ['you charged me twice for one latte', 'money', 'high'],
    ['再不处理我就打12315', 'legal', 'high'],
    ['this is the worst service ever', 'complaint', 'normal'],
  ])('escalates %j as %s (%s priority)', (text, reason, priority) => {
    expect(detectEscalation(text)).toMatchObject({ escalate: true, reason, priority });
  });

  it.each([
    '积分怎么兑换',
    '退款政策是什么?',
    'how do refunds work?',
    'the staff were great',
    '你好',
    '咖啡不凉,刚刚好',
  ])('leaves %j to the bot', (text) => {
    expect(detectEscalation(text).escalate).toBe(false);
  });

  describe('asking for a person', () => {
    it.each([
      '人工人工人工',
      'human please',
      '还有活人在吗',
      '麻烦帮我接一下人工',
      '让你们负责人给我回个电话',
      '不想跟机器人说了，给我找个人',
      'let me speak with the duty manager',
      'is there an actual human I can talk to',
      'could someone from the store call me back?',
      'please transfer me to customer support',
    ])('%j', (text) => {
      expect(detectEscalation(text)).toMatchObject({ escalate: true, reason: 'human', priority: 'normal' });
    });

    it.each([
      '你是机器人还是真人呀',
      'are you a bot or a real person? just curious',
      '人工智能客服挺方便的',
      '请问你们经理是哪位，想谈一下合作',
      'can I speak to someone about catering for a wedding?',
      'I had a lovely chat with your staff yesterday',
      '可以让店员帮忙把蛋糕切好吗',
      '叫号出来了吗',
      '我想问下有没有人工服务的时间',
    ])('but not %j', (text) => {
      expect(detectEscalation(text).escalate).toBe(false);
    });
  });

  describe('weak cues need company', () => {
    it.each([
      // Two problems with the order.
      ['the latte arrived cold and the lid was broken', 'complaint'],
      ['外卖到了，奶茶洒了，袋子都湿了', 'complaint'],
      // A problem and repetition or shouting.
      ['you got my order wrong AGAIN', 'complaint'],
      ['又少送了一个贝果', 'complaint'],
      ['有人吗？？？', 'human'],
      // A problem and a wait.
      ['等了快一个小时了还没送到', 'complaint'],
      // A problem with the customer's own order.
      ['my iced latte was mostly ice', 'complaint'],
      // Weak money cues name the reason, with high priority.
      ['there is an unknown charge on my card and I never authorised it', 'money'],
    ])('%j escalates as %s', (text, reason) => {
      expect(detectEscalation(text)).toMatchObject({ escalate: true, reason });
    });

    it.each([
      // One weak cue alone.
      'is it late?',
      '冷萃是凉的吗',
      'do you have cold brew?',
      // Self-inflicted, or a question about what happens if.
      'I forgot my reusable cup, do you have paper ones?',
      'is it too late to change my order to oat milk?',
      'what happens if my order arrives late?',
      // Praise and reassurance.
      'the delivery was a bit late today but no worries at all',
      '又来打卡啦，今天的燕麦拿铁还是那么好喝',
    ])('%j stays with the bot', (text) => {
      expect(detectEscalation(text).escalate).toBe(false);
    });

    it('a pile of problems is not calmed by sarcastic praise', () => {
      expect(detectEscalation('Cold food, missing drink, late delivery. Great job.').escalate).toBe(true);
    });
  });

  describe('high priority for safety, money, legal and going public', () => {
    it.each([
      ['吃完你们的三明治全家都拉了', 'safety'],
      ['I found a piece of plastic in my sandwich', 'safety'],
      ['the milk had gone off', 'safety'],
      ['储值卡里的钱莫名其妙少了一百', 'money'],
      ['I cancelled but you still took my money', 'money'],
      ['我已经向市场监督管理局反映了', 'legal'],
      ["I'll be taking legal action", 'legal'],
      ['不给个说法我就发到网上让大家评评理', 'public'],
      ['posting this all over social media', 'public'],
    ])('%j is %s', (text, reason) => {
      expect(detectEscalation(text)).toMatchObject({ escalate: true, reason, priority: 'high' });
    });

    it.each([
      // Shares words with safety, money and public cues.
      '会员积分过期了还能用吗',
      'my points expired, can I get them back?',
      '可以用玻璃杯装吗',
      'I fell in love with your hazelnut latte',
      'do you deliver to the hospital on Huashan road?',
      'is there an extra charge for oat milk?',
      '为什么要收打包费',
      'any news on the pumpkin latte?',
      "i'll post about you on instagram, love this place",
      '我想在点评上给你们写个好评，店名怎么搜',
    ])('but not %j', (text) => {
      expect(detectEscalation(text).escalate).toBe(false);
    });
  });

  it.each([
    ['能不能让你们经理亲自跟我说', 'human'],
    ['这就是你们这样对待老客人的方式？', 'complaint'],
    ['you guys keep screwing up my latte', 'complaint'],
    ['my tummy has been aching since lunch at your place', 'safety'],
    ['the app said 25 but I was charged 32', 'money'],
    ['paid but the order failed, twice now', 'money'],
    ['价目表写的22，结果收了我30', 'money'],
    ['等着收差评', 'public'],
  ])('escalates %j as %s', (text, reason) => {
    expect(detectEscalation(text).reason).toBe(reason);
  });

  it('takes hotline numbers as threats only as hotlines, not as any digits', () => {
    expect(detectEscalation('再不处理我就打12315').reason).toBe('legal');
    expect(detectEscalation('我要打12345投诉你们').reason).toBe('legal');
    for (const text of ['12345', '订单号123456', '我的会员号是 12315888'])
      expect(detectEscalation(text).escalate).toBe(false);
  });

  it('lists the cues that fired and names no reason when it does not escalate', () => {
    const quiet = detectEscalation('投诉建议在哪里填？我没什么问题，就是想提个新口味的建议');
    expect(quiet).toEqual({ escalate: false, priority: 'normal', cues: [] });
    expect(detectEscalation('my order was late').cues).toContain('complaint');
  });
});
