// npm run bench:jobs: the selections of scheduled care and the segments on a database of a million
// customers (5 million interactions, 1.3 million purchases), on SQLite and PostgreSQL. For each
// database it seeds a fresh, migrated database (bench/scale/seed.ts), starts the real app with its
// clock at 10:00 in Shanghai (outside quiet hours), and measures
//   a. each daily occasion's selection: the indexed query that finds who is due today (target < 1 s),
//   b. segment counts through POST /api/v1/segments/preview (target < 1 s each),
//   c. a campaign to 100,000 customers, from POST /api/v1/campaigns until every message is queued
//      (target < 10 s).
// Writes bench/results/jobs-<timestamp>.json. Not a test.
//
//   npm run bench:jobs                                  SQLite, and PostgreSQL if 127.0.0.1:5432 answers
//   npm run bench:jobs -- --db sqlite --customers 100000
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Prisma } from '../src/store/index.js';
import { customerPage } from '../src/store/keyset.js';
import { addDays, dayIn, startOfDay, yearsBefore } from '../src/util/zoned-day.js';
import { BENCH_ADMIN_TOKEN, startBenchApp } from './bench-app.js';
import { benchDatabase, benchServers } from './databases.js';
import { percentile, round2 } from './load.js';
import { resultFile } from './results.js';
import type { Plan } from './scale/generate.js';
import { seed } from './scale/seed.js';

const DAY = 86_400_000;
const TZ = 'Asia/Shanghai';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    interactions: { type: 'string' },
    campaign: { type: 'string', default: '100000' },
    db: { type: 'string' },
    pg: { type: 'string' },
    calls: { type: 'string', default: '5' },
  },
});
const CUSTOMERS = Number(args.customers);
const INTERACTIONS = args.interactions ? Number(args.interactions) : CUSTOMERS * 5;
const CAMPAIGN = Number(args.campaign);
const CALLS = Number(args.calls);

/** Times `calls` runs of `run` (after one untimed warm-up): p50 and max in ms, and what it found. */
async function timed(run: () => Promise<number>) {
  let found = await run();
  const ms: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    found = await run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { found, p50: round2(percentile(ms, 50)), max: round2(ms.at(-1) ?? 0) };
}

const api = async (url: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
};

async function measure(server: string) {
  const database = await benchDatabase(`jobs-${CUSTOMERS}`, server);
  console.log(`\n== ${database.provider}, ${CUSTOMERS.toLocaleString('en')} customers`);
  // 10:00 in Shanghai, today: the occasions' hour, outside quiet hours.
  const now = Date.parse(`${new Date().toISOString().slice(0, 10)}T02:00:00Z`);
  const plan: Plan = { customers: CUSTOMERS, interactions: INTERACTIONS, now, expiryBacklogDays: 7 };
  try {
    const { openStore } = await import('../src/store/index.js');
    await (await openStore(database.url)).close(); // migrates
    console.log('  seeding…');
    const seeded = await seed(database, plan);
    console.log(
      `  seeded in ${seeded.seconds} s: ${Object.entries(seeded.rows)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}`,
    );
    const offset = now - Date.now();
    const clock = {
      now: () => Date.now() + offset,
      sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    };
    const { app, url } = await startBenchApp(database, { clock });
    const db = app.store.db;
    const at = new Date(clock.now());
    const today = dayIn(at, TZ);
    const span = (day: string) => ({ gte: startOfDay(day, TZ), lt: startOfDay(addDays(day, 1), TZ) });
    try {
      // a. Who is due today, per occasion: the query each one runs (a first page where it pages).
      const selections: Record<string, () => Promise<number>> = {
        'purchase follow-up (purchases 3 days ago)': async () =>
          (
            await db.purchase.findMany({
              where: { at: span(addDays(today, -3)) },
              distinct: ['customerId'],
              select: { customerId: true },
            })
          ).length,
        'ticket follow-up (resolved 7 days ago)': async () =>
          (
            await db.ticket.findMany({
              where: { status: 'resolved', resolvedAt: span(addDays(today, -7)) },
              select: { id: true },
            })
          ).length,
        'holiday greeting (first page of 500 of everyone)': async () =>
          (await customerPage(db, Prisma.sql`c."optedOut" = false`, 'createdAt', undefined, 500)).length,
        'win-back (first page of 500 at_risk)': async () =>
          (await customerPage(db, Prisma.sql`c."stage" = 'at_risk'`, 'lastSeenAt', undefined, 500)).length,
        'points expiring within 7 days (lots)': async () =>
          (
            await db.pointsEntry.findMany({
              where: { expiryDone: false, expiresAt: { gt: at, lte: new Date(at.getTime() + 7 * DAY) } },
              select: { customerId: true },
            })
          ).length,
        'anniversaries (joined on this day, each past year)': async () => {
          let n = 0;
          for (let years = 1; years <= 3; years++)
            n += await db.customer.count({ where: { createdAt: span(yearsBefore(today, years)), optedOut: false } });
          return n;
        },
        'birthdays (today)': async () => db.customer.count({ where: { birthday: today.slice(5) } }),
      };
      const occasions: Record<string, unknown> = {};
      console.log('  daily occasions, selection of who is due (target < 1 s):');
      for (const [name, run] of Object.entries(selections)) {
        const t = await timed(run);
        occasions[name] = t;
        console.log(
          `    ${name.padEnd(52)} p50 ${t.p50} ms, max ${t.max} ms, found ${t.found}: ${t.max < 1000 ? 'meets' : 'MISSES'}`,
        );
      }

      // b. Segment counts.
      const rules: Record<string, unknown> = {
        'stage in at_risk/churned': { field: 'stage', op: 'in', value: ['at_risk', 'churned'] },
        'loyal and seen in 30 days': {
          all: [
            { field: 'stage', op: 'eq', value: 'loyal' },
            { field: 'lastSeenAt', op: 'gte', value: { daysAgo: 30 } },
          ],
        },
        '3+ purchases, 300+ spent': {
          all: [
            { field: 'purchases.count', op: 'gte', value: 3 },
            { field: 'purchases.amount', op: 'gte', value: 300 },
          ],
        },
        'bought in the last 90 days (withinDays)': { field: 'purchases.count', op: 'gte', value: 1, withinDays: 90 },
        '2+ purchases in the last 90 days (withinDays, grouped)': {
          field: 'purchases.count',
          op: 'gte',
          value: 2,
          withinDays: 90,
        },
        'English on Telegram, not opted out': {
          all: [
            { field: 'locale', op: 'eq', value: 'en' },
            { field: 'channel', op: 'eq', value: 'telegram' },
            { field: 'optedOut', op: 'eq', value: false },
          ],
        },
        'unhappy: csat ≤ 2 or an open ticket': {
          any: [
            { field: 'csat.last', op: 'lte', value: 2 },
            { field: 'openTicket', op: 'eq', value: true },
          ],
        },
        'birthday this month': { field: 'birthdayMonth', op: 'eq', value: Number(today.slice(5, 7)) },
      };
      const segments: Record<string, unknown> = {};
      console.log('  segment counts, POST /api/v1/segments/preview (target < 1 s):');
      for (const [name, r] of Object.entries(rules)) {
        const t = await timed(async () =>
          Number((await api(url, 'POST', '/api/v1/segments/preview', { rules: r })).count),
        );
        segments[name] = t;
        console.log(
          `    ${name.padEnd(52)} p50 ${t.p50} ms, max ${t.max} ms, count ${t.found}: ${t.max < 1000 ? 'meets' : 'MISSES'}`,
        );
      }

      // c. A campaign to CAMPAIGN customers: those tagged for it.
      const ids = await db.customer.findMany({
        where: { optedOut: false },
        select: { id: true },
        orderBy: { createdAt: 'asc' },
        take: CAMPAIGN,
      });
      for (let i = 0; i < ids.length; i += 5000)
        await db.customerTag.createMany({
          data: ids.slice(i, i + 5000).map(({ id }) => ({ customerId: id, tag: 'bench' })),
        });
      const t0 = performance.now();
      const created = await api(url, 'POST', '/api/v1/campaigns', {
        name: 'bench',
        rules: { field: 'tags', op: 'eq', value: 'bench' },
        message: { 'zh-CN': '{name}您好，本周会员日全场八折！', en: 'Hi{name}, members get 20% off all week!' },
      });
      let campaign: Record<string, unknown> = created;
      for (;;) {
        campaign = await api(url, 'GET', `/api/v1/campaigns/${created.id}`);
        if (campaign.status === 'sent' || campaign.status === 'cancelled') break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      const seconds = round2((performance.now() - t0) / 1000);
      const stats = campaign.stats as Record<string, number>;
      console.log(
        `  campaign to ${ids.length.toLocaleString('en')} customers enqueued in ${seconds} s (target < 10 s: ${seconds < 10 ? 'meets' : 'MISSES'}): ${JSON.stringify(stats)}`,
      );
      return {
        database: database.provider,
        customers: CUSTOMERS,
        loadAverageAtStart: loadavg().map(round2),
        seed: seeded,
        occasions,
        segments,
        campaign: { customers: ids.length, seconds, stats },
      };
    } finally {
      await app.stop();
    }
  } finally {
    await database.drop();
  }
}

async function main() {
  const servers = await benchServers(args.db, args.pg);
  const result = resultFile('jobs');
  const output = { ...result.header, runs: [] as unknown[] };
  for (const server of servers) {
    output.runs.push(await measure(server));
    result.write(output);
  }
  console.log(`\nwritten to ${result.path}`);
}

await main();
