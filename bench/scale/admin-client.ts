// Admin API client of npm run bench:data, run in its own process (like load-client.ts) so it does
// not share the event loop with the server it measures.
// measure: each route on its own, one call at a time, `calls` timed calls over its varied inputs
//   (a paged route: page 2, 3, … followed by nextCursor) after two untimed warm-up calls.
// loop: `clients` concurrent clients go round every route until the parent sends 'stop' (the
//   admin load beside the message path), then report what each call took.
import http from 'node:http';

export type Target = 'exact' | 'name' | 'report';

export interface AdminRoute {
  name: string;
  target: Target;
  /** Varied inputs: the paths (with query) it calls in turn. A paged route pages from the first. */
  paths: string[];
  paged?: boolean;
}

export interface AdminSpec {
  url: string;
  token: string;
  routes: AdminRoute[];
  mode: 'measure' | 'loop';
  /** measure: timed calls per route. */
  calls: number;
  /** loop: concurrent clients. */
  clients: number;
}

export interface RouteResult {
  name: string;
  target: Target;
  latenciesMs: number[];
  errors: number;
  firstError?: string;
  /** Why the route was not measured (a paged route that gives no cursor). */
  skipped?: string;
}

const spec = JSON.parse(process.env.ADMIN_SPEC ?? '{}') as AdminSpec;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      new URL(path, spec.url),
      { method: 'GET', agent, headers: { authorization: `Bearer ${spec.token}` } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, body: String(err) }));
    req.end();
  });
}

const withCursor = (path: string, cursor: string) =>
  `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;

function nextCursorOf(body: string): string | null {
  try {
    const cursor = (JSON.parse(body) as { nextCursor?: unknown }).nextCursor;
    return typeof cursor === 'string' ? cursor : null;
  } catch {
    return null;
  }
}

class Recorder {
  readonly results = new Map<string, RouteResult>();
  constructor(routes: AdminRoute[]) {
    for (const r of routes) this.results.set(r.name, { name: r.name, target: r.target, latenciesMs: [], errors: 0 });
  }
  /** One timed call; returns its body (or null when it failed). */
  async call(route: AdminRoute, path: string): Promise<string | null> {
    const t0 = performance.now();
    const res = await get(path);
    const ms = performance.now() - t0;
    const result = this.results.get(route.name) as RouteResult;
    result.latenciesMs.push(ms);
    if (res.status !== 200) {
      result.errors++;
      result.firstError ??= `${res.status} ${path}: ${res.body.slice(0, 300)}`;
      return null;
    }
    return res.body;
  }
}

async function measure(): Promise<RouteResult[]> {
  const recorder = new Recorder(spec.routes);
  for (const route of spec.routes) {
    const result = recorder.results.get(route.name) as RouteResult;
    const first = route.paths[0] as string;
    // Untimed: the first run of a query shape costs Prisma tens of ms (a long-running bot has paid it).
    for (const path of route.paths.slice(0, 2)) await get(path);
    if (route.paged) {
      let cursor: string | null = null;
      while (result.latenciesMs.length < spec.calls) {
        if (!cursor) {
          const page1 = await get(first);
          cursor = page1.status === 200 ? nextCursorOf(page1.body) : null;
          if (!cursor) {
            result.skipped = `page 1 (${first}) gave no nextCursor (status ${page1.status})`;
            break;
          }
        }
        const body = await recorder.call(route, withCursor(first, cursor));
        cursor = body === null ? null : nextCursorOf(body);
      }
    } else {
      for (let k = 0; k < Math.max(spec.calls, route.paths.length); k++) {
        await recorder.call(route, route.paths[k % route.paths.length] as string);
      }
    }
  }
  return [...recorder.results.values()];
}

async function loop(stop: Promise<void>): Promise<RouteResult[]> {
  const recorder = new Recorder(spec.routes);
  let stopped = false;
  void stop.then(() => {
    stopped = true;
  });
  // Round-robin over the routes (each with its next input), so each is sampled across the whole window.
  const rounds = Math.max(...spec.routes.map((r) => r.paths.length));
  const calls = Array.from({ length: rounds }, (_, k) =>
    spec.routes.map((route) => ({ route, path: route.paths[k % route.paths.length] as string })),
  ).flat();
  await Promise.all(
    Array.from({ length: spec.clients }, async (_, client) => {
      // Each client starts at another place in the round.
      for (let k = Math.floor((client * calls.length) / spec.clients); !stopped; k++) {
        const { route, path } = calls[k % calls.length] as (typeof calls)[number];
        const body = await recorder.call(route, path);
        const cursor = route.paged && body ? nextCursorOf(body) : null;
        if (cursor && !stopped) await recorder.call(route, withCursor(path, cursor));
      }
    }),
  );
  return [...recorder.results.values()];
}

if (process.send) {
  const stop = new Promise<void>((resolve) => process.on('message', (m) => m === 'stop' && resolve()));
  if (spec.mode === 'loop') process.send('started');
  const results = spec.mode === 'measure' ? await measure() : await loop(stop);
  agent.destroy();
  process.send(results, () => process.exit(0));
}
