// campaigns: one row per campaign created in the range with what became of it, counted as
// GET /api/v1/campaigns counts (src/features/campaigns/stats.ts): the outcomes stored once final,
// else counted live. Not a time series: rows are campaigns, newest first.
import { AppError } from '../../errors.js';
import { decodeCursor, pageOf } from '../../http/paging.js';
import { type Outcomes, outcomesOf } from '../campaigns/index.js';
import { column, iso, type Report } from './report.js';

export const campaignsReport: Report = {
  name: 'campaigns',
  title: { 'zh-CN': '营销活动', en: 'Campaigns' },
  itemsDoc:
    'series: a campaign id (required; `day` does not apply). Items: its messages, last queued first, from MarketingSend ' +
    '{id, at, customerId, status} (status: the outbox row’s — pending, sending, sent, failed, cancelled —; held when ' +
    'it never reached the outbox: held through quiet hours, or dropped by a cancel; sent when the delivered row was pruned).',
  async table(ctx, range) {
    // A campaign table holds hundreds of rows: read whole, without an index on createdAt.
    const campaigns = await ctx.db.campaign.findMany({
      where: { createdAt: { gte: range.start, lt: range.end } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { id: true, name: true, status: true, createdAt: true, targeted: true, outcomes: true },
    });
    const live = await outcomesOf(
      ctx.db,
      ctx.provider,
      campaigns.filter((c) => c.outcomes === null).map((c) => c.id),
    );
    const rows = campaigns.map((c) => {
      const o = (c.outcomes as Outcomes | null) ?? live.get(c.id) ?? { sent: 0, failed: 0, replied: 0 };
      return {
        id: c.id,
        createdAt: iso(c.createdAt),
        name: c.name,
        status: c.status,
        targeted: c.targeted,
        sent: o.sent,
        failed: o.failed,
        replied: o.replied,
      };
    });
    const sum = (k: 'targeted' | 'sent' | 'failed' | 'replied') => rows.reduce((s, r) => s + r[k], 0);
    return {
      columns: [
        column('id', 'Id', '编号'),
        column('createdAt', 'Created', '创建时间'),
        column('name', 'Name', '名称'),
        column('status', 'Status', '状态'),
        column('targeted', 'Targeted', '目标客户'),
        column('sent', 'Sent', '已发送'),
        column('failed', 'Failed', '发送失败'),
        column('replied', 'Replied', '已回复'),
      ],
      rows,
      summary: {
        campaigns: rows.length,
        targeted: sum('targeted'),
        sent: sum('sent'),
        failed: sum('failed'),
        replied: sum('replied'),
      },
    };
  },
  async items(ctx, q) {
    if (q.series === undefined) throw new AppError('HTTP_BAD_REQUEST', 'series: a campaign id is required');
    const campaign = await ctx.db.campaign.findUnique({ where: { id: q.series }, select: { id: true } });
    if (!campaign) throw new AppError('HTTP_NOT_FOUND', `no campaign ${q.series}`);
    const [afterId] = q.cursor === undefined ? [undefined] : decodeCursor(q.cursor, ['int']);
    // MarketingSend(campaignId), newest (highest id) first: the order the sends were queued in.
    const sends = await ctx.db.marketingSend.findMany({
      where: { campaignId: campaign.id, ...(afterId === undefined ? {} : { id: { lt: afterId } }) },
      orderBy: { id: 'desc' },
      take: q.limit + 1,
      select: { id: true, at: true, customerId: true, outboxId: true },
    });
    const page = pageOf(sends, q.limit, (s) => [s.id]);
    const outboxIds = page.items.flatMap((s) => (s.outboxId === null ? [] : [s.outboxId]));
    const outbox = new Map(
      (await ctx.db.outbox.findMany({ where: { id: { in: outboxIds } }, select: { id: true, status: true } })).map(
        (o) => [o.id, o.status],
      ),
    );
    return {
      items: page.items.map((s) => ({
        id: s.id,
        at: iso(s.at) as string,
        customerId: s.customerId,
        status: s.outboxId === null ? 'held' : (outbox.get(s.outboxId) ?? 'sent'),
      })),
      nextCursor: page.nextCursor,
    };
  },
};
