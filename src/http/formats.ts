// Strict date and time formats for everything a caller sends (query strings and bodies).
// `new Date(text)` accepts far too much ("1" is the year 2001, "2026-02-30" is March 2nd), so
// inputs are checked against RFC 3339 here, as Ajv formats of the routes' JSON schemas, and
// turned into instants from their own fields rather than by Date's lenient parser.
import type { Ajv } from 'ajv';

/** RFC 3339 date-time: a time zone is required (Z or ±hh:mm), seconds too; up to 9 fraction digits. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
/** A calendar date, YYYY-MM-DD. */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

/** The instant an RFC 3339 date-time names, or undefined when the text is not one. */
export function parseDateTime(text: string): Date | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = m[7] ?? '';
  const [sign, offsetHours, offsetMinutes] = [m[9], Number(m[10] ?? 0), Number(m[11] ?? 0)];
  if (!validDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offsetMs = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as they are.
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, ms);
  return new Date(utc.getTime() - offsetMs);
}

/** [year, month, day] of a YYYY-MM-DD date, or undefined when the text is not a real date. */
export function parseDate(text: string): [number, number, number] | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validDay(year, month, day) ? [year, month, day] : undefined;
}

/** Milliseconds the wall clock in `timezone` is ahead of UTC at an instant. */
function offsetAt(ms: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The instant a calendar day starts in a time zone (daylight-saving days included). */
export function startOfDay([year, month, day]: [number, number, number], timezone: string): Date {
  const wallMidnight = Date.UTC(year, month - 1, day);
  // The offset at the guess may differ from the offset at the answer when a change falls between.
  const first = wallMidnight - offsetAt(wallMidnight, timezone);
  return new Date(wallMidnight - offsetAt(first, timezone));
}

/** JSON schema formats, checked strictly by both of the server's Ajv instances. */
export function addDateFormats(ajv: Ajv): void {
  ajv.addFormat('date-time', { type: 'string', validate: (text: string) => parseDateTime(text) !== undefined });
  ajv.addFormat('date', { type: 'string', validate: (text: string) => parseDate(text) !== undefined });
}

export const DATE_TIME_EXAMPLE = '2026-07-01T09:30:00+08:00';
