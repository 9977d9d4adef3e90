// Rows and value lists bound as one JSON parameter (src/store/json-rows.ts): what Prisma's own
// queries read back must equal what was written, on both databases, awkward text included.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, Prisma, type Store } from '../../src/store/index.js';
import { insertRows, inValues } from '../../src/store/json-rows.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

const awkward = 'a "quoted", {braced} \\ back\\slash, NULL, 你好！😀\n\ttab';
const AT = new Date('2026-12-03T02:00:00.123Z');

describeOnEachDatabase('rows as one JSON parameter', (database) => {
  let store: Store;
  let customerId: string;

  beforeAll(async () => {
    store = await openStore(database().url);
    customerId = (await store.db.customer.create({ data: { displayName: 'J' } })).id;
  });
  afterAll(async () => {
    await store?.close();
  });

  it('inserts rows with their own and shared values, read back by Prisma as written', async () => {
    const rows = await insertRows(
      store.db,
      store.provider,
      'Outbox',
      {
        channel: 'text',
        chatId: 'text',
        customerId: 'text',
        message: 'json',
        status: 'text',
        attempts: 'int',
        nextAttemptAt: 'timestamp',
        createdAt: 'timestamp',
        dedupeKey: 'text',
      },
      [
        {
          channel: 'api',
          chatId: 'j-1',
          customerId,
          message: { text: awkward, buttons: [{ label: '好', data: 'x' }] },
          dedupeKey: 'json-rows:1',
        },
        { channel: 'api', chatId: 'j-2', customerId: null, message: { text: 'two' }, dedupeKey: 'json-rows:2' },
      ],
      { same: { status: 'pending', attempts: 3, nextAttemptAt: AT, createdAt: AT }, returning: ['id', 'dedupeKey'] },
    );
    // Ids follow the rows' order.
    expect(rows.map((r) => r.dedupeKey)).toEqual(['json-rows:1', 'json-rows:2']);
    const stored = await store.db.outbox.findMany({
      where: { dedupeKey: { startsWith: 'json-rows:' } },
      orderBy: { id: 'asc' },
    });
    expect(stored.map((r) => Number(r.id))).toEqual(rows.map((r) => Number(r.id)));
    expect(stored[0]).toMatchObject({
      channel: 'api',
      chatId: 'j-1',
      customerId,
      message: { text: awkward, buttons: [{ label: '好', data: 'x' }] },
      status: 'pending',
      attempts: 3,
      nextAttemptAt: AT,
      createdAt: AT,
    });
    expect(stored[1]).toMatchObject({ customerId: null, message: { text: 'two' }, attempts: 3 });
  });

  it('skips rows that break the unique key, and returns only those it wrote', async () => {
    const columns = {
      customerId: 'text',
      kind: 'text',
      dedupeKey: 'text',
      at: 'timestamp',
      campaignId: 'text',
    } as const;
    const first = await insertRows(
      store.db,
      store.provider,
      'MarketingSend',
      columns,
      [{ customerId, dedupeKey: 'jr:a' }],
      {
        same: { kind: 'campaign', at: AT, campaignId: null },
        returning: ['dedupeKey'],
        skipConflictsOn: ['dedupeKey'],
      },
    );
    expect(first).toEqual([{ dedupeKey: 'jr:a' }]);
    const second = await insertRows(
      store.db,
      store.provider,
      'MarketingSend',
      columns,
      [
        { customerId, dedupeKey: 'jr:a' },
        { customerId, dedupeKey: 'jr:b' },
      ],
      {
        same: { kind: 'campaign', at: AT, campaignId: null },
        returning: ['dedupeKey'],
        skipConflictsOn: ['dedupeKey'],
      },
    );
    expect(second).toEqual([{ dedupeKey: 'jr:b' }]);
    const sends = await store.db.marketingSend.findMany({ where: { customerId }, orderBy: { id: 'asc' } });
    expect(sends.map((s) => [s.dedupeKey, s.at.toISOString(), s.campaignId])).toEqual([
      ['jr:a', AT.toISOString(), null],
      ['jr:b', AT.toISOString(), null],
    ]);
  });

  it('matches a column against a list of values, empty lists included', async () => {
    const keys = ['jr:b', 'jr:none', awkward];
    const found = await store.db.$queryRaw<{ dedupeKey: string }[]>`
      SELECT "dedupeKey" FROM "MarketingSend" WHERE ${inValues(store.provider, Prisma.sql`"dedupeKey"`, keys)}`;
    expect(found).toEqual([{ dedupeKey: 'jr:b' }]);
    const none = await store.db.$queryRaw<unknown[]>`
      SELECT "dedupeKey" FROM "MarketingSend" WHERE ${inValues(store.provider, Prisma.sql`"dedupeKey"`, [])}`;
    expect(none).toEqual([]);
    const ids = (await store.db.marketingSend.findMany({ select: { id: true } })).map((s) => s.id);
    const byId = await store.db.$queryRaw<{ n: unknown }[]>`
      SELECT COUNT(*) AS n FROM "MarketingSend" WHERE ${inValues(store.provider, Prisma.sql`"id"`, ids)}`;
    expect(Number(byId[0]?.n)).toBe(2);
  });
});
