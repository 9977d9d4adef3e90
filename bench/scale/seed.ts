// Seeds a migrated database with generate.ts's world in plain batched SQL, beside the app's write
// path (which would take hours for 10M interactions): SQLite through better-sqlite3 (multi-row
// prepared INSERTs in large transactions), PostgreSQL through pg (INSERT … SELECT FROM unnest of one
// array per column, two statements in flight). The secondary indexes of the three big tables are
// dropped first and created again at the end from their own DDL (a sorted build is many times faster
// than keeping them up to date row by row); everything else, triggers included, is the migrated schema.
// Dates are written as the Prisma adapters write them: SQLite ISO text with +00:00, PostgreSQL
// timestamp(3) in UTC.
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/store/index.js';
import { sqlitePath } from '../../src/store/provider.js';
import type { BenchDatabase } from '../databases.js';
import {
  addCustomer,
  type Chunk,
  type ColumnType,
  emptyChunk,
  GIVEN_IDS,
  newCounters,
  type Plan,
  type Row,
  TABLE_NAMES,
  TABLES,
  type Table,
} from './generate.js';

/** Customers generated and written at a time. */
const CHUNK = 5_000;
/** Tables whose secondary indexes are built after the load. */
const REINDEXED: Table[] = ['Interaction', 'Outbox', 'PointsEntry'];

export interface SeedResult {
  seconds: number;
  /** Of which building the dropped indexes again (and ANALYZE). */
  indexSeconds: number;
  rows: Record<Table, number>;
}

interface Writer {
  write(chunk: Chunk): Promise<void>;
  finish(): Promise<void>;
}

const seconds = (since: number) => Math.round((performance.now() - since) / 10) / 100;

export async function seed(database: BenchDatabase, plan: Plan): Promise<SeedResult> {
  const started = performance.now();
  const writer = database.provider === 'sqlite' ? sqliteWriter(database.url) : await postgresWriter(database.url);
  const rows = Object.fromEntries(TABLE_NAMES.map((t) => [t, 0])) as Record<Table, number>;
  const ids = newCounters();
  let reported = 0;
  for (let from = 0; from < plan.customers; from += CHUNK) {
    const chunk = emptyChunk();
    for (let i = from; i < Math.min(plan.customers, from + CHUNK); i++) addCustomer(chunk, i, plan, ids);
    for (const t of TABLE_NAMES) rows[t] += chunk[t].length;
    await writer.write(chunk);
    if (from + CHUNK - reported >= 100_000 || from + CHUNK >= plan.customers) {
      reported = from + CHUNK;
      console.log(
        `  ${Math.min(plan.customers, reported).toLocaleString('en')} customers, ${rows.Interaction.toLocaleString('en')} interactions (${seconds(started)} s)`,
      );
    }
  }
  const indexing = performance.now();
  await writer.finish();
  return { seconds: seconds(started), indexSeconds: seconds(indexing), rows };
}

function sqliteValue(type: ColumnType, v: Row[number]): Row[number] {
  if (v === null) return null;
  if (type === 'date') return new Date(v as number).toISOString().replace('Z', '+00:00');
  if (type === 'bool') return v ? 1 : 0;
  return v;
}

function sqliteWriter(url: string): Writer {
  const db = new Database(sqlitePath(url));
  // A load, not the app: no fsync, a large page cache, and no foreign-key lookups (the generator
  // writes parents first). The app's connection sets its own pragmas when it opens.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1048576');
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = OFF');
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${REINDEXED.map(() => '?')})`,
    )
    .all(...REINDEXED) as { name: string; sql: string }[];
  for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);

  const ROWS = 100;
  const statements = new Map<string, Database.Statement>();
  const statement = (table: Table, rows: number) => {
    const key = `${table}:${rows}`;
    let s = statements.get(key);
    if (!s) {
      const columns = Object.keys(TABLES[table]);
      const tuple = `(${columns.map(() => '?').join(',')})`;
      s = db.prepare(
        `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(',')}) VALUES ${Array(rows).fill(tuple).join(',')}`,
      );
      statements.set(key, s);
    }
    return s;
  };
  const insert = (table: Table, rows: Row[]) => {
    const types = Object.values(TABLES[table]) as ColumnType[];
    for (let at = 0; at < rows.length; at += ROWS) {
      const batch = rows.slice(at, at + ROWS);
      const values: Row = [];
      for (const row of batch)
        for (let k = 0; k < types.length; k++) values.push(sqliteValue(types[k] as ColumnType, row[k] as Row[number]));
      statement(table, batch.length).run(values);
    }
  };
  const write = db.transaction((chunk: Chunk) => {
    for (const t of TABLE_NAMES) insert(t, chunk[t]);
  });
  return {
    async write(chunk) {
      write(chunk);
    },
    async finish() {
      for (const index of indexes) db.exec(index.sql);
      db.exec('ANALYZE');
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

const PG_TYPES: Record<ColumnType, string> = {
  text: 'text[]',
  int: 'int[]',
  bool: 'boolean[]',
  date: 'timestamp(3)[]',
  json: 'jsonb[]',
};

async function postgresWriter(url: string): Promise<Writer> {
  // A load: no wait for the WAL flush per statement (the data is not worth anything before it is complete).
  const pool = new pg.Pool({ connectionString: url, max: 2, options: '-c synchronous_commit=off' });
  pool.on('error', () => {});
  const { rows: indexes } = await pool.query<{ name: string; sql: string }>(
    `SELECT indexname AS name, indexdef AS sql FROM pg_indexes
     WHERE schemaname = current_schema() AND tablename = ANY($1)
       AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
    [REINDEXED],
  );
  for (const index of indexes) await pool.query(`DROP INDEX "${index.name}"`);

  const insert = async (table: Table, rows: Row[]) => {
    if (!rows.length) return;
    const columns = Object.keys(TABLES[table]);
    const types = Object.values(TABLES[table]) as ColumnType[];
    const arrays = types.map((type, k) =>
      rows.map((row) => {
        const v = row[k] ?? null;
        return v !== null && type === 'date' ? new Date(v as number).toISOString() : v;
      }),
    );
    await pool.query(
      `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(',')})
       SELECT * FROM unnest(${types.map((t, k) => `$${k + 1}::${PG_TYPES[t]}`).join(',')})`,
      arrays,
    );
  };
  // Two chunks in flight (one per connection): each writes its tables in foreign-key order.
  const inflight = new Set<Promise<void>>();
  return {
    async write(chunk) {
      while (inflight.size >= 2) await Promise.race(inflight);
      const done: Promise<void> = (async () => {
        for (const t of TABLE_NAMES) await insert(t, chunk[t]);
      })().finally(() => inflight.delete(done));
      inflight.add(done);
    },
    async finish() {
      await Promise.all(inflight);
      // Two index builds at a time, one per connection (and core).
      const queue = [...indexes];
      await Promise.all(
        [0, 1].map(async () => {
          const client = await pool.connect();
          try {
            await client.query(`SET maintenance_work_mem = '512MB'`);
            for (let index = queue.shift(); index; index = queue.shift()) await client.query(index.sql);
          } finally {
            client.release();
          }
        }),
      );
      for (const t of GIVEN_IDS) {
        await pool.query(
          `SELECT setval(pg_get_serial_sequence('"${t}"', 'id'), (SELECT COALESCE(max(id), 1) FROM "${t}"))`,
        );
      }
      // As autovacuum leaves a table after a load: statistics, and a visibility map for index-only scans.
      await pool.query('VACUUM ANALYZE');
      await pool.end();
    },
  };
}

/** A fresh database migrated (the real schema) and seeded with the plan's world; says what it wrote. */
export async function seedWorld(database: BenchDatabase, plan: Plan): Promise<SeedResult> {
  const migrating = await openStore(database.url);
  await migrating.close();
  console.log('  seeding…');
  const seeded = await seed(database, plan);
  console.log(
    `  seeded in ${seeded.seconds} s (indexes and statistics ${seeded.indexSeconds} s): ${Object.entries(seeded.rows)
      .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
      .join(', ')}`,
  );
  return seeded;
}
