// Rewards in the chat: /rewards lists what the customer can afford (buttons), /redeem <id> or a
// button asks for confirmation, and the confirmation button redeems, once, and returns a code.
import { randomBytes } from 'node:crypto';
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import { RedeemRefused, type Reward, type Rewards } from './rewards.js';

// Short payloads: Telegram allows 64 bytes of callback data.
/** A reward's button: `redeem:<reward id>` asks the customer to confirm redeeming it. */
export const REDEEM_PAYLOAD = 'redeem:';
const ASK = REDEEM_PAYLOAD;
const CONFIRM = 'rc:';
const CANCEL = 'rx';

function askConfirmation(ctx: TurnContext, reward: Reward): void {
  const nonce = randomBytes(4).toString('hex');
  ctx.reply(ctx.t('redeemConfirm', { cost: reward.cost, name: reward.name[ctx.locale] }), [
    { label: ctx.t('redeemConfirmButton'), payload: `${CONFIRM}${reward.id}:${nonce}` },
    { label: ctx.t('redeemCancelButton'), payload: CANCEL },
  ]);
}

export function rewardsCommands(rewards: Rewards): Middleware<TurnContext> {
  return async (ctx, next) => {
    const payload = ctx.message.payload;
    const command = ctx.command;

    if (command?.name === 'rewards' || ctx.message.text?.trim() === '兑换奖励') {
      const { summary, rewards: list } = await rewards.available(ctx.customer.id);
      const affordable = list.filter((r) => r.reward.cost <= summary.balance);
      if (!affordable.length) {
        const cheapest = list[0]?.reward.cost ?? rewards.catalog[0]?.cost ?? 0;
        ctx.reply(ctx.t('rewardsNone', { balance: summary.balance, cost: cheapest }));
        return;
      }
      ctx.reply(
        ctx.t('rewardsList', { balance: summary.balance }),
        affordable.map(({ reward }) => ({
          label: `${reward.name[ctx.locale]} · ${reward.cost}`,
          payload: `${ASK}${reward.id}`,
        })),
      );
      return;
    }

    if (command?.name === 'redeem' || payload?.startsWith(ASK)) {
      const id = command ? command.args[0] : payload?.slice(ASK.length);
      if (!id) {
        ctx.reply(ctx.t('redeemUsage', { example: rewards.catalog[0]?.id ?? 'voucher' }));
        return;
      }
      const reward = rewards.find(id.toLowerCase());
      if (!reward) ctx.reply(ctx.t('redeemUnknown'));
      else askConfirmation(ctx, reward);
      return;
    }

    if (payload === CANCEL) {
      ctx.reply(ctx.t('redeemCancelled'));
      return;
    }

    if (payload?.startsWith(CONFIRM)) {
      const [id = '', nonce = ''] = payload.slice(CONFIRM.length).split(':');
      const reward = rewards.find(id);
      if (!reward || !nonce) {
        ctx.reply(ctx.t('redeemUnknown'));
        return;
      }
      const name = reward.name[ctx.locale];
      try {
        const done = await rewards.redeem(ctx.customer.id, reward.id, nonce);
        ctx.reply(ctx.t('redeemDone', { name, code: done.code, balance: done.balance }));
        if (done.applied) ctx.event('redemption', { rewardId: reward.id, code: done.code, cost: reward.cost });
      } catch (err) {
        if (!(err instanceof RedeemRefused)) throw err;
        const { balance } = await rewards.available(ctx.customer.id).then((a) => a.summary);
        const tier = rewards.catalogTierName(reward, ctx.locale);
        const text = {
          unknown: ctx.t('redeemUnknown'),
          points: ctx.t('redeemPoints', { name, cost: reward.cost, balance }),
          stock: ctx.t('redeemStock', { name }),
          limit: ctx.t('redeemLimit', { name, limit: reward.perCustomerLimit ?? 1 }),
          tier: ctx.t('redeemTier', { name, tier }),
        }[err.reason];
        ctx.reply(text);
        ctx.event('redemption_refused', { rewardId: reward.id, reason: err.reason });
      }
      return;
    }
    return next();
  };
}
