// Phrases in which a reply claims or promises an action on the customer's behalf: points added,
// a refund made, a ticket opened, an order changed, a transfer to a person, a discount granted.
// The engine never lets a model act, so a model's reply that says it did (or will) is false,
// however well it cites the knowledge base. Matched in Chinese and English; a negated phrase
// ("无法为您退款", "I can't add points") is not a promise.

/** Actions, past tense or participle ("added") and base form ("add"). */
const ACTIONS: [string, string][] = [
  ['added', 'add'],
  ['credited', 'credit'],
  ['awarded', 'award'],
  ['given', 'give'],
  ['gave', 'give'],
  ['granted', 'grant'],
  ['deposited', 'deposit'],
  ['topped up', 'top up'],
  ['refunded', 'refund'],
  ['reimbursed', 'reimburse'],
  ['compensated', 'compensate'],
  ['issued', 'issue'],
  ['opened', 'open'],
  ['created', 'create'],
  ['filed', 'file'],
  ['raised', 'raise'],
  ['logged', 'log'],
  ['submitted', 'submit'],
  ['escalated', 'escalate'],
  ['transferred', 'transfer'],
  ['forwarded', 'forward'],
  ['passed', 'pass'],
  ['handed', 'hand'],
  ['cancell?ed', 'cancel'],
  ['changed', 'change'],
  ['updated', 'update'],
  ['modified', 'modify'],
  ['amended', 'amend'],
  ['upgraded', 'upgrade'],
  ['applied', 'apply'],
  ['activated', 'activate'],
  ['reserved', 'reserve'],
  ['booked', 'book'],
  ['rescheduled', 'reschedule'],
  ['sent', 'send'],
  ['processed', 'process'],
  ['approved', 'approve'],
  ['waived', 'waive'],
  ['unlocked', 'unlock'],
  ['extended', 'extend'],
  ['restored', 'restore'],
  ['reversed', 'reverse'],
  ['placed', 'place'],
  ['notified', 'notify'],
  ['contacted', 'contact'],
];
const PAST = `(?:${ACTIONS.map(([past]) => past).join('|')})`;
// "open" is left to the ticket pattern below: "we open at 7:30" and "we will open at 8" are hours.
const bases = [...new Set(ACTIONS.map(([, base]) => base))].filter((b) => b !== 'open');
const BASE = `(?:${bases.join('|')})`;
/** "adding", "creating", "transferring", "cancelling": every spelling the bases may take. */
const GERUND = `(?:${bases
  .filter((b) => !b.includes(' '))
  .flatMap((b) => [`${b}ing`, b.endsWith('e') ? `${b.slice(0, -1)}ing` : `${b}${b.at(-1)}ing`])
  .join('|')})`;
const ADVERB = '(?:just|already|now|also|successfully|immediately|gone ahead and|went ahead and)';
const WILL = "(?:'ll|\\s+will|\\s+shall|'m going to|\\s+am going to|'re going to|\\s+are going to|\\s+can now)";

const english: RegExp[] = [
  // "I have added", "we've just credited", "I refunded"
  new RegExp(`\\b(?:i|we)(?:'ve|\\s+have|\\s+had)?(?:\\s+${ADVERB})*\\s+${PAST}\\b`),
  // "I will add", "we'll refund", "I'm going to escalate"
  new RegExp(`\\b(?:i|we)${WILL}(?:\\s+${ADVERB})*\\s+${BASE}\\b`),
  // "I am transferring", "we're adding"
  new RegExp(`\\b(?:i|we)(?:'m|\\s+am|'re|\\s+are)(?:\\s+${ADVERB})*\\s+${GERUND}\\b`),
  // "I'll open a ticket", "I'm opening a case for you"
  /\b(?:i|we)(?:'ll|\s+will|'m|\s+am|'re|\s+are|'ve|\s+have)?(?:\s+just)?\s+open(?:ed|ing)?\s+(?:a|an|your|the|one)\s+(?:new\s+)?(?:ticket|case|request|complaint|claim)\b/,
  // "let me add", "allow me to refund"
  new RegExp(`\\b(?:let me|allow me to|i'd be happy to|i would be happy to)\\s+${BASE}\\b`),
  // "1000 points have been added", "your refund has been processed", "a ticket was created for you"
  new RegExp(`\\b(?:has|have)(?:\\s+${ADVERB})*\\s+been\\s+${PAST}\\b`),
  new RegExp(`\\b(?:was|were)\\s+${PAST}\\s+(?:to|for|on|into)\\s+(?:you|your)\\b`),
  // "here is your coupon", "here's a 20% discount"
  /\bhere(?:'s| is| are)\s+(?:a|an|your|the|some)?\s*(?:\d+\s*%?\s*)?(?:free\s+)?(?:coupon|discount|voucher|promo code|code|gift|refund|compensation|points|credit)\b/,
  // "transferring you to", "connecting you with a person"
  /\b(?:transferring|connecting|escalating|forwarding|handing)\s+(?:you|this|your)\b/,
  // "a colleague will contact you"
  /\b(?:colleague|agent|staff|human|person|manager|someone|team)(?:\s+member)?\s+will\s+(?:contact|call|reach|get back|follow up|be in touch)\b/,
];

const ZH_ACTION =
  '(?:添加|增加|加上|加了|充值|充入|发放|发了|赠送|送上|送了|补发|补偿|退款|退还|退回|退了|开通|开具|开了|创建|提交|登记|转接|转给|转交|转人工|升级|修改|更改|改了|改成|改为|换成|换了|调整|取消|安排|预订|预约|申请|兑换|打折|减免|免单|延长|恢复|下单|寄出|激活|解锁|通知)';
const chinese: RegExp[] = [
  // "已为您添加1000积分", "我这就帮您退款", "给你发放了优惠券"
  new RegExp(`(?:为|给|帮|替)(?:您|你)[^，。！？,.!?\\s]{0,8}?${ZH_ACTION}`),
  // "1000积分已到账", "退款已经处理", "工单已创建"
  /(?:积分|点数|优惠券|券|红包|折扣|退款|款项|工单|订单|投诉|申请|请求)(?:已经?|已被|都已|已成功)[^，。！？,.!?\s]{0,4}?(?:到账|发放|添加|增加|充值|退回|退还|退款|提交|创建|登记|受理|处理|转交|升级|修改|更改|取消|生效|补发|开通|记录)/,
  // "已退款", "已转接人工"
  /已(?:经)?(?:成功)?(?:退款|转接|转人工|添加|发放|赠送|补发|到账|提交|创建|登记|受理|升级)/,
  // "我马上转接人工", "我已通知店长"
  /我(?:已经?|这就|马上|会|将|现在就|立即|立刻)?(?:转接|转给|联系|通知)(?:人工|客服|同事|工作人员|店长|经理)/,
  // "同事会尽快联系您"
  /(?:同事|工作人员|客服|店长|经理|专员)(?:会|将)(?:尽快|马上|稍后|立即|在)?[^，。！？,.!?\s]{0,4}?(?:联系|致电|回电|回复|处理)/,
  // "送您1000积分", "补偿您一张券"
  /(?<![配运递快发])(?:赠送|奖励|补偿|返还|送)(?:给)?(?:您|你)/,
];

/** Negation right before a match ("无法为您", "can't", "not able to") makes it no promise. */
const negatedZh = /(?:无法|不能|不可以|不可|没法|没办法|没有|不会|未能|无权|不支持|暂不|不)[^，。！？,.!?]{0,3}$/;
const negatedEn = /\b(?:not|cannot|can't|can not|unable to|won't|don't|do not|never|no way to)(?:\s+\w+){0,3}\s*$/;

function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[’‘]/g, "'").replace(/\s+/g, ' ');
}

/**
 * The promise phrases in `reply`, except those the cited entries state themselves (an entry may
 * say "we will refund within 7 days": quoting it is a fact, not a new promise).
 */
export function promisedActions(reply: string, citedAnswers: readonly string[]): string[] {
  const text = normalize(reply);
  const sources = citedAnswers.map(normalize);
  const found: string[] = [];
  for (const pattern of [...english, ...chinese]) {
    for (const m of text.matchAll(new RegExp(pattern.source, 'g'))) {
      const phrase = m[0];
      const before = text.slice(Math.max(0, (m.index ?? 0) - 30), m.index);
      if (negatedZh.test(before) || negatedEn.test(before)) continue;
      if (sources.some((s) => s.includes(phrase))) continue;
      found.push(phrase);
    }
  }
  return found;
}
