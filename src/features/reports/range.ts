// The days a report covers: `from` and `to` (both included) in BUSINESS_TIMEZONE, the last
// DEFAULT_DAYS days ending today when not given; and the instants those days begin and end, which
// bound every query (the rows read are one index range, never the whole history).
import { AppError } from '../../errors.js';
import { addDays, dayIn, startOfDay } from '../../util/zoned-day.js';

export const DEFAULT_DAYS = 30;
/** A year, leap day included: a longer range is refused (a year's chart is the most the console asks for). */
export const MAX_DAYS = 366;

export interface Range {
  from: string;
  to: string;
  /** Every day of the range, in order. */
  days: string[];
  /** Midnight at the start of `from`, in the business's time zone. */
  start: Date;
  /** Midnight after `to` (exclusive). */
  end: Date;
  timezone: string;
}

const DAY_FORM = /^\d{4}-\d{2}-\d{2}$/;

/** A "YYYY-MM-DD" that names a real day (2026-02-30 does not). */
export const isDay = (s: string) => DAY_FORM.test(s) && addDays(s, 0) === s;

function checkDay(value: string, name: string): string {
  if (!isDay(value)) throw new AppError('HTTP_BAD_REQUEST', `${name}: not a day (YYYY-MM-DD): ${value}`);
  return value;
}

/** Days from a to b (b − a), by the calendar. */
export const daysBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);

export function rangeOf(q: { from?: string; to?: string }, now: Date, timezone: string): Range {
  const to = q.to === undefined ? dayIn(now, timezone) : checkDay(q.to, 'to');
  const from = q.from === undefined ? addDays(to, 1 - DEFAULT_DAYS) : checkDay(q.from, 'from');
  if (from > to) throw new AppError('HTTP_BAD_REQUEST', `from (${from}) is after to (${to})`);
  const count = daysBetween(from, to) + 1;
  if (count > MAX_DAYS) {
    throw new AppError('HTTP_BAD_REQUEST', `from ${from} to ${to} is ${count} days; at most ${MAX_DAYS}`);
  }
  return dayRange(from, to, timezone);
}

export function dayRange(from: string, to: string, timezone: string): Range {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return { from, to, days, start: startOfDay(from, timezone), end: startOfDay(addDays(to, 1), timezone), timezone };
}

/** The one day of a range that items are asked for (it must lie in the range). */
export function dayOf(range: Range, day: string): Range {
  checkDay(day, 'day');
  if (day < range.from || day > range.to) {
    throw new AppError('HTTP_BAD_REQUEST', `day ${day} is outside ${range.from} to ${range.to}`);
  }
  return dayRange(day, day, range.timezone);
}
