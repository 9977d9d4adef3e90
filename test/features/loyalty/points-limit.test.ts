import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { loyaltyFeature } from '../../../src/features/loyalty/index.js';
import { POINTS_LIMIT } from '../../../src/features/loyalty/ledger.js';
import { admin, featureApi, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

// PostgreSQL's INTEGER ends at 2,147,483,647: past it a balance gave 500. The ledger now refuses
// any balance or single change above 2,000,000,000 with 400 POINTS_LIMIT, on both providers alike.
describeOnEachDatabase('points limit', (database) => {
  let app: App;
  let seq = 0;
  beforeAll(async () => {
    app = await testApp(database().url, { yaml: 'loyalty:\n  rules:\n    welcome: 0\n    purchasePerUnit: 1000\n' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const newCustomer = async () => {
    const user = `big-${++seq}`;
    await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user, locale: 'en' }, text: '/start' }),
    });
    const list = await app.server.inject({ url: `/api/v1/customers?externalId=${user}`, headers: admin });
    return { user, id: list.json().customers[0].id as string };
  };
  const post = (url: string, body: unknown) =>
    app.server.inject({
      method: 'POST',
      url,
      headers: { ...admin, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const points = async (id: string) =>
    (await app.server.inject({ url: `/api/v1/customers/${id}/points`, headers: admin })).json();

  it('takes a balance up to the limit, and refuses purchases and adjustments past it, storing nothing', async () => {
    const { id } = await newCustomer();
    for (const orderId of ['b1', 'b2']) {
      const res = await post(`/api/v1/customers/${id}/purchases`, { amount: 1_000_000, orderId });
      expect(res.statusCode).toBe(200);
    }
    expect((await points(id)).balance).toBe(POINTS_LIMIT);

    const over = await post(`/api/v1/customers/${id}/purchases`, { amount: 1, orderId: 'b3' });
    expect(over.statusCode).toBe(400);
    expect(over.json().error.code).toBe('POINTS_LIMIT');
    expect(over.json().error.message).toMatch(/2000000000/);
    expect(await app.store.db.purchase.count({ where: { orderId: 'b3' } })).toBe(0);

    const adjust = await post(`/api/v1/customers/${id}/points`, { delta: 1, reason: 'x', idempotencyKey: 'big-adj' });
    expect(adjust.statusCode).toBe(400);
    expect(adjust.json().error.code).toBe('POINTS_LIMIT');
    expect(await app.store.db.pointsEntry.count({ where: { idempotencyKey: 'manual:big-adj' } })).toBe(0);
    const summary = await points(id);
    expect(summary).toMatchObject({ balance: POINTS_LIMIT, earnedLast12Months: POINTS_LIMIT, tier: { id: 'gold' } });
    expect(summary.ledger).toHaveLength(2);

    // Spending makes room again.
    const spend = await post(`/api/v1/customers/${id}/points`, { delta: -1000, reason: 'x', idempotencyKey: 'big-sp' });
    expect(spend.json()).toMatchObject({ applied: true, balance: POINTS_LIMIT - 1000 });
    const fits = await post(`/api/v1/customers/${id}/purchases`, { amount: 1.0009, orderId: 'b4' });
    expect(fits.json()).toMatchObject({ points: { awarded: 1000, balance: POINTS_LIMIT } });
  });

  it('refuses a purchase worth more points than the limit, and bounds the amount', async () => {
    const { id } = await newCustomer();
    const res = await post(`/api/v1/customers/${id}/purchases`, { amount: 5_000_000, orderId: 'huge' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('POINTS_LIMIT');
    const tooMuch = await post(`/api/v1/customers/${id}/purchases`, { amount: 1e12, orderId: 'huge' });
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.json().error.code).toBe('BAD_REQUEST');
    expect(await app.store.db.purchase.count({ where: { orderId: 'huge' } })).toBe(0);
    expect((await points(id)).balance).toBe(0);
  });

  it('reports points earned past 2^31 in twelve months (sums, not balances) without error', async () => {
    const { user, id } = await newCustomer();
    await featureApi(app, loyaltyFeature).loyalty.adjust(id, POINTS_LIMIT, 'seed', 'big-earn-1', 'test');
    await featureApi(app, loyaltyFeature).loyalty.adjust(id, -1_900_000_000, 'spent', 'big-spend-1', 'test');
    const again = await featureApi(app, loyaltyFeature).loyalty.adjust(id, 1_900_000_000, 'seed', 'big-earn-2', 'test');
    expect(again.balance).toBe(POINTS_LIMIT);
    expect(await points(id)).toMatchObject({ balance: POINTS_LIMIT, earnedLast12Months: 3_900_000_000 });
    const reply = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user, locale: 'en' }, text: '/points' }),
    });
    expect(reply.json().replies[0].text).toMatch(/2000000000/);
  });
});
