// A customer's interactions read a page at a time (GET /api/v1/customers/:id/interactions):
// newest first, each once, while the customer goes on writing.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { listInteractions } from '../../src/store/interactions.js';
import { describeOnEachDatabase } from '../helpers/databases.js';
import { expectNewestFirstPaging, forgedCursors } from '../helpers/paging.js';

describeOnEachDatabase('interaction pages', (database) => {
  let store: Store;

  beforeAll(async () => {
    store = await openStore(database().url);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('pages a customer’s interactions by cursor: each once, newest first, while more are logged', async () => {
    const { db } = store;
    const [customer, other] = [await db.customer.create({ data: {} }), await db.customer.create({ data: {} })];
    const log = (customerId: string, at: Date, text = 'hi') =>
      db.interaction.create({
        data: { customerId, channel: 'api', direction: 'in', kind: 'message', text, createdAt: at },
      });
    const t = Date.parse('2026-07-01T02:00:00Z');
    for (const ms of [0, 0, 0, 500, 500, 1000, 4000, 4000, 4000, 4000, 9000]) {
      await log(customer.id, new Date(t + ms));
      await log(other.id, new Date(t + ms)); // another customer's, interleaved: never on this list
    }
    const expected = await db.interaction.findMany({
      where: { customerId: customer.id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    expect(expected).toHaveLength(11);

    await expectNewestFirstPaging({
      limit: 3,
      read: async (cursor) => {
        const page = await listInteractions(db, customer.id, 3, cursor);
        return {
          items: page.interactions.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
          nextCursor: page.nextCursor,
        };
      },
      expectedIds: expected.map((r) => r.id),
      write: async (at) => void (await log(customer.id, at, 'meanwhile')),
      later: new Date(t + 3_600_000),
    });

    // One page holding everything has no next one; without a cursor the list starts at the newest.
    const all = await listInteractions(db, customer.id, 500);
    expect(all.nextCursor).toBeNull();
    expect(all.interactions[0]?.text).toBe('meanwhile');
  });

  it('refuses a cursor it did not give out with a 400 (HTTP_BAD_REQUEST)', async () => {
    const customer = await store.db.customer.create({ data: {} });
    for (const cursor of forgedCursors) {
      await expect(listInteractions(store.db, customer.id, 10, cursor), cursor).rejects.toMatchObject({
        code: 'HTTP_BAD_REQUEST',
        message: expect.stringMatching(/cursor/),
      });
    }
  });
});
