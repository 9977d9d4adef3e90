// Store.reads: on SQLite the admin API's reads run in a worker thread with a read-only connection,
// so a slow one leaves the main thread (and every customer's message) free; on PostgreSQL they have
// a pool of their own (DATABASE_READ_CONNECTIONS), one connection by default.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveCustomers } from '../../src/store/customers.js';
import { openStore, Prisma, type Store } from '../../src/store/index.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

describeOnEachDatabase('store reads', (database, provider) => {
  let store: Store;
  let id: string;

  beforeAll(async () => {
    store = await openStore(database().url);
    const [r] = await resolveCustomers(store.db, store.provider, [{ channel: 'api', externalId: 'r1', name: '读者' }]);
    id = (r as { customer: { id: string } }).customer.id;
  });
  afterAll(async () => {
    await store?.close();
  });

  it('reads what the main connection wrote, with the same types', async () => {
    const main = await store.db.customer.findUnique({ where: { id }, include: { identities: true } });
    const read = await store.reads.customer.findUnique({ where: { id }, include: { identities: true } });
    expect(read).toEqual(main);
    expect(read?.createdAt).toBeInstanceOf(Date);
    expect(await store.reads.customer.count({ where: { displayName: '读者' } })).toBe(1);
    const filter = Prisma.sql`"displayName" = ${'读者'}`;
    const rows = await store.reads.$queryRaw<{ id: string }[]>`SELECT id FROM "Customer" WHERE ${filter}`;
    expect(rows).toEqual([{ id }]);
    // A write committed just now is there for the next read.
    await store.db.customer.update({ where: { id }, data: { locale: 'zh-CN' } });
    expect((await store.reads.customer.findUnique({ where: { id } }))?.locale).toBe('zh-CN');
  });

  it('reports a failed query as an error with its message', async () => {
    await expect(store.reads.$queryRaw`SELECT "someColumn" FROM "NoSuchTable"`).rejects.toThrow(/NoSuchTable/);
    expect(await store.reads.customer.count()).toBeGreaterThan(0); // and keeps serving
  });

  it.runIf(provider.name === 'sqlite')('refuses writes, and its connection could not make them anyway', async () => {
    expect(store.reads).not.toBe(store.db);
    expect(() => store.reads.customer.update).toThrow(/not a read/);
    await expect(store.reads.$queryRaw`DELETE FROM "Customer" RETURNING id`).rejects.toThrow(/readonly|read-only/i);
    expect(await store.db.customer.count()).toBe(1);
  });

  it.runIf(provider.name === 'sqlite')('leaves the main thread free while a slow read runs', async () => {
    const order: string[] = [];
    // A read that takes the worker a while (counting to five million).
    const slow = store.reads.$queryRaw`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000000) SELECT count(*) AS c FROM n`.then(
      () => order.push('slow read'),
    );
    await new Promise((resolve) => setTimeout(resolve, 50)); // the worker has it
    await store.db.customer.findUnique({ where: { id } }).then(() => order.push('main-thread query'));
    await slow;
    expect(order).toEqual(['main-thread query', 'slow read']);
  });

  it.runIf(provider.name === 'sqlite')('takes the WAL checkpoints off the main connection while it runs', async () => {
    await store.reads.customer.count(); // the worker is running
    const [setting] =
      await store.db.$queryRawUnsafe<{ wal_autocheckpoint: number | bigint }[]>('PRAGMA wal_autocheckpoint');
    expect(Number(setting?.wal_autocheckpoint)).toBe(0);
  });

  it.runIf(provider.name === 'sqlite' && process.platform === 'linux')(
    'runs its reads at a lower priority than the main thread (a Linux nice value is per thread)',
    async () => {
      const niceOf = (task: string) => {
        // /proc/<pid>/task/<tid>/stat: the fields after "(name) " start with the state; nice is the 17th of them.
        const fields = readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return Number(fields[16]);
      };
      await store.reads.customer.count(); // the worker is running
      expect(niceOf(String(process.pid))).toBe(0); // the main thread's
      const lowered = readdirSync('/proc/self/task').filter((t) => niceOf(t) === 10);
      expect(lowered.length).toBe(1); // the read worker's thread, and only it
    },
  );

  it.runIf(provider.name === 'postgresql')(
    'has a pool of its own on PostgreSQL: one connection by default, DATABASE_READ_CONNECTIONS otherwise',
    async () => {
      expect(store.reads).not.toBe(store.db);
      const backendOf = async (s: Store) => {
        const [r] = await s.reads.$queryRaw<{ pid: number; name: string }[]>`
          SELECT pg_backend_pid() AS pid, current_setting('application_name') AS name, pg_sleep(0.05)::text AS slept`;
        return `${r?.name}:${r?.pid}`;
      };
      const backends = async (s: Store) => new Set(await Promise.all([1, 2, 3, 4].map(() => backendOf(s))));
      // Four reads at once went through one connection, one after another.
      const one = await backends(store);
      expect(one.size).toBe(1);
      expect([...one][0]).toMatch(/^rapport-reads:/);
      const wider = await openStore(database().url, { readConnections: 2 });
      try {
        expect((await backends(wider)).size).toBe(2);
      } finally {
        await wider.close();
      }
    },
  );
});
