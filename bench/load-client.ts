// Load generator, run in its own process so it does not share the event loop with the server.
// Closed loop: `concurrency` users send as fast as replies come back.
// Open loop: messages leave at a fixed rate whatever the server does (latency at a given load).
import http from 'node:http';

export interface LoadSpec {
  url: string;
  mode: 'closed' | 'open';
  total: number;
  concurrency: number;
  ratePerSecond: number;
  users: number;
  prefix: string;
}

export interface LoadResult {
  sent: number;
  ok: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

const spec = JSON.parse(process.env.LOAD_SPEC ?? '{}') as LoadSpec;
const target = new URL('/api/v1/messages', spec.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(spec.concurrency, 64) });
const texts = ['/help', '你们几点开门?', 'do you deliver to my area?', '/lang en', '会员有什么好处', 'hello'];

function post(i: number): Promise<boolean> {
  const body = JSON.stringify({
    user: { id: `${spec.prefix}-u${i % spec.users}` },
    text: texts[i % texts.length],
    messageId: `${spec.prefix}-m${i}`,
  });
  return new Promise((resolve) => {
    const req = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      },
    );
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

async function run(): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let next = 0;
  const one = async (i: number) => {
    const t0 = performance.now();
    const good = await post(i);
    latencies.push(performance.now() - t0);
    if (good) ok++;
    else errors++;
  };
  const began = performance.now();
  if (spec.mode === 'closed') {
    await Promise.all(
      Array.from({ length: spec.concurrency }, async () => {
        while (next < spec.total) await one(next++);
      }),
    );
  } else {
    const inflight: Promise<void>[] = [];
    const interval = 1000 / spec.ratePerSecond;
    for (let i = 0; i < spec.total; i++) {
      const due = began + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inflight.push(one(i));
    }
    await Promise.all(inflight);
  }
  agent.destroy();
  return { sent: spec.total, ok, errors, seconds: (performance.now() - began) / 1000, latenciesMs: latencies };
}

if (process.send) process.send(await run(), () => process.exit(0));
