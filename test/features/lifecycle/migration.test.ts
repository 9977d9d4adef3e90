// The lifecycle_segments migration's backfill, on both databases: purchase totals summed from the
// Purchase rows, the old stage names moved to the new ones, the latest CSAT and NPS scores copied.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveCustomers } from '../../../src/store/customers.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

describeOnEachDatabase('lifecycle migration backfill', (database) => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(database().url);
  });
  afterAll(async () => {
    await store?.close();
  });

  const customer = async (key: string, stage: string) => {
    const [r] = await resolveCustomers(store.db, store.provider, [{ channel: 'api', externalId: key, name: key }]);
    const id = (r as { customer: { id: string } }).customer.id;
    await store.db.customer.update({ where: { id }, data: { stage } });
    return id;
  };

  it('sums purchases, renames the old stages and copies the latest scores', async () => {
    const one = await customer('one', 'customer');
    const two = await customer('two', 'repeat');
    const none = await customer('none', 'prospect');
    const at = (day: number) => new Date(Date.UTC(2026, 5, day));
    await store.db.purchase.createMany({
      data: [
        { customerId: one, orderId: 'm-1', amount: 10.5, at: at(3) },
        { customerId: two, orderId: 'm-2', amount: 20, at: at(9) },
        { customerId: two, orderId: 'm-3', amount: 30, at: at(1) },
      ],
    });
    await store.db.feedback.createMany({
      data: [
        { customerId: two, channel: 'api', kind: 'csat', score: 2, source: 'command', createdAt: at(1) },
        { customerId: two, channel: 'api', kind: 'csat', score: 5, source: 'command', createdAt: at(2) },
        { customerId: two, channel: 'api', kind: 'nps', score: 9, source: 'command', createdAt: at(2) },
      ],
    });

    const dir = join('prisma', store.provider, 'migrations');
    const migration = readdirSync(dir).find((d) => d.endsWith('_lifecycle_segments')) as string;
    const sql = readFileSync(join(dir, migration, 'migration.sql'), 'utf8');
    const from = sql.indexOf('-- Backfill');
    const backfill = sql.slice(from, sql.indexOf('-- Create', from));
    expect(backfill).toMatch(/UPDATE/);
    for (const statement of backfill.split(';').filter((s) => s.replace(/--.*$/gm, '').trim())) {
      await store.db.$executeRawUnsafe(statement);
    }

    const rows = await store.db.customer.findMany({
      where: { id: { in: [one, two, none] } },
      select: {
        id: true,
        stage: true,
        purchaseCount: true,
        purchaseAmount: true,
        firstPurchaseAt: true,
        lastPurchaseAt: true,
        lastCsat: true,
        lastNps: true,
      },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(one)).toMatchObject({
      stage: 'new',
      purchaseCount: 1,
      purchaseAmount: 10.5,
      firstPurchaseAt: at(3),
      lastPurchaseAt: at(3),
      lastCsat: null,
    });
    expect(byId.get(two)).toMatchObject({
      stage: 'active',
      purchaseCount: 2,
      purchaseAmount: 50,
      firstPurchaseAt: at(1),
      lastPurchaseAt: at(9),
      lastCsat: 5,
      lastNps: 9,
    });
    expect(byId.get(none)).toMatchObject({ stage: 'prospect', purchaseCount: 0, lastPurchaseAt: null });
  });
});
