// The real app on a benchmark's database, listening on a free port of 127.0.0.1, as npm run bench
// and npm run bench:data start it.

import { pino } from 'pino';
import type { App } from '../src/app.js';
import { buildApp } from '../src/app.js';
import { type Env, parseBusinessConfig, parseEnv } from '../src/config.js';
import type { Clock } from '../src/util/clock.js';
import type { BenchDatabase } from './databases.js';

export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

export interface BenchApp {
  app: App;
  env: Env;
  /** http://127.0.0.1:<port> */
  url: string;
}

export async function startBenchApp(database: BenchDatabase, options: { clock?: Clock } = {}): Promise<BenchApp> {
  const env = parseEnv({
    DATABASE_URL: database.url,
    DATA_DIR: database.dir,
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    PORT: '0',
    // The FAQ's embedding models are on by default; EMBEDDING_MODEL_DIR= (empty) measures words alone,
    // EMBEDDING_MODEL_DIR_EN= the main model alone.
    ...(process.env.EMBEDDING_MODEL_DIR !== undefined ? { EMBEDDING_MODEL_DIR: process.env.EMBEDDING_MODEL_DIR } : {}),
    ...(process.env.EMBEDDING_MODEL_DIR_EN !== undefined
      ? { EMBEDDING_MODEL_DIR_EN: process.env.EMBEDDING_MODEL_DIR_EN }
      : {}),
  });
  const app = await buildApp(
    { env, settings: parseBusinessConfig('', 'bench'), configPath: null },
    { logger: pino({ level: 'warn' }), ...(options.clock ? { clock: options.clock } : {}) },
  );
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  await app.start();
  const address = app.server.server.address();
  const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  return { app, env, url };
}

/** A clock the benchmark can move forward (`offset` ms ahead of the real one), for jobs due tomorrow. */
export function shiftableClock(): Clock & { offset: number } {
  const clock = { offset: 0 };
  return Object.assign(clock, {
    now: () => Date.now() + clock.offset,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  });
}

/** The FAQ's embedding vectors are built in the background after start: measure after, as a running bot is. */
export async function faqSettled(url: string): Promise<unknown> {
  const until = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${url}/api/v1/knowledge?limit=1`, {
      headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
    });
    const body = (await res.json().catch(() => ({}))) as { semantic?: { model: string | null; ready: boolean } };
    const semantic = body.semantic;
    if (!semantic?.model || semantic.ready || Date.now() > until) return semantic;
    await new Promise((r) => setTimeout(r, 500));
  }
}
