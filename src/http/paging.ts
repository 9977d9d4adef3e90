// Cursor paging for admin lists. A list is read in a fixed order over indexed keys (newest first:
// createdAt then id, or an autoincrement id alone); a page asks for one row more than it returns
// to know whether another page follows, and `nextCursor` holds the last returned row's keys.
// Keyset paging stays fast on page 1,000 and never repeats or skips a row that was written meanwhile.
import { AppError } from '../errors.js';
import { invalidTextReason } from '../util/text.js';

/** Query parameters of a paged list (add the list's own `limit` with its default and maximum). */
export const cursorQuery = {
  type: 'string',
  maxLength: 500,
  description: 'The `nextCursor` of the previous page; omit for the first page',
} as const;

/** `nextCursor` in a paged response: null on the last page. */
export const nextCursorSchema = {
  type: ['string', 'null'],
  description: 'Pass as `cursor` for the next page; null when this is the last page',
} as const;

/** A row's position in the list's order: strings, numbers and dates (what keyset orders use). */
export type CursorKey = string | number | Date;
/** `int`: an integer column (ids): within PostgreSQL's integer range, so a forged one is a 400, not a database error. */
type KeyKind = 'string' | 'number' | 'int' | 'date';
const INT_MAX = 2_147_483_647;

export function encodeCursor(keys: CursorKey[]): string {
  const json = keys.map((k) => (k instanceof Date ? { d: k.toISOString() } : k));
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/**
 * The keys of a cursor made by encodeCursor, checked against the list's key kinds; a cursor that
 * is not one (edited, from another list) is a 400, never a 500.
 */
export function decodeCursor<K extends KeyKind[]>(cursor: string, kinds: [...K]): { [I in keyof K]: KindType<K[I]> } {
  const bad = () => new AppError('HTTP_BAD_REQUEST', 'cursor: not a cursor this list gave out');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== kinds.length) throw bad();
  return parsed.map((value, i) => {
    const kind = kinds[i];
    // What the databases cannot take (NUL in PostgreSQL text, a year it cannot store, a float
    // for an integer column) would fail the query with a 500: such a cursor is not one we gave.
    if (kind === 'string' && typeof value === 'string' && !invalidTextReason(value)) return value;
    if (kind === 'number' && typeof value === 'number' && Number.isFinite(value)) return value;
    if (kind === 'int' && Number.isInteger(value) && Math.abs(value as number) <= INT_MAX) return value;
    if (kind === 'date' && value && typeof value === 'object' && typeof (value as { d?: unknown }).d === 'string') {
      const date = new Date((value as { d: string }).d);
      const year = date.getUTCFullYear();
      if (!Number.isNaN(date.getTime()) && year >= 1 && year <= 9999) return date;
    }
    throw bad();
  }) as { [I in keyof K]: KindType<K[I]> };
}

type KindType<K> = K extends 'string' ? string : K extends 'number' | 'int' ? number : K extends 'date' ? Date : never;

/**
 * The rows after a cursor in (createdAt desc, id desc) order, as a Prisma `where`: the `lte` bound
 * lets the database seek its (…, createdAt) index to the cursor instead of filtering the rows before it.
 */
export function olderThan([at, id]: readonly [Date, number]) {
  return { createdAt: { lte: at }, OR: [{ createdAt: { lt: at } }, { id: { lt: id } }] };
}

/**
 * One page from rows read with `take: limit + 1`: the first `limit` rows, and the cursor after
 * the last of them when the extra row shows that more follow.
 */
export function pageOf<T>(
  rows: T[],
  limit: number,
  keysOf: (row: T) => CursorKey[],
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keysOf(last)) : null };
}

/**
 * Up to `limit + 1` rows of a list in (createdAt desc, id desc) order over every value of a column
 * indexed as (column, createdAt) — a status, a kind — when the request does not pick one: each
 * value's range is read in its index's order (`read` takes `limit + 1` after the cursor) and the
 * ranges are merged. Without it the database sorts the whole table for every page (1.1 s for the
 * feedback list at a million answers on SQLite), or needs an index on createdAt alone.
 */
export async function newestFirstAcross<T extends { createdAt: Date; id: number }>(
  values: readonly string[],
  read: (value: string) => Promise<T[]>,
  limit: number,
): Promise<T[]> {
  const ranges = await Promise.all(values.map(read));
  return ranges
    .flat()
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
    .slice(0, limit + 1);
}
