// npm run bench:data: Rapport on a database the size of a busy business (100k and 1M customers,
// 1M and 10M interactions), on SQLite and PostgreSQL. For each database and size it seeds a fresh,
// migrated database in plain batched SQL (bench/scale/seed.ts), starts the real app on it, and measures
//   a. each admin route's latency (p50/p99 over ≥ 20 calls with varied inputs) against its target,
//   b. the message path at 200 msg/s (open loop) alone, then while admin clients hammer the routes,
//   c. each scheduled job (POST /api/v1/jobs/:name/run) today and, with the app's clock a day on, tomorrow,
//   d. the outbox drain at 10k / 100k / 1M pending rows beside the seeded history.
// Prints each figure next to its target; writes bench/results/data-<timestamp>.json. Not a test.
//
//   npm run bench:data                                   both sizes; SQLite, and PostgreSQL if 127.0.0.1:5432 answers
//   npm run bench:data -- --sizes 100000 --db sqlite     one size, one database
//   npm run bench:data -- --sizes 1000000 --interactions 10000000 --pg postgresql://postgres@host:5432/postgres
// Other options: --rate 200 --rate-seconds 20 --admin-clients 2 --calls 20 --expiry-backlog-days 7
//   --outbox 10000,100000,1000000 (pending sizes; 0 = none) --skip routes,messages,jobs,outbox
//   --profile DIR (a CPU profile of the app's main thread while messages run under admin load)
//   --keep (leave the seeded database in place and print its URL) and --database URL (measure such a
//   database again instead of seeding one: one size, the same --sizes; its jobs have run once already)
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/index.js';
import { BENCH_ADMIN_TOKEN, faqSettled, shiftableClock, startBenchApp } from './bench-app.js';
import { type BenchDatabase, benchDatabase, benchServers, keptBenchDatabase } from './databases.js';
import { load, percentile, round2, summarize } from './load.js';
import { drain, fill } from './outbox-backlog.js';
import { watchMainThread } from './profile.js';
import { resultFile } from './results.js';
import type { AdminRoute, AdminSpec, RouteResult } from './scale/admin-client.js';
import type { Plan } from './scale/generate.js';
import { adminRoutes, TARGET_LABEL, TARGET_MS } from './scale/routes.js';
import { seedWorld } from './scale/seed.js';

const DAY = 86_400_000;
const MESSAGE_P99_TARGET_MS = 50;

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    interactions: { type: 'string' },
    db: { type: 'string' },
    pg: { type: 'string' },
    rate: { type: 'string', default: '200' },
    'rate-seconds': { type: 'string', default: '20' },
    'admin-clients': { type: 'string', default: '2' },
    calls: { type: 'string', default: '20' },
    'expiry-backlog-days': { type: 'string', default: '7' },
    outbox: { type: 'string', default: '10000,100000,1000000' },
    skip: { type: 'string', default: '' },
    profile: { type: 'string' },
    keep: { type: 'boolean', default: false },
    database: { type: 'string' },
  },
});

const list = (s: string) => s.split(',').filter(Boolean).map(Number);
const sizes = list(args.sizes);
const interactionCounts = args.interactions ? list(args.interactions) : sizes.map((n) => n * 10);
const RATE = Number(args.rate);
const RATE_SECONDS = Number(args['rate-seconds']);
const ADMIN_CLIENTS = Number(args['admin-clients']);
const CALLS = Number(args.calls);
const EXPIRY_BACKLOG_DAYS = Number(args['expiry-backlog-days']);
const OUTBOX_SIZES = list(args.outbox).filter((n) => n > 0);
const skip = new Set(args.skip.split(','));

const stats = (latencies: number[]) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    calls: sorted.length,
    p50: round2(percentile(sorted, 50)),
    p99: round2(percentile(sorted, 99)),
    max: round2(sorted.at(-1) ?? Number.NaN),
  };
};
const verdict = (value: number, target: number) => (Number.isNaN(value) ? '' : value <= target ? 'meets' : 'MISSES');
const pad = (s: string, n: number) => s.padEnd(n);

function runAdmin(spec: AdminSpec): {
  ready: Promise<void>;
  stop(): Promise<RouteResult[]>;
  done: Promise<RouteResult[]>;
} {
  const child = fork(new URL('./scale/admin-client.ts', import.meta.url), {
    env: { ...process.env, ADMIN_SPEC: JSON.stringify(spec) },
    execArgv: ['--import', 'tsx'],
  });
  let ready!: () => void;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const done = new Promise<RouteResult[]>((resolve, reject) => {
    child.on('message', (m) => (m === 'started' ? ready() : resolve(m as RouteResult[])));
    child.once('error', reject);
    child.once('exit', (code) => code && reject(new Error(`admin client exited with ${code}`)));
  });
  return {
    ready: started,
    done,
    stop() {
      child.send('stop');
      return done;
    },
  };
}

function routeFigures(results: RouteResult[], routes: AdminRoute[]) {
  return results.map((r) => {
    const s = stats(r.latenciesMs);
    const targetMs = TARGET_MS[r.target];
    const route = routes.find((x) => x.name === r.name);
    return {
      route: r.name,
      example: route?.paths[0],
      target: TARGET_LABEL[r.target],
      targetMs,
      ...s,
      errors: r.errors,
      ...(r.firstError ? { firstError: r.firstError } : {}),
      ...(r.skipped ? { skipped: r.skipped } : {}),
      verdict: r.skipped ? 'not measured' : r.errors ? 'ERRORS' : verdict(s.p99, targetMs),
    };
  });
}

function printRoutes(title: string, figures: ReturnType<typeof routeFigures>) {
  console.log(`  ${title}`);
  for (const f of figures) {
    const figure = f.skipped
      ? `not measured: ${f.skipped}`
      : `p50 ${String(f.p50).padStart(8)} ms  p99 ${String(f.p99).padStart(8)} ms  (${f.calls} calls${f.errors ? `, ${f.errors} errors: ${f.firstError}` : ''})`;
    console.log(`    ${pad(f.route, 48)} ${figure}  target ${f.target}: ${f.verdict}`);
  }
}

async function call(url: string, method: 'GET' | 'POST', path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL(path, url), { method, headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

async function runJobs(url: string, clock: { offset: number }) {
  const { body } = await call(url, 'GET', '/api/v1/jobs');
  const names = ((body as { jobs: { name: string }[] }).jobs ?? []).map((j) => j.name);
  // Expiry first: its first run after deploy is the one with a backlog.
  names.sort((a, b) => Number(b === 'points-expiry') - Number(a === 'points-expiry'));
  const runs = [];
  for (const when of ['today', 'tomorrow'] as const) {
    if (when === 'tomorrow') clock.offset += DAY;
    for (const name of names) {
      const started = performance.now();
      const res = await call(url, 'POST', `/api/v1/jobs/${name}/run`);
      const seconds = round2((performance.now() - started) / 1000);
      const processed = (res.body as { processed?: number }).processed ?? null;
      runs.push({ job: name, when, seconds, processed, status: res.status });
      console.log(
        `    ${pad(`${name} (${when === 'today' ? 'first run on this data' : "the next day's run"})`, 48)} ${seconds} s, processed ${processed}${res.status === 200 ? '' : ` (status ${res.status}: ${JSON.stringify(res.body).slice(0, 200)})`}`,
      );
    }
  }
  return runs;
}

async function outboxDrain(database: BenchDatabase) {
  const store = await openStore(database.url, { migrate: false });
  const results = [];
  try {
    let pending = 0;
    let written = 0;
    for (const size of OUTBOX_SIZES) {
      const started = performance.now();
      await fill(store, size - pending, 'pending', 10_000, written);
      written += size - pending;
      pending = size;
      if (store.provider === 'postgresql') await store.db.$executeRawUnsafe('ANALYZE "Outbox"');
      const fillSeconds = round2((performance.now() - started) / 1000);
      const drained = await drain(store.db, store.provider, Math.min(size, 20_000));
      pending -= drained.drained;
      results.push({ pending: size, fillSeconds, ...drained });
      console.log(
        `    ${pad(`${size.toLocaleString('en')} pending`, 48)} ${drained.rowsPerSecond} rows/s over ${drained.drained} rows (claim p50 ${drained.claimMs.p50} ms, p99 ${drained.claimMs.p99} ms); filled in ${fillSeconds} s`,
      );
    }
  } finally {
    await store.close();
  }
  return results;
}

async function measure(server: string, customers: number, interactions: number) {
  const database = args.database
    ? keptBenchDatabase(`data-${customers}`, args.database)
    : await benchDatabase(`data-${customers}`, server);
  const label = `${database.provider}, ${customers.toLocaleString('en')} customers, ${interactions.toLocaleString('en')} interactions`;
  console.log(`\n== ${label}`);
  const plan: Plan = { customers, interactions, now: Date.now(), expiryBacklogDays: EXPIRY_BACKLOG_DAYS };
  try {
    const seeded = args.database ? `kept: ${args.database}` : await seedWorld(database, plan);

    const shifted = shiftableClock();
    const started = performance.now();
    const { app, env, url } = await startBenchApp(database, { clock: shifted });
    const semantic = await faqSettled(url);
    console.log(`  app started in ${round2((performance.now() - started) / 1000)} s`);
    const routes = adminRoutes(plan);
    const result: Record<string, unknown> = {
      // 1-, 5- and 15-minute load averages of the 2 cores when measuring began (other work on the machine shows here).
      loadAverageAtStart: loadavg().map((n) => round2(n)),
      database: database.provider,
      customers,
      interactions,
      seed: seeded,
      faq: env.EMBEDDING_MODEL_DIR ? { model: env.EMBEDDING_MODEL_DIR, semantic } : 'lexical',
    };
    try {
      if (!skip.has('routes')) {
        const measured = await runAdmin({
          url,
          token: BENCH_ADMIN_TOKEN,
          routes,
          mode: 'measure',
          calls: CALLS,
          clients: 1,
        }).done;
        result.routes = routeFigures(measured, routes);
        printRoutes('admin routes, one call at a time:', result.routes as ReturnType<typeof routeFigures>);
      }
      if (!skip.has('messages')) {
        const users = 2_000;
        // Message ids unique to this run: on a kept database (--database) the last run's ids would
        // all be repeats, answered by the duplicate check instead of a turn.
        const run = Date.now().toString(36);
        await load({
          url,
          mode: 'closed',
          total: 1_000,
          concurrency: 16,
          ratePerSecond: 0,
          users,
          prefix: `warm-${run}`,
        });
        const open = (prefix: string) =>
          load({
            url,
            mode: 'open',
            total: RATE * RATE_SECONDS,
            concurrency: 256,
            ratePerSecond: RATE,
            users,
            prefix: `${prefix}-${run}`,
          });
        const quiet = await watchMainThread(() => open('alone'));
        const alone = { ...summarize(quiet.value), mainThread: quiet.mainThread };
        const admin = runAdmin({
          url,
          token: BENCH_ADMIN_TOKEN,
          routes,
          mode: 'loop',
          calls: 0,
          clients: ADMIN_CLIENTS,
        });
        await admin.ready;
        const profileFile = args.profile
          ? join(args.profile, `data-${database.provider}-${customers}-loaded.cpuprofile`)
          : undefined;
        const watched = await watchMainThread(() => open('loaded'), profileFile);
        const loaded = { ...summarize(watched.value), mainThread: watched.mainThread };
        const adminDuring = routeFigures(await admin.stop(), routes);
        result.messages = {
          // The machine's load averages at the end of the load (other work on the 2 cores shows here).
          loadAverage: loadavg().map((n) => round2(n)),
          ratePerSecond: RATE,
          seconds: RATE_SECONDS,
          adminClients: ADMIN_CLIENTS,
          alone,
          underAdminLoad: loaded,
          adminDuring,
        };
        console.log(
          `  message path at ${RATE} msg/s for ${RATE_SECONDS} s (target p99 ≤ ${MESSAGE_P99_TARGET_MS} ms under admin load):`,
        );
        for (const [name, s] of [
          ['alone', alone],
          [`with ${ADMIN_CLIENTS} admin clients in a loop`, loaded],
        ] as const) {
          console.log(
            `    ${pad(name, 48)} p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms, errors ${s.errors}: ${verdict(s.latencyMs.p99, MESSAGE_P99_TARGET_MS)}`,
          );
        }
        for (const [name, m] of [
          ['alone', quiet.mainThread],
          ['under admin load', watched.mainThread],
        ] as const) {
          const d = m.eventLoopDelayMs;
          console.log(
            `    main thread ${pad(name, 16)} busy ${Math.round(m.busy * 100)} %, event-loop delay p50 ${d.p50} ms, p99 ${d.p99} ms, max ${d.max} ms`,
          );
        }
        if (profileFile) console.log(`    profile under admin load: ${profileFile}`);
        printRoutes('admin routes during that load:', adminDuring);
      }
      if (!skip.has('jobs')) {
        console.log('  scheduled jobs (POST /api/v1/jobs/:name/run):');
        result.jobs = await runJobs(url, shifted);
      }
    } finally {
      await app.stop();
    }
    if (!skip.has('outbox') && OUTBOX_SIZES.length) {
      console.log('  outbox drain beside the seeded history (claim batch 200, then mark sent):');
      result.outbox = await outboxDrain(database);
    }
    return result;
  } finally {
    if (args.keep && !args.database) console.log(`  kept: --database ${database.url}`);
    else await database.drop();
  }
}

async function main() {
  if (args.database && sizes.length !== 1) throw new Error('--database measures one size: give --sizes N');
  const servers = args.database ? [args.database] : await benchServers(args.db, args.pg);
  const result = resultFile('data');
  const output = {
    ...result.header,
    databases: {
      sqlite: 'better-sqlite3 via Prisma 7 driver adapter, WAL, synchronous=NORMAL',
      postgresql: servers.some((s) => s.startsWith('postgres'))
        ? 'pg via Prisma 7 driver adapter, on this machine'
        : 'not run',
    },
    expiryBacklogDays: EXPIRY_BACKLOG_DAYS,
    runs: [] as unknown[],
  };
  for (const server of servers) {
    for (const [k, customers] of sizes.entries()) {
      const interactions = interactionCounts[k] ?? interactionCounts.at(-1) ?? customers * 10;
      output.runs.push(await measure(server, customers, interactions));
      result.write(output);
    }
  }
  console.log(`\nwritten to ${result.path}`);
}

await main();
