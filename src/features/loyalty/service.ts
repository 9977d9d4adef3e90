// Loyalty: earning rules, purchases, tiers and the customer's points summary, over the ledger.
import type { Logger } from 'pino';
import { AppError } from '../../errors.js';
import { type Db, isUniqueViolation, type Tx } from '../../store/index.js';
import { refreshPurchaseTotals } from '../../store/purchases.js';
import type { Clock } from '../../util/clock.js';
import {
  append,
  appendInTx,
  type EntryInput,
  type EntryResult,
  type LedgerEntry,
  POINTS_LIMIT,
  PointsLimitExceeded,
} from './ledger.js';
import { earnedSince, expiredLots, expiringBetween, openLots } from './lots.js';
import type { LoyaltySettings } from './settings.js';

export type { LoyaltySettings };
export type Tier = LoyaltySettings['tiers'][number];

const DAY = 86_400_000;

export interface Summary {
  balance: number;
  tier: Tier;
  nextTier: Tier | undefined;
  /** Points still to earn (in 12 months) for the next tier. */
  toNextTier: number;
  earnedLast12Months: number;
  expiringIn30Days: number;
}

export interface AwardOutcome extends EntryResult {
  /** Set when this award lifted the customer into a higher tier. */
  tierReached?: Tier;
}

/**
 * Tells the customer about a new entry (queues the message, see outbox/outreach.ts notifyIn) in
 * the entry's own transaction: the points and the message commit together or not at all.
 */
export type Announce = (tx: Tx, outcome: AwardOutcome) => Promise<unknown>;

export class Loyalty {
  private readonly dayFormat: Intl.DateTimeFormat;
  private readonly tiers: Tier[];

  constructor(
    private readonly db: Db,
    readonly settings: LoyaltySettings,
    timezone: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.dayFormat = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    this.tiers = [...settings.tiers].sort((a, b) => a.minPoints - b.minPoints);
  }

  private now(): Date {
    return new Date(this.clock.now());
  }

  /** The calendar day of a moment in the business's time zone, as YYYY-MM-DD. */
  dayOf(at: Date): string {
    return this.dayFormat.format(at);
  }

  expiryFor(at: Date): Date {
    const d = new Date(at);
    d.setUTCMonth(d.getUTCMonth() + this.settings.expiryMonths);
    return d;
  }

  tierFor(earned: number): Tier {
    let tier = this.tiers[0] as Tier;
    for (const t of this.tiers) if (earned >= t.minPoints) tier = t;
    return tier;
  }

  private async entries(customerId: string): Promise<LedgerEntry[]> {
    return this.db.pointsEntry.findMany({ where: { customerId }, orderBy: { id: 'asc' } });
  }

  private async earned(customerId: string, at: Date, db: Db | Tx): Promise<number> {
    const since = new Date(at.getTime() - 365 * DAY);
    const agg = await db.pointsEntry.aggregate({
      where: { customerId, kind: { in: ['award', 'adjust'] }, delta: { gt: 0 }, createdAt: { gte: since } },
      _sum: { delta: true },
    });
    return agg._sum.delta ?? 0;
  }

  /** Awards points by a rule, once per key; says when the award reached a new tier. */
  async award(
    customerId: string,
    reason: string,
    points: number,
    idempotencyKey: string,
    meta?: Record<string, unknown>,
    announce?: Announce,
  ): Promise<AwardOutcome | null> {
    if (points <= 0) return null;
    const at = this.now();
    const input: EntryInput = {
      customerId,
      kind: 'award',
      delta: points,
      reason,
      idempotencyKey,
      expiresAt: this.expiryFor(at),
      ...(meta ? { meta } : {}),
      at,
    };
    return this.appendAnnounced(input, announce);
  }

  /**
   * Appends an entry once per key, and when it is new runs `announce` in the same transaction.
   * A key seen before announces nothing: it did so with its own entry.
   */
  private async appendAnnounced(input: EntryInput, announce?: Announce): Promise<AwardOutcome> {
    if (!announce) return this.withTier(input.customerId, await append(this.db, input), input.at);
    try {
      return await this.db.$transaction(async (tx) => {
        const outcome = await this.withTier(input.customerId, await appendInTx(tx, input), input.at, tx);
        if (outcome.applied) await announce(tx, outcome);
        return outcome;
      });
    } catch (err) {
      // Another instance wrote the key at the same time (and announced it): that entry is the answer.
      const key = { idempotencyKey: input.idempotencyKey };
      if (isUniqueViolation(err) && (await this.db.pointsEntry.count({ where: key }))) return append(this.db, input);
      throw err;
    }
  }

  /** Says whether an applied award lifted the customer into a higher tier (`db`: the award's transaction). */
  async withTier(customerId: string, result: EntryResult, at: Date, db: Db | Tx = this.db): Promise<AwardOutcome> {
    if (!result.applied || result.entry.delta <= 0) return result;
    const earned = await this.earned(customerId, at, db);
    const before = this.tierFor(earned - result.entry.delta);
    const after = this.tierFor(earned);
    return after.minPoints > before.minPoints ? { ...result, tierReached: after } : result;
  }

  welcome(customerId: string) {
    return this.award(customerId, 'welcome', this.settings.rules.welcome, `welcome:${customerId}`);
  }

  /** Once per calendar day in the business's time zone. */
  async checkin(customerId: string): Promise<{ outcome: AwardOutcome | null; day: string }> {
    const day = this.dayOf(this.now());
    const outcome = await this.award(
      customerId,
      'checkin',
      this.settings.rules.checkin,
      `checkin:${customerId}:${day}`,
      { day },
    );
    return { outcome, day };
  }

  /** Records a purchase and awards its points, once per order id; `announce` as for award(). */
  async purchase(customerId: string, input: { amount: number; orderId: string; at?: Date }, announce?: Announce) {
    const at = this.now();
    const points = Math.floor(input.amount * this.settings.rules.purchasePerUnit);
    // Refused before anything is stored: a purchase worth more points than the ledger holds.
    if (points > POINTS_LIMIT)
      throw new PointsLimitExceeded(`a purchase of ${input.amount} is worth ${points} points, past ${POINTS_LIMIT}`);
    const key = `purchase:${input.orderId}`;
    const known = await this.db.purchase.findUnique({ where: { orderId: input.orderId } });
    if (known) {
      if (known.customerId !== customerId)
        throw new AppError('HTTP_CONFLICT', `order ${input.orderId} belongs to another customer`);
      return { duplicate: true, purchase: known, award: null };
    }
    try {
      const { purchase, award } = await this.db.$transaction(async (tx) => {
        const purchase = await tx.purchase.create({
          data: { customerId, orderId: input.orderId, amount: input.amount, at: input.at ?? at, createdAt: at },
        });
        // The totals the lifecycle stage and segments read (the stage itself: features/lifecycle).
        await refreshPurchaseTotals(tx, customerId);
        const entry =
          points > 0
            ? await appendInTx(tx, {
                customerId,
                kind: 'award',
                delta: points,
                reason: 'purchase',
                idempotencyKey: key,
                expiresAt: this.expiryFor(at),
                meta: { orderId: input.orderId, amount: input.amount },
                at,
              })
            : null;
        const award = entry ? await this.withTier(customerId, entry, at, tx) : null;
        if (award?.applied && announce) await announce(tx, award);
        return { purchase, award };
      });
      return { duplicate: false, purchase, award };
    } catch (err) {
      // The same order reported twice at once: the other request recorded it.
      if (isUniqueViolation(err)) {
        const winner = await this.db.purchase.findUnique({ where: { orderId: input.orderId } });
        if (winner) return { duplicate: true, purchase: winner, award: null };
      }
      throw err;
    }
  }

  /** A manual change by staff, audited in the entry's meta and the interaction log. */
  async adjust(
    customerId: string,
    delta: number,
    reason: string,
    idempotencyKey: string,
    by: string,
    announce?: Announce,
  ) {
    const at = this.now();
    const input: EntryInput = {
      customerId,
      kind: 'adjust',
      delta,
      reason,
      idempotencyKey,
      expiresAt: delta > 0 ? this.expiryFor(at) : null,
      meta: { by },
      at,
    };
    return this.appendAnnounced(input, announce);
  }

  async summary(customerId: string): Promise<Summary> {
    const now = this.now();
    const [customer, entries] = await Promise.all([
      this.db.customer.findUniqueOrThrow({ where: { id: customerId }, select: { pointsBalance: true } }),
      this.entries(customerId),
    ]);
    const earned = earnedSince(entries, new Date(now.getTime() - 365 * DAY));
    const tier = this.tierFor(earned);
    const nextTier = this.tiers.find((t) => t.minPoints > tier.minPoints);
    return {
      balance: customer.pointsBalance,
      tier,
      nextTier,
      toNextTier: nextTier ? nextTier.minPoints - earned : 0,
      earnedLast12Months: earned,
      expiringIn30Days: expiringBetween(openLots(entries), now, new Date(now.getTime() + 30 * DAY)),
    };
  }

  /** Each customer's tier now, for many customers at once (points earned in the last 12 months, one query). */
  async tiersOf(customerIds: readonly string[]): Promise<Map<string, Tier>> {
    const since = new Date(this.now().getTime() - 365 * DAY);
    const sums = customerIds.length
      ? await this.db.pointsEntry.groupBy({
          by: ['customerId'],
          where: {
            customerId: { in: [...customerIds] },
            kind: { in: ['award', 'adjust'] },
            delta: { gt: 0 },
            createdAt: { gte: since },
          },
          _sum: { delta: true },
        })
      : [];
    const earned = new Map(sums.map((s) => [s.customerId, s._sum.delta ?? 0]));
    return new Map(customerIds.map((id) => [id, this.tierFor(earned.get(id) ?? 0)]));
  }

  /** Whether a customer's tier is `tierId` or above (false for a tier that does not exist). */
  async tierAtLeast(customerId: string, tierId: string): Promise<boolean> {
    const wanted = this.tiers.find((t) => t.id === tierId);
    if (!wanted) return false;
    const tier = (await this.tiersOf([customerId])).get(customerId);
    return tier !== undefined && tier.minPoints >= wanted.minPoints;
  }

  /** How many of the customer's points expire between now and `until` (what is left of those lots). */
  async expiringUntil(customerId: string, until: Date): Promise<number> {
    return expiringBetween(openLots(await this.entries(customerId)), this.now(), until);
  }

  /** The customer's ledger, newest first; `beforeId` continues a page (the admin API's cursor). */
  history(customerId: string, limit: number, beforeId?: number) {
    return this.db.pointsEntry.findMany({
      where: { customerId, ...(beforeId === undefined ? {} : { id: { lt: beforeId } }) },
      orderBy: { id: 'desc' },
      take: limit,
    });
  }

  /** The redemptions these spends paid for (a redemption's pointsKey is its spend's idempotency key). */
  redemptionsPaidBy(entries: readonly LedgerEntry[]) {
    const keys = entries.filter((e) => e.reason === 'redemption').map((e) => e.idempotencyKey);
    if (!keys.length) return Promise.resolve([]);
    return this.db.redemption.findMany({ where: { pointsKey: { in: keys } } });
  }

  /**
   * Writes expiry entries for every lot whose time has come (the `points-expiry` job); returns how
   * many it wrote. Only lots not yet dealt with are selected, a page at a time in the order of their
   * index, so a run costs what is due, not the ledger's history. Each customer is one transaction:
   * expiry entries and the lots marked dealt with commit together. Several runs at once expire each
   * lot once; a customer that fails is logged and left for the next run, the others go on.
   */
  async expireDue(scope: { customerIds?: readonly string[]; pageSize?: number } = {}): Promise<number> {
    const now = this.now();
    const limit = scope.pageSize ?? EXPIRY_PAGE;
    let written = 0;
    let failed = 0;
    let after: DueLot | undefined;
    for (;;) {
      const page = await this.dueLots(now, { after, limit, customerIds: scope.customerIds });
      // A customer's other due lots on later pages are marked with these: the query skips them then.
      for (const customerId of new Set(page.map((lot) => lot.customerId))) {
        try {
          written += await this.db.$transaction((tx) => this.expireCustomer(tx, customerId, now));
        } catch (err) {
          failed++;
          this.logger.error({ err, job: 'points-expiry', customerId }, `points-expiry: customer ${customerId} failed`);
        }
      }
      if (page.length < limit) break;
      after = page.at(-1);
    }
    if (failed)
      this.logger.warn({ job: 'points-expiry', failed, written }, `points-expiry: ${failed} customers failed`);
    return written;
  }

  /**
   * Lots due and not dealt with, after `after` in (expiresAt, id) order: the order of the
   * (expiryDone, expiresAt) index, so each page reads only its own rows of that index, whatever
   * the ledger holds. (Pages keyed by customer id made PostgreSQL walk the whole ledger in customer
   * order when few lots are due; bench/expiry.ts prints the plan.)
   */
  async dueLots(
    now: Date,
    page: { after?: DueLot; limit: number; customerIds?: readonly string[] },
  ): Promise<DueLot[]> {
    const { after } = page;
    return this.db.pointsEntry.findMany({
      where: {
        ...dueLot(now),
        ...(after
          ? {
              expiresAt: { gte: after.expiresAt, lte: now },
              OR: [{ expiresAt: { gt: after.expiresAt } }, { id: { gt: after.id } }],
            }
          : {}),
        ...(page.customerIds ? { customerId: { in: [...page.customerIds] } } : {}),
      },
      orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
      take: page.limit,
      select: { id: true, customerId: true, expiresAt: true },
    }) as Promise<DueLot[]>;
  }

  /** Expires what is left of the customer's lots whose time has come and marks the due ones dealt with. */
  private async expireCustomer(tx: Tx, customerId: string, now: Date): Promise<number> {
    // Locks the customer first (a write that changes nothing; the ledger's spends take the same
    // lock): a concurrent run or spend waits, and then finds the lots marked and the ledger moved.
    await tx.$executeRaw`UPDATE "Customer" SET "pointsBalance" = "pointsBalance" WHERE id = ${customerId}`;
    const due = await tx.pointsEntry.findMany({ where: { customerId, ...dueLot(now) }, select: { id: true } });
    if (!due.length) return 0;
    const entries = await tx.pointsEntry.findMany({ where: { customerId }, orderBy: { id: 'asc' } });
    let written = 0;
    // Spent lots have nothing left and get no entry; a lot an earlier run expired (its
    // expire:<lot> entry exists) has nothing left either.
    for (const lot of expiredLots(openLots(entries), now)) {
      const result = await appendInTx(tx, {
        customerId,
        kind: 'expire',
        delta: -lot.remaining,
        reason: 'expiry',
        idempotencyKey: `expire:${lot.entryId}`,
        meta: { lotEntryId: lot.entryId, expiredAt: lot.expiresAt?.toISOString() },
        at: now,
      });
      if (result.applied) written++;
    }
    await tx.pointsEntry.updateMany({ where: { id: { in: due.map((d) => d.id) } }, data: { expiryDone: true } });
    return written;
  }
}

/** A lot the expiry job has to deal with, and the key of its pages. */
export interface DueLot {
  id: number;
  customerId: string;
  expiresAt: Date;
}

/** Due lots per page of the expiry job: bounds each query and what a run holds in memory. */
const EXPIRY_PAGE = 500;

/** Lots (awards, upward adjustments, refunds) whose time has come and that the expiry job has not dealt with. */
const dueLot = (now: Date) => ({ expiryDone: false, delta: { gt: 0 }, expiresAt: { lte: now } });
