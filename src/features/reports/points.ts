// points: the loyalty ledger per day: points issued (positive awards and adjustments), redeemed
// (spent on rewards) and expired, each a positive number.
import { Prisma } from '../../store/index.js';
import { dayBucket } from './day-bucket.js';
import { type After, mergedPage, seriesOf, within } from './items.js';
import { column, dailyRows, dayColumn, iso, num, type Report } from './report.js';

const SERIES = ['issued', 'redeemed', 'expired'] as const;
type Series = (typeof SERIES)[number];
const KINDS: Record<Series, readonly string[]> = {
  issued: ['award', 'adjust'],
  redeemed: ['spend'],
  expired: ['expire'],
};

export const pointsReport: Report = {
  name: 'points',
  title: { 'zh-CN': '积分', en: 'Points' },
  itemsDoc:
    'series: issued (award and adjust entries with a positive delta), redeemed (spend) or expired (expire). ' +
    'Items: the ledger entries {id, at, customerId, kind, delta, reason}. Refunds of cancelled redemptions are not counted.',
  async table(ctx, range) {
    // PointsEntry(kind, createdAt, delta): four index ranges, no table rows read.
    const found = await ctx.db.$queryRaw<{ day: string; issued: unknown; redeemed: unknown; expired: unknown }[]>`
      SELECT ${dayBucket(Prisma.sql`"createdAt"`, range, ctx.provider)} AS day,
        SUM(CASE WHEN kind IN ('award', 'adjust') AND delta > 0 THEN delta ELSE 0 END) AS issued,
        -SUM(CASE WHEN kind = 'spend' THEN delta ELSE 0 END) AS redeemed,
        -SUM(CASE WHEN kind = 'expire' THEN delta ELSE 0 END) AS expired
      FROM "PointsEntry"
      WHERE kind IN ('award', 'adjust', 'spend', 'expire')
        AND "createdAt" >= ${range.start} AND "createdAt" < ${range.end}
      GROUP BY 1`;
    const daily = dailyRows(
      range,
      SERIES,
      found.map((r) => ({ day: r.day, issued: num(r.issued), redeemed: num(r.redeemed), expired: num(r.expired) })),
    );
    const summary = Object.fromEntries(SERIES.map((s) => [s, daily.reduce((sum, r) => sum + r[s], 0)]));
    return {
      columns: [
        dayColumn,
        column('issued', 'Issued', '发放'),
        column('redeemed', 'Redeemed', '兑换'),
        column('expired', 'Expired', '过期'),
      ],
      rows: daily,
      summary,
    };
  },
  async items(ctx, q) {
    const reads = seriesOf(SERIES, q.series).flatMap((s) =>
      KINDS[s].map(
        (kind) => (after: After, take: number) =>
          ctx.db.pointsEntry.findMany({
            where: { kind, ...(s === 'issued' ? { delta: { gt: 0 } } : {}), ...within('createdAt', q.range, after) },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
            take,
            select: { id: true, createdAt: true, customerId: true, kind: true, delta: true, reason: true },
          }),
      ),
    );
    const page = await mergedPage(reads, (r) => r.createdAt, q.limit, q.cursor);
    return {
      items: page.items.map(({ createdAt, ...r }) => ({ ...r, at: iso(createdAt) as string })),
      nextCursor: page.nextCursor,
    };
  },
};
