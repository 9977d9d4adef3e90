// faq: how the knowledge base did with customers' questions, per day: answered, suggested (the
// customer was offered entries to pick from) or unknown (no answer), from the FAQ's events.
import { Prisma } from '../../store/index.js';
import { dayBucket } from './day-bucket.js';
import { mergedPage, seriesOf, within } from './items.js';
import { column, dailyRows, dayColumn, iso, num, type Report, share } from './report.js';

const KINDS = { answered: 'faq_answered', suggested: 'faq_suggested', unknown: 'faq_unanswered' } as const;
type Series = keyof typeof KINDS;
const SERIES = Object.keys(KINDS) as Series[];
const seriesOfKind = new Map(Object.entries(KINDS).map(([s, k]) => [k as string, s as Series]));

export const faqReport: Report = {
  name: 'faq',
  title: { 'zh-CN': '常见问题解答', en: 'FAQ answers' },
  itemsDoc:
    'series: answered, suggested or unknown. Items: the FAQ events {id, at, customerId, channel, kind, text} (text: the question).',
  async table(ctx, range) {
    // Three ranges of the Interaction(kind, createdAt) index.
    const found = await ctx.db.$queryRaw<{ day: string; kind: string; n: bigint | number }[]>`
      SELECT ${dayBucket(Prisma.sql`"createdAt"`, range, ctx.provider)} AS day, kind, COUNT(*) AS n
      FROM "Interaction"
      WHERE kind IN (${Prisma.join(Object.values(KINDS))})
        AND "createdAt" >= ${range.start} AND "createdAt" < ${range.end}
      GROUP BY 1, 2`;
    const daily = dailyRows(
      range,
      SERIES,
      found.map((r) => ({ day: r.day, [seriesOfKind.get(r.kind) as Series]: num(r.n) })),
    );
    const totals = { answered: 0, suggested: 0, unknown: 0 };
    for (const r of daily) for (const s of SERIES) totals[s] += r[s];
    const all = totals.answered + totals.suggested + totals.unknown;
    return {
      columns: [
        dayColumn,
        column('answered', 'Answered', '已解答'),
        column('suggested', 'Suggested', '给出建议'),
        column('unknown', 'Unanswered', '未解答'),
        column('answeredShare', 'Answered share', '解答率'),
      ],
      rows: daily.map((r) => ({ ...r, answeredShare: share(r.answered, r.answered + r.suggested + r.unknown) })),
      summary: {
        ...totals,
        total: all,
        answeredShare: share(totals.answered, all),
        suggestedShare: share(totals.suggested, all),
        unknownShare: share(totals.unknown, all),
      },
    };
  },
  async items(ctx, q) {
    const page = await mergedPage(
      seriesOf(SERIES, q.series).map(
        (s) => (after, take) =>
          ctx.db.interaction.findMany({
            where: { kind: KINDS[s], ...within('createdAt', q.range, after) },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
            take,
            select: { id: true, createdAt: true, customerId: true, channel: true, kind: true, text: true },
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
