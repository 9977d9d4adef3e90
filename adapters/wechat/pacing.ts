// Conservative pacing for one WeChat account. WeChat publishes no limits, and its anti-spam
// punishes bursts and high daily volumes, so every send of the account (outbox replies, friend
// greetings, room welcomes) goes through one queue: at least `minIntervalMs` plus a random
// 0–`jitterMs` apart, and at most `dailyCap` a calendar day in the business's time zone.
// The dispatcher paces too (capabilities.pacing); this queue also covers what the adapter sends itself.
import { SendError } from '../../src/errors.js';
import type { Clock } from '../../src/util/clock.js';

export interface PacingSettings {
  minIntervalMs: number;
  jitterMs: number;
  dailyCap: number;
}

export interface SendPacerOptions extends PacingSettings {
  /** IANA time zone whose midnight starts a new day for the cap (BUSINESS_TIMEZONE). */
  timezone: string;
  clock: Clock;
  random?: () => number;
}

const DAY_MS = 86_400_000;

export class SendPacer {
  private tail: Promise<unknown> = Promise.resolve();
  private last: number | undefined;
  private day = '';
  private count = 0;

  constructor(private readonly o: SendPacerOptions) {}

  /** Sends today (for the status and the log). */
  get sentToday(): number {
    return this.dayOf(this.o.clock.now()) === this.day ? this.count : 0;
  }

  /**
   * Runs `send(i)` for i = 0…n-1, each after the pause the previous send of the account asks for.
   * Throws SendError with retryAfterMs (the next midnight) when the day's cap leaves no room for n sends.
   */
  run(n: number, send: (i: number) => Promise<void>): Promise<void> {
    const task = this.tail.then(() => this.sendAll(n, send));
    this.tail = task.catch(() => {});
    return task;
  }

  private async sendAll(n: number, send: (i: number) => Promise<void>): Promise<void> {
    const { clock } = this.o;
    const today = this.dayOf(clock.now());
    if (today !== this.day) {
      this.day = today;
      this.count = 0;
    }
    if (this.count + n > this.o.dailyCap) {
      const retryAfterMs = msUntilNextDay(clock.now(), this.o.timezone);
      throw new SendError(
        `wechat: daily cap of ${this.o.dailyCap} messages reached (${this.count} sent today); next day in ${Math.ceil(retryAfterMs / 60_000)} min`,
        { retryAfterMs },
      );
    }
    for (let i = 0; i < n; i++) {
      if (this.last !== undefined) {
        const gap = this.o.minIntervalMs + Math.floor((this.o.random ?? Math.random)() * (this.o.jitterMs + 1));
        const wait = this.last + gap - clock.now();
        if (wait > 0) await clock.sleep(wait);
      }
      try {
        await send(i);
      } finally {
        // A failed attempt still reached WeChat (or tried to): it counts for the pace, not for the cap.
        this.last = clock.now();
      }
      this.count++;
    }
  }

  private dayOf(ms: number): string {
    return localParts(ms, this.o.timezone).day;
  }
}

/** Milliseconds from `now` to the next midnight in `timezone` (exact across daylight-saving changes). */
export function msUntilNextDay(now: number, timezone: string): number {
  const { day, msOfDay } = localParts(now, timezone);
  let next = now + (DAY_MS - msOfDay);
  // A day of 23 or 25 hours: move onto the midnight the wall clock shows.
  for (let i = 0; i < 3; i++) {
    const at = localParts(next, timezone);
    if (at.day !== day && at.msOfDay === 0) break;
    next += at.day === day ? DAY_MS - at.msOfDay : -at.msOfDay;
  }
  return next - now;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function localParts(ms: number, timezone: string): { day: string; msOfDay: number } {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const msOfDay = ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 + (ms % 1000);
  return { day: `${parts.year}-${parts.month}-${parts.day}`, msOfDay };
}
