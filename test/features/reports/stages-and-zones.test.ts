// The stages report, walked back from today's stages through the stage_changed log and the
// customers' creation; and days bucketed in a time zone with daylight saving (America/New_York),
// where a day lasts 23 or 25 hours. On SQLite and PostgreSQL, each on a database of its own.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const shanghai = (text: string) => new Date(`${text.replace(' ', 'T')}:00+08:00`);

describeOnEachDatabase('reports: lifecycle stages over time', (database) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, { clock: new FakeClock(Date.parse('2026-06-20T04:00:00Z')) });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const get = (url: string) => app.server.inject({ method: 'GET', url, headers: admin });

  it('counts each stage at the end of each day; items are the customers in a stage now', async () => {
    const db = app.store.db;
    const customer = (name: string, created: string, stage: string, seen = created) =>
      db.customer.create({
        data: { displayName: name, createdAt: shanghai(created), lastSeenAt: shanghai(seen), stage },
      });
    const changed = (customerId: string, at: string, from: string, to: string) =>
      db.interaction.create({
        data: {
          customerId,
          channel: 'system',
          direction: 'event',
          kind: 'stage_changed',
          payload: { from, to, reason: 'test', trigger: 'job' },
          createdAt: shanghai(at),
        },
      });
    // A: before the range; new before it, active on the 2nd.
    const a = await customer('A', '2026-05-01 10:00', 'active', '2026-06-15 10:00');
    await changed(a.id, '2026-05-02 10:00', 'prospect', 'new');
    await changed(a.id, '2026-06-02 23:59', 'new', 'active');
    // B: created on the 2nd, still a prospect.
    const b = await customer('B', '2026-06-02 08:00', 'prospect', '2026-06-16 10:00');
    // C: created on the 1st; at risk on the 3rd, churned after the range.
    const c = await customer('C', '2026-06-01 00:00', 'churned', '2026-06-01 00:00');
    await changed(c.id, '2026-06-03 12:00', 'prospect', 'at_risk');
    await changed(c.id, '2026-06-05 12:00', 'at_risk', 'churned');
    // D: created after the range.
    const d = await customer('D', '2026-06-10 10:00', 'new');
    await changed(d.id, '2026-06-11 10:00', 'prospect', 'new');

    const res = await get('/api/v1/reports/stages?from=2026-05-31&to=2026-06-04');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.columns.map((col: { key: string }) => col.key)).toEqual([
      'day',
      'prospect',
      'new',
      'active',
      'loyal',
      'at_risk',
      'churned',
      'total',
    ]);
    const row = (day: string, counts: Record<string, number>) => ({
      day,
      prospect: 0,
      new: 0,
      active: 0,
      loyal: 0,
      at_risk: 0,
      churned: 0,
      ...counts,
      total: Object.values(counts).reduce((s, n) => s + n, 0),
    });
    expect(body.rows).toEqual([
      row('2026-05-31', { new: 1 }),
      row('2026-06-01', { new: 1, prospect: 1 }),
      row('2026-06-02', { active: 1, prospect: 2 }),
      row('2026-06-03', { active: 1, prospect: 1, at_risk: 1 }),
      row('2026-06-04', { active: 1, prospect: 1, at_risk: 1 }),
    ]);
    expect(body.summary).toEqual({
      prospect: 1,
      new: 0,
      active: 1,
      loyal: 0,
      at_risk: 1,
      churned: 0,
      total: 3,
      now: { prospect: 1, new: 1, active: 1, loyal: 0, at_risk: 0, churned: 1 },
    });

    const items = await get('/api/v1/reports/stages/items?day=2026-06-03&series=prospect');
    expect(items.json()).toEqual({
      items: [
        {
          id: b.id,
          at: shanghai('2026-06-16 10:00').toISOString(),
          customerId: b.id,
          displayName: 'B',
          stage: 'prospect',
        },
      ],
      nextCursor: null,
    });
    const everyone = await get('/api/v1/reports/stages/items?limit=3');
    expect(everyone.json().items.map((i: { displayName: string }) => i.displayName)).toEqual(['B', 'A', 'D']);
    const rest = await get(`/api/v1/reports/stages/items?limit=3&cursor=${everyone.json().nextCursor}`);
    expect(rest.json()).toEqual({ items: [expect.objectContaining({ displayName: 'C' })], nextCursor: null });
    expect((await get('/api/v1/reports/stages/items?series=vip')).statusCode).toBe(400);
  });
});

describeOnEachDatabase('reports: days in a time zone with daylight saving', (database) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, {
      env: { BUSINESS_TIMEZONE: 'America/New_York' },
      clock: new FakeClock(Date.parse('2026-12-01T12:00:00Z')),
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('buckets by the local day across the 23- and 25-hour days', async () => {
    const db = app.store.db;
    const c = await db.customer.create({ data: {} });
    const message = (iso: string) =>
      db.interaction.create({
        data: { customerId: c.id, channel: 'api', direction: 'in', kind: 'message', createdAt: new Date(iso) },
      });
    // 2026-03-08: clocks go forward at 02:00 (EST −5 → EDT −4).
    await message('2026-03-08T04:59:00Z'); // 03-07 23:59 EST
    await message('2026-03-08T05:00:00Z'); // 03-08 00:00 EST
    await message('2026-03-09T03:59:00Z'); // 03-08 23:59 EDT
    await message('2026-03-09T04:00:00Z'); // 03-09 00:00 EDT
    // 2026-11-01: clocks go back at 02:00 (EDT −4 → EST −5).
    await message('2026-11-01T03:59:00Z'); // 10-31 23:59 EDT
    await message('2026-11-01T04:00:00Z'); // 11-01 00:00 EDT
    await message('2026-11-02T04:30:00Z'); // 11-01 23:30 EST
    await message('2026-11-02T05:00:00Z'); // 11-02 00:00 EST

    const read = async (from: string, to: string) => {
      const res = await app.server.inject({
        method: 'GET',
        url: `/api/v1/reports/messages?from=${from}&to=${to}`,
        headers: admin,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().rows.map((r: { day: string; total: number }) => [r.day, r.total]);
    };
    expect(await read('2026-03-07', '2026-03-09')).toEqual([
      ['2026-03-07', 1],
      ['2026-03-08', 2],
      ['2026-03-09', 1],
    ]);
    expect(await read('2026-10-31', '2026-11-02')).toEqual([
      ['2026-10-31', 1],
      ['2026-11-01', 2],
      ['2026-11-02', 1],
    ]);
    // A range over both changes: several runs of one offset in one statement.
    const year = await read('2026-03-01', '2026-11-30');
    expect(year.filter(([, n]: [string, number]) => n > 0)).toEqual([
      ['2026-03-07', 1],
      ['2026-03-08', 2],
      ['2026-03-09', 1],
      ['2026-10-31', 1],
      ['2026-11-01', 2],
      ['2026-11-02', 1],
    ]);
  });
});
