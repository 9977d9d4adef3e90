// /invite (邀请好友) shows the customer's code; /ref CODE (邀请码 CODE) redeems a friend's.

import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import { format, type Locale } from '../../engine/i18n.js';
import { notifyCustomer, type Outreach } from '../../store/notify.js';
import { NEW_CUSTOMER_DAYS, type Referrals } from './referrals.js';
import type { LoyaltySettings } from './service.js';

export interface ReferralOptions extends Outreach {
  referrals: Referrals;
  rules: LoyaltySettings['rules'];
}

export function referralCommands(o: ReferralOptions): Middleware<TurnContext> {
  return async (ctx, next) => {
    const text = ctx.message.text?.trim() ?? '';
    const spoken = /^邀请码\s*([A-Za-z0-9]{4,12})$/.exec(text);
    if (ctx.command?.name === 'invite' || text === '邀请好友') {
      const code = await o.referrals.codeFor(ctx.customer.id);
      ctx.reply(ctx.t('inviteCode', { code, referee: o.rules.referral.referee, referrer: o.rules.referral.referrer }));
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
      const key = { unknown: 'refUnknown', self: 'refSelf', already: 'refAlready', 'not-new': 'refNotNew' } as const;
      ctx.reply(ctx.t(key[outcome.reason], { days: NEW_CUSTOMER_DAYS }));
      return;
    }
    ctx.reply(ctx.t('refDone', { points: outcome.refereePoints }));
    ctx.event('referral', { referrerId: outcome.referrerId });
    // The one who invited hears about it in their own chat.
    if (outcome.referrerPoints > 0) {
      const points = outcome.referrerPoints;
      const text = (l: Locale) => format(o.texts[l].refReferrer, { points });
      const at = new Date(o.clock.now());
      if (await notifyCustomer(o.db, o.provider, outcome.referrerId, o.defaultLocale, text, 'referral', at))
        o.onQueued();
    }
  };
}
