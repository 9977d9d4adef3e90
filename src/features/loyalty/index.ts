// Loyalty points: welcome and check-in points, purchases, tiers, the rewards catalog and
// redemption codes, expiry of old points. Other features award points through its API.
import { defineFeature } from '../../kernel/feature.js';
import type { Tx } from '../../store/index.js';
import { refreshPurchaseTotals } from '../../store/purchases.js';
import { loyaltyCommandSpecs } from './commands.js';
import { loyaltyCommands, welcomePoints } from './middleware.js';
import { REDEEM_PAYLOAD, rewardsCommands } from './redeem-middleware.js';
import { RedemptionCodes } from './redemption-codes.js';
import { redemptionRoutes } from './redemption-routes.js';
import { Rewards } from './rewards.js';
import { loyaltyRoutes, type PurchaseHook } from './routes.js';
import { Loyalty } from './service.js';
import { loyaltySettings } from './settings.js';
import { loyaltyTexts } from './texts.js';

export { appendInTx, type EntryResult, PointsLimitExceeded } from './ledger.js';
export type { PurchaseHook } from './routes.js';
export type { Announce, AwardOutcome, Loyalty, LoyaltySettings, Tier } from './service.js';
export { congratulateTier } from './tier-notice.js';

export interface LoyaltyApi {
  loyalty: Loyalty;
  /** Runs after each purchase the business reports (POST /api/v1/customers/:id/purchases). */
  afterPurchase(hook: PurchaseHook): void;
}

/** The absorbed customer's ledger, purchases and redemptions join the survivor's; balances add up. */
async function mergePoints(tx: Tx, survivorId: string, absorbedId: string): Promise<void> {
  const absorbed = await tx.customer.findUniqueOrThrow({ where: { id: absorbedId }, select: { pointsBalance: true } });
  const move = { where: { customerId: absorbedId }, data: { customerId: survivorId } };
  await tx.pointsEntry.updateMany(move);
  await tx.purchase.updateMany(move);
  await refreshPurchaseTotals(tx, survivorId);
  await tx.redemption.updateMany(move);
  await tx.customer.update({
    where: { id: survivorId },
    data: { pointsBalance: { increment: absorbed.pointsBalance } },
  });
  await tx.customer.update({ where: { id: absorbedId }, data: { pointsBalance: 0 } });
}

export const loyaltyFeature = defineFeature({
  name: 'loyalty',
  summary: 'Points for welcome, check-in, purchases and feedback; tiers; rewards and redemption codes; expiry',
  settings: { key: 'loyalty', schema: loyaltySettings },
  texts: loyaltyTexts,
  slots: ['welcome-points', 'points', 'rewards'],
  commands: loyaltyCommandSpecs,
  onCustomersMerged: mergePoints,
  setup(host) {
    const loyalty = new Loyalty(host.db, host.settings, host.env.BUSINESS_TIMEZONE, host.clock, host.logger);
    const rewards = new Rewards(host.db, host.provider, loyalty, host.clock);
    const codes = new RedemptionCodes(host.db, loyalty, host.clock);
    const afterPurchase: PurchaseHook[] = [];
    return {
      middleware: {
        'welcome-points': welcomePoints(loyalty),
        points: loyaltyCommands(loyalty),
        rewards: rewardsCommands(rewards),
      },
      adminRoutes: async (app) => {
        await app.register(loyaltyRoutes, { ...host.outreach, loyalty, afterPurchase });
        await app.register(redemptionRoutes, { codes });
      },
      jobs: [{ name: 'points-expiry', schedule: '15 3 * * *', run: () => loyalty.expireDue() }],
      api: { loyalty, afterPurchase: (hook: PurchaseHook) => void afterPurchase.push(hook) },
      async profile(customerId) {
        const summary = await loyalty.summary(customerId);
        return { points: { balance: summary.balance, tier: summary.tier.id, tierName: summary.tier.name } };
      },
      // GET /api/v1/me: the customer's points and the catalog, each reward with its button's payload.
      async panel(customerId) {
        const { summary, rewards: catalog } = await rewards.catalogFor(customerId);
        const { nextTier } = summary;
        return {
          points: {
            balance: summary.balance,
            tier: { id: summary.tier.id, name: summary.tier.name },
            nextTier: nextTier ? { id: nextTier.id, name: nextTier.name, threshold: nextTier.minPoints } : null,
            toNextTier: nextTier ? summary.toNextTier : null,
          },
          rewards: catalog.map(({ reward, available }) => ({
            id: reward.id,
            name: reward.name,
            cost: reward.cost,
            available,
            payload: `${REDEEM_PAYLOAD}${reward.id}`,
          })),
        };
      },
    };
  },
});
