import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { parseBusinessConfig } from '../../../src/config.js';
import { loyaltyFeature } from '../../../src/features/loyalty/index.js';
import { RedeemRefused, Rewards } from '../../../src/features/loyalty/rewards.js';
import { Loyalty } from '../../../src/features/loyalty/service.js';
import { resolveCustomers } from '../../../src/store/customers.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { systemClock } from '../../../src/util/clock.js';
import { featureApi, silentLogger, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const catalog = `
loyalty:
  rules: { welcome: 0 }
  rewards:
    - { id: coffee, name: { zh-CN: 咖啡一杯, en: A coffee }, cost: 100 }
    - { id: mug, name: { zh-CN: 马克杯, en: A mug }, cost: 50, stock: 3 }
    - { id: tote, name: { zh-CN: 帆布袋, en: A tote bag }, cost: 10, perCustomerLimit: 1 }
    - { id: beans, name: { zh-CN: 咖啡豆, en: Beans }, cost: 10, tier: gold }
`;

describeOnEachDatabase('rewards', (database) => {
  let store: Store;
  let loyalty: Loyalty;
  let rewards: Rewards;
  let seq = 0;

  beforeAll(async () => {
    store = await openStore(database().url);
    loyalty = new Loyalty(
      store.db,
      parseBusinessConfig(catalog, 'test').loyalty,
      'Asia/Shanghai',
      systemClock,
      silentLogger,
    );
    rewards = new Rewards(store.db, store.provider, loyalty, systemClock);
  });
  afterAll(async () => {
    await store?.close();
  });

  const customerWith = async (points: number) => {
    const [r] = await resolveCustomers(store.db, store.provider, [
      { channel: 'api', externalId: `rw-${++seq}`, name: undefined },
    ]);
    const id = (r as { customer: { id: string } }).customer.id;
    if (points) await loyalty.adjust(id, points, 'test', `seed:${id}`, 'test');
    return id;
  };
  const balance = async (id: string) => (await store.db.customer.findUniqueOrThrow({ where: { id } })).pointsBalance;
  const refusal = (r: PromiseSettledResult<unknown>) =>
    r.status === 'rejected' && r.reason instanceof RedeemRefused ? r.reason.reason : r.status;

  it('never double-spends: parallel redemptions stop at the balance', async () => {
    const id = await customerWith(300);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => rewards.redeem(id, 'coffee', `n${i}`)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.map(refusal).filter((r) => r === 'points')).toHaveLength(7);
    expect(await balance(id)).toBe(0);
    expect(await store.db.redemption.count({ where: { customerId: id } })).toBe(3);
  });

  it('never oversells: parallel redemptions by many customers stop at the stock', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => customerWith(100)));
    const results = await Promise.allSettled(ids.map((id) => rewards.redeem(id, 'mug', 'once')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.map(refusal).filter((r) => r === 'stock')).toHaveLength(5);
    expect((await store.db.rewardStock.findUniqueOrThrow({ where: { rewardId: 'mug' } })).redeemed).toBe(3);
    // Refused customers keep their points.
    const balances = await Promise.all(ids.map(balance));
    expect(balances.filter((b) => b === 100)).toHaveLength(5);
    expect(balances.filter((b) => b === 50)).toHaveLength(3);
  });

  it('redeems a double-tapped confirmation once', async () => {
    const id = await customerWith(200);
    const [a, b] = await Promise.all([rewards.redeem(id, 'coffee', 'tap'), rewards.redeem(id, 'coffee', 'tap')]);
    expect(a.code).toBe(b.code);
    expect([a.applied, b.applied].filter(Boolean)).toHaveLength(1);
    expect(await balance(id)).toBe(100);
  });

  it('keeps the per-customer limit under parallel requests, and the tier rule', async () => {
    const id = await customerWith(100);
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => rewards.redeem(id, 'tote', `t${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.map(refusal).filter((r) => r === 'limit')).toHaveLength(4);
    expect(await balance(id)).toBe(90);
    await expect(rewards.redeem(id, 'beans', 'b')).rejects.toMatchObject({ reason: 'tier' });
    await expect(rewards.redeem(id, 'nothing', 'x')).rejects.toMatchObject({ reason: 'unknown' });
    expect(await balance(id)).toBe(90);
  });
});

describeOnEachDatabase('rewards in the chat', (database) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, { yaml: catalog });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const send = async (body: Record<string, unknown>) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: 'chat-redeemer', locale: 'en' }, ...body }),
    });
    expect(res.statusCode).toBe(200);
    return res.json().replies as { text: string; buttons?: { label: string; payload: string }[] }[];
  };

  it('lists affordable rewards, confirms with a button, redeems once and returns a code', async () => {
    await send({ text: '/start' });
    const none = await send({ text: '/rewards' });
    expect(none[0]?.text).toMatch(/Nothing to redeem yet/);

    const id = (
      await app.store.db.customer.findFirstOrThrow({ where: { identities: { some: { externalId: 'chat-redeemer' } } } })
    ).id;
    await featureApi(app, loyaltyFeature).loyalty.adjust(id, 120, 'test', 'chat-seed', 'test');
    const [list] = await send({ text: '/rewards' });
    expect(list?.buttons?.map((b) => b.payload)).toEqual(['redeem:tote', 'redeem:mug', 'redeem:coffee']);

    const [confirm] = await send({ payload: 'redeem:coffee' });
    expect(confirm?.text).toMatch(/Redeem A coffee for 100 points/);
    const yes = confirm?.buttons?.[0]?.payload ?? '';
    expect(yes).toMatch(/^rc:coffee:/);
    const [done] = await send({ payload: yes });
    expect(done?.text).toMatch(/code for A coffee: [A-Z2-9]{8}.*Points left: 20/);
    const [again] = await send({ payload: yes });
    expect(again?.text).toBe(done?.text);
    expect((await app.store.db.customer.findUniqueOrThrow({ where: { id } })).pointsBalance).toBe(20);

    const [other] = await send({ text: '/redeem coffee' });
    const [refused] = await send({ payload: other?.buttons?.[0]?.payload });
    expect(refused?.text).toMatch(/Not enough points/);
    const [cancel] = await send({ payload: 'rx' });
    expect(cancel?.text).toMatch(/cancelled/);
    expect((await send({ text: '/redeem' }))[0]?.text).toMatch(/Usage/);
  });
});
