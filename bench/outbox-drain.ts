// npm run bench:outbox: how fast the outbox drains a backlog. For each size (10k, 100k, 1M pending
// rows by default, then 100k pending after 1M sent a day ago, as a month of traffic leaves them) a
// fresh database (DATABASE_URL as the bot reads it: unset = SQLite, postgresql:// = a fresh database
// on that server) is filled, then the first 20,000 rows are drained the way the dispatcher does
// without a network: claimDue (its batch of 200, lease 15 s), then markSent of what was claimed.
// It prints the EXPLAIN of the claim's statements (none may sort or walk the due set), and times
// pruning every sent row. Writes bench/results/outbox-drain-<timestamp>.json. Not a test.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { chatKey, claimDue, pruneSent, release } from '../src/outbox/store.js';
import { PrismaClient as PostgresClient } from '../src/store/generated/postgresql/client.js';
import { PrismaClient as SqliteClient } from '../src/store/generated/sqlite/client.js';
import { type Db, openStore } from '../src/store/index.js';
import { adapterFactory } from '../src/store/provider.js';
import { type BenchDatabase, benchDatabase } from './databases.js';
import { BATCH, CHANNEL, drain, fill, LEASE_MS } from './outbox-backlog.js';

const SIZES = (process.env.BENCH_OUTBOX_SIZES ?? '10000,100000,1000000').split(',').map(Number);
/** Sent rows before a backlog of 100k (0: no such run). */
const HISTORY = Number(process.env.BENCH_OUTBOX_HISTORY ?? 1_000_000);
const DRAIN = Number(process.env.BENCH_OUTBOX_DRAIN ?? 20_000);
/** The backlog is spread over this many chats (rows go to them in turn). */
const CHATS = Number(process.env.BENCH_OUTBOX_CHATS ?? 10_000);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

interface Scenario {
  pending: number;
  /** Rows sent a day ago, before the backlog (lower ids). */
  sentBefore: number;
}

interface Plan {
  query: string;
  plan: string[];
  /** A sort of its rows: the claim must read in index order. */
  sorts: boolean;
  /** The claim's UPDATE must find its ids by key, not walk an index over the due set. */
  walksDueSet: boolean;
}

/**
 * The plans of the claim's statements: one claim through a client that logs its queries (with a
 * busy chat, so the reads leave chats out as they do in the dispatcher), each statement explained.
 */
async function claimPlans(database: BenchDatabase): Promise<Plan[]> {
  const options = { adapter: adapterFactory(database.url), log: [{ emit: 'event' as const, level: 'query' as const }] };
  const client =
    database.provider === 'sqlite'
      ? new SqliteClient(options)
      : (new PostgresClient(options) as unknown as SqliteClient<'query'>);
  const queries: { query: string; params: unknown[] }[] = [];
  let capturing = true;
  client.$on('query', (e) => {
    if (capturing && /^(SELECT|UPDATE)/.test(e.query)) queries.push({ query: e.query, params: JSON.parse(e.params) });
  });
  try {
    const claimed = await claimDue(client, {
      provider: database.provider,
      owner: 'explain',
      now: new Date(),
      leaseMs: LEASE_MS,
      limit: BATCH,
      channels: [CHANNEL],
      busyChats: new Set([chatKey(CHANNEL, 'c0')]),
    });
    capturing = false;
    // Given back as they were, for the drain.
    await release(
      client,
      claimed.map((r) => r.id),
      'explain',
      new Date(Date.now() - 60_000),
    );
    const plans: Plan[] = [];
    for (const { query, params } of queries) {
      // The log shows LIMIT/OFFSET as strings; the database takes them as the numbers they are.
      const values = params.map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p));
      const explain = database.provider === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const rows = await client.$queryRawUnsafe<Record<string, unknown>[]>(explain + query, ...values);
      const plan = rows.map((r) => String(database.provider === 'sqlite' ? r.detail : r['QUERY PLAN']));
      plans.push({
        query,
        plan,
        sorts: plan.some((line) => /TEMP B-TREE|Sort/.test(line)),
        walksDueSet: query.startsWith('UPDATE') && plan.some((line) => /status_nextAttemptAt/.test(line)),
      });
    }
    return plans;
  } finally {
    await client.$disconnect();
  }
}

/** Deletes every sent row (the drain's and the history), as the outbox-prune job does. */
async function prune(db: Db) {
  const started = performance.now();
  const rows = await pruneSent(db, new Date(Date.now() + 60_000));
  const seconds = (performance.now() - started) / 1000;
  return { rows, seconds: round(seconds), rowsPerSecond: Math.round(rows / seconds) };
}

async function measure({ pending, sentBefore }: Scenario) {
  const database = await benchDatabase(`outbox-${pending}`);
  const store = await openStore(database.url);
  const name = `${pending.toLocaleString('en')} pending rows${sentBefore ? ` after ${sentBefore.toLocaleString('en')} sent` : ''}`;
  try {
    console.log(`${name} (${database.provider})…`);
    const started = performance.now();
    await fill(store, sentBefore, 'sent', CHATS);
    await fill(store, pending, 'pending', CHATS);
    const fillSeconds = (performance.now() - started) / 1000;
    // PostgreSQL's planner needs statistics, which autovacuum would gather soon after such a load.
    if (database.provider === 'postgresql') await store.db.$executeRawUnsafe('ANALYZE "Outbox"');
    const plans = await claimPlans(database);
    const drained = await drain(store.db, database.provider, DRAIN);
    const pruned = await prune(store.db);
    const result = { pending, sentBefore, fillSeconds: round(fillSeconds), ...drained, prune: pruned, plans };
    console.log(
      `  drained ${drained.drained} in ${drained.seconds} s: ${drained.rowsPerSecond} rows/s (claim p50 ${drained.claimMs.p50} ms, p99 ${drained.claimMs.p99} ms); pruned ${pruned.rows} sent rows at ${pruned.rowsPerSecond} rows/s`,
    );
    for (const p of plans) {
      const flags = [p.sorts ? ' (SORTS)' : '', p.walksDueSet ? ' (WALKS THE DUE SET)' : ''].join('');
      console.log(`  ${p.query.slice(0, 6)}${flags}: ${p.plan.join(' | ')}`);
    }
    return result;
  } finally {
    await store.close();
    await database.drop();
  }
}

async function main() {
  const scenarios: Scenario[] = SIZES.map((pending) => ({ pending, sentBefore: 0 }));
  if (HISTORY) scenarios.push({ pending: 100_000, sentBefore: HISTORY });
  const sizes = [];
  for (const scenario of scenarios) sizes.push(await measure(scenario));
  const provider = process.env.DATABASE_URL?.startsWith('postgres') ? 'postgresql' : 'sqlite';
  const result = {
    benchmark: 'outbox-drain',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    database:
      provider === 'sqlite'
        ? 'sqlite (better-sqlite3 via Prisma 7 driver adapter, WAL, synchronous=NORMAL)'
        : 'postgresql (pg via Prisma 7 driver adapter)',
    batchSize: BATCH,
    chats: CHATS,
    sizes,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/outbox-drain-${result.date.replace(/[:.]/g, '-')}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten to ${file.pathname}`);
  if (sizes.some((s) => s.plans.some((p) => p.sorts || p.walksDueSet))) {
    console.log('a claim query sorts or walks the due set: see the plans above');
  }
}

await main();
