// Real databases for tests: a temporary SQLite file, and a PostgreSQL database created on
// 127.0.0.1:5432 for this run and dropped after it. Without a reachable server the PostgreSQL
// suites are skipped, and their name says why.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';

export const PG_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function probePostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return `no PostgreSQL at ${PG_ADMIN_URL.replace(/\/\/[^@]*@/, '//')}: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Why PostgreSQL tests cannot run here, or null when they can. */
export const pgUnavailable = await probePostgres();

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-test-'));
  return {
    url: `file:${join(dir, 'test.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function postgresDatabase(): Promise<TestDatabase> {
  const name = `rapport_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export type ProviderCase = { name: 'sqlite' | 'postgresql'; skip: string | null; create(): Promise<TestDatabase> };

/** Both providers, for describe.each: PostgreSQL carries the reason it is skipped, if it is. */
export const providers: ProviderCase[] = [
  { name: 'sqlite', skip: null, create: async () => sqliteDatabase() },
  { name: 'postgresql', skip: pgUnavailable, create: postgresDatabase },
];

export function suiteName(p: ProviderCase): string {
  return p.skip ? `${p.name} (SKIPPED: ${p.skip})` : p.name;
}

/**
 * Runs a suite once per provider on a database of its own, created before and dropped after.
 * The body reads the database through `database()` once its hooks run.
 */
export function describeOnEachDatabase(
  title: string,
  body: (database: () => TestDatabase, provider: ProviderCase) => void,
): void {
  describe.each(providers)(`${title} on $name`, (provider) => {
    describe.skipIf(provider.skip !== null)(suiteName(provider), () => {
      let current: TestDatabase | undefined;
      beforeAll(async () => {
        current = await provider.create();
      });
      afterAll(async () => {
        await current?.drop();
      });
      body(() => {
        if (!current) throw new Error('the test database is created in beforeAll');
        return current;
      }, provider);
    });
  });
}
