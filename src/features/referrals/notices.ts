// Tells both sides of a paid referral, in each one's own language and latest chat: the referrer
// (and the referee, when the reward came with their purchase rather than in their own chat turn).
// Written in the payout's transaction (the caller wakes the dispatcher once it committed).
// Marketing: an opted-out customer is not told (their points are paid all the same). A referee is
// referred once, so the referee's id keys each notice.
import { format, type Locale, type TextKey } from '../../engine/i18n.js';
import { notifyIn, type Outreach } from '../../outbox/outreach.js';
import type { Tx } from '../../store/index.js';
import { congratulateTier } from '../loyalty/index.js';
import type { ReferralPayout } from './referrals.js';

function tell(tx: Tx, o: Outreach, customerId: string, key: TextKey, vars: Record<string, number>, dedupe: string) {
  const text = (l: Locale) => format(o.texts[l][key], vars);
  return notifyIn(tx, o, customerId, text, {
    purpose: 'marketing',
    kind: 'referral',
    key: dedupe,
    // News of the customer's own points: past the frequency cap (quiet hours still hold it).
    priority: 'high',
  });
}

/** `paidAt`: `start` when the referee's own turn already says what they got. */
export async function announceReferralPayout(
  tx: Tx,
  o: Outreach,
  payout: ReferralPayout,
  paidAt: 'start' | 'purchase',
) {
  const cause = `referral:${payout.refereeId}`;
  if (payout.referrerPoints > 0) {
    const key = paidAt === 'start' ? 'refReferrer' : 'refReferrerPurchase';
    await tell(tx, o, payout.referrerId, key, { points: payout.referrerPoints }, `${cause}:referrer`);
    if (payout.referrerTier) await congratulateTier(tx, o, payout.referrerId, payout.referrerTier, cause);
  }
  if (paidAt === 'purchase' && payout.refereePoints > 0) {
    await tell(tx, o, payout.refereeId, 'refRefereePaid', { points: payout.refereePoints }, `${cause}:referee`);
    if (payout.refereeTier) await congratulateTier(tx, o, payout.refereeId, payout.refereeTier, cause);
  }
}
