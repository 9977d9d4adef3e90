import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { expectForgedCursorsRefused, expectPagedInOpenApi, readAllPages } from '../../helpers/paging.js';
import { refuseOutbox } from '../../helpers/refuse-outbox.js';

describeOnEachDatabase('loyalty through the API channel and the admin API', (database) => {
  let app: App;
  const clock = new FakeClock(Date.parse('2026-06-01T02:00:00Z'));
  let seq = 0;

  beforeAll(async () => {
    app = await testApp(database().url, { clock, yaml: 'loyalty:\n  rules:\n    welcome: 50\n    checkin: 5\n' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const say = async (user: string, text: string) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user, locale: 'zh-CN' }, text }),
    });
    expect(res.statusCode).toBe(200);
    return (res.json().replies as { text: string }[]).map((r) => r.text);
  };
  const customerId = async (user: string) => {
    const res = await app.server.inject({ url: `/api/v1/customers?channel=api&externalId=${user}`, headers: admin });
    return res.json().customers[0].id as string;
  };
  const json = (method: 'GET' | 'POST', url: string, body?: unknown) =>
    app.server.inject({
      method,
      url,
      headers: { ...admin, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });

  it('gives welcome points with the welcome, and /points shows the balance and tier', async () => {
    const user = `loyal-${++seq}`;
    const [welcome] = await say(user, '/start');
    expect(welcome).toMatch(/欢迎[\s\S]*50积分/);
    const [points] = await say(user, '/points');
    expect(points).toMatch(/当前积分：50/);
    expect(points).toMatch(/青铜会员/);
    expect(await say(user, '积分')).toEqual([points]);
  });

  it('awards check-in once per day', async () => {
    const user = `loyal-${++seq}`;
    await say(user, '/start');
    expect((await say(user, '/checkin'))[0]).toMatch(/签到成功.*5积分.*55/);
    expect((await say(user, '签到'))[0]).toMatch(/已经签到过/);
    clock.advance(24 * 3600_000);
    expect((await say(user, '签到!'))[0]).toMatch(/签到成功.*60/);
    const history = (await say(user, '/history'))[0] ?? '';
    expect(history.split('\n').slice(1)).toHaveLength(3);
    expect(history).toMatch(/\+5 签到/);
  });

  it('records a purchase once per order id and shows points in the profile', async () => {
    const user = `loyal-${++seq}`;
    await say(user, '/start');
    const id = await customerId(user);
    const purchase = { amount: 128.5, orderId: `ord-${user}` };
    const first = await json('POST', `/api/v1/customers/${id}/purchases`, purchase);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ duplicate: false, points: { awarded: 128, balance: 178 } });
    const again = await json('POST', `/api/v1/customers/${id}/purchases`, purchase);
    expect(again.json()).toMatchObject({ duplicate: true, points: { awarded: 0, balance: 178 } });

    const profile = await json('GET', `/api/v1/customers/${id}`);
    expect(profile.json()).toMatchObject({ stage: 'new', points: { balance: 178, tier: 'bronze' } });
    const ledger = await json('GET', `/api/v1/customers/${id}/points`);
    expect(ledger.json()).toMatchObject({ balance: 178, tier: { id: 'bronze' }, nextTier: { id: 'silver' } });
    expect(ledger.json().ledger.map((e: { reason: string; delta: number }) => [e.reason, e.delta])).toEqual([
      ['purchase', 128],
      ['welcome', 50],
    ]);
  });

  it('reaching a tier by a purchase is reported, and /points shows it', async () => {
    const user = `loyal-${++seq}`;
    await say(user, '/start');
    const id = await customerId(user);
    const res = await json('POST', `/api/v1/customers/${id}/purchases`, { amount: 600, orderId: `big-${user}` });
    expect(res.json()).toMatchObject({ tierReached: 'silver' });
    const messages = (await app.server.inject({ url: `/api/v1/messages?userId=${user}` })).json().messages;
    expect(messages.at(-1).text).toMatch(/恭喜您升级为白银会员/);
    expect((await say(user, '/points'))[0]).toMatch(/白银会员/);
  });

  /** What an award of this reason left: entries, purchases, balance, tier congratulations and their log rows. */
  const tierWrites = async (customerId: string, reason: string) => {
    const db = app.store.db;
    return {
      entries: await db.pointsEntry.count({ where: { customerId, reason } }),
      purchases: await db.purchase.count({ where: { customerId } }),
      balance: (await db.customer.findUniqueOrThrow({ where: { id: customerId } })).pointsBalance,
      congratulations: await db.outbox.count({ where: { dedupeKey: { startsWith: `tier:${customerId}:` } } }),
      logged: await db.interaction.count({
        where: {
          customerId,
          OR: [
            { kind: 'tier_reached', direction: 'out' },
            { kind: 'points', text: { endsWith: ` ${reason}` } },
          ],
        },
      }),
    };
  };

  it('a failure writing the tier congratulation undoes the purchase and its points; the retried report writes both once', async () => {
    const user = `loyal-${++seq}`;
    await say(user, '/start');
    const id = await customerId(user);
    const url = `/api/v1/customers/${id}/purchases`;
    const order = { amount: 600, orderId: `tier-crash-${user}` };
    const allow = await refuseOutbox(app.store, `tier:${id}:`);
    expect((await json('POST', url, order)).statusCode).toBe(500);
    const none = { entries: 0, purchases: 0, balance: 50, congratulations: 0, logged: 0 };
    expect(await tierWrites(id, 'purchase')).toEqual(none);

    await allow();
    expect((await json('POST', url, order)).json()).toMatchObject({ duplicate: false, tierReached: 'silver' });
    expect((await json('POST', url, order)).json()).toMatchObject({ duplicate: true, points: { awarded: 0 } });
    // The entry's `points` event and the congratulation's interaction.
    const both = { entries: 1, purchases: 1, balance: 650, congratulations: 1, logged: 2 };
    expect(await tierWrites(id, 'purchase')).toEqual(both);
    const messages = (await app.server.inject({ url: `/api/v1/messages?userId=${user}` })).json().messages;
    expect(messages.at(-1).text).toMatch(/恭喜您升级为白银会员/);
  });

  it('the same for an adjustment by hand that lifts the customer into a tier', async () => {
    const user = `loyal-${++seq}`;
    await say(user, '/start');
    const id = await customerId(user);
    const url = `/api/v1/customers/${id}/points`;
    const add = { delta: 2000, reason: 'vip', idempotencyKey: `vip-${user}` };
    const allow = await refuseOutbox(app.store, `tier:${id}:`);
    expect((await json('POST', url, add)).statusCode).toBe(500);
    const none = { entries: 0, purchases: 0, balance: 50, congratulations: 0, logged: 0 };
    expect(await tierWrites(id, 'vip')).toEqual(none);

    await allow();
    expect((await json('POST', url, add)).json()).toMatchObject({ applied: true, balance: 2050 });
    expect((await json('POST', url, add)).json()).toMatchObject({ applied: false, balance: 2050 });
    const both = { entries: 1, purchases: 0, balance: 2050, congratulations: 1, logged: 2 };
    expect(await tierWrites(id, 'vip')).toEqual(both);
    const messages = (await app.server.inject({ url: `/api/v1/messages?userId=${user}` })).json().messages;
    expect(messages.at(-1).text).toMatch(/恭喜您升级为黄金会员/);
  });

  it('adjusts by hand once per key, and refuses an overdraw with 409 changing nothing', async () => {
    const user = `loyal-${++seq}`;
    await say(user, '/start');
    const id = await customerId(user);
    const add = { delta: 25, reason: 'goodwill', idempotencyKey: `gw-${user}` };
    expect((await json('POST', `/api/v1/customers/${id}/points`, add)).json()).toMatchObject({
      applied: true,
      balance: 75,
    });
    expect((await json('POST', `/api/v1/customers/${id}/points`, add)).json()).toMatchObject({
      applied: false,
      balance: 75,
    });
    const over = await json('POST', `/api/v1/customers/${id}/points`, {
      delta: -500,
      reason: 'oops',
      idempotencyKey: `o-${user}`,
    });
    expect(over.statusCode).toBe(409);
    expect(over.json().error.code).toBe('POINTS_INSUFFICIENT');
    expect((await json('GET', `/api/v1/customers/${id}/points`)).json().balance).toBe(75);
    const entry = (await json('GET', `/api/v1/customers/${id}/points`)).json().ledger[0];
    expect(entry).toMatchObject({ kind: 'adjust', delta: 25, reason: 'goodwill', meta: { by: 'admin-api' } });
  });

  it('rejects bad admin requests with clear errors', async () => {
    const user = `loyal-${++seq}`;
    await say(user, '/start');
    const id = await customerId(user);
    const cases: [string, unknown, number][] = [
      [`/api/v1/customers/${id}/purchases`, { amount: -3, orderId: 'x' }, 400],
      [`/api/v1/customers/${id}/purchases`, { amount: '12', orderId: 'x' }, 400],
      [`/api/v1/customers/${id}/purchases`, { amount: 12, orderId: 'x', at: 'tomorrow' }, 400],
      [`/api/v1/customers/${id}/points`, { delta: 0, reason: 'x', idempotencyKey: 'k' }, 400],
      [`/api/v1/customers/${id}/points`, { delta: 1.5, reason: 'x', idempotencyKey: 'k' }, 400],
      ['/api/v1/customers/nobody/points', { delta: 1, reason: 'x', idempotencyKey: 'k' }, 404],
      ['/api/v1/customers/nobody/purchases', { amount: 1, orderId: 'k' }, 404],
    ];
    for (const [url, body, status] of cases) {
      const res = await json('POST', url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(status);
    }
    expect(await app.store.db.purchase.count({ where: { orderId: { in: ['x', 'k'] } } })).toBe(0);
    const noToken = await app.server.inject({ method: 'GET', url: `/api/v1/customers/${id}/points` });
    expect(noToken.statusCode).toBe(401);
  });

  it("pages a customer's ledger by cursor: each entry once, newest first, while points are adjusted", async () => {
    const user = `loyal-${++seq}`;
    await say(user, '/start');
    const id = await customerId(user);
    let key = 0;
    const adjust = async () => {
      const res = await json('POST', `/api/v1/customers/${id}/points`, {
        delta: 1 + (key % 4),
        reason: 'paging',
        idempotencyKey: `paging-${id}-${++key}`,
      });
      expect(res.statusCode).toBe(200);
    };
    for (let i = 0; i < 8; i++) await adjust();
    const expected = await app.store.db.pointsEntry.findMany({ where: { customerId: id }, orderBy: { id: 'desc' } });
    expect(expected).toHaveLength(9);
    const { items, pages } = await readAllPages(
      4,
      async (cursor) => {
        const res = await json('GET', `/api/v1/customers/${id}/points?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        // Every page carries the balance: the one of when it was read.
        expect(res.json().balance).toBe(
          (await app.store.db.customer.findUniqueOrThrow({ where: { id } })).pointsBalance,
        );
        return { items: res.json().ledger as { id: number }[], nextCursor: res.json().nextCursor };
      },
      adjust,
    );
    expect(pages).toBe(3);
    expect(items.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    await expectForgedCursorsRefused((cursor) => json('GET', `/api/v1/customers/${id}/points?cursor=${cursor}`));
    await expectPagedInOpenApi(app.server, '/api/v1/customers/{id}/points');
  });
});
