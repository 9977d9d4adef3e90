// RFM scores, 1 to 5 each: recency (the latest purchase), frequency (how many purchases) and
// monetary (their sum), by quintile among the customers who bought. The quintile boundaries come
// from the database (an index walk per measure, on the read connection) once a day, or when an
// instance first needs them (later measurements run in the background, see RfmScale.current); a
// score compares the customer's totals with them, so no score is stored and none goes stale
// between two runs.
import type { Logger } from 'pino';
import { type Db, Prisma } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';

export interface Rfm {
  recency: number;
  frequency: number;
  monetary: number;
}

/** The values at the 20th, 40th, 60th and 80th percentile of each measure. */
export interface RfmCuts {
  recency: number[]; // epoch ms
  frequency: number[];
  monetary: number[];
  purchasers: number;
}

export interface PurchaseTotals {
  purchaseCount: number;
  purchaseAmount: number;
  lastPurchaseAt: Date | null;
}

/** "Top RFM" makes a customer loyal: each score in the top two quintiles. */
export const topRfm = (r: Rfm) => r.recency >= 4 && r.frequency >= 4 && r.monetary >= 4;

/** The score of a value: 1 + how many boundaries it is above. */
const scoreOf = (value: number, cuts: number[]) => 1 + cuts.filter((c) => value > c).length;

export function rfmOf(t: PurchaseTotals, cuts: RfmCuts | null): Rfm | null {
  if (!cuts || t.purchaseCount === 0 || !t.lastPurchaseAt) return null;
  return {
    recency: scoreOf(t.lastPurchaseAt.getTime(), cuts.recency),
    frequency: scoreOf(t.purchaseCount, cuts.frequency),
    monetary: scoreOf(t.purchaseAmount, cuts.monetary),
  };
}

const DAY_MS = 86_400_000;

/** Each measure's column and how "bought" is said for it (each has an index that serves both). */
const MEASURES = {
  recency: { column: Prisma.raw('"lastPurchaseAt"'), bought: Prisma.sql`"lastPurchaseAt" IS NOT NULL` },
  frequency: { column: Prisma.raw('"purchaseCount"'), bought: Prisma.sql`"purchaseCount" > 0` },
  monetary: { column: Prisma.raw('"purchaseAmount"'), bought: Prisma.sql`"purchaseCount" > 0` },
} as const;

/** Below this many customers who bought, quintiles say nothing: no scores (and no loyal by RFM). */
export const RFM_MIN_PURCHASERS = 20;

export class RfmScale {
  private cuts: RfmCuts | null = null;
  private measuredAt = Number.NEGATIVE_INFINITY;
  /** The measurement under way: every caller meanwhile shares it. */
  private measuring: Promise<RfmCuts | null> | undefined;

  constructor(
    private readonly reads: Db,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {}

  /**
   * The boundaries. The first call waits for them; after that, boundaries a day old are measured
   * again in the background while yesterday's answer, so a message or a profile never waits for
   * the index walks (seconds at a million customers).
   */
  async current(): Promise<RfmCuts | null> {
    if (this.clock.now() - this.measuredAt < DAY_MS) return this.cuts;
    if (this.measuredAt === Number.NEGATIVE_INFINITY) return this.refresh();
    this.refresh().catch((err) => this.logger?.warn({ err }, 'RFM boundaries not measured again; yesterday’s stand'));
    return this.cuts;
  }

  /** Measures the boundaries now (the daily job), or joins the measurement under way. */
  refresh(): Promise<RfmCuts | null> {
    this.measuring ??= this.measure().finally(() => {
      this.measuring = undefined;
    });
    return this.measuring;
  }

  private async measure(): Promise<RfmCuts | null> {
    const purchasers = await this.reads.customer.count({ where: { purchaseCount: { gt: 0 } } });
    const offsets = [1, 2, 3, 4].map((k) => Math.min(purchasers - 1, Math.floor((purchasers * k) / 5)));
    // Each boundary is one row at an offset of an index in that measure's order, the same customers
    // said so that the index serves both the filter and the order. Only the measure is selected, so
    // PostgreSQL reads the index alone (through Prisma's findFirst, which adds the id, each walk also
    // read the table: 0.6 s a boundary at a million customers, 0.08 s for four this way). One walk
    // at a time: twelve at once took both cores from the messages.
    const at = async (measure: keyof typeof MEASURES) => {
      const { column, bought } = MEASURES[measure];
      const values: number[] = [];
      for (const skip of offsets) {
        const [row] = await this.reads.$queryRaw<{ v: Date | number | bigint | null }[]>`
          SELECT ${column} AS v FROM "Customer" WHERE ${bought} ORDER BY ${column} ASC LIMIT 1 OFFSET ${skip}`;
        const v = row?.v ?? 0;
        values.push(v instanceof Date ? v.getTime() : Number(v));
      }
      return values;
    };
    if (purchasers < RFM_MIN_PURCHASERS) {
      this.cuts = null;
    } else {
      const recency = await at('recency');
      const frequency = await at('frequency');
      const monetary = await at('monetary');
      this.cuts = { recency, frequency, monetary, purchasers };
    }
    this.measuredAt = this.clock.now();
    return this.cuts;
  }
}
