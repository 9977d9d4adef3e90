// stages: how many customers were in each lifecycle stage at the end of each day. No table keeps
// that history; it is walked back from now: the customers in each stage today, less those created
// after the day, with every stage change after the day undone (its customer back from `to` to
// `from`). Every change the lifecycle makes is logged as a `stage_changed` interaction
// ({from, to, reason, trigger}); a stage set without one (a merge of two customers, which also
// deletes one of them) is not undone, so days before a merge count what today's customers were.
import { decodeCursor, pageOf } from '../../http/paging.js';
import { Prisma } from '../../store/index.js';
import { STAGES } from '../lifecycle/index.js';
import { BEFORE, dayBucket } from './day-bucket.js';
import { seriesOf } from './items.js';
import { column, dayColumn, iso, num, type Report } from './report.js';

const TITLES: Record<(typeof STAGES)[number], [string, string]> = {
  prospect: ['Prospect', '潜在客户'],
  new: ['New', '新客户'],
  active: ['Active', '活跃客户'],
  loyal: ['Loyal', '忠诚客户'],
  at_risk: ['At risk', '流失风险'],
  churned: ['Churned', '已流失'],
};

export const stagesReport: Report = {
  name: 'stages',
  title: { 'zh-CN': '客户生命周期', en: 'Lifecycle stages' },
  itemsDoc:
    'series: a stage. Items: the customers in that stage NOW (not on `day`: no table keeps who was where on a ' +
    'past day), most recently seen first: {id, at (lastSeenAt), customerId, displayName, stage}.',
  async table(ctx, range) {
    const bucket = (col: string) => dayBucket(Prisma.raw(col), range, ctx.provider, true);
    const field = (name: 'from' | 'to') =>
      ctx.provider === 'postgresql'
        ? Prisma.raw(`i.payload->>'${name}'`)
        : Prisma.raw(`json_extract(i.payload, '$.${name}')`);
    const [current, created, changes] = await Promise.all([
      // The (stage, lastSeenAt) index, counted.
      ctx.db.$queryRaw<{ stage: string; n: unknown }[]>`SELECT stage, COUNT(*) AS n FROM "Customer" GROUP BY stage`,
      // Customers created since the range began (Customer(createdAt)), by day (AFTER: after the range).
      ctx.db.$queryRaw<{ day: string; stage: string; n: unknown }[]>`
        SELECT ${bucket('"createdAt"')} AS day, stage, COUNT(*) AS n FROM "Customer"
        WHERE "createdAt" >= ${range.start} GROUP BY 1, 2`,
      // Stage changes since the range began (Interaction(kind, createdAt)), by day and by the day
      // their customer was created (BEFORE: before the range).
      ctx.db.$queryRaw<{ day: string; born: string; from: string | null; to: string | null; n: unknown }[]>`
        SELECT ${bucket('i."createdAt"')} AS day, ${bucket('c."createdAt"')} AS born,
          ${field('from')} AS "from", ${field('to')} AS "to", COUNT(*) AS n
        FROM "Interaction" i JOIN "Customer" c ON c.id = i."customerId"
        WHERE i.kind = 'stage_changed' AND i."createdAt" >= ${range.start}
        GROUP BY 1, 2, 3, 4`,
    ]);
    const now = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<string, number>;
    for (const r of current) if (r.stage in now) now[r.stage] = num(r.n);
    // What to take from today's count of each stage for each day, as a difference array over the
    // day indexes: a group of rows applies to the days [first, end), so it costs two entries, not
    // one per day (a year of changes is tens of thousands of groups).
    const n = range.days.length;
    const index = new Map(range.days.map((d, i) => [d, i]));
    // BEFORE sorts first, AFTER last: days outside the range fall to the ends.
    const at = (day: string) => index.get(day) ?? (day < range.from ? 0 : n);
    const undo = Object.fromEntries(STAGES.map((s) => [s, new Array<number>(n + 1).fill(0)])) as Record<
      string,
      number[]
    >;
    const apply = (stage: string | null, first: number, end: number, delta: number) => {
      const diff = stage === null ? undefined : undo[stage];
      if (!diff || first >= end) return;
      diff[first] = (diff[first] ?? 0) + delta;
      diff[end] = (diff[end] ?? 0) - delta;
    };
    // Not there yet at the end of the days before the one they were created on.
    for (const r of created) apply(r.stage, 0, at(r.day), num(r.n));
    // Changed later by a customer who was there: from the day they were created until the change.
    for (const r of changes) {
      const first = r.born === BEFORE ? 0 : at(r.born);
      apply(r.to, first, at(r.day), num(r.n));
      apply(r.from, first, at(r.day), -num(r.n));
    }
    const running = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<string, number>;
    const rows = range.days.map((day, i) => {
      const row: Record<string, number | string> = { day };
      let total = 0;
      for (const s of STAGES) {
        running[s] = (running[s] ?? 0) + (undo[s]?.[i] ?? 0);
        const count = (now[s] ?? 0) - (running[s] ?? 0);
        row[s] = count;
        total += count;
      }
      row.total = total;
      return row;
    });
    const last = rows.at(-1) as Record<string, number | string>;
    return {
      columns: [dayColumn, ...STAGES.map((s) => column(s, ...TITLES[s])), column('total', 'All customers', '全部客户')],
      rows,
      summary: { ...Object.fromEntries([...STAGES, 'total'].map((s) => [s, last[s]])), now },
    };
  },
  async items(ctx, q) {
    const stages = seriesOf(STAGES, q.series);
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, ['date', 'string']);
    // The (stage, lastSeenAt) index in order; (lastSeenAt, id) without a stage.
    const rows = await ctx.db.customer.findMany({
      where: {
        ...(q.series === undefined ? {} : { stage: { in: [...stages] } }),
        ...(after
          ? { lastSeenAt: { lte: after[0] }, OR: [{ lastSeenAt: { lt: after[0] } }, { id: { lt: after[1] } }] }
          : {}),
      },
      orderBy: [{ lastSeenAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
      select: { id: true, lastSeenAt: true, displayName: true, stage: true },
    });
    const page = pageOf(rows, q.limit, (r) => [r.lastSeenAt, r.id]);
    return {
      items: page.items.map((c) => ({
        id: c.id,
        at: iso(c.lastSeenAt) as string,
        customerId: c.id,
        displayName: c.displayName,
        stage: c.stage,
      })),
      nextCursor: page.nextCursor,
    };
  },
};
