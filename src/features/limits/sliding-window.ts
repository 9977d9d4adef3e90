// A sliding-window counter per key, in this instance's memory: at most `limit` admissions in any
// `windowMs`. Memory stays bounded: a key keeps at most `limit` timestamps, and beyond
// `maxKeys` keys the least recently seen are forgotten (they start afresh, which only ever lets
// a forgotten key through, never blocks one that should pass).
export interface SlidingWindowOptions {
  limit: number;
  windowMs: number;
  maxKeys?: number;
}

interface KeyState {
  /** Times of admitted hits inside the window, oldest first. */
  hits: number[];
  /** When this key was last warned; undefined = never (in memory). */
  warnedAt: number | undefined;
}

export type Verdict = 'admit' | 'warn' | 'drop';

export class SlidingWindow {
  private readonly keys = new Map<string, KeyState>();
  private readonly maxKeys: number;

  constructor(private readonly options: SlidingWindowOptions) {
    this.maxKeys = options.maxKeys ?? 50_000;
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Counts a hit at `now`: 'admit' while the key is under its limit; over it, 'warn' for the
   * first excess hit in a window (at most one warning per windowMs), 'drop' for the rest.
   * Only admitted hits fill the window, so a steady flood still gets `limit` per window through.
   */
  hit(key: string, now: number): Verdict {
    const { limit, windowMs } = this.options;
    const state = this.keys.get(key) ?? { hits: [], warnedAt: undefined };
    // Re-inserting keeps the Map in least-recently-seen order for eviction.
    this.keys.delete(key);
    this.keys.set(key, state);
    while (state.hits.length && (state.hits[0] as number) <= now - windowMs) state.hits.shift();
    let verdict: Verdict;
    if (state.hits.length < limit) {
      state.hits.push(now);
      verdict = 'admit';
    } else if (state.warnedAt === undefined || now - state.warnedAt >= windowMs) {
      state.warnedAt = now;
      verdict = 'warn';
    } else {
      verdict = 'drop';
    }
    this.evict();
    return verdict;
  }

  private evict(): void {
    while (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next().value;
      if (oldest === undefined) return;
      this.keys.delete(oldest);
    }
  }
}
