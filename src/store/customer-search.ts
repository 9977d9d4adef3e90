// The admin API's customer list and search, indexed at any size (a million customers):
// - an exact customer id or external id is looked up first, by its index, and answers alone;
// - a name matches by any part of it (Chinese and English alike) through the name-search index
//   the customer_search migration keeps: pairs of neighbouring characters and single characters, in a
//   contentless FTS5 table on SQLite and a GIN expression index on PostgreSQL. The index narrows the
//   candidates; each is then checked against the names themselves (case-insensitive LIKE). A name
//   thousands share, or a text with no letter or digit (which no token holds), walks the list
//   newest first checking names instead;
// - the list is ordered by lastSeenAt then id, newest first, and paged by cursor on that key;
// - a segment's rules, compiled to a condition on the row (src/features/segments), narrow any of these.
import { decodeCursor, pageOf } from '../http/paging.js';
import { type Db, Prisma } from './index.js';
import { containsText } from './like.js';
import type { DatabaseProvider } from './schema-engine.js';

export interface CustomerQuery {
  channel?: string;
  externalId?: string;
  /** A customer id, an external id, or any part of a name. */
  q?: string;
  limit: number;
  /** nextCursor of the previous page. */
  cursor?: string;
  /** Only the customers this condition on the row `c` lets through (a segment's rules). */
  where?: Prisma.Sql;
}

export const withIdentities = { identities: { select: { channel: true, externalId: true } } } as const;

export async function searchCustomers(db: Db, provider: DatabaseProvider, query: CustomerQuery) {
  const after = query.cursor ? decodeCursor(query.cursor, ['date', 'string']) : undefined;
  const q = query.q?.trim();
  const ids = q ? await matchingIds(db, provider, { ...query, q }, after) : await listedIds(db, query, after);
  const rows = await db.customer.findMany({ where: { id: { in: ids } }, include: withIdentities });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const page = pageOf(
    ids.flatMap((id) => byId.get(id) ?? []),
    query.limit,
    (c) => [c.lastSeenAt, c.id],
  );
  return { customers: page.items, nextCursor: page.nextCursor };
}

/** One page of ids in list order (and one more row), of the customers `where` lets through. */
async function pageIds(db: Db, query: CustomerQuery, where: Prisma.Sql, after: [Date, string] | undefined) {
  // A row value, so both databases read the (lastSeenAt, id) index from the cursor on.
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT c."id" AS id FROM "Customer" c
    WHERE ${where} ${identityFilter(query)} ${query.where ? Prisma.sql`AND (${query.where})` : Prisma.empty}
      ${after ? Prisma.sql`AND (c."lastSeenAt", c."id") < (${after[0]}, ${after[1]})` : Prisma.empty}
    ORDER BY c."lastSeenAt" DESC, c."id" DESC
    LIMIT ${query.limit + 1}`;
  return rows.map((r) => r.id);
}

/** The list without a text: an external id's few owners found by index, else the list walked. */
async function listedIds(db: Db, query: CustomerQuery, after: [Date, string] | undefined): Promise<string[]> {
  if (query.externalId === undefined) return pageIds(db, query, Prisma.sql`1 = 1`, after);
  const owners = Prisma.sql`SELECT "customerId" FROM "ChannelIdentity" WHERE "externalId" = ${query.externalId}`;
  return pageIds(db, query, Prisma.sql`c."id" IN (${owners})`, after);
}

/**
 * Above this many names matching the text, the search walks the customers newest first, checking
 * each one's names, and stops at a page, instead of reading and sorting every match.
 */
const WALK_ABOVE = 3000;

/** Ids of the customers the text finds, one page (and one more row) in list order. */
async function matchingIds(
  db: Db,
  provider: DatabaseProvider,
  query: CustomerQuery & { q: string },
  after: [Date, string] | undefined,
): Promise<string[]> {
  const { q } = query;
  // An exact customer id or external id is what was meant: looked up first, by index.
  const exact = Prisma.sql`c."id" IN (SELECT "id" FROM "Customer" WHERE "id" = ${q}
    UNION SELECT "customerId" FROM "ChannelIdentity" WHERE "externalId" = ${q})`;
  const exactIds = await pageIds(db, query, exact, after);
  if (exactIds.length) return exactIds;
  // A cursor past the last exact match: the search was for them, and nothing follows.
  if (after && (await pageIds(db, { ...query, limit: 0 }, exact, undefined)).length) return [];
  const match = provider === 'sqlite' ? ftsMatch(q) : undefined;
  // A text with no letter or digit ("%", "_") is in no token of the index: the list is walked
  // (rare, and on SQLite in the read worker).
  const unindexed = !/[\p{L}\p{N}]/u.test(q) || (provider === 'sqlite' && !match);
  if (unindexed || (await countNamed(db, provider, q, match)) > WALK_ABOVE) {
    // So many names match that checking customers in list order finds a page within a few
    // thousand rows (WALK_ABOVE matches in a million is one in 330).
    return pageIds(db, query, namedIn(Prisma.sql`c`, q, provider), after);
  }
  const byName = match ? namedSqlite(q, match) : namedPostgres(q);
  return pageIds(db, query, Prisma.sql`c."id" IN (${byName})`, after);
}

/** Only customers with an account on the channel (and with that external id) asked for. */
function identityFilter(query: CustomerQuery): Prisma.Sql {
  if (!query.channel && !query.externalId) return Prisma.empty;
  return Prisma.sql`AND EXISTS (SELECT 1 FROM "ChannelIdentity" f WHERE f."customerId" = c."id"${
    query.channel ? Prisma.sql` AND f."channel" = ${query.channel}` : Prisma.empty
  }${query.externalId ? Prisma.sql` AND f."externalId" = ${query.externalId}` : Prisma.empty})`;
}

/**
 * How many names the index holds for the text, counted up to just past WALK_ABOVE (PostgreSQL: the
 * channel accounts' names, which every customer has).
 */
async function countNamed(db: Db, provider: DatabaseProvider, q: string, match: string | undefined): Promise<number> {
  const candidates =
    provider === 'postgresql'
      ? Prisma.sql`SELECT 1 FROM "ChannelIdentity" WHERE rapport_name_grams("displayName") @> rapport_search_grams(${q})`
      : Prisma.sql`SELECT 1 FROM "NameSearch" WHERE "NameSearch" MATCH ${match}`;
  const [row] = await db.$queryRaw<{ n: number | bigint }[]>`
    SELECT count(*) AS n FROM (${candidates} LIMIT ${WALK_ABOVE + 1}) AS x`;
  return Number(row?.n ?? 0);
}

/** The verification of an index candidate: the text is really part of one of its names. */
const namedIn = (customer: Prisma.Sql, q: string, provider: DatabaseProvider) =>
  Prisma.sql`(${containsText(Prisma.sql`${customer}."displayName"`, q)}
  OR EXISTS (SELECT 1 FROM "ChannelIdentity" n WHERE n."customerId" = ${customer}."id"
    AND ${containsText(Prisma.sql`n."displayName"`, q)} ${onEachRow(provider)}))`;

/**
 * PostgreSQL turns a correlated EXISTS into one scan of every account's name hashed up front (a
 * second at a million); OFFSET 0 keeps it a lookup per customer, which is what a walk wants.
 */
const onEachRow = (provider: DatabaseProvider) => (provider === 'postgresql' ? Prisma.sql`OFFSET 0` : Prisma.empty);

/** PostgreSQL: the GIN indexes over rapport_name_grams(displayName) narrow, LIKE checks. */
function namedPostgres(q: string): Prisma.Sql {
  return Prisma.sql`
    SELECT x."id" FROM "Customer" x
      WHERE rapport_name_grams(x."displayName") @> rapport_search_grams(${q})
        AND ${containsText(Prisma.sql`x."displayName"`, q)}
    UNION SELECT i."customerId" FROM "ChannelIdentity" i
      WHERE rapport_name_grams(i."displayName") @> rapport_search_grams(${q})
        AND ${containsText(Prisma.sql`i."displayName"`, q)}`;
}

/** SQLite: the FTS5 table of name tokens narrows, LIKE checks. */
function namedSqlite(q: string, match: string): Prisma.Sql {
  return Prisma.sql`
    SELECT x."id" FROM "NameSearch" s
      JOIN "NameSearchKey" k ON k."id" = s.rowid
      JOIN "Customer" x ON x."id" = k."customerId"
      WHERE "NameSearch" MATCH ${match} AND ${namedIn(Prisma.sql`x`, q, 'sqlite')}`;
}

/**
 * The FTS5 query for a text: every pair of neighbouring characters (the character itself when it is
 * one), each a quoted phrase, all required. The migration indexed the same pieces of each name, so a
 * name containing the text has them all. Pieces with no letter or digit are left out: the tokenizer
 * makes nothing of them (the LIKE check still applies the whole text).
 */
export function ftsMatch(q: string): string | undefined {
  const chars = [...q];
  const pieces = chars.length === 1 ? chars : chars.slice(0, -1).map((c, i) => c + chars[i + 1]);
  const usable = [...new Set(pieces.filter((p) => /[\p{L}\p{N}]/u.test(p)))];
  return usable.length ? usable.map((p) => `"${p.replaceAll('"', '""')}"`).join(' ') : undefined;
}
