// npm run bench:expiry: what the points-expiry job costs on a ledger with history. A fresh database
// (DATABASE_URL as the bot reads it: unset = SQLite, postgresql:// = a fresh database on that
// server) gets EXPIRY_CUSTOMERS customers (default 100,000), each with an old lot that an earlier
// run expired, a spend, and a recent lot; one customer in 50 has the recent lot due (1 % of the
// lots), and a quarter of those spent it before it expired. Times the previous selection (every
// customer that ever had an expired lot), the selection of what is due, a run, and a second run
// with nothing due; prints the selection's query plan. Writes bench/results/expiry-<time>.json.
// Not a test: it asserts nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { parseBusinessConfig } from '../src/config.js';
import { type DueLot, Loyalty } from '../src/features/loyalty/service.js';
import { insertMany } from '../src/store/bulk.js';
import { PrismaClient as PostgresClient } from '../src/store/generated/postgresql/client.js';
import { PrismaClient as SqliteClient } from '../src/store/generated/sqlite/client.js';
import { openStore, type Store } from '../src/store/index.js';
import { adapterFactory, sqlitePath } from '../src/store/provider.js';
import { systemClock } from '../src/util/clock.js';
import { type BenchDatabase, benchDatabase } from './databases.js';

const CUSTOMERS = Number(process.env.EXPIRY_CUSTOMERS ?? 100_000);
/** One customer in this many has a lot due. */
const DUE_EVERY = 50;
/** One customer in this many spent their due lot before it expired (a quarter of the due ones). */
const SPENT_EVERY = 200;
const CUSTOMERS_PER_INSERT = 400; // ≤ 2,000 ledger rows per INSERT, within PostgreSQL's parameter limit
const DAY = 86_400_000;
const MONTH = 30 * DAY;

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const seconds = (since: number) => round((performance.now() - since) / 1000, 3);
const ms = (since: number) => round(performance.now() - since, 3);

type Row = Record<string, string | number | boolean | Date | object | null>;

/**
 * Customer `i` and its ledger: an old lot an earlier run expired (after a spend of 60), and a
 * recent lot, due for one customer in DUE_EVERY and spent before its time by one in SPENT_EVERY.
 * Entry ids are given (from `firstId`) so the expiry can name its lot.
 */
function customerWithLedger(i: number, now: number, firstId: number): { customer: Row; entries: Row[] } {
  const at = (offset: number) => new Date(now + offset);
  const customerId = `c${String(i).padStart(8, '0')}`;
  const due = i % DUE_EVERY === 0;
  const spent = i % SPENT_EVERY === 0;
  const entries: Row[] = [];
  const entry = (kind: string, delta: number, key: string, createdAt: Date, more: Row = {}) => {
    const id = firstId + entries.length;
    entries.push({
      id,
      customerId,
      kind,
      delta,
      reason: kind === 'expire' ? 'expiry' : kind === 'spend' ? 'redemption' : 'purchase',
      idempotencyKey: key,
      expiresAt: null,
      expiryDone: false,
      meta: null,
      createdAt,
      ...more,
    });
    return id;
  };
  const old = entry('award', 100, `old:${customerId}`, at(-15 * MONTH), {
    expiresAt: at(-3 * MONTH),
    expiryDone: true,
  });
  entry('spend', -60, `spend:${customerId}`, at(-10 * MONTH));
  entry('expire', -40, `expire:${old}`, at(-3 * MONTH), { meta: { lotEntryId: old } });
  entry('award', 50, `recent:${customerId}`, at(due ? -12 * MONTH : -6 * MONTH), {
    expiresAt: at(due ? -DAY : 6 * MONTH),
  });
  if (spent) entry('spend', -50, `spend-recent:${customerId}`, at(-2 * MONTH));
  const customer = { id: customerId, pointsBalance: spent ? 0 : 50, createdAt: at(-15 * MONTH), updatedAt: at(0) };
  return { customer, entries };
}

/** PostgreSQL: multi-row INSERTs through the Prisma client (src/store/bulk.ts), then the sequence and statistics. */
async function seedPostgres(store: Store, now: number): Promise<number> {
  let nextId = 1;
  for (let from = 0; from < CUSTOMERS; from += CUSTOMERS_PER_INSERT) {
    const customers: Row[] = [];
    const entries: Row[] = [];
    for (let i = from; i < Math.min(CUSTOMERS, from + CUSTOMERS_PER_INSERT); i++) {
      const made = customerWithLedger(i, now, nextId);
      nextId += made.entries.length;
      customers.push(made.customer);
      entries.push(...made.entries);
    }
    await insertMany(store.db, store.provider, 'Customer', customers);
    await insertMany(store.db, store.provider, 'PointsEntry', entries, { json: ['meta'] });
    if (from && from % 100_000 === 0) console.log(`  seeded ${from.toLocaleString('en')} customers`);
  }
  // The ids were given, so the sequence has to be told; and the planner needs statistics.
  await store.db.$executeRawUnsafe(
    `SELECT setval(pg_get_serial_sequence('"PointsEntry"', 'id'), (SELECT max(id) FROM "PointsEntry"))`,
  );
  await store.db.$executeRawUnsafe('ANALYZE');
  return nextId - 1;
}

/** SQLite: better-sqlite3 beside the bot's client (WAL), prepared statements, 50,000 customers a transaction. */
function seedSqlite(url: string, now: number): number {
  const db = new Database(sqlitePath(url));
  // As the Prisma adapter stores them: ISO text with +00:00, booleans as 0/1, JSON as text.
  const value = (v: Row[string]) =>
    v instanceof Date
      ? v.toISOString().replace('Z', '+00:00')
      : typeof v === 'boolean'
        ? Number(v)
        : v !== null && typeof v === 'object'
          ? JSON.stringify(v)
          : v;
  const insert = (table: string, row: Row) =>
    db.prepare(
      `INSERT INTO "${table}" (${Object.keys(row).map((c) => `"${c}"`)}) VALUES (${Object.keys(row).map(() => '?')})`,
    );
  let nextId = 1;
  let statements: { customer: Database.Statement; entry: Database.Statement } | undefined;
  const chunk = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const made = customerWithLedger(i, now, nextId);
      nextId += made.entries.length;
      statements ??= {
        customer: insert('Customer', made.customer),
        entry: insert('PointsEntry', made.entries[0] as Row),
      };
      statements.customer.run(Object.values(made.customer).map(value));
      for (const e of made.entries) statements.entry.run(Object.values(e).map(value));
    }
  });
  for (let from = 0; from < CUSTOMERS; from += 50_000) {
    chunk(from, Math.min(CUSTOMERS, from + 50_000));
    if (from && from % 200_000 === 0) console.log(`  seeded ${from.toLocaleString('en')} customers`);
  }
  db.prepare('ANALYZE').run();
  db.close();
  return nextId - 1;
}

async function seed(store: Store, url: string, now: number): Promise<{ entries: number; seconds: number }> {
  const started = performance.now();
  const entries = store.provider === 'sqlite' ? seedSqlite(url, now) : await seedPostgres(store, now);
  return { entries, seconds: seconds(started) };
}

/** The query plans of the job's selection (its first page, and a page after a lot), from a client that logs its queries. */
async function selectionPlans(database: BenchDatabase, now: Date): Promise<{ query: string; plan: string[] }[]> {
  const options = { adapter: adapterFactory(database.url), log: [{ emit: 'event' as const, level: 'query' as const }] };
  const client =
    database.provider === 'sqlite'
      ? new SqliteClient(options)
      : (new PostgresClient(options) as unknown as SqliteClient<'query'>);
  const logged: { query: string; params: unknown[] }[] = [];
  client.$on('query', (e) => {
    if (/ORDER BY/.test(e.query)) logged.push({ query: e.query, params: JSON.parse(e.params) });
  });
  try {
    const loyalty = new Loyalty(client, parseBusinessConfig('', 'bench').loyalty, 'UTC', systemClock, pino());
    const first = await loyalty.dueLots(now, { limit: 500 });
    await loyalty.dueLots(now, {
      limit: 500,
      after: first.at(-1) ?? { id: 0, customerId: '', expiresAt: new Date(0) },
    });
    const plans = [];
    for (const { query, params } of logged.splice(0)) {
      // The log shows numbers as strings; the database takes them as the numbers they are.
      const values = params.map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p));
      const explain = database.provider === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const rows = await client.$queryRawUnsafe<Record<string, unknown>[]>(explain + query, ...values);
      plans.push({ query, plan: rows.map((r) => String(database.provider === 'sqlite' ? r.detail : r['QUERY PLAN'])) });
    }
    return plans;
  } finally {
    await client.$disconnect();
  }
}

/** Every due lot, a page at a time, as the job selects them (without handling them). */
async function selectAll(loyalty: Loyalty, now: Date) {
  const started = performance.now();
  const customers = new Set<string>();
  let lots = 0;
  let after: DueLot | undefined;
  for (;;) {
    const page = await loyalty.dueLots(now, { after, limit: 500 });
    lots += page.length;
    for (const lot of page) customers.add(lot.customerId);
    if (page.length < 500) break;
    after = page.at(-1);
  }
  return { lots, customers: customers.size, ms: ms(started) };
}

async function main() {
  const database = await benchDatabase('expiry');
  const store = await openStore(database.url);
  try {
    const now = Date.now();
    console.log(`seeding ${CUSTOMERS.toLocaleString('en')} customers (${database.provider})…`);
    const seeded = await seed(store, database.url, now);
    console.log(`  ${seeded.entries.toLocaleString('en')} ledger entries in ${seeded.seconds} s`);
    const logger = pino({ level: 'warn' });
    const loyalty = new Loyalty(store.db, parseBusinessConfig('', 'bench').loyalty, 'UTC', systemClock, logger);
    const at = new Date();

    // What the job selected before lots were marked: every customer with an expired lot, ever.
    let started = performance.now();
    const previous = await store.db.pointsEntry.findMany({
      where: { delta: { gt: 0 }, expiresAt: { lte: at } },
      select: { customerId: true },
      distinct: ['customerId'],
    });
    const previousSelection = { customers: previous.length, ms: ms(started) };

    const plans = await selectionPlans(database, at);
    // Untimed once: Prisma's first run of a query shape costs tens of ms (a long-running bot has paid it).
    await selectAll(loyalty, at);
    const selection = await selectAll(loyalty, at);
    started = performance.now();
    const written = await loyalty.expireDue();
    const run = { written, seconds: seconds(started) };
    const secondSelection = await selectAll(loyalty, new Date());
    started = performance.now();
    const secondRun = { written: await loyalty.expireDue(), ms: ms(started) };
    const left = await store.db.pointsEntry.count({
      where: { expiryDone: false, delta: { gt: 0 }, expiresAt: { lte: at } },
    });

    const result = {
      benchmark: 'points-expiry',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      database:
        database.provider === 'sqlite'
          ? 'sqlite (better-sqlite3 via Prisma 7 driver adapter, WAL, synchronous=NORMAL)'
          : 'postgresql (pg via Prisma 7 driver adapter)',
      customers: CUSTOMERS,
      ledgerEntries: seeded.entries,
      dueCustomers: Math.ceil(CUSTOMERS / DUE_EVERY),
      seedSeconds: seeded.seconds,
      previousSelection,
      selection,
      run,
      secondSelection,
      secondRun,
      dueLotsLeft: left,
      plans,
    };
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    const file = new URL(`./results/expiry-${result.date.replace(/[:.]/g, '-')}.json`, import.meta.url);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`
previous selection (every customer with an expired lot): ${previousSelection.customers} customers in ${previousSelection.ms} ms
selection of what is due (pages of 500 lots):           ${selection.lots} lots of ${selection.customers} customers in ${selection.ms} ms
run:                                                     ${run.written} expiry entries in ${run.seconds} s
second run, nothing due: selection ${secondSelection.lots} lots in ${secondSelection.ms} ms, run ${secondRun.written} entries in ${secondRun.ms} ms
due lots left unmarked: ${left}
${plans.map((p, i) => `selection plan, ${i ? 'a page after a lot' : 'first page'}: ${p.plan.join(' | ')}`).join('\n')}
written to ${file.pathname}`);
  } finally {
    await store.close();
    await database.drop();
  }
}

await main();
