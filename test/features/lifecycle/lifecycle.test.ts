import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { lifecycleFeature } from '../../../src/features/lifecycle/index.js';
import { rfmOf, topRfm } from '../../../src/features/lifecycle/rfm.js';
import { lifecycleSettings } from '../../../src/features/lifecycle/settings.js';
import { stageOf } from '../../../src/features/lifecycle/stage.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, featureApi, runJob, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const DAY = 86_400_000;
const settings = lifecycleSettings.parse({});

describe('stageOf', () => {
  const now = new Date('2027-06-01T00:00:00Z');
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const facts = (over: Partial<Parameters<typeof stageOf>[0]> = {}) => ({
    purchaseCount: 1,
    firstPurchaseAt: ago(10),
    lastPurchaseAt: ago(10),
    lastSeenAt: ago(1),
    recentPurchases: 1,
    rfm: null,
    ...over,
  });
  it.each([
    ['prospect', facts({ purchaseCount: 0, firstPurchaseAt: null, lastPurchaseAt: null })],
    ['new', facts()],
    ['new', facts({ firstPurchaseAt: ago(30), lastPurchaseAt: ago(30) })],
    ['active', facts({ firstPurchaseAt: ago(31), lastPurchaseAt: ago(31) })],
    ['loyal', facts({ purchaseCount: 5, recentPurchases: 5, firstPurchaseAt: ago(300) })],
    ['active', facts({ purchaseCount: 5, recentPurchases: 4, firstPurchaseAt: ago(300) })],
    ['loyal', facts({ firstPurchaseAt: ago(300), rfm: { recency: 4, frequency: 5, monetary: 4 } })],
    ['active', facts({ firstPurchaseAt: ago(300), rfm: { recency: 5, frequency: 3, monetary: 5 } })],
    // No purchase and no message for 60 days: at risk, whatever came before; 180: churned.
    ['at_risk', facts({ lastPurchaseAt: ago(60), firstPurchaseAt: ago(90), lastSeenAt: ago(61) })],
    ['active', facts({ lastPurchaseAt: ago(59), firstPurchaseAt: ago(90), lastSeenAt: ago(100) })],
    ['active', facts({ lastPurchaseAt: ago(100), firstPurchaseAt: ago(100), lastSeenAt: ago(2) })],
    ['at_risk', facts({ purchaseCount: 9, recentPurchases: 9, lastPurchaseAt: ago(70), lastSeenAt: ago(70) })],
    ['churned', facts({ lastPurchaseAt: ago(180), firstPurchaseAt: ago(200), lastSeenAt: ago(181) })],
  ])('%s for %j', (stage, f) => {
    expect(stageOf(f, settings, now).stage).toBe(stage);
  });

  it('scores RFM by quintile boundaries and calls the top two quintiles of each "top"', () => {
    const cuts = { recency: [10, 20, 30, 40], frequency: [1, 1, 2, 4], monetary: [50, 100, 200, 400], purchasers: 100 };
    const t = (count: number, amount: number, at: number) => ({
      purchaseCount: count,
      purchaseAmount: amount,
      lastPurchaseAt: new Date(at),
    });
    expect(rfmOf(t(1, 10, 5), cuts)).toEqual({ recency: 1, frequency: 1, monetary: 1 });
    expect(rfmOf(t(5, 500, 45), cuts)).toEqual({ recency: 5, frequency: 5, monetary: 5 });
    expect(rfmOf(t(3, 150, 25), cuts)).toEqual({ recency: 3, frequency: 4, monetary: 3 });
    expect(rfmOf(t(0, 0, 45), cuts)).toBeNull();
    expect(rfmOf(t(3, 150, 25), null)).toBeNull();
    expect(topRfm({ recency: 4, frequency: 4, monetary: 4 })).toBe(true);
    expect(topRfm({ recency: 5, frequency: 5, monetary: 3 })).toBe(false);
  });

  it('refuses churnedDays that do not come after atRiskDays', () => {
    expect(() => lifecycleSettings.parse({ atRiskDays: 90, churnedDays: 90 })).toThrow(/churnedDays/);
  });
});

/** The API calls these tests make, on the app of the suite. */
function helpers(app: () => App) {
  const say = async (user: string, text: string) => {
    const res = await app().server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user, name: user }, text }),
    });
    expect(res.statusCode).toBe(200);
  };
  const idOf = async (user: string) =>
    (await app().server.inject({ url: `/api/v1/customers?externalId=${user}`, headers: admin })).json().customers[0]
      .id as string;
  const buy = async (id: string, orderId: string, amount = 100, at?: number) => {
    const res = await app().server.inject({
      method: 'POST',
      url: `/api/v1/customers/${id}/purchases`,
      headers: admin,
      payload: { amount, orderId, ...(at ? { at: new Date(at).toISOString() } : {}) },
    });
    expect(res.statusCode).toBe(200);
    return res.json() as { stage?: string };
  };
  const profile = async (id: string) =>
    (await app().server.inject({ url: `/api/v1/customers/${id}`, headers: admin })).json();
  const changes = async (id: string) =>
    (
      await app().store.db.interaction.findMany({
        where: { customerId: id, kind: 'stage_changed' },
        orderBy: { id: 'asc' },
      })
    ).map((i) => i.payload as { from: string; to: string; reason: string; trigger: string });
  return { say, idOf, buy, profile, changes };
}

describeOnEachDatabase('lifecycle stages', (database) => {
  const start = Date.parse('2027-01-10T02:00:00Z');
  const clock = new FakeClock(start);
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, { clock, yaml: 'loyalty:\n  rules:\n    welcome: 0\n' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const { say, idOf, buy, profile, changes } = helpers(() => app);

  it('walks one customer through every stage, each change logged once with its reason and trigger', async () => {
    clock.current = start;
    await say('walker', 'hello');
    const id = await idOf('walker');
    expect((await profile(id)).stage).toBe('prospect');

    // The first purchase: new (the purchase response says so).
    expect((await buy(id, 'w-1')).stage).toBe('new');
    // 31 days after it, still writing: active, by the daily job.
    clock.current = start + 31 * DAY;
    await say('walker', 'still here');
    expect(await runJob(app, 'lifecycle')).toBe(1);
    expect((await profile(id)).stage).toBe('active');
    expect(await runJob(app, 'lifecycle')).toBe(0); // nothing is due twice

    // Four more purchases within a year: loyal at the fifth.
    for (const n of [2, 3, 4]) expect((await buy(id, `w-${n}`)).stage).toBe('active');
    expect((await buy(id, 'w-5')).stage).toBe('loyal');

    // Sixty days of silence and no purchase: at risk; 180: churned.
    clock.current = start + 92 * DAY;
    expect(await runJob(app, 'lifecycle')).toBe(1);
    expect((await profile(id)).stage).toBe('at_risk');
    clock.current = start + 212 * DAY;
    expect(await runJob(app, 'lifecycle')).toBe(1);
    expect((await profile(id)).stage).toBe('churned');

    // A message brings them back, with the turn: their five purchases are within a year, so loyal.
    await say('walker', 'hi again');
    expect((await profile(id)).stage).toBe('loyal');

    expect(await changes(id)).toEqual([
      { from: 'prospect', to: 'new', reason: 'first_purchase_recent', trigger: 'purchase' },
      { from: 'new', to: 'active', reason: 'active', trigger: 'job' },
      { from: 'active', to: 'loyal', reason: 'frequent_purchases', trigger: 'purchase' },
      { from: 'loyal', to: 'at_risk', reason: 'inactive_at_risk', trigger: 'job' },
      { from: 'at_risk', to: 'churned', reason: 'inactive_churned', trigger: 'job' },
      { from: 'churned', to: 'loyal', reason: 'frequent_purchases', trigger: 'message' },
    ]);
  });
});

describeOnEachDatabase('lifecycle RFM', (database) => {
  const now = Date.parse('2027-03-01T02:00:00Z');
  const clock = new FakeClock(now);
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, { clock, yaml: 'loyalty:\n  rules:\n    welcome: 0\n' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('shows purchases and RFM quintile scores on the profile; the job makes top-RFM customers loyal', async () => {
    const { say, idOf, buy, profile, changes } = helpers(() => app);
    // Twenty customers who bought: the i-th buys 1, 2 or 4 times for i × 10 each, its latest
    // purchase i hours after the others' first, all about 40 days ago (neither new nor at risk).
    const ids: string[] = [];
    const base = now - 40 * DAY;
    for (let i = 1; i <= 20; i++) {
      await say(`rfm${i}`, 'hi');
      const id = await idOf(`rfm${i}`);
      ids.push(id);
      const times = i <= 8 ? 1 : i <= 14 ? 2 : 4;
      for (let n = 0; n < times; n++) await buy(id, `rfm${i}-${n}`, i * 10, base + i * 3_600_000 - n * 60_000);
    }
    // Fewer than 20 buyers when the purchases came in: no scores, so nobody was made loyal by them.
    expect((await profile(ids[19] as string)).stage).toBe('active');
    await runJob(app, 'lifecycle');
    // Recency and monetary rise with i (quintile boundaries at the 5th, 9th, 13th and 17th),
    // frequency has three values: 1 → 1, 2 → 2, 4 → 4. Top RFM (each ≥ 4): customers 15 to 20.
    const best = await profile(ids[19] as string);
    expect(best).toMatchObject({ purchases: { count: 4, amount: 800 }, stage: 'loyal' });
    expect(best.rfm).toEqual({ recency: 5, frequency: 4, monetary: 5 });
    expect(best.lastPurchaseAt).toBe(new Date(base + 20 * 3_600_000).toISOString());
    expect((await profile(ids[0] as string)).rfm).toEqual({ recency: 1, frequency: 1, monetary: 1 });
    const stages = await Promise.all(ids.map(async (id) => (await profile(id)).stage));
    expect(stages).toEqual([...Array(14).fill('active'), ...Array(6).fill('loyal')]);
    expect((await changes(ids[14] as string)).at(-1)).toEqual({
      from: 'active',
      to: 'loyal',
      reason: 'top_rfm',
      trigger: 'job',
    });
    expect(await runJob(app, 'lifecycle')).toBe(0);
    expect(featureApi(app, lifecycleFeature).lifecycle.settings.loyalMinPurchases).toBe(5);
  });
});
