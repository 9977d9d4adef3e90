// feedback: CSAT (1–5) and NPS (0–10) answers per day, counted as GET /api/v1/feedback/summary
// counts them (a scored `feedback` answer is a CSAT score there, so it is here).
import { Prisma } from '../../store/index.js';
import { dayBucket } from './day-bucket.js';
import { mergedPage, seriesOf, within } from './items.js';
import { column, dailyRows, dayColumn, iso, num, type Report } from './report.js';

const SERIES = ['csat', 'nps'] as const;
const KINDS = { csat: ['csat', 'feedback'], nps: ['nps'] } as const;
const SUMS = ['csatCount', 'csatSum', 'npsCount', 'promoters', 'detractors'] as const;

const average = (sum: number, count: number) => (count ? Math.round((sum / count) * 1000) / 1000 : null);
/** % promoters (9–10) − % detractors (0–6), −100..100. */
const npsOf = (promoters: number, detractors: number, count: number) =>
  count ? Math.round(((promoters - detractors) / count) * 100) : null;

export const feedbackReport: Report = {
  name: 'feedback',
  title: { 'zh-CN': '满意度与净推荐值', en: 'CSAT and NPS' },
  itemsDoc:
    'series: csat or nps. Items: the scored answers {id, at, customerId, channel, kind, score, comment} (csat: kinds csat and feedback).',
  async table(ctx, range) {
    // Read from the Feedback(kind, createdAt, score) index alone.
    const found = await ctx.db.$queryRaw<({ day: string } & Record<(typeof SUMS)[number], unknown>)[]>`
      SELECT ${dayBucket(Prisma.sql`"createdAt"`, range, ctx.provider)} AS day,
        SUM(CASE WHEN kind <> 'nps' THEN 1 ELSE 0 END) AS "csatCount",
        SUM(CASE WHEN kind <> 'nps' THEN score ELSE 0 END) AS "csatSum",
        SUM(CASE WHEN kind = 'nps' THEN 1 ELSE 0 END) AS "npsCount",
        SUM(CASE WHEN kind = 'nps' AND score >= 9 THEN 1 ELSE 0 END) AS promoters,
        SUM(CASE WHEN kind = 'nps' AND score <= 6 THEN 1 ELSE 0 END) AS detractors
      FROM "Feedback"
      WHERE kind IN ('csat', 'feedback', 'nps') AND score IS NOT NULL
        AND "createdAt" >= ${range.start} AND "createdAt" < ${range.end}
      GROUP BY 1`;
    const daily = dailyRows(
      range,
      SUMS,
      found.map((r) => ({ day: r.day, ...Object.fromEntries(SUMS.map((k) => [k, num(r[k])])) })),
    );
    const total = Object.fromEntries(SUMS.map((k) => [k, daily.reduce((s, r) => s + r[k], 0)])) as Record<
      (typeof SUMS)[number],
      number
    >;
    return {
      columns: [
        dayColumn,
        column('csatCount', 'CSAT answers', '满意度评分数'),
        column('csatAverage', 'CSAT average', '平均满意度'),
        column('npsCount', 'NPS answers', '净推荐值评分数'),
        column('nps', 'NPS', '净推荐值'),
      ],
      rows: daily.map((r) => ({
        day: r.day,
        csatCount: r.csatCount,
        csatAverage: average(r.csatSum, r.csatCount),
        npsCount: r.npsCount,
        nps: npsOf(r.promoters, r.detractors, r.npsCount),
      })),
      summary: {
        csatCount: total.csatCount,
        csatAverage: average(total.csatSum, total.csatCount),
        npsCount: total.npsCount,
        nps: npsOf(total.promoters, total.detractors, total.npsCount),
        promoters: total.promoters,
        passives: total.npsCount - total.promoters - total.detractors,
        detractors: total.detractors,
      },
    };
  },
  async items(ctx, q) {
    const kinds = seriesOf(SERIES, q.series).flatMap((s) => KINDS[s]);
    const page = await mergedPage(
      kinds.map(
        (kind) => (after, take) =>
          ctx.db.feedback.findMany({
            where: { kind, score: { not: null }, ...within('createdAt', q.range, after) },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
            take,
            select: {
              id: true,
              createdAt: true,
              customerId: true,
              channel: true,
              kind: true,
              score: true,
              comment: true,
            },
          }),
      ),
      (r) => r.createdAt,
      q.limit,
      q.cursor,
    );
    return {
      items: page.items.map(({ createdAt, ...r }) => ({ ...r, at: iso(createdAt) as string })),
      nextCursor: page.nextCursor,
    };
  },
};
