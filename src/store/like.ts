// LIKE patterns from user text. Prisma's `contains` passes % and _ through as wildcards (and on
// SQLite a backslash escapes nothing without an ESCAPE clause), so a search for "%" matched every
// row. Searches build their own LIKE with these patterns and `ESCAPE '\'`, the same on both providers.
import { Prisma } from './index.js';

/** A pattern that finds `text` anywhere, its %, _ and \ taken literally (use with ESCAPE '\'). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * `lower(column) LIKE lower(pattern) ESCAPE '\'`: case-insensitive on both providers (SQLite's
 * LIKE already is, for ASCII; PostgreSQL's is not), wildcards in the text literal.
 */
export function containsText(column: Prisma.Sql, text: string): Prisma.Sql {
  return Prisma.sql`lower(${column}) LIKE lower(${likeContains(text)}) ESCAPE '\\'`;
}
