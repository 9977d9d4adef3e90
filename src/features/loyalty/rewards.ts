// Redeeming points for rewards. One transaction spends the points (refused below zero), checks
// the per-customer limit and takes one from the stock by a conditional UPDATE, so concurrent
// redemptions can neither oversell nor double-spend; a repeated request key redeems once.
import { randomInt } from 'node:crypto';
import { AppError } from '../../errors.js';
import { insertMany } from '../../store/bulk.js';
import { type Db, isUniqueViolation } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';
import { appendInTx } from './ledger.js';
import type { Loyalty, LoyaltySettings } from './service.js';

export type Reward = LoyaltySettings['rewards'][number];

export type RedeemRefusal = 'unknown' | 'tier' | 'limit' | 'stock' | 'points';

export class RedeemRefused extends AppError {
  constructor(
    readonly reason: RedeemRefusal,
    message: string,
  ) {
    super('REDEEM_REFUSED', message);
    this.name = 'RedeemRefused';
  }
}

// No 0/O or 1/I: codes are read aloud at the counter.
const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const newCode = () => Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join('');

export interface Redeemed {
  code: string;
  reward: Reward;
  balance: number;
  /** False when this request key had redeemed before: the same redemption is returned. */
  applied: boolean;
}

export class Rewards {
  constructor(
    private readonly db: Db,
    private readonly provider: DatabaseProvider,
    private readonly loyalty: Loyalty,
    private readonly clock: Clock,
  ) {}

  get catalog(): Reward[] {
    return this.loyalty.settings.rewards;
  }

  /** The name of the tier a reward needs, for messages. */
  catalogTierName(reward: Reward, locale: 'zh-CN' | 'en'): string {
    return this.loyalty.settings.tiers.find((t) => t.id === reward.tier)?.name[locale] ?? reward.tier ?? '';
  }

  find(id: string): Reward | undefined {
    return this.catalog.find((r) => r.id === id);
  }

  /** Rewards the customer's tier allows, cheapest first, with stock left where stock is counted. */
  async available(customerId: string) {
    const summary = await this.loyalty.summary(customerId);
    const stock = await this.db.rewardStock.findMany();
    const redeemed = new Map(stock.map((s) => [s.rewardId, s.redeemed]));
    return {
      summary,
      rewards: this.catalog
        .filter((r) => this.tierAllows(r, summary.tier.minPoints))
        .map((r) => ({ reward: r, left: r.stock === undefined ? undefined : r.stock - (redeemed.get(r.id) ?? 0) }))
        .filter((r) => r.left === undefined || r.left > 0)
        .sort((a, b) => a.reward.cost - b.reward.cost),
    };
  }

  /**
   * The whole catalog for one customer, cheapest first, each with whether it can be redeemed now:
   * the tier allows it, stock is left, the per-customer limit is not reached and the balance covers it.
   */
  async catalogFor(customerId: string) {
    const { summary, rewards: open } = await this.available(customerId);
    const allowed = new Set(open.map((r) => r.reward.id));
    const limited = this.catalog.filter((r) => r.perCustomerLimit !== undefined).map((r) => r.id);
    const taken = limited.length
      ? await this.db.redemption.groupBy({
          by: ['rewardId'],
          // A cancelled redemption was given back: it does not count.
          where: { customerId, rewardId: { in: limited }, status: { not: 'cancelled' } },
          _count: { _all: true },
        })
      : [];
    const count = new Map(taken.map((t) => [t.rewardId, t._count._all]));
    return {
      summary,
      rewards: [...this.catalog]
        .sort((a, b) => a.cost - b.cost)
        .map((reward) => ({
          reward,
          available:
            allowed.has(reward.id) &&
            reward.cost <= summary.balance &&
            (reward.perCustomerLimit === undefined || (count.get(reward.id) ?? 0) < reward.perCustomerLimit),
        })),
    };
  }

  private tierAllows(reward: Reward, customerTierMin: number): boolean {
    if (!reward.tier) return true;
    const needed = this.loyalty.settings.tiers.find((t) => t.id === reward.tier);
    return !needed || customerTierMin >= needed.minPoints;
  }

  /** Redeems one reward; `requestKey` identifies the customer's confirmation (a double tap redeems once). */
  async redeem(customerId: string, rewardId: string, requestKey: string): Promise<Redeemed> {
    const reward = this.find(rewardId);
    if (!reward) throw new RedeemRefused('unknown', `no reward ${rewardId}`);
    const pointsKey = `redeem:${customerId}:${requestKey}`;
    const earlier = await this.db.redemption.findUnique({ where: { pointsKey } });
    if (earlier) return this.repeat(customerId, earlier.code, reward);

    const summary = await this.loyalty.summary(customerId);
    if (!this.tierAllows(reward, summary.tier.minPoints)) {
      throw new RedeemRefused('tier', `${reward.id} needs tier ${reward.tier}`);
    }
    if (reward.stock !== undefined) {
      await insertMany(this.db, this.provider, 'RewardStock', [{ rewardId: reward.id, redeemed: 0 }], {
        skipConflictsOn: ['rewardId'],
      });
    }
    const at = new Date(this.clock.now());
    try {
      return await this.db.$transaction(async (tx) => {
        // Spending first locks the customer's row, so their concurrent redemptions queue here
        // and the limit below counts the ones that committed.
        const spent = await appendInTx(tx, {
          customerId,
          kind: 'spend',
          delta: -reward.cost,
          reason: 'redemption',
          idempotencyKey: pointsKey,
          meta: { rewardId: reward.id },
          at,
        });
        // The same confirmation committed while this one waited: its redemption is the answer.
        if (!spent.applied) {
          const earlier = await tx.redemption.findUniqueOrThrow({ where: { pointsKey } });
          return { code: earlier.code, reward, balance: spent.balance, applied: false };
        }
        if (reward.perCustomerLimit !== undefined) {
          // A cancelled redemption was given back: it does not count.
          const count = await tx.redemption.count({
            where: { customerId, rewardId: reward.id, status: { not: 'cancelled' } },
          });
          if (count >= reward.perCustomerLimit)
            throw new RedeemRefused('limit', `${reward.id}: at most ${reward.perCustomerLimit} each`);
        }
        if (reward.stock !== undefined) {
          const taken = await tx.rewardStock.updateMany({
            where: { rewardId: reward.id, redeemed: { lt: reward.stock } },
            data: { redeemed: { increment: 1 } },
          });
          if (taken.count === 0) throw new RedeemRefused('stock', `${reward.id} is out of stock`);
        }
        const code = newCode();
        await tx.redemption.create({
          data: { customerId, rewardId: reward.id, cost: reward.cost, code, pointsKey, createdAt: at },
        });
        return { code, reward, balance: spent.balance, applied: true };
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'POINTS_INSUFFICIENT') {
        throw new RedeemRefused('points', err.message);
      }
      // The same confirmation arrived twice at once: the other one redeemed.
      if (isUniqueViolation(err)) {
        const winner = await this.db.redemption.findUnique({ where: { pointsKey } });
        if (winner) return this.repeat(customerId, winner.code, reward);
      }
      throw err;
    }
  }

  private async repeat(customerId: string, code: string, reward: Reward): Promise<Redeemed> {
    const { pointsBalance } = await this.db.customer.findUniqueOrThrow({
      where: { id: customerId },
      select: { pointsBalance: true },
    });
    return { code, reward, balance: pointsBalance, applied: false };
  }
}
