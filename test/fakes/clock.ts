import type { Clock } from '../../src/util/clock.js';

/** A clock that moves only when sleep() is called: pacing and backoff without waiting. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public current = Date.now()) {}
  now(): number {
    return this.current;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
