// A customer lifted into a tier is congratulated in their latest chat (marketing: not after /stop).
import { format, type Locale } from '../../engine/i18n.js';
import { notifyIn, type Outreach } from '../../outbox/outreach.js';
import type { Tx } from '../../store/index.js';
import type { Tier } from './service.js';

/**
 * Congratulates a customer on a tier (marketing), in the transaction of the award that lifted
 * them, so the award and its congratulation commit together; the caller wakes the dispatcher
 * after the commit. `cause` names what lifted them (an order, an adjustment, a referral) so the
 * same event congratulates once, however often it is retried.
 */
export function congratulateTier(tx: Tx, o: Outreach, customerId: string, tier: Tier, cause: string) {
  const text = (l: Locale) => format(o.texts[l].tierReached, { tier: tier.name[l], perks: tier.perks[l] });
  return notifyIn(tx, o, customerId, text, {
    purpose: 'marketing',
    kind: 'tier_reached',
    key: `tier:${customerId}:${tier.id}:${cause}`,
    // News of the customer's own points: past the frequency cap (quiet hours still hold it).
    priority: 'high',
  });
}
