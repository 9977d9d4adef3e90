// Words the seeded data is made of: people's names as they appear on WeChat and Telegram (Chinese
// surname + given name, English first + last name), and what customers write.

/** The most common Chinese surnames, most common first. */
export const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
];

/** Characters of given names (one or two of them make a name: 伟, 芳, 娜, 秀英, 志强…). */
export const GIVEN = [
  ...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红梅鹏飞辉建国玲燕晶欣怡子轩浩宇梓涵一诺嘉欣雨婷思远文博佳琪晓东海峰志强春燕丹宁',
];

export const FIRST_NAMES = [
  'James',
  'Mary',
  'John',
  'Patricia',
  'Robert',
  'Jennifer',
  'Michael',
  'Linda',
  'William',
  'Elizabeth',
  'David',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Charles',
  'Karen',
  'Daniel',
  'Nancy',
  'Matthew',
  'Lisa',
  'Anthony',
  'Betty',
  'Mark',
  'Sandra',
  'Steven',
  'Ashley',
  'Olivia',
  'Emma',
  'Liam',
  'Noah',
  'Sophia',
  'Lucas',
  'Mia',
  'Ethan',
  'Chloe',
  'Grace',
];

export const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Wilson',
  'Anderson',
  'Taylor',
  'Thomas',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Thompson',
  'White',
  'Harris',
  'Clark',
  'Lewis',
  'Walker',
  'Hall',
  'Young',
  'King',
  'Wright',
  'Scott',
  'Green',
  'Chan',
  'Wong',
  'Tan',
  'Lim',
  'Ng',
  'Cheung',
  'Ho',
  'Leung',
  'Nguyen',
  'Patel',
];

export const INBOUND_ZH = [
  '你们几点开门?',
  '会员有什么好处',
  '我的积分还有多少',
  '可以预约明天下午吗',
  '附近有门店吗',
  '怎么退货',
  '谢谢!',
  '你好',
  '这个多少钱',
  '能开发票吗',
  '/积分',
  '可以送货上门吗',
  '好的',
];

export const INBOUND_EN = [
  'hello',
  'do you deliver to my area?',
  'what are your opening hours?',
  'how many points do I have',
  'can I book for tomorrow?',
  'thanks!',
  'how do I return an item',
  '/points',
  'is there a store near me',
  'ok',
  'can I get an invoice',
  'what does membership give me',
];

export const COMMANDS = ['/help', '/points', '/lang en', '/lang zh', '/rewards', '/feedback', '/invite'];

export const REPLIES_ZH = [
  '您好!有什么可以帮您?',
  '我们每天早上九点到晚上九点营业。',
  '您目前有 120 积分。',
  '已为您转接人工客服,请稍候。',
];
export const REPLIES_EN = [
  'Hi! How can I help?',
  'We are open 9am to 9pm every day.',
  'You have 120 points.',
  'A person will answer you shortly.',
];

/** What customers asked that the knowledge base did not answer (as questionKey stores them). */
export const UNANSWERED_ZH = [
  '可以用支付宝吗',
  '停车场在哪里',
  '周末也营业吗',
  '可以带宠物吗',
  '有没有学生优惠',
  '积分可以转给家人吗',
  '生日当天有什么活动',
  '能寄到香港吗',
  '发票抬头写错了怎么办',
  '会员卡丢了怎么办',
  '可以分期付款吗',
  '你们招聘吗',
  '有儿童套餐吗',
  '可以包场吗',
  '店里有wifi吗',
  '可以用美元付款吗',
  '退款多久到账',
  '可以开专票吗',
  '你们有公众号吗',
  '新店什么时候开业',
];
export const UNANSWERED_EN = [
  'do you take apple pay',
  'where can i park',
  'are you open on public holidays',
  'can i bring my dog',
  'is there a student discount',
  'can i transfer points to my wife',
  'do you ship to canada',
  'how long does a refund take',
  'do you have gift cards',
  'are you hiring',
  'can i pay in bitcoin',
  'is the store wheelchair accessible',
  'do you have a kids menu',
  'can i rent the place for a party',
  'do you price match',
  'what is your wifi password',
];
/** Long-tail wording: a common question about one of these. */
export const TOPICS_ZH = ['大号', '红色的', '新款', '套餐A', '周三', '外卖', '礼盒', '年卡', '儿童款', '限量版'];
export const TOPICS_EN = [
  'the large one',
  'the red one',
  'the new model',
  'set a',
  'wednesday',
  'delivery',
  'gift box',
  'annual pass',
  'kids size',
  'limited edition',
];

export const FEEDBACK_COMMENTS = [
  '服务很好',
  '等太久了',
  '东西不错',
  'great service',
  'too slow',
  'love it',
  '价格有点贵',
  'staff were rude',
];
