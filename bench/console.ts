// npm run bench:console: the staff console's page loads on a busy business's database (100,000
// customers, 1,000,000 interactions by default), on SQLite and PostgreSQL. For each database it seeds
// a fresh, migrated database with bench/scale/seed.ts, starts the real app (bench-app.ts), adds what the
// seed has not through the app's own code (a staff owner and agents, ~100 open or claimed tickets
// through complaints on the API channel, a few tickets with long conversations, tags, segments), signs
// in over HTTP like a browser (POST /console/login → rapport_session cookie), then loads every page
// ≥ --calls times in a row with varied inputs over real HTTP and prints p50 / p95 / max per page
// against the target: every page < 300 ms at p95. Writes bench/results/console-<timestamp>.json. Not a test.
//
//   npm run bench:console                                   SQLite, and PostgreSQL if 127.0.0.1:5432 answers
//   npm run bench:console -- --db sqlite --customers 10000 --interactions 100000 --calls 30
// Other options: --pg URL, --open-tickets 100 (open + claimed wanted), --long 40,120,250,500,1000
//   (messages of the long ticket conversations added).
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { StaffAccounts } from '../src/console/staff.js';
import type { Clock } from '../src/util/clock.js';
import { BENCH_ADMIN_TOKEN, faqSettled, shiftableClock, startBenchApp } from './bench-app.js';
import { benchDatabase, benchServers } from './databases.js';
import { percentile, round2 } from './load.js';
import { resultFile } from './results.js';
import { customerAt, type Plan, type SeededCustomer } from './scale/generate.js';
import { seedWorld } from './scale/seed.js';

const TARGET_P95_MS = 300;
const DAY = 86_400_000;
const REPORT_NAMES = ['messages', 'faq', 'tickets', 'feedback', 'points', 'stages', 'campaigns'];

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    pg: { type: 'string' },
    customers: { type: 'string', default: '100000' },
    interactions: { type: 'string' },
    calls: { type: 'string', default: '30' },
    'open-tickets': { type: 'string', default: '100' },
    long: { type: 'string', default: '40,120,250,500,1000' },
  },
});
const CUSTOMERS = Number(args.customers);
const INTERACTIONS = Number(args.interactions ?? CUSTOMERS * 10);
const CALLS = Number(args.calls);
const OPEN_TICKETS = Number(args['open-tickets']);
const LONG = args.long.split(',').filter(Boolean).map(Number);

const seconds = (since: number) => round2((performance.now() - since) / 1000);

// ---------------------------------------------------------------- HTTP

async function api<T = unknown>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, url), {
    method,
    headers: {
      authorization: `Bearer ${BENCH_ADMIN_TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed as T };
}

async function must<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await api<T>(url, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

/** A customer's message on the API channel (open mode: no channel key in the bench app). */
async function say(url: string, user: { id: string; name: string }, text: string) {
  const res = await fetch(new URL('/api/v1/messages', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, text }),
  });
  const body = (await res.json()) as { replies?: { text: string }[] };
  if (res.status !== 200) throw new Error(`POST /api/v1/messages: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Signs in as a browser does: the form post, then the session cookie of the 303. */
async function signIn(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(new URL('/console/login', url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, next: '/console' }).toString(),
  });
  await res.text();
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] as string)
    .find((c) => c.startsWith('rapport_session='));
  if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status}`);
  return cookie;
}

// ---------------------------------------------------------------- what the seed has not

interface ApiTicket {
  id: number;
  status: string;
  assignee: string | null;
  customer: { id: string };
}

async function ticketsOf(url: string, status: string): Promise<ApiTicket[]> {
  return (await must<{ tickets: ApiTicket[] }>(url, 'GET', `/api/v1/tickets?status=${status}&limit=500`)).tickets;
}

const COMPLAINTS = [
  'I want to complain about my last order, it was cold and late. I want a refund!',
  '我要投诉，昨天的外卖送错了，我要退款！',
  'This is a joke, I want to complain: you charged me twice. Refund me now.',
  '我要投诉你们的服务，等了一个小时，要求退款',
];
const FOLLOW_UPS_EN = ['Any news on my refund?', 'Hello? Still waiting.', 'The order number is 10482.', 'Thanks.'];
const FOLLOW_UPS_ZH = ['退款有进展吗？', '还在等你们回复', '订单号是 10482', '好的，谢谢'];
const STAFF_REPLIES = [
  'Sorry about that, let me look into it.',
  '非常抱歉，我马上帮您查一下。',
  'The refund has been requested; it takes 3–5 working days.',
  '已经为您申请退款，3–5 个工作日到账。',
];

interface Setup {
  seconds: number;
  staff: string[];
  ticketsSeeded: { open: number; claimed: number };
  ticketsOpened: number;
  tickets: { open: number; claimed: number };
  long: { id: number; messages: number }[];
  segments: { id: string; name: string; count: number | undefined }[];
  tagged: number;
}

/**
 * Staff, tickets, long conversations, tags and segments through the app's own code and API. The
 * clock moves 2 s per customer message of a long conversation so limits.perCustomer (60 a minute)
 * lets them through, as a real conversation spread over minutes would.
 */
async function prepare(
  url: string,
  db: ConstructorParameters<typeof StaffAccounts>[0],
  clock: Clock & { offset: number },
  samples: SeededCustomer[],
): Promise<{ setup: Setup; owner: { email: string; password: string; name: string } }> {
  const started = performance.now();
  const accounts = new StaffAccounts(db, clock);
  const owner = await accounts.add({ email: 'owner@bench.example', name: 'Bench Owner', role: 'owner' });
  const staff = [owner.staff.name];
  for (let k = 1; k <= 5; k++) {
    const agent = await accounts.add({ email: `staff-${k}@bench.example`, name: `staff-${k}`, role: 'agent' });
    staff.push(agent.staff.name);
  }

  const seeded = { open: (await ticketsOf(url, 'open')).length, claimed: (await ticketsOf(url, 'claimed')).length };
  // At least one new ticket per long conversation, and enough for ~OPEN_TICKETS open or claimed.
  const wanted = Math.max(LONG.length, OPEN_TICKETS - seeded.open - seeded.claimed);
  const opened: { user: { id: string; name: string }; zh: boolean }[] = [];
  for (let k = 0; k < wanted; k++) {
    const zh = k % 2 === 1;
    const user = { id: `console-bench-${k}`, name: zh ? `投诉客户${k}` : `Complaining Customer ${k}` };
    await say(url, user, zh ? '你好' : 'hello');
    await say(url, user, COMPLAINTS[k % COMPLAINTS.length] as string);
    opened.push({ user, zh });
  }
  const open = await ticketsOf(url, 'open');
  const byCustomer = new Map<string, ApiTicket>();
  for (const t of open) byCustomer.set(t.customer.id, t);
  const profiles = await Promise.all(
    opened.map((o) =>
      must<{ customers: { id: string }[] }>(
        url,
        'GET',
        `/api/v1/customers?channel=api&externalId=${encodeURIComponent(o.user.id)}`,
      ),
    ),
  );
  const newTickets = opened
    .map((o, k) => ({ ...o, ticket: byCustomer.get(profiles[k]?.customers[0]?.id ?? '') }))
    .filter((o): o is typeof o & { ticket: ApiTicket } => o.ticket !== undefined);
  if (newTickets.length < opened.length)
    console.log(`  warning: ${opened.length - newTickets.length} of ${opened.length} complaints opened no ticket`);

  // Long conversations: the customer and staff by turns, a note now and then; claimed by the owner.
  const long: Setup['long'] = [];
  for (const [k, n] of LONG.entries()) {
    const t = newTickets[k];
    if (!t) break;
    await must(url, 'POST', `/api/v1/tickets/${t.ticket.id}/claim`, { assignee: owner.staff.name });
    for (let m = 0; m < n - 1; m++) {
      if (m % 2 === 0) {
        clock.offset += 2_000;
        const texts = t.zh ? FOLLOW_UPS_ZH : FOLLOW_UPS_EN;
        await say(url, t.user, `${texts[m % texts.length]} (${m})`);
      } else {
        await must(url, 'POST', `/api/v1/tickets/${t.ticket.id}/messages`, {
          text: `${STAFF_REPLIES[m % STAFF_REPLIES.length]} (${m})`,
          author: owner.staff.name,
          ...(m % 10 === 9 ? { note: true } : {}),
        });
      }
    }
    const detail = await must<{ messages: unknown[]; nextCursor: string | null }>(
      url,
      'GET',
      `/api/v1/tickets/${t.ticket.id}/messages?limit=500`,
    );
    let count = detail.messages.length;
    for (let cursor = detail.nextCursor; cursor; ) {
      const more = await must<{ messages: unknown[]; nextCursor: string | null }>(
        url,
        'GET',
        `/api/v1/tickets/${t.ticket.id}/messages?limit=500&cursor=${encodeURIComponent(cursor)}`,
      );
      count += more.messages.length;
      cursor = more.nextCursor;
    }
    long.push({ id: t.ticket.id, messages: count });
  }
  // A third of the other new tickets claimed by the agents.
  for (const [k, t] of newTickets.slice(LONG.length).entries()) {
    if (k % 3 === 0)
      await must(url, 'POST', `/api/v1/tickets/${t.ticket.id}/claim`, { assignee: `staff-${1 + (k % 5)}` });
  }

  // Tags (the #tag search) and segments (the segment filter and the campaign preview).
  const vip = samples.slice(0, 40);
  for (const c of vip) await must(url, 'POST', `/api/v1/customers/${c.id}/tags`, { tags: ['vip'] });
  const rules: [string, unknown][] = [
    ['At risk', { all: [{ field: 'stage', op: 'eq', value: 'at_risk' }] }],
    [
      'Points, seen this quarter',
      {
        all: [
          { field: 'points', op: 'gte', value: 100 },
          { field: 'lastSeenAt', op: 'gte', value: { daysAgo: 90 } },
        ],
      },
    ],
    [
      'WeChat, Chinese',
      {
        all: [
          { field: 'channel', op: 'eq', value: 'wechat' },
          { field: 'locale', op: 'eq', value: 'zh-CN' },
        ],
      },
    ],
    ['Open ticket', { all: [{ field: 'openTicket', op: 'eq', value: true }] }],
    ['VIP', { all: [{ field: 'tags', op: 'eq', value: 'vip' }] }],
    [
      'Bought often, not lately',
      {
        all: [
          { field: 'purchases.count', op: 'gte', value: 3 },
          { field: 'lastPurchaseAt', op: 'lt', value: { daysAgo: 60 } },
        ],
      },
    ],
  ];
  const segments: Setup['segments'] = [];
  for (const [name, r] of rules) {
    const created = await api<{ id: string }>(url, 'POST', '/api/v1/segments', { name, rules: r });
    if (created.status === 404) break; // segments off
    if (created.status >= 300) throw new Error(`segment ${name}: ${created.status} ${JSON.stringify(created.body)}`);
    const read = await must<{ count?: number }>(url, 'GET', `/api/v1/segments/${created.body.id}`);
    segments.push({ id: created.body.id, name, count: read.count });
  }

  const now = { open: (await ticketsOf(url, 'open')).length, claimed: (await ticketsOf(url, 'claimed')).length };
  return {
    owner: { email: owner.staff.email, password: owner.password, name: owner.staff.name },
    setup: {
      seconds: seconds(started),
      staff,
      ticketsSeeded: seeded,
      ticketsOpened: newTickets.length,
      tickets: now,
      long,
      segments,
      tagged: vip.length,
    },
  };
}

// ---------------------------------------------------------------- the pages and their inputs

interface Input {
  path: string;
  /** What kind of input (a row of its own under the page's). */
  label: string;
}
interface Page {
  name: string;
  inputs: Input[];
}

/** A day in the business's time zone, `daysAgo` before now. */
function dayIn(timezone: string, now: number, daysAgo: number): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(now - daysAgo * DAY));
}

async function pagesOf(
  url: string,
  samples: SeededCustomer[],
  setup: Setup,
  timezone: string,
  now: number,
): Promise<{ pages: Page[]; reports: string }> {
  const pages: Page[] = [];
  const views = ['all', 'mine', 'unassigned', 'high'].flatMap((f) =>
    ['newest', 'urgent'].map((s) => ({ path: `?filter=${f}&sort=${s}`, label: `${f}, ${s}` })),
  );
  pages.push({ name: '/console', inputs: views.map((v) => ({ path: `/console${v.path}`, label: v.label })) });
  pages.push({
    name: '/console/inbox/list',
    inputs: views.map((v) => ({ path: `/console/inbox/list${v.path}`, label: v.label })),
  });

  // Tickets: the open and claimed of the inbox, some resolved, and the long conversations.
  const open = [...(await ticketsOf(url, 'open')), ...(await ticketsOf(url, 'claimed'))].filter(
    (t) => !setup.long.some((l) => l.id === t.id),
  );
  const resolved = (await must<{ tickets: ApiTicket[] }>(url, 'GET', '/api/v1/tickets?status=resolved&limit=200'))
    .tickets;
  const spread = <T>(list: T[], n: number) =>
    Array.from(
      { length: Math.min(n, list.length) },
      (_, k) => list[Math.floor((k * list.length) / Math.min(n, list.length))] as T,
    );
  const shortCount = Math.max(10, CALLS - setup.long.length);
  pages.push({
    name: '/console/tickets/:id',
    inputs: [
      ...spread(open, Math.ceil(shortCount * 0.6)).map((t) => ({
        path: `/console/tickets/${t.id}`,
        label: `${t.status} (short)`,
      })),
      ...spread(resolved, Math.floor(shortCount * 0.4)).map((t) => ({
        path: `/console/tickets/${t.id}`,
        label: 'resolved (short)',
      })),
      ...setup.long.map((l) => ({ path: `/console/tickets/${l.id}`, label: `long: ${l.messages} messages` })),
    ],
  });

  // The customer list, its first pages by cursor.
  const listPages: Input[] = [{ path: '/console/customers', label: 'first page' }];
  let cursor: string | null = null;
  for (let k = 2; k <= 5; k++) {
    const res: { nextCursor: string | null } = await must(
      url,
      'GET',
      `/api/v1/customers?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    cursor = res.nextCursor;
    if (!cursor) break;
    listPages.push({ path: `/console/customers?cursor=${encodeURIComponent(cursor)}`, label: 'page 2–5 (cursor)' });
  }
  pages.push({ name: '/console/customers', inputs: listPages });

  // Searches: Chinese names (whole, two characters, one), English name parts, exact channel ids and customer ids, a #tag.
  const chinese = samples.filter((c) => c.chinese && c.name);
  const english = samples.filter((c) => !c.chinese && c.name);
  const q = (text: string, label: string) => ({ path: `/console/customers?q=${encodeURIComponent(text)}`, label });
  const searches: Input[] = [];
  for (let k = 0; k < 6; k++) {
    const zh = [...((chinese[k]?.name as string) ?? '王小明')];
    const en = ((english[k]?.name as string) ?? 'John Smith').split(' ');
    const other = samples[(k * 7) % samples.length] as SeededCustomer;
    searches.push(
      q(zh.join(''), 'Chinese full name'),
      q(zh.slice(0, 2).join(''), 'Chinese, 2 characters'),
      q((k % 2 ? zh.at(-1) : zh[0]) as string, 'Chinese, 1 character'),
      q(k % 2 ? (en[0] as string) : (en[1] as string), 'English name part'),
      q(other.externalId, 'exact channel id'),
      q(other.id, 'exact customer id'),
    );
  }
  searches.push(q('#vip', '#tag'));
  pages.push({ name: '/console/customers?q=…', inputs: searches });

  pages.push({
    name: '/console/customers?segment=…',
    inputs: setup.segments.map((s) => ({
      path: `/console/customers?segment=${encodeURIComponent(s.id)}`,
      label: `${s.name} (${s.count ?? '?'})`,
    })),
  });

  // Customer pages: spread over the seed, the busiest first, and the customers of the long tickets.
  const busiest = [...samples].sort((a, b) => b.interactions - a.interactions).slice(0, 5);
  const others = spread(
    samples.filter((c) => !busiest.includes(c)),
    Math.max(10, CALLS - busiest.length - setup.long.length),
  );
  const longCustomers = await Promise.all(
    setup.long.map(async (l) => (await must<ApiTicket>(url, 'GET', `/api/v1/tickets/${l.id}`)).customer.id),
  );
  pages.push({
    name: '/console/customers/:id',
    inputs: [
      ...busiest.map((c) => ({
        path: `/console/customers/${c.id}`,
        label: `busiest of the sample (${busiest.at(-1)?.interactions}–${busiest[0]?.interactions} interactions)`,
      })),
      ...others.map((c) => ({ path: `/console/customers/${c.id}`, label: 'seeded customer' })),
      ...longCustomers.map((id) => ({ path: `/console/customers/${id}`, label: 'customer of a long ticket' })),
    ],
  });

  pages.push({ name: '/console/knowledge', inputs: [{ path: '/console/knowledge', label: 'first page' }] });

  // Reports, when the reports API is there.
  const list = await api<{ reports?: { name: string }[] }>(url, 'GET', '/api/v1/reports');
  let reports = 'measured';
  if (list.status === 404) reports = 'not measured: GET /api/v1/reports is 404 (reports off or not built)';
  else if (list.status !== 200) reports = `not measured: GET /api/v1/reports answered ${list.status}`;
  else {
    const there = new Set((list.body.reports ?? []).map((r) => r.name));
    const names = REPORT_NAMES.filter((n) => there.has(n));
    const missing = REPORT_NAMES.filter((n) => !there.has(n));
    if (missing.length) reports = `measured; not in the API: ${missing.join(', ')}`;
    const year = `from=${dayIn(timezone, now, 364)}&to=${dayIn(timezone, now, 0)}`;
    const ranges = [
      { query: '', label: 'default range' },
      { query: `?${year}`, label: '365 days' },
    ];
    for (const csv of [false, true]) {
      pages.push({
        name: `/console/reports/:name${csv ? '.csv' : ''}`,
        inputs: names.flatMap((n) =>
          ranges.map((r) => ({
            path: `/console/reports/${n}${csv ? '.csv' : ''}${r.query}`,
            label: `${n}, ${r.label}`,
          })),
        ),
      });
    }
  }

  pages.push({ name: '/console/campaigns', inputs: [{ path: '/console/campaigns', label: 'list' }] });
  if (setup.segments.length)
    pages.push({
      name: '/console/campaigns?segment=…',
      inputs: setup.segments.map((s) => ({
        path: `/console/campaigns?segment=${encodeURIComponent(s.id)}`,
        label: `preview: ${s.name} (${s.count ?? '?'})`,
      })),
    });
  pages.push({ name: '/console/moderation', inputs: [{ path: '/console/moderation', label: 'first page' }] });
  pages.push({ name: '/console/staff', inputs: [{ path: '/console/staff', label: 'owner' }] });
  return { pages, reports };
}

// ---------------------------------------------------------------- measuring

const stats = (latencies: number[]) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    calls: sorted.length,
    p50: round2(percentile(sorted, 50)),
    p95: round2(percentile(sorted, 95)),
    max: round2(sorted.at(-1) ?? Number.NaN),
  };
};

async function load(url: string, cookie: string, path: string) {
  const started = performance.now();
  const res = await fetch(new URL(path, url), { headers: { cookie }, redirect: 'manual' });
  const body = await res.text();
  const ms = performance.now() - started;
  return { ms, status: res.status, bytes: Buffer.byteLength(body), error: res.status === 200 ? undefined : body };
}

async function measurePage(url: string, cookie: string, page: Page) {
  // Every input as often as the others: rounds over them until ≥ CALLS calls.
  const rounds = Math.max(1, Math.ceil(CALLS / page.inputs.length));
  const first = await load(url, cookie, (page.inputs[0] as Input).path); // a warm-up, not counted
  const all: number[] = [];
  const byLabel = new Map<string, number[]>();
  let errors = 0;
  let firstError: string | undefined;
  let bytes = 0;
  for (let r = 0; r < rounds; r++) {
    for (const input of page.inputs) {
      const res = await load(url, cookie, input.path);
      if (res.status !== 200) {
        errors++;
        firstError ??= `${input.path}: ${res.status} ${(res.error ?? '')
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .slice(0, 200)}`;
      }
      bytes = Math.max(bytes, res.bytes);
      all.push(res.ms);
      byLabel.set(input.label, [...(byLabel.get(input.label) ?? []), res.ms]);
    }
  }
  const s = stats(all);
  return {
    page: page.name,
    example: page.inputs[0]?.path,
    inputs: page.inputs.length,
    ...s,
    warmUpMs: round2(first.ms),
    largestBytes: bytes,
    errors,
    ...(firstError ? { firstError } : {}),
    verdict: errors ? 'ERRORS' : s.p95 < TARGET_P95_MS ? 'PASS' : 'MISS',
    byInput: [...byLabel].map(([label, ms]) => ({ label, ...stats(ms) })),
  };
}

type PageResult = Awaited<ReturnType<typeof measurePage>>;

function printPage(r: PageResult) {
  const n = (v: number) => String(v).padStart(9);
  console.log(
    `    ${r.page.padEnd(44)} ${String(r.calls).padStart(5)} ${n(r.p50)} ${n(r.p95)} ${n(r.max)}   ${r.verdict}${r.errors ? ` (${r.errors} errors: ${r.firstError})` : ''}`,
  );
  if (r.byInput.length > 1)
    for (const b of r.byInput)
      console.log(
        `      ${`· ${b.label}`.padEnd(42)} ${String(b.calls).padStart(5)} ${n(b.p50)} ${n(b.p95)} ${n(b.max)}`,
      );
}

// ---------------------------------------------------------------- a database

async function run(server: string) {
  const database = await benchDatabase(`console-${CUSTOMERS}`, server);
  console.log(
    `\n== ${database.provider}, ${CUSTOMERS.toLocaleString('en')} customers, ${INTERACTIONS.toLocaleString('en')} interactions`,
  );
  const plan: Plan = { customers: CUSTOMERS, interactions: INTERACTIONS, now: Date.now(), expiryBacklogDays: 7 };
  try {
    const seeded = await seedWorld(database, plan);

    const shifted = shiftableClock();
    const startedApp = performance.now();
    const { app, env, url } = await startBenchApp(database, { clock: shifted });
    try {
      const semantic = await faqSettled(url);
      console.log(`  app started in ${seconds(startedApp)} s`);
      // Customers spread over the seeded range (their ids, names and channel ids are known without reading them).
      const samples = Array.from({ length: 120 }, (_, k) =>
        customerAt(Math.floor(((k + 0.5) * CUSTOMERS) / 120), plan),
      );
      const { setup, owner } = await prepare(url, app.store.db, shifted, samples);
      console.log(
        `  added in ${setup.seconds} s: ${setup.staff.length} staff, ${setup.ticketsOpened} tickets by complaints (seeded open ${setup.ticketsSeeded.open}, claimed ${setup.ticketsSeeded.claimed}; now open ${setup.tickets.open}, claimed ${setup.tickets.claimed}), long conversations of ${setup.long.map((l) => l.messages).join(', ')} messages, ${setup.tagged} tagged #vip, ${setup.segments.length} segments`,
      );
      const cookie = await signIn(url, owner.email, owner.password);
      const { pages, reports } = await pagesOf(url, samples, setup, env.BUSINESS_TIMEZONE, shifted.now());
      console.log(`  page loads, one at a time over HTTP (ms; target p95 < ${TARGET_P95_MS} ms):`);
      console.log(
        `    ${'page'.padEnd(44)} ${'calls'.padStart(5)} ${'p50'.padStart(9)} ${'p95'.padStart(9)} ${'max'.padStart(9)}`,
      );
      const results: PageResult[] = [];
      for (const page of pages) {
        if (!page.inputs.length) continue;
        const r = await measurePage(url, cookie, page);
        printPage(r);
        results.push(r);
      }
      if (!reports.startsWith('measured')) console.log(`    reports ${reports}`);
      return {
        database: database.provider,
        customers: CUSTOMERS,
        interactions: INTERACTIONS,
        seed: seeded,
        setup,
        faq: env.EMBEDDING_MODEL_DIR ? { model: env.EMBEDDING_MODEL_DIR, semantic } : 'lexical',
        reports,
        targetP95Ms: TARGET_P95_MS,
        pages: results,
        missed: results.filter((r) => r.verdict !== 'PASS').map((r) => r.page),
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
  const result = resultFile('console');
  const output = {
    ...result.header,
    targetP95Ms: TARGET_P95_MS,
    databases: {
      sqlite: 'better-sqlite3 via Prisma 7 driver adapter, WAL, synchronous=NORMAL',
      postgresql: servers.some(Boolean) ? 'pg via Prisma 7 driver adapter, on this machine' : 'not run',
    },
    runs: [] as unknown[],
  };
  for (const server of servers) {
    output.runs.push(await run(server));
    result.write(output);
  }
  console.log(`\nwritten to ${result.path}`);
}

await main();
