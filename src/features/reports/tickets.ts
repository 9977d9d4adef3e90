// tickets: tickets opened and resolved per day; how fast staff answered (first response) and
// solved them (resolution), and how many were answered within the escalation SLA.
import { Prisma } from '../../store/index.js';
import { dayBucket } from './day-bucket.js';
import { type After, mergedPage, type SeriesRead, seriesOf, within } from './items.js';
import { minutesBetween, percentilesOf } from './percentiles.js';
import type { Range } from './range.js';
import { column, dailyRows, dayColumn, iso, num, type Report, share } from './report.js';

/** Every status a ticket has (src/features/escalation/tickets.ts): listed, the Ticket(status, …) indexes serve a range of any. */
const STATUSES = ['open', 'claimed', 'resolved'] as const;
const SERIES = ['opened', 'resolved'] as const;

/**
 * The tickets opened in the range with their first response: the first staff message after the
 * ticket was opened (TicketMessage(ticketId, id), a few rows per ticket) or the claim, if earlier.
 */
function firstResponses(range: Range): Prisma.Sql {
  // The first staff message comes from a join grouped per ticket, not a subquery in the select:
  // PostgreSQL copied that subquery into every use of it below (up to 16 subplans), which pushed
  // the plan's cost over jit_above_cost and spent ~120 ms compiling a query that runs in a few.
  return Prisma.sql`
    SELECT "createdAt" AS opened,
      CASE WHEN "claimedAt" IS NULL THEN staff
        WHEN staff IS NULL OR "claimedAt" < staff THEN "claimedAt" ELSE staff END AS answered
    FROM (
      SELECT t.id, t."createdAt", t."claimedAt", MIN(m."createdAt") AS staff
      FROM "Ticket" t
      LEFT JOIN "TicketMessage" m
        ON m."ticketId" = t.id AND m.author = 'staff' AND m."createdAt" > t."createdAt"
      WHERE t.status IN (${Prisma.join(STATUSES)})
        AND t."createdAt" >= ${range.start} AND t."createdAt" < ${range.end}
      GROUP BY t.id, t."createdAt", t."claimedAt"
    ) AS t`;
}

export const ticketsReport: Report = {
  name: 'tickets',
  title: { 'zh-CN': '工单', en: 'Tickets' },
  itemsDoc:
    'series: opened (at: when opened) or resolved (at: when resolved). Items: the tickets ' +
    '{id, at, customerId, series, status, reason, priority, assignee}.',
  async table(ctx, range) {
    const bucket = (col: string) => dayBucket(Prisma.raw(`"${col}"`), range, ctx.provider);
    const minutes = (from: string, to: string) =>
      minutesBetween(Prisma.raw(`"${from}"`), Prisma.raw(`"${to}"`), ctx.provider);
    const responses = firstResponses(range);
    const sla = ctx.slaMinutes;
    const [opened, resolved, firstResponse, resolution, slaRow] = await Promise.all([
      ctx.db.$queryRaw<{ day: string; n: unknown }[]>`
        SELECT ${bucket('createdAt')} AS day, COUNT(*) AS n FROM "Ticket"
        WHERE status IN (${Prisma.join(STATUSES)}) AND "createdAt" >= ${range.start} AND "createdAt" < ${range.end}
        GROUP BY 1`,
      ctx.db.$queryRaw<{ day: string; n: unknown }[]>`
        SELECT ${bucket('resolvedAt')} AS day, COUNT(*) AS n FROM "Ticket"
        WHERE status = 'resolved' AND "resolvedAt" >= ${range.start} AND "resolvedAt" < ${range.end}
        GROUP BY 1`,
      percentilesOf(ctx.db, Prisma.sql`SELECT ${minutes('opened', 'answered')} AS v FROM (${responses}) AS r`),
      percentilesOf(
        ctx.db,
        Prisma.sql`SELECT ${minutes('createdAt', 'resolvedAt')} AS v FROM "Ticket"
          WHERE status = 'resolved' AND "resolvedAt" >= ${range.start} AND "resolvedAt" < ${range.end}`,
      ),
      // A ticket counts for the SLA once answered, or once its SLA has run out unanswered.
      sla === undefined
        ? Promise.resolve([] as { answered: unknown; within: unknown; counted: unknown }[])
        : ctx.db.$queryRaw<{ answered: unknown; within: unknown; counted: unknown }[]>`
          SELECT
            SUM(CASE WHEN answered IS NOT NULL THEN 1 ELSE 0 END) AS answered,
            SUM(CASE WHEN answered IS NOT NULL AND ${minutes('opened', 'answered')} <= ${sla} THEN 1 ELSE 0 END) AS within,
            SUM(CASE WHEN answered IS NOT NULL OR opened <= ${new Date(ctx.now.getTime() - sla * 60_000)} THEN 1 ELSE 0 END) AS counted
          FROM (${responses}) AS r`,
    ]);
    const daily = dailyRows(range, SERIES, [
      ...opened.map((r) => ({ day: r.day, opened: num(r.n) })),
      ...resolved.map((r) => ({ day: r.day, resolved: num(r.n) })),
    ]);
    const row = slaRow[0];
    return {
      columns: [dayColumn, column('opened', 'Opened', '新建'), column('resolved', 'Resolved', '已解决')],
      rows: daily,
      summary: {
        opened: daily.reduce((s, r) => s + r.opened, 0),
        resolved: daily.reduce((s, r) => s + r.resolved, 0),
        firstResponse,
        resolution,
        slaMinutes: sla ?? null,
        answered: row ? num(row.answered) : null,
        withinSlaCount: row ? num(row.within) : null,
        withinSla: row ? share(num(row.within), num(row.counted)) : null,
      },
    };
  },
  async items(ctx, q) {
    const select = {
      id: true,
      createdAt: true,
      resolvedAt: true,
      customerId: true,
      status: true,
      reason: true,
      priority: true,
      assignee: true,
    } as const;
    type Found = { id: number; at: Date; customerId: string; series: string } & Record<string, unknown>;
    const reads: SeriesRead<Found>[] = seriesOf(SERIES, q.series).flatMap((series): SeriesRead<Found>[] =>
      series === 'opened'
        ? STATUSES.map(
            (status) => async (after: After, take: number) =>
              (
                await ctx.db.ticket.findMany({
                  where: { status, ...within('createdAt', q.range, after) },
                  orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
                  take,
                  select,
                })
              ).map((t) => ({ ...t, series, at: t.createdAt })),
          )
        : [
            async (after: After, take: number) =>
              (
                await ctx.db.ticket.findMany({
                  where: { status: 'resolved', ...within('resolvedAt', q.range, after) },
                  orderBy: [{ resolvedAt: 'desc' }, { id: 'desc' }],
                  take,
                  select,
                })
              ).map((t) => ({ ...t, series, at: t.resolvedAt as Date })),
          ],
    );
    const page = await mergedPage(reads, (r) => r.at, q.limit, q.cursor);
    return {
      items: page.items.map((t) => ({
        id: t.id,
        at: iso(t.at) as string,
        customerId: t.customerId,
        series: t.series,
        status: t.status,
        reason: t.reason,
        priority: t.priority,
        assignee: t.assignee,
      })),
      nextCursor: page.nextCursor,
    };
  },
};
