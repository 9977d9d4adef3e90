// Paging of a report's items: newest first in (at desc, id desc) order, by cursor. A point of a
// chart may stand for several series read apart (each channel, each kind: each its own index
// range, read in that index's order), so a page takes `limit + 1` from each and merges them; the
// cursor is the last item's (at, id), which every series can seek to. Rows written meanwhile are
// neither repeated nor skipped (keyset paging, src/http/paging.ts).
import { AppError } from '../../errors.js';
import { decodeCursor, pageOf } from '../../http/paging.js';
import type { Range } from './range.js';

/** Where the cursor left off: rows strictly older in (at desc, id desc) order. */
export type After = readonly [Date, number] | undefined;

/** A series' reader: up to `take` rows older than `after`, newest first. */
export type SeriesRead<T> = (after: After, take: number) => Promise<T[]>;

/** A Prisma `where` for rows of `column` in the range and older than the cursor. */
export function within(column: string, range: Range, after: After) {
  const inRange = { [column]: { gte: range.start, lt: range.end } };
  if (!after) return inRange;
  const [at, id] = after;
  // The lte bound lets the database seek its (…, column) index to the cursor.
  return { AND: [inRange, { [column]: { lte: at } }, { OR: [{ [column]: { lt: at } }, { id: { lt: id } }] }] };
}

/** A page over series read apart, merged newest first. */
export async function mergedPage<T extends { id: number }>(
  reads: readonly SeriesRead<T>[],
  atOf: (row: T) => Date,
  limit: number,
  cursor: string | undefined,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const after: After = cursor === undefined ? undefined : decodeCursor(cursor, ['date', 'int']);
  const rows = (await Promise.all(reads.map((read) => read(after, limit + 1))))
    .flat()
    .sort((a, b) => atOf(b).getTime() - atOf(a).getTime() || b.id - a.id)
    .slice(0, limit + 1);
  return pageOf(rows, limit, (r) => [atOf(r), r.id]);
}

/** The series an items request may name; another is a 400 naming the ones there are. */
export function seriesOf<S extends string>(known: readonly S[], asked: string | undefined): readonly S[] {
  if (asked === undefined) return known;
  if (!(known as readonly string[]).includes(asked)) {
    throw new AppError('HTTP_BAD_REQUEST', `series: not one of ${known.join(', ')}: ${asked}`);
  }
  return [asked as S];
}
