// Keeps each customer's lifecycle stage true: after a purchase (the purchase hook), when an
// at-risk or churned customer writes again (the middleware), and once a day for the stages that
// change with time alone (the job). Every change is logged as a `stage_changed` interaction
// { from, to, reason, trigger } in the same transaction as the change.
//
// The daily job never walks every customer: each selection below reads one index from a keyset
// cursor, in batches, and holds no transaction between batches (SQLite's writer is shared with
// customers' messages):
//   new → …           stage = new AND firstPurchaseAt before newDays        (stage, firstPurchaseAt)
//   … → at_risk        stage ∈ new/active/loyal AND lastSeenAt before atRiskDays (stage, lastSeenAt)
//   at_risk → churned  stage = at_risk AND lastSeenAt before churnedDays      (stage, lastSeenAt)
//   loyal → …          every loyal customer (purchases leave the window)      (stage, lastSeenAt)
//   … → loyal          top RFM: latest purchase, count and sum above the 60th percentile (lastPurchaseAt)
// A candidate whose purchases keep it where it is (a recent purchase, no message) stays, and the
// cursor moves past it.
import type { Logger } from 'pino';
import { type Db, Prisma, type Tx } from '../../store/index.js';
import { customerPages } from '../../store/keyset.js';
import type { Clock } from '../../util/clock.js';
import { type RfmCuts, type RfmScale, rfmOf } from './rfm.js';
import type { LifecycleSettings } from './settings.js';
import { daysBefore, loyalWindowStart, type Stage, type StageReason, stageOf } from './stage.js';

/** What moved a stage: the interaction's `trigger`. */
export type StageTrigger = 'purchase' | 'message' | 'job' | 'merge';

export interface StageChange {
  customerId: string;
  from: string;
  to: Stage;
  reason: StageReason;
}

const BATCH = 500;

const factColumns = {
  id: true,
  stage: true,
  purchaseCount: true,
  purchaseAmount: true,
  firstPurchaseAt: true,
  lastPurchaseAt: true,
  lastSeenAt: true,
} as const;

type FactRow = {
  id: string;
  stage: string;
  purchaseCount: number;
  purchaseAmount: number;
  firstPurchaseAt: Date | null;
  lastPurchaseAt: Date | null;
  lastSeenAt: Date;
};

export class Lifecycle {
  constructor(
    readonly db: Db,
    readonly settings: LifecycleSettings,
    private readonly clock: Clock,
    readonly rfm: RfmScale,
    private readonly logger: Logger,
  ) {}

  private now(): Date {
    return new Date(this.clock.now());
  }

  /** The stages of these customers as of `now`, with their current stage (one query for the window counts). */
  async computeMany(db: Db | Tx, rows: FactRow[], now: Date, cuts: RfmCuts | null) {
    const s = this.settings;
    const counted = rows.filter((r) => r.purchaseCount >= s.loyalMinPurchases).map((r) => r.id);
    const recent = new Map<string, number>();
    if (counted.length) {
      const groups = await db.purchase.groupBy({
        by: ['customerId'],
        where: { customerId: { in: counted }, at: { gte: loyalWindowStart(s, now) } },
        _count: { _all: true },
      });
      for (const g of groups) recent.set(g.customerId, g._count._all);
    }
    return rows.map((r) => ({
      row: r,
      ...stageOf({ ...r, recentPurchases: recent.get(r.id) ?? 0, rfm: rfmOf(r, cuts) }, s, now),
    }));
  }

  /** Computes one customer's stage now and stores a change; returns the stage (null: no such customer). */
  async recompute(customerId: string, trigger: StageTrigger): Promise<Stage | null> {
    const row = await this.db.customer.findUnique({ where: { id: customerId }, select: factColumns });
    if (!row) return null;
    const now = this.now();
    const [computed] = await this.computeMany(this.db, [row], now, await this.rfm.current());
    if (!computed) return null;
    if (computed.stage !== row.stage) {
      await this.apply([{ customerId, from: row.stage, to: computed.stage, reason: computed.reason }], trigger, now);
    }
    return computed.stage;
  }

  /**
   * Stores changes, each only if the stage is still the one it was computed from (a purchase or
   * a message may have moved it meanwhile); returns how many were stored.
   */
  async apply(changes: StageChange[], trigger: StageTrigger, at: Date): Promise<number> {
    if (!changes.length) return 0;
    return this.db.$transaction(async (tx) => {
      const channels = await tx.channelIdentity.findMany({
        where: { customerId: { in: changes.map((c) => c.customerId) } },
        select: { customerId: true, channel: true },
        orderBy: { createdAt: 'asc' },
      });
      const channelOf = new Map<string, string>();
      for (const c of channels) if (!channelOf.has(c.customerId)) channelOf.set(c.customerId, c.channel);
      let stored = 0;
      for (const change of changes) {
        const { count } = await tx.customer.updateMany({
          where: { id: change.customerId, stage: change.from },
          data: { stage: change.to },
        });
        if (!count) continue;
        stored++;
        await tx.interaction.create({ data: stageChangedEvent(change, trigger, channelOf.get(change.customerId), at) });
      }
      return stored;
    });
  }

  /** The daily job: every selection of the header, batch by batch; returns how many stages changed. */
  async runDaily(now: Date): Promise<number> {
    const s = this.settings;
    const cuts = await this.rfm.refresh();
    let changed = 0;
    const walk = async (selection: Selection) => {
      for await (const page of customerPages(this.db, whereOf(selection), selection.column, BATCH)) {
        const rows = await this.db.customer.findMany({
          where: { id: { in: page.map((r) => r.id) } },
          select: factColumns,
        });
        const computed = await this.computeMany(this.db, rows, now, cuts);
        const changes = computed
          .filter((c) => c.stage !== c.row.stage)
          .map((c) => ({ customerId: c.row.id, from: c.row.stage, to: c.stage, reason: c.reason }));
        changed += await this.apply(changes, 'job', now);
      }
    };
    await walk({ stages: ['new'], column: 'firstPurchaseAt', before: daysBefore(now, s.newDays) });
    for (const stage of ['new', 'active', 'loyal'] as const)
      await walk({ stages: [stage], column: 'lastSeenAt', before: daysBefore(now, s.atRiskDays) });
    await walk({ stages: ['at_risk'], column: 'lastSeenAt', before: daysBefore(now, s.churnedDays) });
    await walk({ stages: ['loyal'], column: 'lastSeenAt', before: null });
    if (cuts) {
      for (const stage of ['new', 'active'] as const)
        await walk({
          stages: [stage],
          column: 'lastPurchaseAt',
          after: new Date(cuts.recency[2] ?? 0),
          extra: Prisma.sql`AND c."purchaseCount" > ${cuts.frequency[2] ?? 0} AND c."purchaseAmount" > ${cuts.monetary[2] ?? 0}`,
        });
    }
    this.logger.info({ changed }, 'lifecycle stages aged');
    return changed;
  }
}

export function stageChangedEvent(change: StageChange, trigger: StageTrigger, channel: string | undefined, at: Date) {
  return {
    customerId: change.customerId,
    channel: channel ?? 'system',
    direction: 'event',
    kind: 'stage_changed',
    payload: { from: change.from, to: change.to, reason: change.reason, trigger },
    createdAt: at,
  };
}

interface Selection {
  stages: readonly Stage[];
  column: 'firstPurchaseAt' | 'lastSeenAt' | 'lastPurchaseAt';
  /** Rows whose column is before this (null: any). */
  before?: Date | null;
  /** Rows whose column is after this. */
  after?: Date;
  extra?: Prisma.Sql;
}

/** A selection's condition (the keyset walk adds its column's order and cursor). */
function whereOf(sel: Selection): Prisma.Sql {
  const col = Prisma.raw(`c."${sel.column}"`);
  return Prisma.sql`c."stage" IN (${Prisma.join(sel.stages)})
    ${sel.before ? Prisma.sql`AND ${col} < ${sel.before}` : Prisma.empty}
    ${sel.after ? Prisma.sql`AND ${col} > ${sel.after}` : Prisma.empty}
    ${sel.extra ?? Prisma.empty}`;
}
