import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { loyaltyFeature } from '../../../src/features/loyalty/index.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, featureApi, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const catalog = `
loyalty:
  rules: { welcome: 0 }
  rewards:
    - { id: coffee, name: { zh-CN: 咖啡一杯, en: A coffee }, cost: 100 }
    - { id: mug, name: { zh-CN: 马克杯, en: A mug }, cost: 50, stock: 1 }
    - { id: tote, name: { zh-CN: 帆布袋, en: A tote bag }, cost: 10, perCustomerLimit: 1 }
`;

type Reply = { text: string; buttons?: { label: string; payload: string }[] };

describeOnEachDatabase('redemption codes at the counter', (database) => {
  const clock = new FakeClock(Date.parse('2026-09-10T04:00:00Z'));
  let app: App;
  let seq = 0;
  beforeAll(async () => {
    app = await testApp(database().url, { clock, yaml: catalog });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const chat = (user: string, locale: string) => async (body: Record<string, unknown>) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user, name: `Name ${user}`, locale }, ...body }),
    });
    expect(res.statusCode).toBe(200);
    return res.json().replies as Reply[];
  };
  /** A customer with points who has redeemed `rewardId` in the chat; returns the printed code. */
  const customerWithCode = async (rewardId: string, locale = 'en', points = 300) => {
    const user = `counter-${++seq}`;
    const say = chat(user, locale);
    await say({ text: '/start' });
    const id = (await app.store.db.customer.findFirstOrThrow({ where: { identities: { some: { externalId: user } } } }))
      .id;
    await featureApi(app, loyaltyFeature).loyalty.adjust(id, points, 'test', `seed:${id}`, 'test');
    const code = await redeem(say, rewardId);
    return { user, id, say, code };
  };
  const redeem = async (say: ReturnType<typeof chat>, rewardId: string) => {
    const [confirm] = await say({ text: `/redeem ${rewardId}` });
    const [done] = await say({ payload: confirm?.buttons?.[0]?.payload });
    return /([A-Z2-9]{8})/.exec(done?.text ?? '')?.[1] ?? '';
  };
  const call = (method: 'GET' | 'POST', url: string) => app.server.inject({ method, url, headers: admin });
  const balance = async (id: string) =>
    (await app.store.db.customer.findUniqueOrThrow({ where: { id } })).pointsBalance;
  const historyOf = async (say: ReturnType<typeof chat>) => (await say({ text: '/history' }))[0]?.text ?? '';

  it('looks a code up in any case, and the customer sees it unused in /history', async () => {
    const { id, say, code, user } = await customerWithCode('coffee');
    expect(code).toHaveLength(8);
    const res = await call('GET', `/api/v1/redemptions/${code.toLowerCase()}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      code,
      status: 'issued',
      reward: { id: 'coffee', name: { 'zh-CN': '咖啡一杯', en: 'A coffee' }, cost: 100 },
      customer: { id, displayName: `Name ${user}` },
      issuedAt: '2026-09-10T04:00:00.000Z',
      usedAt: null,
      cancelledAt: null,
    });
    expect(await historyOf(say)).toContain(`-100 redeemed A coffee, code ${code}: not used yet`);
  });

  it('marks a code used exactly once when the counter sends it many times at once', async () => {
    const { say, code } = await customerWithCode('coffee', 'zh-CN');
    clock.advance(3_600_000);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call('POST', `/api/v1/redemptions/${i % 2 ? code : code.toLowerCase()}/use`)),
    );
    const ok = results.filter((r) => r.statusCode === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]?.json()).toMatchObject({ code, status: 'used', usedAt: '2026-09-10T05:00:00.000Z' });
    const refused = results.filter((r) => r.statusCode === 409);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      expect(r.json().error).toEqual({
        code: 'REDEMPTION_USED',
        message: `code ${code} was used at 2026-09-10T05:00:00.000Z`,
      });
    }
    expect((await call('GET', `/api/v1/redemptions/${code}`)).json()).toMatchObject({
      status: 'used',
      usedAt: '2026-09-10T05:00:00.000Z',
    });
    expect(await historyOf(say)).toContain(`-100 兑换「咖啡一杯」，兑换码${code}：已使用（2026-09-10）`);
    // A used code cannot be cancelled.
    const cancel = await call('POST', `/api/v1/redemptions/${code}/cancel`);
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json().error.code).toBe('REDEMPTION_USED');
  });

  it('cancels once: the points come back once, the stock too, and the code can no longer be used', async () => {
    const { id, say, code } = await customerWithCode('mug');
    expect(await balance(id)).toBe(250);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => call('POST', `/api/v1/redemptions/${code}/cancel`)),
    );
    const ok = results.filter((r) => r.statusCode === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]?.json()).toMatchObject({ code, status: 'cancelled', refunded: 50, balance: 300 });
    expect(results.filter((r) => r.statusCode === 409).map((r) => r.json().error.code)).toEqual(
      Array(5).fill('REDEMPTION_CANCELLED'),
    );
    expect(await balance(id)).toBe(300);
    const refunds = await app.store.db.pointsEntry.findMany({ where: { customerId: id, kind: 'refund' } });
    expect(refunds.map((e) => [e.delta, e.reason])).toEqual([[50, 'refund']]);
    const use = await call('POST', `/api/v1/redemptions/${code}/use`);
    expect(use.statusCode).toBe(409);
    expect(use.json().error.code).toBe('REDEMPTION_CANCELLED');

    const history = await historyOf(say);
    expect(history).toContain('+50 refund');
    expect(history).toContain(`-50 redeemed A mug, code ${code}: cancelled, points refunded`);
    // The only mug is back in stock: another customer can redeem it.
    const other = await customerWithCode('mug');
    expect(other.code).toHaveLength(8);
    expect((await app.store.db.rewardStock.findUniqueOrThrow({ where: { rewardId: 'mug' } })).redeemed).toBe(1);
  });

  it('does not count a cancelled redemption against the per-customer limit', async () => {
    const { say, code } = await customerWithCode('tote');
    expect((await call('POST', `/api/v1/redemptions/${code}/cancel`)).statusCode).toBe(200);
    const again = await redeem(say, 'tote');
    expect(again).toHaveLength(8);
    expect(again).not.toBe(code);
  });

  it('answers unknown, malformed and unauthenticated requests in the documented shape', async () => {
    const unknown = await call('GET', '/api/v1/redemptions/NOSUCH23');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no redemption code NOSUCH23' } });
    expect((await call('POST', '/api/v1/redemptions/nosuch23/use')).statusCode).toBe(404);
    expect((await call('POST', '/api/v1/redemptions/nosuch23/cancel')).statusCode).toBe(404);
    const long = await call('GET', `/api/v1/redemptions/${'A'.repeat(65)}`);
    expect(long.statusCode).toBe(400);
    expect(long.json().error.code).toBe('BAD_REQUEST');
    const anonymous = await app.server.inject({ method: 'POST', url: '/api/v1/redemptions/NOSUCH23/use' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await app.server.inject({ url: '/api/openapi.json' })).json();
    expect(doc.paths['/api/v1/redemptions/{code}'].get.responses).toHaveProperty('404');
    expect(doc.paths['/api/v1/redemptions/{code}/use'].post.responses).toHaveProperty('409');
    expect(doc.paths['/api/v1/redemptions/{code}/cancel'].post.responses).toHaveProperty('409');
  });
});
