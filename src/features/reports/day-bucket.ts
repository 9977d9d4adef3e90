// The business day a stored instant falls on, as SQL, so rows are counted per day by the database
// (GROUP BY) and never loaded to be bucketed. Both databases store UTC: SQLite as ISO 8601 text
// ("2026-07-01T02:00:00.000+00:00", what the Prisma adapter writes), PostgreSQL as timestamp(3)
// without a time zone. Shifting an instant by the zone's offset and taking its date gives the day
// — as long as the offset holds. So the range is cut into runs of days with one offset (the whole
// range for Asia/Shanghai), each a branch of a CASE on the instant; a day whose length is not 24
// hours (a daylight-saving change) is a branch of its own that names the day outright. That is
// exact, daylight-saving included, with the zone's rules taken from Node (Intl), not the database.
import { Prisma } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import { addDays, startOfDay } from '../../util/zoned-day.js';
import type { Range } from './range.js';

const DAY_MS = 86_400_000;
/** What a bucket says of an instant after the range (sorts after every day). */
export const AFTER = '9999-12-31';
/** …and of one before it. */
export const BEFORE = '0000-00-00';

type Run = { until: Date } & ({ offsetSeconds: number } | { day: string });

/** The range's runs of days with one offset, in order; each ends where the next begins. */
function runsOf(range: Range): Run[] {
  const runs: Run[] = [];
  for (const day of range.days) {
    const begins = startOfDay(day, range.timezone);
    const ends = startOfDay(addDays(day, 1), range.timezone);
    // Local midnight read as if it were UTC, minus the real instant: the zone's offset then.
    const offsetSeconds = Math.round((Date.parse(day) - begins.getTime()) / 1000);
    const last = runs.at(-1);
    if (ends.getTime() - begins.getTime() !== DAY_MS) runs.push({ until: ends, day });
    else if (last && 'offsetSeconds' in last && last.offsetSeconds === offsetSeconds) last.until = ends;
    else runs.push({ until: ends, offsetSeconds });
  }
  return runs;
}

/** A bound day: PostgreSQL cannot tell the type of a parameter that is a CASE's only text; the cast tells it. */
const text = (day: string) => Prisma.sql`CAST(${day} AS TEXT)`;

/** The date ("YYYY-MM-DD") of a column shifted by a fixed offset. */
function shiftedDate(column: Prisma.Sql, offsetSeconds: number, provider: DatabaseProvider): Prisma.Sql {
  // The offset is a number computed here, never input: safe as literal text (and it keeps the
  // statement the same for every request, which PostgreSQL can plan once).
  const seconds = Math.trunc(offsetSeconds);
  return provider === 'postgresql'
    ? Prisma.sql`to_char(${column} + ${Prisma.raw(String(seconds))} * INTERVAL '1 second', 'YYYY-MM-DD')`
    : Prisma.sql`strftime('%Y-%m-%d', ${column}, ${Prisma.raw(`'${seconds >= 0 ? '+' : ''}${seconds} seconds'`)})`;
}

/**
 * The business day of `column` as "YYYY-MM-DD" text, for instants in [range.start, range.end);
 * with `outside`, instants before the range are BEFORE and after it AFTER (for queries that read
 * past either end, such as the stage walk).
 */
export function dayBucket(column: Prisma.Sql, range: Range, provider: DatabaseProvider, outside = false): Prisma.Sql {
  const branch = (run: Run) => ('day' in run ? text(run.day) : shiftedDate(column, run.offsetSeconds, provider));
  const runs = runsOf(range);
  const whens: Prisma.Sql[] = [];
  if (outside) {
    whens.push(Prisma.sql`WHEN ${column} < ${range.start} THEN ${text(BEFORE)}`);
    whens.push(Prisma.sql`WHEN ${column} >= ${range.end} THEN ${text(AFTER)}`);
  }
  runs.slice(0, -1).forEach((run) => {
    whens.push(Prisma.sql`WHEN ${column} < ${run.until} THEN ${branch(run)}`);
  });
  const last = runs.at(-1) as Run;
  if (!whens.length) return branch(last);
  return Prisma.sql`(CASE ${Prisma.join(whens, ' ')} ELSE ${branch(last)} END)`;
}
