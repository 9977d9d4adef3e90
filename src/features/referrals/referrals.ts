// Referrals: every customer has a short code (/invite); a new customer who sends it (/ref CODE)
// earns points, and so does the one who invited them, once: the referee is unique.
//
// Scripted sign-ups cost nothing, so by default (`loyalty.rules.referral.on: purchase`) the code
// is only recorded when it is entered, and both sides are paid when the referee makes a first
// purchase; a referrer earns at most `maxPerMonth` referral rewards a calendar month. Paying is
// one transaction that first moves the referral from `pending` by a conditional UPDATE, so a
// purchase reported twice, or by two instances at once, pays once. The notices of the payout
// (and of a tier it reached) are queued in that same transaction: a crash leaves neither or both.
import { randomInt } from 'node:crypto';
import type { Outreach } from '../../outbox/outreach.js';
import { insertMany } from '../../store/bulk.js';
import { type Db, isUniqueViolation, type Tx } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';
import { appendInTx, type EntryResult, type Loyalty, PointsLimitExceeded, type Tier } from '../loyalty/index.js';
import { announceReferralPayout } from './notices.js';

const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Only customers this new may enter a code: a referral brings in someone who was not here. */
export const NEW_CUSTOMER_DAYS = 14;

/** What one referral paid out (points actually credited; 0 when a side got nothing). */
export interface ReferralPayout {
  referrerId: string;
  refereeId: string;
  refereePoints: number;
  referrerPoints: number;
  /** The referrer got nothing: their monthly allowance was used up (or their balance is at the limit). */
  capped: boolean;
  refereeTier?: Tier;
  referrerTier?: Tier;
}

export type ReferralOutcome =
  | { ok: true; referrerId: string; payout: ReferralPayout | null }
  | { ok: false; reason: 'unknown' | 'self' | 'mutual' | 'already' | 'not-new' };

type Paid = ReferralPayout & { results: EntryResult[] };

export class Referrals {
  private readonly db: Db;
  private readonly provider: DatabaseProvider;
  private readonly clock: Clock;

  constructor(
    private readonly outreach: Outreach,
    private readonly loyalty: Loyalty,
  ) {
    this.db = outreach.db;
    this.provider = outreach.provider;
    this.clock = outreach.clock;
  }

  private get rules() {
    return this.loyalty.settings.rules.referral;
  }

  /** The customer's code, made on first request. */
  async codeFor(customerId: string): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.db.customer.findUniqueOrThrow({
        where: { id: customerId },
        select: { referralCode: true },
      });
      if (current.referralCode) return current.referralCode;
      const code = Array.from({ length: 6 }, () => alphabet[randomInt(alphabet.length)]).join('');
      try {
        await this.db.customer.updateMany({
          where: { id: customerId, referralCode: null },
          data: { referralCode: code },
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // another customer has it: draw again
      }
    }
    throw new Error('could not make a referral code');
  }

  /** A new customer enters a friend's code: recorded, and paid at once when `on: start`. */
  async enter(refereeId: string, rawCode: string): Promise<ReferralOutcome> {
    const code = rawCode.trim().toUpperCase();
    const referrer = await this.db.customer.findUnique({ where: { referralCode: code }, select: { id: true } });
    if (!referrer) return { ok: false, reason: 'unknown' };
    if (referrer.id === refereeId) return { ok: false, reason: 'self' };
    const referee = await this.db.customer.findUniqueOrThrow({
      where: { id: refereeId },
      select: { createdAt: true, _count: { select: { purchases: true } } },
    });
    if (await this.db.referral.findUnique({ where: { refereeId } })) return { ok: false, reason: 'already' };
    // Two new accounts inviting each other would pay a pair twice for nothing.
    if (await this.db.referral.findFirst({ where: { referrerId: refereeId, refereeId: referrer.id } }))
      return { ok: false, reason: 'mutual' };
    const now = new Date(this.clock.now());
    if (referee._count.purchases > 0 || now.getTime() - referee.createdAt.getTime() > NEW_CUSTOMER_DAYS * 86_400_000) {
      return { ok: false, reason: 'not-new' };
    }
    try {
      const paid = await this.db.$transaction(async (tx) => {
        const referral = await tx.referral.create({
          data: { referrerId: referrer.id, refereeId, createdAt: now, status: 'pending' },
        });
        if (this.rules.on !== 'start') return null;
        const paid = await this.payInTx(tx, referral, now);
        return paid && this.announceInTx(tx, paid, now, 'start');
      });
      if (paid) this.outreach.onQueued();
      return { ok: true, referrerId: referrer.id, payout: paid };
    } catch (err) {
      if (isUniqueViolation(err)) return { ok: false, reason: 'already' };
      throw err;
    }
  }

  /**
   * Pays the customer's pending referral once they have purchased; null when there is nothing to
   * pay (no referral, paid already, no purchase yet). Called after every reported purchase, also a
   * repeated one, so a report retried after a crash still pays.
   */
  async settle(refereeId: string): Promise<ReferralPayout | null> {
    const referral = await this.db.referral.findUnique({ where: { refereeId } });
    if (referral?.status !== 'pending') return null;
    if ((await this.db.purchase.count({ where: { customerId: refereeId } })) === 0) return null;
    const now = new Date(this.clock.now());
    const payout = await this.db.$transaction(async (tx) => {
      const paid = await this.payInTx(tx, referral, now);
      return paid && this.announceInTx(tx, paid, now, 'purchase');
    });
    if (payout) this.outreach.onQueued();
    return payout;
  }

  /** Tells both sides what the payout gave them, in the payout's transaction. */
  private async announceInTx(tx: Tx, paid: Paid, at: Date, paidAt: 'start' | 'purchase'): Promise<ReferralPayout> {
    const payout = await this.withTiers(tx, paid, at);
    await announceReferralPayout(tx, this.outreach, payout, paidAt);
    return payout;
  }

  private async payInTx(
    tx: Tx,
    referral: { id: number; referrerId: string; refereeId: string },
    at: Date,
  ): Promise<Paid | null> {
    const { referrerId, refereeId } = referral;
    // The claim: whoever moves it from pending pays; everyone else finds nothing to do.
    const claimed = await tx.referral.updateMany({
      where: { id: referral.id, status: 'pending' },
      data: { status: 'paid', paidAt: at },
    });
    if (claimed.count === 0) return null;
    const expiresAt = this.loyalty.expiryFor(at);
    const meta = { referrerId, refereeId };
    const results: EntryResult[] = [];
    const pay = async (customerId: string, side: 'referee' | 'referrer', points: number) => {
      try {
        const result = await appendInTx(tx, {
          customerId,
          kind: 'award',
          delta: points,
          reason: 'referral',
          idempotencyKey: `referral:${side}:${refereeId}`,
          expiresAt,
          meta,
          at,
        });
        results.push(result);
        return result.entry.delta;
      } catch (err) {
        // A balance at the ledger's limit takes no more; the other side is still paid.
        if (err instanceof PointsLimitExceeded) return 0;
        throw err;
      }
    };
    const refereePoints = this.rules.referee > 0 ? await pay(refereeId, 'referee', this.rules.referee) : 0;
    let referrerPoints = 0;
    let capped = false;
    if (this.rules.referrer > 0) {
      const month = this.loyalty.dayOf(at).slice(0, 7);
      await insertMany(tx, this.provider, 'ReferralQuota', [{ referrerId, month, paid: 0 }], {
        skipConflictsOn: ['referrerId', 'month'],
      });
      const quota = { referrerId_month: { referrerId, month } };
      const taken = await tx.referralQuota.updateMany({
        where: { referrerId, month, paid: { lt: this.rules.maxPerMonth } },
        data: { paid: { increment: 1 } },
      });
      if (taken.count === 1) referrerPoints = await pay(referrerId, 'referrer', this.rules.referrer);
      if (taken.count === 1 && referrerPoints === 0)
        await tx.referralQuota.update({ where: quota, data: { paid: { decrement: 1 } } });
      capped = referrerPoints === 0;
      if (capped) await tx.referral.update({ where: { id: referral.id }, data: { status: 'capped' } });
    }
    return { referrerId, refereeId, refereePoints, referrerPoints, capped, results };
  }

  private async withTiers(tx: Tx, paid: Paid, at: Date): Promise<ReferralPayout> {
    const { results, ...payout } = paid;
    for (const result of results) {
      const { tierReached } = await this.loyalty.withTier(result.entry.customerId, result, at, tx);
      if (!tierReached) continue;
      if (result.entry.customerId === payout.refereeId) payout.refereeTier = tierReached;
      else payout.referrerTier = tierReached;
    }
    return payout;
  }
}
