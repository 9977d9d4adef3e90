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
});
