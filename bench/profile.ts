// What the app's main thread did while a benchmark phase ran: its event-loop delay (how long a
// ready callback waited: a long one means something held the thread) and, when asked, a CPU
// profile of the phase for Chrome DevTools or `node --cpu-prof`-style analysis.
// Used by npm run bench:data (--profile DIR).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { round2 } from './load.js';

export interface MainThreadFigures {
  /** Event-loop delay in milliseconds, sampled every 10 ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Share of the phase the thread was busy (event-loop utilization, 0–1): near 1, messages queue. */
  busy: number;
  /** The CPU profile written for this phase, if one was asked for. */
  profile?: string;
}

/** Runs `phase` while watching the main thread; writes a CPU profile to `profileFile` when given. */
export async function watchMainThread<T>(
  phase: () => Promise<T>,
  profileFile?: string,
): Promise<{ value: T; mainThread: MainThreadFigures }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const session = profileFile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  delay.enable();
  const before = performance.eventLoopUtilization();
  try {
    const value = await phase();
    delay.disable();
    const ms = (ns: number) => round2(ns / 1e6);
    const mainThread: MainThreadFigures = {
      eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      busy: round2(performance.eventLoopUtilization(before).utilization),
    };
    if (session && profileFile) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(profileFile, JSON.stringify(profile));
      mainThread.profile = profileFile;
    }
    return { value, mainThread };
  } finally {
    delay.disable();
    session?.disconnect();
  }
}
