// A repeated message (a webhook retried, a platform redelivering) is looked up by its unique key
// (channel, platformMessageId). Asked with `direction` and `handledAt IS NULL` as well, SQLite's
// planner walked Interaction(direction, createdAt, channel) instead: every inbound row, 2.7 s a
// repeat at 10M interactions on the thread that serves messages. The statements the intake sends
// for a repeat are captured from better-sqlite3 and planned here.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCustomers } from '../../src/store/customers.js';
import { openStore, type Store } from '../../src/store/index.js';
import { type InboundRecord, recordInboundBatch } from '../../src/store/interactions.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';

type Prepare = (this: unknown, sql: string) => unknown;
const Database = createRequire(import.meta.url)('better-sqlite3') as { prototype: { prepare: Prepare } };

/** The SQL better-sqlite3 prepares while `work` runs. */
async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (this: unknown, sql: string) {
    seen.push(sql);
    return prepare.call(this, sql);
  };
  try {
    await work();
  } finally {
    Database.prototype.prepare = prepare;
  }
  return seen;
}

describe('the look-up of a repeated message (SQLite)', () => {
  let database: TestDatabase;
  let store: Store;
  let rec: InboundRecord;

  beforeAll(async () => {
    database = sqliteDatabase();
    store = await openStore(database.url);
    const [resolved] = await resolveCustomers(store.db, store.provider, [
      { channel: 'api', externalId: 'repeat', name: undefined },
    ]);
    rec = {
      customerId: resolved?.customer.id as string,
      conversationId: null as unknown as string,
      channel: 'api',
      kind: 'message',
      text: 'hello',
      payload: null,
      platformMessageId: 'r-1',
      createdAt: new Date(),
    };
    // Enough inbound history that a walk of it would be the planner's choice if it were cheaper.
    await store.db.interaction.createMany({
      data: Array.from({ length: 2_000 }, (_, i) => ({
        channel: 'api',
        direction: 'in',
        kind: 'message',
        text: `m${i}`,
        platformMessageId: `h-${i}`,
        handledAt: new Date(),
      })),
    });
    await store.db.$executeRawUnsafe('ANALYZE');
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('reads Interaction by its unique key, and still tells an unhandled repeat from a handled one', async () => {
    // A batch of several repeats: with one, the IN is an equality and the planner chose well before.
    const batch = ['r-1', 'r-2', 'r-3'].map((platformMessageId) => ({ ...rec, platformMessageId }));
    const first = await recordInboundBatch(store.db, store.provider, batch);
    let again: Awaited<ReturnType<typeof recordInboundBatch>> = [];
    const sent = await statementsOf(async () => {
      again = await recordInboundBatch(store.db, store.provider, batch);
    });
    expect(again).toEqual(first.map((r) => ({ id: r?.id, redelivered: true })));

    const lookups = sent.filter(
      (sql) => /^\s*SELECT/i.test(sql) && /FROM\s+[`"]?(main[`"]?\.)?[`"]?Interaction\b/i.test(sql),
    );
    expect(lookups.length).toBeGreaterThan(0);
    for (const sql of lookups) {
      const args = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x');
      const plan = (await store.db.$queryRawUnsafe<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${sql}`, ...args))
        .map((r) => r.detail)
        .join('\n');
      expect(plan, sql).toContain('Interaction_channel_platformMessageId_key');
      expect(plan, sql).not.toMatch(/SCAN Interaction|Interaction_direction_createdAt_channel_idx/);
    }

    await store.db.interaction.update({ where: { id: first[0]?.id as number }, data: { handledAt: new Date() } });
    expect(await recordInboundBatch(store.db, store.provider, batch)).toEqual([
      null,
      { id: first[1]?.id, redelivered: true },
      { id: first[2]?.id, redelivered: true },
    ]);
  });
});
