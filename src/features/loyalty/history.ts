// /history: the customer's latest ledger entries, one a line; a redemption says its code and
// whether it was used at the counter, so a customer can tell which printed code still works.
import type { TurnContext } from '../../engine/context.js';
import type { Locale } from '../../engine/i18n.js';
import type { Loyalty } from './service.js';

const reasons: Record<string, Record<Locale, string>> = {
  welcome: { 'zh-CN': '新人礼', en: 'welcome' },
  checkin: { 'zh-CN': '签到', en: 'check-in' },
  purchase: { 'zh-CN': '消费', en: 'purchase' },
  feedback: { 'zh-CN': '反馈', en: 'feedback' },
  birthday: { 'zh-CN': '生日', en: 'birthday' },
  referral: { 'zh-CN': '推荐', en: 'referral' },
  redemption: { 'zh-CN': '兑换', en: 'redemption' },
  expiry: { 'zh-CN': '过期', en: 'expired' },
};

export async function replyHistory(ctx: TurnContext, loyalty: Loyalty, limit = 10): Promise<void> {
  const entries = await loyalty.history(ctx.customer.id, limit);
  if (!entries.length) {
    ctx.reply(ctx.t('historyEmpty'));
    return;
  }
  const redemptions = new Map((await loyalty.redemptionsPaidBy(entries)).map((r) => [r.pointsKey, r]));
  const lines = entries.map((e) => {
    const day = loyalty.dayOf(e.createdAt);
    const amount = `${e.delta > 0 ? '+' : ''}${e.delta}`;
    const r = redemptions.get(e.idempotencyKey);
    if (r) {
      const name = loyalty.settings.rewards.find((w) => w.id === r.rewardId)?.name[ctx.locale] ?? r.rewardId;
      const status =
        r.status === 'used'
          ? ctx.t('redemptionUsed', { day: r.usedAt ? loyalty.dayOf(r.usedAt) : '' })
          : ctx.t(r.status === 'cancelled' ? 'redemptionCancelled' : 'redemptionIssued');
      return `${day} ${amount} ${ctx.t('historyRedemption', { name, code: r.code, status })}`;
    }
    const reason = e.reason === 'refund' ? ctx.t('historyRefund') : (reasons[e.reason]?.[ctx.locale] ?? e.reason);
    return `${day} ${amount} ${reason}`;
  });
  ctx.reply(`${ctx.t('historyTitle')}\n${lines.join('\n')}`);
}
