// The message path's statements on PostgreSQL go through a plain pg pool (src/store/direct-pg.ts):
// what they write and read must be what Prisma writes and reads, whatever the process's time zone
// (pg alone writes and reads a timestamp without time zone in local time; Prisma in UTC).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hotQuery } from '../../src/store/direct-pg.js';
import { openStore, Prisma, type Store } from '../../src/store/index.js';
import { pgUnavailable, postgresDatabase, type TestDatabase } from '../helpers/databases.js';

const AT = new Date('2026-12-03T23:30:00.123Z');

// SQLite has no such pool: there the same statements go through Prisma.
describe.skipIf(pgUnavailable !== null)('hot statements on PostgreSQL', () => {
  let database: TestDatabase;
  let store: Store;
  const zone = process.env.TZ;
  beforeAll(async () => {
    database = await postgresDatabase();
    store = await openStore(database.url);
  });
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('write and read timestamps as Prisma does, in a time zone far from UTC', async () => {
    process.env.TZ = 'Asia/Shanghai';
    const written = await hotQuery<{ id: number; createdAt: Date }>(
      store.db,
      Prisma.sql`
        INSERT INTO "Interaction" (channel, direction, kind, text, "createdAt")
        SELECT 'api', 'in', 'message', t, ${AT} FROM unnest(${['甲', '乙']}::text[]) AS x(t)
        RETURNING id, "createdAt"`,
    );
    expect(written.map((r) => r.createdAt)).toEqual([AT, AT]);
    const read = await store.db.interaction.findMany({ where: { id: { in: written.map((r) => Number(r.id)) } } });
    expect(read.map((r) => r.createdAt)).toEqual([AT, AT]);

    const viaPrisma = await store.db.interaction.create({
      data: { channel: 'api', direction: 'out', kind: 'message', createdAt: AT },
    });
    const [back] = await hotQuery<{ createdAt: Date; payload: unknown }>(
      store.db,
      Prisma.sql`SELECT "createdAt", payload FROM "Interaction" WHERE id = ${viaPrisma.id}`,
    );
    expect(back?.createdAt).toEqual(AT);
  });

  it('survives the server dropping its idle connections, and reconnects', async () => {
    await hotQuery(store.db, Prisma.sql`SELECT 1`);
    const dropped = await store.db.$queryRaw<{ ok: boolean }[]>`
      SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
      WHERE application_name = 'rapport-hot' AND datname = current_database()`;
    expect(dropped.length).toBeGreaterThan(0);
    // The pool hears of it as an 'error' event; unheard, that event would end the process.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await hotQuery<{ n: number }>(store.db, Prisma.sql`SELECT 1 AS n`)).toEqual([{ n: 1 }]);
  });
});
