// /invite (邀请好友) shows the customer's code; /ref CODE (邀请码 CODE) redeems a friend's.

import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import type { LoyaltySettings } from '../loyalty/index.js';
import { NEW_CUSTOMER_DAYS, type Referrals } from './referrals.js';

export interface ReferralOptions {
  referrals: Referrals;
  rules: LoyaltySettings['rules'];
}

const refusals = {
  unknown: 'refUnknown',
  self: 'refSelf',
  mutual: 'refMutual',
  already: 'refAlready',
  'not-new': 'refNotNew',
} as const;

export function referralCommands(o: ReferralOptions): Middleware<TurnContext> {
  const rule = o.rules.referral;
  return async (ctx, next) => {
    const text = ctx.message.text?.trim() ?? '';
    const spoken = /^邀请码\s*([A-Za-z0-9]{4,12})$/.exec(text);
    if (ctx.command?.name === 'invite' || text === '邀请好友') {
      const code = await o.referrals.codeFor(ctx.customer.id);
      const key = rule.on === 'start' ? 'inviteCode' : 'inviteCodePurchase';
      ctx.reply(ctx.t(key, { code, referee: rule.referee, referrer: rule.referrer, max: rule.maxPerMonth }));
      return;
    }
    if (ctx.command?.name !== 'ref' && !spoken) return next();
    const code = spoken?.[1] ?? ctx.command?.args[0];
    if (!code) {
      ctx.reply(ctx.t('refUsage'));
      return;
    }
    const outcome = await o.referrals.enter(ctx.customer.id, code);
    if (!outcome.ok) {
      ctx.reply(ctx.t(refusals[outcome.reason], { days: NEW_CUSTOMER_DAYS }));
      return;
    }
    ctx.event('referral', { referrerId: outcome.referrerId, paid: outcome.payout !== null });
    const payout = outcome.payout;
    if (!payout) {
      // Recorded: both sides are paid with this customer's first purchase.
      ctx.reply(ctx.t('refRecorded', { points: rule.referee }));
      return;
    }
    // The one who invited hears about it in their own chat: enter() queued that with the payout.
    ctx.reply(ctx.t('refDone', { points: payout.refereePoints }));
    const tier = payout.refereeTier;
    if (tier) {
      ctx.reply(ctx.t('tierReached', { tier: tier.name[ctx.locale], perks: tier.perks[ctx.locale] }));
      ctx.event('tier_reached', { tier: tier.id });
    }
  };
}
