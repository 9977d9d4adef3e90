// The RFM boundaries are walked out of indexes, seconds at a million customers. Callers that ask
// while a measurement runs share it (twelve walks per caller at once had PostgreSQL's cores to
// themselves and stalled every message for 4 s), and once boundaries exist a day-old set is
// measured again in the background while callers get yesterday's at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RfmCuts, RfmScale } from '../../../src/features/lifecycle/rfm.js';
import { openStore, type Store } from '../../../src/store/index.js';
import type { Clock } from '../../../src/util/clock.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';

const DAY_MS = 86_400_000;

describe('RFM boundaries', () => {
  let database: TestDatabase;
  let store: Store;
  let now = Date.parse('2026-12-04T10:00:00Z');
  const clock: Clock = { now: () => now, sleep: async () => {} };

  const buyers = (n: number, amount: (i: number) => number) =>
    store.db.customer.createMany({
      data: Array.from({ length: n }, (_, i) => ({
        purchaseCount: 1 + (i % 5),
        purchaseAmount: amount(i),
        firstPurchaseAt: new Date(now - 90 * DAY_MS),
        lastPurchaseAt: new Date(now - i * DAY_MS),
      })),
    });

  beforeAll(async () => {
    database = sqliteDatabase();
    store = await openStore(database.url);
    await buyers(40, (i) => 10 * (i + 1));
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('measures once for callers that ask together, then serves the day-old set while measuring again', async () => {
    const scale = new RfmScale(store.reads, clock);
    const together = await Promise.all(Array.from({ length: 8 }, () => scale.current()));
    const first = together[0] as RfmCuts;
    expect(first.purchasers).toBe(40);
    expect(new Set(together).size).toBe(1); // one measurement, shared

    await buyers(40, () => 10_000); // big spenders move the monetary boundaries up
    now += DAY_MS;
    expect(await scale.current()).toBe(first); // at once: yesterday's, the new walk runs behind it
    const measured = await scale.refresh(); // joins the walk under way
    expect(measured?.purchasers).toBe(80);
    expect(measured?.monetary.at(-1)).toBe(10_000);
    expect(await scale.current()).toBe(measured);
  });
});
