// Calendar days in a time zone (the business's): which day a moment falls on, and when a day
// begins, daylight-saving changes included. Days are "YYYY-MM-DD" strings.

const formats = new Map<string, Intl.DateTimeFormat>();

function partsOf(at: Date, timezone: string) {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timezone, format);
  }
  return Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
}

/** The day a moment falls on in the time zone. */
export function dayIn(at: Date, timezone: string): string {
  const p = partsOf(at, timezone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** How far the zone's clock is ahead of UTC at a moment, in ms. */
function offsetAt(at: Date, timezone: string): number {
  const p = partsOf(at, timezone);
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour) % 24,
    Number(p.minute),
    Number(p.second),
  );
  return asUtc - (at.getTime() - (at.getTime() % 1000));
}

/** The moment a day begins (local midnight) in the time zone. */
export function startOfDay(day: string, timezone: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  const midnightUtc = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  let at = midnightUtc - offsetAt(new Date(midnightUtc), timezone);
  // The offset at local midnight may differ from the one at UTC midnight (a change between them).
  at = midnightUtc - offsetAt(new Date(at), timezone);
  return new Date(at);
}

/** The day n days after (or before, when negative) a day. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + n)).toISOString().slice(0, 10);
}

export const isLeap = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** The same month and day `years` earlier ("02-29" falls back to "02-28" in other years). */
export function yearsBefore(day: string, years: number): string {
  const y = Number(day.slice(0, 4)) - years;
  let md = day.slice(5);
  if (md === '02-29' && !isLeap(y)) md = '02-28';
  return `${String(y).padStart(4, '0')}-${md}`;
}
