// Median and 90th percentile of a set of numbers, computed by the database: the values are ranked
// by a window function and only the two ranks wanted come back (nearest rank: the ⌈p·n⌉-th
// smallest). SQLite has no percentile function; PostgreSQL's would need a different statement.
import { type Db, Prisma } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';

export interface Percentiles {
  median: number | null;
  p90: number | null;
}

/** `values`: a SELECT whose one column `v` holds the numbers (NULLs are left out). */
export async function percentilesOf(db: Db, values: Prisma.Sql): Promise<Percentiles> {
  // (p·n + 99) / 100 is ⌈p·n / 100⌉ in integer division, in both databases.
  const rows = await db.$queryRaw<{ rn: bigint | number; n: bigint | number; v: unknown }[]>`
    SELECT rn, n, v FROM (
      SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn, COUNT(*) OVER () AS n
      FROM (${values}) AS "values" WHERE v IS NOT NULL
    ) AS ranked
    WHERE rn = (n * 50 + 99) / 100 OR rn = (n * 90 + 99) / 100`;
  const at = (p: number) => {
    const row = rows.find((r) => Number(r.rn) === Math.ceil((Number(r.n) * p) / 100));
    return row ? Math.round(Number(row.v) * 10) / 10 : null;
  };
  return { median: at(50), p90: at(90) };
}

/** Minutes from `from` to `to` (two date columns or expressions), as a number. */
export function minutesBetween(from: Prisma.Sql, to: Prisma.Sql, provider: DatabaseProvider): Prisma.Sql {
  return provider === 'postgresql'
    ? Prisma.sql`(EXTRACT(EPOCH FROM (${to} - ${from})) / 60.0)`
    : Prisma.sql`((julianday(${to}) - julianday(${from})) * 1440.0)`;
}
