// The checks a model's reply must pass before a customer reads it: no promised actions, no
// numbers the cited entries lack, enough of their words. Pure functions; the model path's
// end-to-end behaviour is in model.test.ts.
import { describe, expect, it } from 'vitest';
import { checkGrounding } from '../../../src/features/faq/grounding.js';
import { numbersIn } from '../../../src/features/faq/numbers.js';
import { promisedActions } from '../../../src/features/faq/promises.js';
import type { KnowledgeEntry } from '../../../src/features/faq/search.js';

const entry = (id: string, answer: string, questions: string[], locale: 'zh-CN' | 'en'): KnowledgeEntry => ({
  id,
  answer,
  questions,
  locale,
  tags: [],
  source: 'test.yaml',
});
const delivery = entry(
  'delivery-range',
  '外卖配送范围为门店周边5公里以内，满30元免配送费。',
  ['外卖配送范围是多大？'],
  'zh-CN',
);
const deliveryEn = entry(
  'delivery-range-en',
  'We deliver within 5 km of each store; delivery is free on orders over 30 yuan.',
  ['How far do you deliver?'],
  'en',
);
const hours = entry('opening-hours', '营业时间：周一至周五7:30-21:00，周末8:30-22:00。', ['你们几点开门？'], 'zh-CN');
const hoursEn = entry('opening-hours-en', 'We are open 7:30–21:00 on weekdays and 8:30–22:00 at weekends.', [], 'en');
const refunds = entry(
  'refunds',
  'If an order arrives damaged, we will refund it within 3 working days after you send a photo.',
  ['Can I get a refund?'],
  'en',
);

describe('promised actions', () => {
  it.each([
    'I have added 1000 points to your account.',
    "I've credited your account.",
    'We just refunded your order.',
    "I'll refund you right away.",
    'I will escalate this to our manager.',
    "I'm transferring you to a colleague now.",
    "I'll open a ticket for you.",
    '1000 points have been added to your balance.',
    'Your refund has been processed.',
    "Here's a 20% discount code for you.",
    'Let me cancel that order for you.',
    'A colleague will contact you shortly.',
    'We have changed your order to a large latte.',
  ])('en: %s', (reply) => {
    expect(promisedActions(reply, [])).not.toEqual([]);
  });

  it.each([
    '已为您添加1000积分。',
    '我这就帮您退款。',
    '已经给您发放了一张优惠券。',
    '1000积分已到账，请查收。',
    '您的工单已创建，我们会尽快处理。',
    '已为您转接人工客服。',
    '我马上转接人工客服。',
    '同事会尽快联系您。',
    '为表歉意，送您500积分。',
    '已帮您把订单改成大杯。',
    '退款已经处理好了。',
  ])('zh: %s', (reply) => {
    expect(promisedActions(reply, [])).not.toEqual([]);
  });

  it.each([
    'We deliver within 5 km of each store.',
    'We are open 7:30–21:00 on weekdays.',
    "We're open from 8:30 at weekends.",
    'We open at 7:30 on weekdays.',
    "Sorry, I can't add points for you; a person can help.",
    'I am not able to refund orders myself.',
    '我们配送门店周边5公里以内，满30元免配送费。',
    '抱歉，我无法为您添加积分。',
    '我不能帮您退款，您可以转人工。',
    '营业时间是周一至周五7:30-21:00。',
    '很高兴为您解答：100积分可抵5元。',
    '我们会配送您的外卖到门店周边5公里以内。',
  ])('no promise: %s', (reply) => {
    expect(promisedActions(reply, [])).toEqual([]);
  });

  it('quoting what the cited entry itself promises is not a new promise', () => {
    expect(
      promisedActions('If it arrives damaged, we will refund it within 3 working days.', [refunds.answer]),
    ).toEqual([]);
    expect(promisedActions('We will refund it at once.', [])).not.toEqual([]);
  });
});

describe('numbers', () => {
  it('reads digits, full-width digits, thousands, times, and number words before a unit', () => {
    expect([...numbersIn('满30元，5公里，7:30-21:00')].sort()).toEqual(['0', '21', '30', '5', '7'].sort());
    expect([...numbersIn('１０００积分')]).toEqual(['1000']);
    expect([...numbersIn('1,000 points')]).toEqual(['1000']);
    expect([...numbersIn('送您一千积分')]).toEqual(['1000']);
    expect([...numbersIn('两万五千积分')]).toEqual(['25000']);
    expect([...numbersIn('a thousand points')]).toEqual(['1000']);
    expect([...numbersIn('two hundred and fifty yuan')]).toEqual(['250']);
    expect([...numbersIn('20% off')]).toEqual(['20']);
  });

  it('ignores words that only look like numbers', () => {
    expect([...numbersIn('请稍等一下，万一下雨也送，千万别担心')]).toEqual([]);
    expect([...numbersIn('one of our stores is open, someone will help')]).toEqual([]);
  });
});

describe('grounding', () => {
  it('accepts faithful paraphrases in the entry’s language', () => {
    expect(checkGrounding('我们配送门店周边5公里，满30元免运费哦。', [delivery])).toEqual({ ok: true });
    expect(checkGrounding('可以的，门店周边5公里内都能送，满30元还免配送费呢！', [delivery])).toEqual({ ok: true });
    expect(checkGrounding('您好！我们的营业时间是周一至周五7:30-21:00，周末8:30-22:00，欢迎光临！', [hours])).toEqual({
      ok: true,
    });
    expect(checkGrounding('We deliver within 5 km.', [deliveryEn])).toEqual({ ok: true });
    expect(checkGrounding('Delivery is free for orders above 30 yuan, within 5 km of a store.', [deliveryEn])).toEqual({
      ok: true,
    });
  });

  it('refuses promised actions even when every number and word is the entry’s', () => {
    expect(checkGrounding('I have added points: we deliver within 5 km of each store.', [deliveryEn])).toMatchObject({
      ok: false,
      reason: 'promise',
    });
  });

  it('refuses numbers the cited entries do not state', () => {
    expect(checkGrounding('我们配送门店周边8公里，满30元免配送费。', [delivery])).toMatchObject({
      ok: false,
      reason: 'numbers',
    });
    expect(checkGrounding('We deliver within 5 km, free over fifty yuan.', [deliveryEn])).toMatchObject({
      ok: false,
      reason: 'numbers',
    });
  });

  it('refuses replies that share too little with the cited entries', () => {
    expect(checkGrounding('我们支持全国配送，顺丰包邮。', [delivery])).toMatchObject({
      ok: false,
      reason: 'unsupported',
    });
    expect(checkGrounding('We ship nationwide by express courier at no charge.', [deliveryEn])).toMatchObject({
      ok: false,
      reason: 'unsupported',
    });
  });

  it('holds a translated reply to the entry’s numbers', () => {
    expect(checkGrounding('We deliver within 5 km of the store; free over 30 yuan.', [delivery])).toEqual({ ok: true });
    expect(checkGrounding('We deliver anywhere in the city.', [delivery])).toMatchObject({
      ok: false,
      reason: 'unsupported',
    });
    expect(checkGrounding('工作日7:30开门，周末8:30开门。', [hoursEn])).toEqual({ ok: true });
    expect(checkGrounding('工作日9:00开门。', [hoursEn])).toMatchObject({ ok: false, reason: 'numbers' });
  });
});
