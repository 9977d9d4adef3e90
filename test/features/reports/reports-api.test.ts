// The reports admin API: each report's numbers on rows inserted for the test (a day with nothing
// included), the CSV (BOM, quoting, Chinese, CSV injection neutralised), refused ranges and names,
// and the items behind a point of a chart, page by page. On SQLite and PostgreSQL; days are in
// BUSINESS_TIMEZONE (Asia/Shanghai, UTC+8 by default).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { expectForgedCursorsRefused, readAllPages } from '../../helpers/paging.js';

/** Noon on 2026-07-20 in Shanghai. */
const NOW = Date.parse('2026-07-20T04:00:00Z');
/** An instant given as Shanghai wall time ("2026-07-08 00:30"). */
const local = (text: string) => new Date(`${text.replace(' ', 'T')}:00+08:00`);

describeOnEachDatabase('reports admin API', (database) => {
  let app: App;
  let seq = 0;
  const clock = new FakeClock(NOW);

  beforeAll(async () => {
    app = await testApp(database().url, { clock });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const db = () => app.store.db;
  const get = (url: string) => app.server.inject({ method: 'GET', url, headers: admin });
  const json = async (url: string) => {
    const res = await get(url);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  async function customer(name = `c${++seq}`, createdAt = new Date(NOW - 86_400_000)): Promise<string> {
    return (await db().customer.create({ data: { displayName: name, createdAt, lastSeenAt: createdAt } })).id;
  }
  async function interaction(
    customerId: string,
    at: Date,
    o: { channel?: string; direction?: string; kind?: string; text?: string } = {},
  ) {
    return db().interaction.create({
      data: {
        customerId,
        channel: o.channel ?? 'api',
        direction: o.direction ?? 'in',
        kind: o.kind ?? 'message',
        text: o.text ?? 'hello',
        createdAt: at,
      },
    });
  }

  it('lists the reports with their titles in both languages', async () => {
    const { reports } = await json('/api/v1/reports');
    expect(reports.map((r: { name: string }) => r.name)).toEqual([
      'messages',
      'faq',
      'tickets',
      'feedback',
      'points',
      'stages',
      'campaigns',
    ]);
    for (const r of reports) expect(r.title).toEqual({ 'zh-CN': expect.any(String), en: expect.any(String) });
  });

  it('messages: inbound interactions per business day and channel, every day present', async () => {
    const c = await customer();
    await interaction(c, local('2026-07-08 00:30'), { channel: 'telegram' });
    await interaction(c, local('2026-07-08 09:00'), { channel: 'telegram', kind: 'command', text: '/start' });
    await interaction(c, local('2026-07-08 12:00'), { channel: 'api', kind: 'button' });
    // 23:59 local is still the 8th; midnight local (16:00 UTC) is the 9th.
    await interaction(c, local('2026-07-08 23:59'), { channel: 'api' });
    await interaction(c, new Date('2026-07-08T16:00:00Z'), { channel: 'api' });
    // Not customers' messages: a reply and an event. Outside the range: the day before.
    await interaction(c, local('2026-07-08 10:00'), { direction: 'out' });
    await interaction(c, local('2026-07-08 10:00'), { direction: 'event', kind: 'faq_answered' });
    await interaction(c, local('2026-07-06 23:59'), { channel: 'api' });

    const body = await json('/api/v1/reports/messages?from=2026-07-07&to=2026-07-09');
    expect(body.report).toBe('messages');
    expect([body.from, body.to]).toEqual(['2026-07-07', '2026-07-09']);
    expect(body.columns.map((c: { key: string }) => c.key)).toEqual(['day', 'api', 'telegram', 'total']);
    expect(body.columns[0]).toEqual({ key: 'day', title: { 'zh-CN': '日期', en: 'Day' } });
    expect(body.rows).toEqual([
      { day: '2026-07-07', api: 0, telegram: 0, total: 0 },
      { day: '2026-07-08', api: 2, telegram: 2, total: 4 },
      { day: '2026-07-09', api: 1, telegram: 0, total: 1 },
    ]);
    expect(body.summary).toEqual({ total: 5, byChannel: { api: 3, telegram: 2 } });

    // The default: the last 30 days ending today (Shanghai), a row each.
    const recent = await json('/api/v1/reports/messages');
    expect([recent.from, recent.to]).toEqual(['2026-06-21', '2026-07-20']);
    expect(recent.rows).toHaveLength(30);
    expect(recent.rows[17]).toMatchObject({ day: '2026-07-08', total: 4 });
  });

  it('messages items: one point (a day, a channel) newest first, page by page; a forged cursor is a 400', async () => {
    const c = await customer();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const kind = i % 2 ? 'command' : 'message';
      ids.push((await interaction(c, local(`2026-07-12 1${i}:00`), { channel: 'wechat', kind, text: `问题${i}` })).id);
    }
    // Same instant as the last: the id breaks the tie.
    ids.push((await interaction(c, local('2026-07-12 14:00'), { channel: 'wechat' })).id);
    await interaction(c, local('2026-07-12 15:00'), { channel: 'api' });
    await interaction(c, local('2026-07-13 10:00'), { channel: 'wechat' });

    const url = '/api/v1/reports/messages/items?from=2026-07-12&to=2026-07-13&day=2026-07-12&series=wechat&limit=2';
    const { items, pages } = await readAllPages<{ id: number; text: string }>(2, async (cursor) =>
      json(`${url}${cursor ? `&cursor=${cursor}` : ''}`).then((b) => ({ items: b.items, nextCursor: b.nextCursor })),
    );
    expect(pages).toBe(3);
    expect(items.map((i: { id: number }) => i.id)).toEqual([...ids].reverse().sort((a, b) => b - a));
    expect(items[0]).toEqual({
      id: ids[5],
      at: local('2026-07-12 14:00').toISOString(),
      customerId: c,
      channel: 'wechat',
      kind: 'message',
      text: 'hello',
    });
    expect(items.find((i: { text: string }) => i.text === '问题1')).toMatchObject({ kind: 'command' });

    // Without a series: every channel of the day.
    const all = await json('/api/v1/reports/messages/items?day=2026-07-12&limit=50');
    expect(all.items).toHaveLength(7);
    expect(all.nextCursor).toBeNull();

    await expectForgedCursorsRefused((cursor) => get(`${url}&cursor=${cursor}`));
  });

  it('faq: answered, suggested and unknown per day, with the answered share', async () => {
    const c = await customer();
    const event = (at: string, kind: string) => interaction(c, local(at), { direction: 'event', kind });
    await event('2026-06-02 08:00', 'faq_answered');
    await event('2026-06-02 09:00', 'faq_answered');
    await event('2026-06-02 10:00', 'faq_answered');
    await event('2026-06-02 11:00', 'faq_suggested');
    await event('2026-06-03 11:00', 'faq_unanswered');

    const body = await json('/api/v1/reports/faq?from=2026-06-01&to=2026-06-03');
    expect(body.columns.map((c: { key: string }) => c.key)).toEqual([
      'day',
      'answered',
      'suggested',
      'unknown',
      'answeredShare',
    ]);
    expect(body.rows).toEqual([
      { day: '2026-06-01', answered: 0, suggested: 0, unknown: 0, answeredShare: null },
      { day: '2026-06-02', answered: 3, suggested: 1, unknown: 0, answeredShare: 0.75 },
      { day: '2026-06-03', answered: 0, suggested: 0, unknown: 1, answeredShare: 0 },
    ]);
    expect(body.summary).toEqual({
      answered: 3,
      suggested: 1,
      unknown: 1,
      total: 5,
      answeredShare: 0.6,
      suggestedShare: 0.2,
      unknownShare: 0.2,
    });

    const unknown = await json('/api/v1/reports/faq/items?from=2026-06-01&to=2026-06-03&series=unknown');
    expect(unknown.items).toEqual([
      expect.objectContaining({ kind: 'faq_unanswered', customerId: c, at: local('2026-06-03 11:00').toISOString() }),
    ]);
    const bad = await get('/api/v1/reports/faq/items?series=nonsense');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/series/);
  });

  it('tickets: opened and resolved per day; first response and resolution times; the SLA share', async () => {
    const c = await customer();
    const ticket = (data: { createdAt: Date; claimedAt?: Date; resolvedAt?: Date; status?: string }) =>
      db().ticket.create({
        data: {
          customerId: c,
          channel: 'api',
          chatId: 'chat',
          reason: 'complaint',
          status: data.status ?? (data.resolvedAt ? 'resolved' : data.claimedAt ? 'claimed' : 'open'),
          ...data,
        },
      });
    const staffReply = (ticketId: number, at: Date) =>
      db().ticketMessage.create({ data: { ticketId, author: 'staff', text: 'on it', createdAt: at } });
    const min = (at: string, minutes: number) => new Date(local(at).getTime() + minutes * 60_000);

    // 1: answered by a staff message after 4 minutes (claimed later), resolved after 60.
    const t1 = await ticket({
      createdAt: local('2026-05-02 10:00'),
      claimedAt: min('2026-05-02 10:00', 8),
      resolvedAt: min('2026-05-02 10:00', 60),
    });
    await staffReply(t1.id, min('2026-05-02 10:00', 4));
    await db().ticketMessage.create({
      data: { ticketId: t1.id, author: 'customer', text: 'hi', createdAt: local('2026-05-02 10:01') },
    });
    // 2: claimed after 20 minutes (later than the SLA), resolved the next day after 24 hours.
    await ticket({
      createdAt: local('2026-05-02 12:00'),
      claimedAt: min('2026-05-02 12:00', 20),
      resolvedAt: min('2026-05-02 12:00', 24 * 60),
    });
    // 3: claimed after 2 minutes, still open. 4: never answered (its SLA ran out long ago).
    await ticket({ createdAt: local('2026-05-03 09:00'), claimedAt: min('2026-05-03 09:00', 2) });
    await ticket({ createdAt: local('2026-05-03 09:30') });

    const body = await json('/api/v1/reports/tickets?from=2026-05-01&to=2026-05-03');
    expect(body.rows).toEqual([
      { day: '2026-05-01', opened: 0, resolved: 0 },
      { day: '2026-05-02', opened: 2, resolved: 1 },
      { day: '2026-05-03', opened: 2, resolved: 1 },
    ]);
    expect(body.summary).toEqual({
      opened: 4,
      resolved: 2,
      // First responses 4, 20, 2 minutes: nearest-rank median 4, p90 20.
      firstResponse: { median: 4, p90: 20 },
      // Resolutions 60 and 1,440 minutes.
      resolution: { median: 60, p90: 1440 },
      slaMinutes: 10,
      answered: 3,
      withinSlaCount: 2,
      withinSla: 0.5,
    });

    const resolved = await json('/api/v1/reports/tickets/items?from=2026-05-01&to=2026-05-03&series=resolved');
    expect(resolved.items.map((t: { id: number; at: string }) => [t.id, t.at])).toEqual([
      [t1.id + 1, min('2026-05-02 12:00', 24 * 60).toISOString()],
      [t1.id, min('2026-05-02 10:00', 60).toISOString()],
    ]);
    expect(resolved.items[1]).toEqual({
      id: t1.id,
      at: expect.any(String),
      customerId: c,
      series: 'resolved',
      status: 'resolved',
      reason: 'complaint',
      priority: 'normal',
      assignee: null,
    });
    const opened = await json('/api/v1/reports/tickets/items?day=2026-05-03&series=opened');
    expect(opened.items.map((t: { status: string }) => t.status)).toEqual(['open', 'claimed']);
  });

  it('feedback: CSAT average and NPS per day, null on a day without answers', async () => {
    const c = await customer();
    const answer = (at: string, kind: string, score: number | null, comment?: string) =>
      db().feedback.create({
        data: {
          customerId: c,
          channel: 'api',
          kind,
          score,
          source: 'test',
          createdAt: local(at),
          comment: comment ?? null,
        },
      });
    await answer('2026-04-01 10:00', 'csat', 5);
    await answer('2026-04-01 11:00', 'csat', 4);
    await answer('2026-04-01 12:00', 'csat', 2, '太慢了');
    await answer('2026-04-01 13:00', 'feedback', null, 'no score: not counted');
    await answer('2026-04-03 10:00', 'nps', 10);
    await answer('2026-04-03 10:00', 'nps', 9);
    await answer('2026-04-03 11:00', 'nps', 8);
    await answer('2026-04-03 12:00', 'nps', 3);

    const body = await json('/api/v1/reports/feedback?from=2026-04-01&to=2026-04-03');
    expect(body.rows).toEqual([
      { day: '2026-04-01', csatCount: 3, csatAverage: 3.667, npsCount: 0, nps: null },
      { day: '2026-04-02', csatCount: 0, csatAverage: null, npsCount: 0, nps: null },
      { day: '2026-04-03', csatCount: 0, csatAverage: null, npsCount: 4, nps: 25 },
    ]);
    expect(body.summary).toEqual({
      csatCount: 3,
      csatAverage: 3.667,
      npsCount: 4,
      nps: 25,
      promoters: 2,
      passives: 1,
      detractors: 1,
    });
    const csat = await json('/api/v1/reports/feedback/items?from=2026-04-01&to=2026-04-03&series=csat');
    expect(csat.items.map((f: { score: number }) => f.score)).toEqual([2, 4, 5]);
    expect(csat.items[0]).toMatchObject({ customerId: c, kind: 'csat', score: 2, comment: '太慢了' });
  });

  it('points: issued, redeemed and expired per day, as positive numbers', async () => {
    const c = await customer();
    const entry = (at: string, kind: string, delta: number) =>
      db().pointsEntry.create({
        data: { customerId: c, kind, delta, reason: kind, idempotencyKey: `t:${++seq}`, createdAt: local(at) },
      });
    await entry('2026-03-01 10:00', 'award', 100);
    await entry('2026-03-01 11:00', 'adjust', 20);
    await entry('2026-03-01 12:00', 'adjust', -5);
    await entry('2026-03-01 13:00', 'spend', -50);
    await entry('2026-03-03 00:00', 'expire', -30);
    await entry('2026-03-03 01:00', 'refund', 50);

    const body = await json('/api/v1/reports/points?from=2026-03-01&to=2026-03-03');
    expect(body.rows).toEqual([
      { day: '2026-03-01', issued: 120, redeemed: 50, expired: 0 },
      { day: '2026-03-02', issued: 0, redeemed: 0, expired: 0 },
      { day: '2026-03-03', issued: 0, redeemed: 0, expired: 30 },
    ]);
    expect(body.summary).toEqual({ issued: 120, redeemed: 50, expired: 30 });
    const issued = await json('/api/v1/reports/points/items?day=2026-03-01&series=issued');
    expect(issued.items.map((e: { kind: string; delta: number }) => [e.kind, e.delta])).toEqual([
      ['adjust', 20],
      ['award', 100],
    ]);
  });

  it('campaigns: a row per campaign created in range; CSV with Chinese text and formulas neutralised', async () => {
    const c = await customer();
    const campaign = (name: string, createdAt: Date, targeted: number) =>
      db().campaign.create({
        data: { name, rules: {}, message: {}, status: 'sent', sendAt: createdAt, createdAt, targeted },
      });
    const spring = await campaign('春季促销, "大" 优惠', local('2026-02-10 10:00'), 3);
    const evil = await campaign('=HYPERLINK("http://x")', local('2026-02-11 10:00'), 1);
    await campaign('outside', local('2026-01-31 10:00'), 9);
    const sent = await db().outbox.create({
      data: { channel: 'api', chatId: 'x', message: {}, status: 'sent', customerId: c },
    });
    const failed = await db().outbox.create({
      data: { channel: 'api', chatId: 'y', message: {}, status: 'failed', customerId: c },
    });
    const send = (outboxId: number | null, key: string) =>
      db().marketingSend.create({
        data: {
          customerId: c,
          kind: 'campaign',
          dedupeKey: key,
          at: local('2026-02-10 10:00'),
          campaignId: spring.id,
          outboxId,
        },
      });
    await send(sent.id, 'k1');
    await send(failed.id, 'k2');
    await send(null, 'k3');

    const body = await json('/api/v1/reports/campaigns?from=2026-02-01&to=2026-02-28');
    expect(body.rows).toEqual([
      {
        id: evil.id,
        createdAt: local('2026-02-11 10:00').toISOString(),
        name: '=HYPERLINK("http://x")',
        status: 'sent',
        targeted: 1,
        sent: 0,
        failed: 0,
        replied: 0,
      },
      {
        id: spring.id,
        createdAt: local('2026-02-10 10:00').toISOString(),
        name: '春季促销, "大" 优惠',
        status: 'sent',
        targeted: 3,
        sent: 1,
        failed: 1,
        replied: 0,
      },
    ]);
    expect(body.summary).toEqual({ campaigns: 2, targeted: 4, sent: 1, failed: 1, replied: 0 });

    const csv = await get('/api/v1/reports/campaigns.csv?from=2026-02-01&to=2026-02-28');
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(
      'attachment; filename="rapport-campaigns-2026-02-01-2026-02-28.csv"',
    );
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = csv.rawPayload.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe('id,createdAt,name,status,targeted,sent,failed,replied');
    expect(lines[1]).toBe(
      `${evil.id},${local('2026-02-11 10:00').toISOString()},"'=HYPERLINK(""http://x"")",sent,1,0,0,0`,
    );
    expect(lines[2]).toBe(
      `${spring.id},${local('2026-02-10 10:00').toISOString()},"春季促销, ""大"" 优惠",sent,3,1,1,0`,
    );
    expect(lines.slice(3)).toEqual(['']);

    const sends = await json(`/api/v1/reports/campaigns/items?series=${spring.id}&limit=2`);
    expect(sends.items.map((s: { status: string }) => s.status)).toEqual(['held', 'failed']);
    const rest = await json(`/api/v1/reports/campaigns/items?series=${spring.id}&limit=2&cursor=${sends.nextCursor}`);
    expect(rest).toEqual({
      items: [{ id: expect.any(Number), at: local('2026-02-10 10:00').toISOString(), customerId: c, status: 'sent' }],
      nextCursor: null,
    });
    expect((await get('/api/v1/reports/campaigns/items')).statusCode).toBe(400);
    expect((await get('/api/v1/reports/campaigns/items?series=nope')).statusCode).toBe(404);
  });

  it('a time series as CSV: a row per day, numbers and empty cells for nulls', async () => {
    const csv = await get('/api/v1/reports/faq.csv?from=2026-06-01&to=2026-06-02');
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.body).toBe(
      '\uFEFFday,answered,suggested,unknown,answeredShare\r\n2026-06-01,0,0,0,\r\n2026-06-02,3,1,0,0.75\r\n',
    );
  });

  describe('refusals', () => {
    it.each([
      ['from after to', '/api/v1/reports/messages?from=2026-07-02&to=2026-07-01', /after/],
      ['more than 366 days', '/api/v1/reports/messages?from=2025-01-01&to=2026-01-02', /367 days; at most 366/],
      ['not a day', '/api/v1/reports/messages?from=2026-02-30', /from/],
      ['not a date', '/api/v1/reports/messages.csv?to=yesterday', /to/],
      ['a day outside the range', '/api/v1/reports/faq/items?from=2026-06-01&to=2026-06-02&day=2026-06-05', /outside/],
      ['a limit too high', '/api/v1/reports/faq/items?limit=100000', /limit/],
    ])('%s is a 400', async (_, url, message) => {
      const res = await get(url);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('BAD_REQUEST');
      expect(res.json().error.message).toMatch(message);
    });

    it('accepts exactly 366 days', async () => {
      const body = await json('/api/v1/reports/points?from=2024-01-01&to=2024-12-31');
      expect(body.rows).toHaveLength(366);
    });

    it.each(['/api/v1/reports/nope', '/api/v1/reports/nope.csv', '/api/v1/reports/nope/items'])(
      '%s: an unknown report is a 404',
      async (url) => {
        const res = await get(url);
        expect(res.statusCode).toBe(404);
        expect(res.json().error).toEqual({ code: 'NOT_FOUND', message: 'no report nope' });
      },
    );

    it('asks for the admin token', async () => {
      const res = await app.server.inject({ method: 'GET', url: '/api/v1/reports/messages' });
      expect(res.statusCode).toBe(401);
    });
  });
});
