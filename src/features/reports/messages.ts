// messages: what customers wrote, per day and channel (inbound interactions).
import { Prisma } from '../../store/index.js';
import { dayBucket } from './day-bucket.js';
import { mergedPage, within } from './items.js';
import { type Column, column, dailyRows, dayColumn, iso, num, type Report } from './report.js';

const CHANNEL_NAMES: Record<string, [string, string]> = {
  api: ['API', 'API'],
  telegram: ['Telegram', 'Telegram'],
  wechat: ['WeChat', '微信'],
  slack: ['Slack', 'Slack'],
};
const channelColumn = (channel: string): Column => {
  const [en, zh] = CHANNEL_NAMES[channel] ?? [channel, channel];
  return column(channel, en, zh);
};

/** A channel named like one of the fixed columns would overwrite it: such a key gets a prefix. */
const keyOf = (channel: string) => (channel === 'day' || channel === 'total' ? `channel_${channel}` : channel);

export const messagesReport: Report = {
  name: 'messages',
  title: { 'zh-CN': '客户消息', en: 'Customer messages' },
  itemsDoc:
    'series: a channel (one of the columns). Items: the inbound interactions {id, at, customerId, channel, kind, text}.',
  async table(ctx, range) {
    // Interaction(direction, createdAt, channel): one index range, no table rows read.
    const rows = await ctx.db.$queryRaw<{ day: string; channel: string; n: bigint | number }[]>`
      SELECT ${dayBucket(Prisma.sql`"createdAt"`, range, ctx.provider)} AS day, channel, COUNT(*) AS n
      FROM "Interaction"
      WHERE direction = 'in' AND "createdAt" >= ${range.start} AND "createdAt" < ${range.end}
      GROUP BY 1, 2`;
    const channels = [...new Set(rows.map((r) => r.channel))].sort();
    const keys = [...channels.map(keyOf), 'total'];
    const daily = dailyRows(
      range,
      keys,
      rows.map((r) => ({ day: r.day, [keyOf(r.channel)]: num(r.n), total: num(r.n) })),
    );
    const byChannel = Object.fromEntries(channels.map((c) => [c, 0]));
    for (const r of rows) byChannel[r.channel] = (byChannel[r.channel] ?? 0) + num(r.n);
    return {
      columns: [
        dayColumn,
        ...channels.map((c) => ({ ...channelColumn(c), key: keyOf(c) })),
        column('total', 'Total', '合计'),
      ],
      rows: daily,
      summary: { total: daily.reduce((sum, r) => sum + (r.total ?? 0), 0), byChannel },
    };
  },
  async items(ctx, q) {
    const page = await mergedPage(
      // Interaction(direction, createdAt, channel) gives them newest first.
      [
        (after, take) =>
          ctx.db.interaction.findMany({
            where: {
              direction: 'in',
              ...(q.series === undefined ? {} : { channel: q.series }),
              ...within('createdAt', q.range, after),
            },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
            take,
            select: { id: true, createdAt: true, customerId: true, channel: true, kind: true, text: true },
          }),
      ],
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
