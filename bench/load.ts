// Driving the API channel from outside: the load client (load-client.ts) runs in its own process so
// it does not share the event loop with the server; these run it and sum up what it measured.
// Shared by npm run bench (throughput.ts) and npm run bench:data (data.ts).
import { fork } from 'node:child_process';
import type { LoadResult, LoadSpec } from './load-client.js';

export type { LoadResult, LoadSpec };

/** The p-th percentile of ascending numbers (NaN for none). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export const round2 = (n: number) => Math.round(n * 100) / 100;

export function summarize(r: LoadResult) {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  return {
    messages: r.sent,
    ok: r.ok,
    errors: r.errors,
    seconds: round2(r.seconds),
    messagesPerSecond: Math.round(r.ok / r.seconds),
    latencyMs: {
      p50: round2(percentile(sorted, 50)),
      p99: round2(percentile(sorted, 99)),
      max: round2(sorted.at(-1) ?? 0),
    },
  };
}

/** Runs the load client in a child process and returns what it measured. */
export function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./load-client.ts', import.meta.url), {
      env: { ...process.env, LOAD_SPEC: JSON.stringify(spec) },
      execArgv: ['--import', 'tsx'],
    });
    child.once('message', (m) => resolve(m as LoadResult));
    child.once('error', reject);
  });
}
