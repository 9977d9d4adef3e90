// npm run bench: end-to-end throughput and latency of the API channel against the real HTTP
// server, on the database DATABASE_URL names (unset: embedded SQLite; postgresql://…: a fresh
// database on that server), with the raw driver's rate for the same rows as the ceiling
// (better-sqlite3, or pg with as many connections as the bot's pool).
// Writes bench/results/throughput-<timestamp>.json. Not a test: it asserts nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../src/store/index.js';
import { startBenchApp } from './bench-app.js';
import { benchDatabase } from './databases.js';
import { load, summarize } from './load.js';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const USERS = Number(process.env.BENCH_USERS ?? 2_000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 15);
/** Clients of the raw pg ceiling. */
const RAW_PG_CONNECTIONS = Number(process.env.BENCH_PG_CONNECTIONS ?? 16);

/** The same rows the engine writes for one message, straight through better-sqlite3, one transaction each. */
async function rawSqliteRate(dir: string, messages: number): Promise<number> {
  const url = `file:${join(dir, 'raw.db')}`;
  const store = await openStore(url); // same schema, migrated the same way
  await store.close();
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const now = () => new Date().toISOString();
  const insertCustomer = db.prepare(
    'INSERT INTO "Customer" (id, stage, optedOut, createdAt, updatedAt, lastSeenAt) VALUES (?, \'prospect\', 0, ?, ?, ?)',
  );
  const customers: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const id = `c${u}`;
    insertCustomer.run(id, now(), now(), now());
    customers.push(id);
  }
  const findIdentity = db.prepare('SELECT id FROM "Customer" WHERE id = ?');
  const insertInteraction = db.prepare(
    "INSERT INTO \"Interaction\" (customerId, channel, direction, kind, text, platformMessageId, createdAt) VALUES (?, 'api', ?, 'message', ?, ?, ?)",
  );
  const insertOutbox = db.prepare(
    "INSERT INTO \"Outbox\" (channel, chatId, chatType, customerId, message, status, attempts, nextAttemptAt, createdAt) VALUES ('api', ?, 'private', ?, ?, 'pending', 0, ?, ?)",
  );
  const touch = db.prepare('UPDATE "Customer" SET lastSeenAt = ? WHERE id = ?');
  const markSent = db.prepare('UPDATE "Outbox" SET status = \'sent\', sentAt = ? WHERE id = ?');
  const inbound = db.transaction((i: number, customer: string) => {
    insertInteraction.run(customer, 'in', 'hello', `raw-${i}`, now());
  });
  const turn = db.transaction((customer: string) => {
    insertInteraction.run(customer, 'out', 'reply', null, now());
    const row = insertOutbox.run(customer, customer, '{"text":"reply"}', now(), now());
    touch.run(now(), customer);
    return row.lastInsertRowid;
  });
  const began = performance.now();
  for (let i = 0; i < messages; i++) {
    const customer = customers[i % customers.length] as string;
    findIdentity.get(customer);
    inbound(i, customer);
    const outboxId = turn(customer);
    markSent.run(now(), outboxId);
  }
  const seconds = (performance.now() - began) / 1000;
  db.close();
  return Math.round(messages / seconds);
}

/**
 * The same rows through pg, one transaction per turn as the engine writes them, from `connections`
 * clients at once (PostgreSQL gains from concurrent commits; a single client would measure one
 * fsync after another). Runs on a fresh schema in the given database.
 */
async function rawPostgresRate(url: string, messages: number, connections: number): Promise<number> {
  const store = await openStore(url); // same schema, migrated the same way
  await store.close();
  const pool = new pg.Pool({ connectionString: url, max: connections });
  // An idle client the server closes (the database dropped at the end) must not crash the bench.
  pool.on('error', () => {});
  const now = () => new Date();
  const customers = Array.from({ length: USERS }, (_, u) => `raw${u}`);
  for (let i = 0; i < customers.length; i += 500) {
    const chunk = customers.slice(i, i + 500);
    await pool.query(
      `INSERT INTO "Customer" (id, stage, "optedOut", "createdAt", "updatedAt", "lastSeenAt")
       SELECT id, 'prospect', false, now(), now(), now() FROM unnest($1::text[]) AS id`,
      [chunk],
    );
  }
  let next = 0;
  const worker = async () => {
    const client = await pool.connect();
    try {
      while (next < messages) {
        const i = next++;
        const customer = customers[i % customers.length] as string;
        await client.query('SELECT id FROM "Customer" WHERE id = $1', [customer]);
        await client.query(
          `INSERT INTO "Interaction" ("customerId", channel, direction, kind, text, "platformMessageId", "createdAt") VALUES ($1, 'api', 'in', 'message', 'hello', $2, $3)`,
          [customer, `raw-${i}`, now()],
        );
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO "Interaction" ("customerId", channel, direction, kind, text, "createdAt") VALUES ($1, 'api', 'out', 'message', 'reply', $2)`,
          [customer, now()],
        );
        const row = await client.query(
          `INSERT INTO "Outbox" (channel, "chatId", "chatType", "customerId", message, status, attempts, "nextAttemptAt", "createdAt") VALUES ('api', $1, 'private', $1, '{"text":"reply"}', 'pending', 0, $2, $2) RETURNING id`,
          [customer, now()],
        );
        await client.query('UPDATE "Customer" SET "lastSeenAt" = $1 WHERE id = $2', [now(), customer]);
        await client.query('COMMIT');
        await client.query(`UPDATE "Outbox" SET status = 'sent', "sentAt" = $1 WHERE id = $2`, [now(), row.rows[0].id]);
      }
    } finally {
      client.release();
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - began) / 1000;
  await pool.end();
  return Math.round(messages / seconds);
}

/** Messages per transaction of the batched raw ceiling. */
const RAW_PG_BATCH = Number(process.env.BENCH_PG_BATCH ?? 100);

/**
 * The same rows through pg in the best plain batching: `batch` turns per transaction, each table's
 * rows one multi-row statement over arrays, from a few clients at once. What PostgreSQL on this
 * machine can store when nothing but the rows costs: the ceiling the issue quotes (10–14k msg/s).
 */
async function rawPostgresBatchedRate(url: string, messages: number, batch: number): Promise<number> {
  const store = await openStore(url);
  await store.close();
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {});
  const customers = Array.from({ length: USERS }, (_, u) => `rawb${u}`);
  await pool.query(
    `INSERT INTO "Customer" (id, stage, "optedOut", "createdAt", "updatedAt", "lastSeenAt")
     SELECT id, 'prospect', false, now(), now(), now() FROM unnest($1::text[]) AS id`,
    [customers],
  );
  let next = 0;
  const worker = async () => {
    const client = await pool.connect();
    try {
      while (next < messages) {
        const from = next;
        next = Math.min(messages, next + batch);
        const ids = Array.from({ length: next - from }, (_, k) => from + k);
        const who = ids.map((i) => customers[i % customers.length] as string);
        const now = new Date();
        await client.query('SELECT id FROM "Customer" WHERE id = ANY($1::text[])', [who]);
        await client.query(
          `INSERT INTO "Interaction" ("customerId", channel, direction, kind, text, "platformMessageId", "createdAt")
           SELECT c, 'api', 'in', 'message', 'hello', m, $3 FROM unnest($1::text[], $2::text[]) AS u(c, m)`,
          [who, ids.map((i) => `rawb-${i}`), now],
        );
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO "Interaction" ("customerId", channel, direction, kind, text, "createdAt")
           SELECT c, 'api', 'out', 'message', 'reply', $2 FROM unnest($1::text[]) AS c`,
          [who, now],
        );
        const rows = await client.query(
          `INSERT INTO "Outbox" (channel, "chatId", "chatType", "customerId", message, status, attempts, "nextAttemptAt", "createdAt")
           SELECT 'api', c, 'private', c, '{"text":"reply"}', 'pending', 0, $2, $2 FROM unnest($1::text[]) AS c RETURNING id`,
          [who, now],
        );
        await client.query('UPDATE "Customer" SET "lastSeenAt" = $1 WHERE id = ANY($2::text[])', [
          now,
          [...new Set(who)],
        ]);
        await client.query('COMMIT');
        await client.query(`UPDATE "Outbox" SET status = 'sent', "sentAt" = $1 WHERE id = ANY($2::int[])`, [
          now,
          rows.rows.map((r: { id: number }) => r.id),
        ]);
      }
    } finally {
      client.release();
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: 4 }, worker));
  const seconds = (performance.now() - began) / 1000;
  await pool.end();
  return Math.round(messages / seconds);
}

async function main(): Promise<void> {
  const database = await benchDatabase('bench');
  const { dir } = database;
  const { app, env, url } = await startBenchApp(database);

  console.log(`warming up…`);
  await load({
    url,
    mode: 'closed',
    total: 2_000,
    concurrency: CONCURRENCY,
    ratePerSecond: 0,
    users: USERS,
    prefix: 'warm',
  });

  console.log(`closed loop: ${TOTAL} messages from ${USERS} users, ${CONCURRENCY} in flight…`);
  const throughput = summarize(
    await load({
      url,
      mode: 'closed',
      total: TOTAL,
      concurrency: CONCURRENCY,
      ratePerSecond: 0,
      users: USERS,
      prefix: 'tp',
    }),
  );

  console.log(`open loop: ${RATE} messages/s for ${RATE_SECONDS} s…`);
  const atRate = summarize(
    await load({
      url,
      mode: 'open',
      total: RATE * RATE_SECONDS,
      concurrency: 256,
      ratePerSecond: RATE,
      users: USERS,
      prefix: 'rate',
    }),
  );

  // Let the dispatcher finish, then check that every message is stored both ways.
  await new Promise((r) => setTimeout(r, 1500));
  const db = app.store.db;
  const stored = {
    inbound: await db.interaction.count({ where: { direction: 'in' } }),
    outbound: await db.interaction.count({ where: { direction: 'out' } }),
    outboxSent: await db.outbox.count({ where: { status: 'sent' } }),
    outboxUnsent: await db.outbox.count({ where: { status: { not: 'sent' } } }),
  };
  await app.stop();

  let ceiling: Record<string, number>;
  if (database.provider === 'sqlite') {
    console.log('raw better-sqlite3 ceiling for the same rows…');
    ceiling = { rawBetterSqlite3MessagesPerSecond: await rawSqliteRate(dir, TOTAL) };
  } else {
    console.log(`raw pg ceiling for the same rows (${RAW_PG_CONNECTIONS} connections)…`);
    const fresh = await benchDatabase('bench-raw');
    ceiling = {
      rawPgMessagesPerSecond: await rawPostgresRate(fresh.url, TOTAL, RAW_PG_CONNECTIONS),
      connections: RAW_PG_CONNECTIONS,
    };
    await fresh.drop();
    console.log(`raw pg ceiling, batched (${RAW_PG_BATCH} messages per transaction, 4 connections)…`);
    const batched = await benchDatabase('bench-raw-batched');
    ceiling.rawPgBatchedMessagesPerSecond = await rawPostgresBatchedRate(batched.url, TOTAL * 5, RAW_PG_BATCH);
    ceiling.batch = RAW_PG_BATCH;
    await batched.drop();
  }
  await database.drop();
  const rawRowsPerSecond = Object.values(ceiling)[0] as number;

  const result = {
    benchmark: 'api-channel-throughput',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    faq: env.EMBEDDING_MODEL_DIR
      ? `hybrid (${env.EMBEDDING_MODEL_DIR}${env.EMBEDDING_MODEL_DIR_EN ? `, English: ${env.EMBEDDING_MODEL_DIR_EN}` : ''})`
      : 'lexical',
    database:
      database.provider === 'sqlite'
        ? 'sqlite (better-sqlite3 via Prisma 7 driver adapter, WAL, synchronous=NORMAL)'
        : 'postgresql (pg via Prisma 7 driver adapter)',
    closedLoop: { concurrency: CONCURRENCY, users: USERS, ...throughput },
    openLoop: { ratePerSecond: RATE, ...atRate },
    stored,
    ceiling,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/throughput-${result.date.replace(/[:.]/g, '-')}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

  console.log(`
end to end (closed loop, ${CONCURRENCY} in flight): ${throughput.messagesPerSecond} messages/s, p50 ${throughput.latencyMs.p50} ms, p99 ${throughput.latencyMs.p99} ms, errors ${throughput.errors}
at ${RATE} messages/s (open loop):           p50 ${atRate.latencyMs.p50} ms, p99 ${atRate.latencyMs.p99} ms, errors ${atRate.errors}
stored: ${stored.inbound} inbound, ${stored.outbound} outbound interactions; outbox ${stored.outboxSent} sent, ${stored.outboxUnsent} not sent
ceiling, raw ${database.provider === 'sqlite' ? 'better-sqlite3' : 'pg'} for the same rows: ${rawRowsPerSecond} messages/s (end to end: ${Math.round((100 * throughput.messagesPerSecond) / rawRowsPerSecond) / 100} of it)${
    ceiling.rawPgBatchedMessagesPerSecond
      ? `\nceiling, raw pg batched (${ceiling.batch} per transaction): ${ceiling.rawPgBatchedMessagesPerSecond} messages/s (end to end: ${Math.round((100 * throughput.messagesPerSecond) / ceiling.rawPgBatchedMessagesPerSecond) / 100} of it)`
      : ''
  }
written to ${file.pathname}`);
}

await main();
