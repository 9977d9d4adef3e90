// The admin API's customer list and search, indexed at any size (a million customers):
// - an exact customer id or external id is looked up by its index;
// - a name matches by any part of it (Chinese and English alike) through the name-search index
//   the customer_search migration keeps: pairs of neighbouring characters and single characters, in a
//   contentless FTS5 table on SQLite and a GIN expression index on PostgreSQL. The index narrows the
//   candidates; each is then checked against the names themselves (case-insensitive LIKE). A text
//   needs a letter or digit to match a name;
// - the list is ordered by lastSeenAt then id, newest first, and paged by cursor on that key.
import { decodeCursor, encodeCursor } from '../http/paging.js';
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
}

const withIdentities = { identities: { select: { channel: true, externalId: true } } } as const;

export async function searchCustomers(db: Db, provider: DatabaseProvider, query: CustomerQuery) {
  const after = query.cursor ? decodeCursor(query.cursor, ['date', 'string']) : undefined;
  const q = query.q?.trim();
  const ids = q
    ? await matchingIds(db, provider, { ...query, q }, after)
    : (
        await db.customer.findMany({
          where: { ...identityWhere(query), ...(after ? afterWhere(after) : {}) },
          orderBy: [{ lastSeenAt: 'desc' }, { id: 'desc' }],
          take: query.limit + 1,
          select: { id: true },
        })
      ).map((r) => r.id);
  const rows = await db.customer.findMany({ where: { id: { in: ids } }, include: withIdentities });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ordered = ids.flatMap((id) => byId.get(id) ?? []);
  const customers = ordered.slice(0, query.limit);
  const last = customers.at(-1);
  return {
    customers,
    nextCursor: ordered.length > query.limit && last ? encodeCursor([last.lastSeenAt, last.id]) : null,
  };
}

function identityWhere(query: CustomerQuery) {
  if (!query.channel && !query.externalId) return {};
  return {
    identities: {
      some: {
        ...(query.channel ? { channel: query.channel } : {}),
        ...(query.externalId ? { externalId: query.externalId } : {}),
      },
    },
  };
}

const afterWhere = ([at, id]: [Date, string]) => ({
  OR: [{ lastSeenAt: { lt: at } }, { lastSeenAt: at, id: { lt: id } }],
});

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
  // A text with no letter or digit ("%", "--") names nobody; it can still be an exact id.
  const named = /[\p{L}\p{N}]/u.test(q);
  const filters = Prisma.sql`${identityFilter(query)} ${
    after
      ? Prisma.sql`AND (c."lastSeenAt" < ${after[0]} OR (c."lastSeenAt" = ${after[0]} AND c."id" < ${after[1]}))`
      : Prisma.empty
  } ORDER BY c."lastSeenAt" DESC, c."id" DESC LIMIT ${query.limit + 1}`;
  const exact = Prisma.sql`SELECT "id" FROM "Customer" WHERE "id" = ${q}
    UNION SELECT "customerId" FROM "ChannelIdentity" WHERE "externalId" = ${q}`;
  const match = named && provider === 'sqlite' ? ftsMatch(q) : undefined;
  const byName = !named
    ? undefined
    : provider === 'postgresql'
      ? namedPostgres(q)
      : match
        ? namedSqlite(q, match)
        : undefined;
  let rows: { id: string }[];
  if (byName && (await countNamed(db, provider, q, match)) > WALK_ABOVE) {
    // So many names match that checking customers in list order finds a page within a few
    // thousand rows (WALK_ABOVE matches in a million is one in 330).
    rows = await db.$queryRaw`
      SELECT c."id" AS id FROM "Customer" c
      WHERE (c."id" IN (${exact}) OR ${namedIn(Prisma.sql`c`, q, provider)})
      ${filters}`;
  } else {
    rows = await db.$queryRaw`
      WITH hits(id) AS (${exact} ${byName ?? Prisma.empty})
      SELECT c."id" AS id FROM hits h JOIN "Customer" c ON c."id" = h.id
      WHERE 1 = 1 ${filters}`;
  }
  return rows.map((r) => r.id);
}

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
    UNION SELECT x."id" FROM "Customer" x
      WHERE rapport_name_grams(x."displayName") @> rapport_search_grams(${q})
        AND ${containsText(Prisma.sql`x."displayName"`, q)}
    UNION SELECT i."customerId" FROM "ChannelIdentity" i
      WHERE rapport_name_grams(i."displayName") @> rapport_search_grams(${q})
        AND ${containsText(Prisma.sql`i."displayName"`, q)}`;
}

/** SQLite: the FTS5 table of name tokens narrows, LIKE checks. */
function namedSqlite(q: string, match: string): Prisma.Sql {
  return Prisma.sql`
    UNION SELECT x."id" FROM "NameSearch" s
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
