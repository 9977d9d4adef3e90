// The database a benchmark runs on, from DATABASE_URL as the bot reads it: unset or file: = a
// fresh SQLite file in a temporary folder; postgresql:// = a fresh database created on that server
// for the run (the URL's own database is only used to create it) and dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface BenchDatabase {
  provider: 'sqlite' | 'postgresql';
  url: string;
  /** A folder for the run's other files (DATA_DIR). */
  dir: string;
  drop(): Promise<void>;
}

/** `given`: the server to use instead of DATABASE_URL's (a benchmark that runs on both databases). */
export async function benchDatabase(name: string, given = process.env.DATABASE_URL): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), `rapport-${name}-`));
  const removeDir = async () => rmSync(dir, { recursive: true, force: true });
  if (!given || given.startsWith('file:')) {
    return { provider: 'sqlite', url: `file:${join(dir, `${name}.db`)}`, dir, drop: removeDir };
  }
  const database = `rapport_${name.replace(/\W/g, '_')}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: given });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const url = new URL(given);
  url.pathname = `/${database}`;
  return {
    provider: 'postgresql',
    url: url.toString(),
    dir,
    async drop() {
      const client = new pg.Client({ connectionString: given });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await client.end();
      await removeDir();
    },
  };
}

/**
 * A database an earlier run seeded and kept (`--keep`), measured again as it is: nothing is
 * created, and nothing but the run's folder is removed afterwards.
 */
export function keptBenchDatabase(name: string, url: string): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), `rapport-${name}-`));
  return {
    provider: url.startsWith('postgres') ? 'postgresql' : 'sqlite',
    url,
    dir,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const LOCAL_PG = 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * The PostgreSQL server a benchmark that runs on both databases uses, or null: `flag` (--pg),
 * BENCH_PG_URL, a postgres DATABASE_URL, else 127.0.0.1:5432 if it answers. A server given that
 * does not answer is an error.
 */
export async function postgresServer(flag?: string): Promise<string | null> {
  const given =
    flag ??
    process.env.BENCH_PG_URL ??
    (process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined);
  const url = given ?? LOCAL_PG;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return url;
  } catch {
    if (given) throw new Error(`PostgreSQL at ${url} does not answer`);
    return null;
  }
}

/**
 * The servers a benchmark run covers, from --db: '' for SQLite, then PostgreSQL's URL when one
 * answers (--db postgresql without one is an error).
 */
export async function benchServers(db: string | undefined, flag?: string): Promise<string[]> {
  const pgServer = db === 'sqlite' ? null : await postgresServer(flag);
  if (db === 'postgresql' && !pgServer) throw new Error('no PostgreSQL server: give --pg or BENCH_PG_URL');
  return [...(db === 'postgresql' ? [] : ['']), ...(pgServer ? [pgServer] : [])];
}
