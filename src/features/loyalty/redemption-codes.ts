// Redemption codes at the shop counter: look a code up, mark it used (once), or cancel it and
// give the points back (once). Each change is a conditional UPDATE on the code's status, so of
// two tills scanning the same code at once exactly one wins; the refund's ledger entry carries
// an idempotency key of its own as a second guard.
import { AppError } from '../../errors.js';
import type { Db, Tx } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';
import { appendInTx } from './ledger.js';
import type { Loyalty } from './service.js';

export type RedemptionStatus = 'issued' | 'used' | 'cancelled';

export interface RedemptionView {
  code: string;
  status: RedemptionStatus;
  /** name is null when the reward has left the catalog since. */
  reward: { id: string; name: { 'zh-CN': string; en: string } | null; cost: number };
  customer: { id: string; displayName: string | null };
  issuedAt: string;
  usedAt: string | null;
  cancelledAt: string | null;
}

type Row = {
  id: number;
  code: string;
  status: string;
  rewardId: string;
  cost: number;
  customerId: string;
  createdAt: Date;
  usedAt: Date | null;
  cancelledAt: Date | null;
  customer: { displayName: string | null };
};

const withCustomer = { customer: { select: { displayName: true } } } as const;

/** Codes are printed in capitals and read aloud; whatever case the till types is the same code. */
export const normalizeCode = (code: string) => code.trim().toUpperCase();

export class RedemptionCodes {
  constructor(
    private readonly db: Db,
    private readonly loyalty: Loyalty,
    private readonly clock: Clock,
  ) {}

  private view(row: Row): RedemptionView {
    const reward = this.loyalty.settings.rewards.find((r) => r.id === row.rewardId);
    return {
      code: row.code,
      status: row.status as RedemptionStatus,
      reward: { id: row.rewardId, name: reward?.name ?? null, cost: row.cost },
      customer: { id: row.customerId, displayName: row.customer.displayName },
      issuedAt: row.createdAt.toISOString(),
      usedAt: row.usedAt?.toISOString() ?? null,
      cancelledAt: row.cancelledAt?.toISOString() ?? null,
    };
  }

  private async find(db: Db | Tx, code: string): Promise<Row> {
    const row = await db.redemption.findUnique({ where: { code: normalizeCode(code) }, include: withCustomer });
    if (!row) throw new AppError('HTTP_NOT_FOUND', `no redemption code ${normalizeCode(code)}`);
    return row;
  }

  /** Why a code that is no longer `issued` cannot be used or cancelled. */
  private refusal(row: Row): AppError {
    if (row.status === 'used')
      return new AppError('REDEMPTION_USED', `code ${row.code} was used at ${row.usedAt?.toISOString()}`);
    return new AppError('REDEMPTION_CANCELLED', `code ${row.code} was cancelled at ${row.cancelledAt?.toISOString()}`);
  }

  async get(code: string): Promise<RedemptionView> {
    return this.view(await this.find(this.db, code));
  }

  /** Marks an issued code used; a used or cancelled one is refused with when that happened. */
  async use(code: string): Promise<RedemptionView> {
    const at = new Date(this.clock.now());
    return this.db.$transaction(async (tx) => {
      const row = await this.find(tx, code);
      const won = await tx.redemption.updateMany({
        where: { id: row.id, status: 'issued' },
        data: { status: 'used', usedAt: at },
      });
      if (won.count === 0) throw this.refusal(await this.find(tx, code));
      await tx.interaction.create({
        data: {
          customerId: row.customerId,
          channel: 'system',
          direction: 'event',
          kind: 'redemption_used',
          text: `${row.rewardId} ${row.code}`,
          payload: { code: row.code, rewardId: row.rewardId },
          createdAt: at,
        },
      });
      return this.view({ ...row, status: 'used', usedAt: at });
    });
  }

  /** Cancels an issued code: its points come back and, for a reward with limited stock, the item too. */
  async cancel(code: string): Promise<RedemptionView & { refunded: number; balance: number }> {
    const at = new Date(this.clock.now());
    return this.db.$transaction(async (tx) => {
      const row = await this.find(tx, code);
      const won = await tx.redemption.updateMany({
        where: { id: row.id, status: 'issued' },
        data: { status: 'cancelled', cancelledAt: at },
      });
      if (won.count === 0) throw this.refusal(await this.find(tx, code));
      // Refunded points are not earned ones (tiers ignore kind refund) and expire like a new award.
      const refund = await appendInTx(tx, {
        customerId: row.customerId,
        kind: 'refund',
        delta: row.cost,
        reason: 'refund',
        idempotencyKey: `redemption-cancel:${row.id}`,
        expiresAt: this.loyalty.expiryFor(at),
        meta: { code: row.code, rewardId: row.rewardId },
        at,
      });
      const reward = this.loyalty.settings.rewards.find((r) => r.id === row.rewardId);
      if (reward?.stock !== undefined) {
        await tx.rewardStock.updateMany({
          where: { rewardId: row.rewardId, redeemed: { gt: 0 } },
          data: { redeemed: { decrement: 1 } },
        });
      }
      await tx.interaction.create({
        data: {
          customerId: row.customerId,
          channel: 'system',
          direction: 'event',
          kind: 'redemption_cancelled',
          text: `${row.rewardId} ${row.code}`,
          payload: { code: row.code, rewardId: row.rewardId, refunded: row.cost },
          createdAt: at,
        },
      });
      return {
        ...this.view({ ...row, status: 'cancelled', cancelledAt: at }),
        refunded: row.cost,
        balance: refund.balance,
      };
    });
  }
}
