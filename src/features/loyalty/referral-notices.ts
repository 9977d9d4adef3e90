// Tells both sides of a paid referral, in each one's own language and latest chat: the referrer
// (and the referee, when the reward came with their purchase rather than in their own chat turn).
import { format, type Locale, type TextKey } from '../../engine/i18n.js';
import { notifyCustomer, type Outreach } from '../../store/notify.js';
import type { ReferralPayout } from './referrals.js';
import type { Tier } from './service.js';

async function tell(o: Outreach, customerId: string, key: TextKey, vars: Record<string, number>): Promise<boolean> {
  const text = (l: Locale) => format(o.texts[l][key], vars);
  return notifyCustomer(o.db, o.provider, customerId, o.defaultLocale, text, 'referral', new Date(o.clock.now()));
}

async function congratulate(o: Outreach, customerId: string, tier: Tier): Promise<boolean> {
  const text = (l: Locale) => format(o.texts[l].tierReached, { tier: tier.name[l], perks: tier.perks[l] });
  return notifyCustomer(o.db, o.provider, customerId, o.defaultLocale, text, 'tier_reached', new Date(o.clock.now()));
}

/** `paidAt`: `start` when the referee's own turn already says what they got. */
export async function announceReferralPayout(o: Outreach, payout: ReferralPayout, paidAt: 'start' | 'purchase') {
  let queued = false;
  if (payout.referrerPoints > 0) {
    const key = paidAt === 'start' ? 'refReferrer' : 'refReferrerPurchase';
    queued = (await tell(o, payout.referrerId, key, { points: payout.referrerPoints })) || queued;
    if (payout.referrerTier) queued = (await congratulate(o, payout.referrerId, payout.referrerTier)) || queued;
  }
  if (paidAt === 'purchase' && payout.refereePoints > 0) {
    queued = (await tell(o, payout.refereeId, 'refRefereePaid', { points: payout.refereePoints })) || queued;
    if (payout.refereeTier) queued = (await congratulate(o, payout.refereeId, payout.refereeTier)) || queued;
  }
  if (queued) o.onQueued();
}
