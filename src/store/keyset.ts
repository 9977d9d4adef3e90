// Walking a large set of customers in batches by an index: each page continues after the last
// row of the one before in (column, id) order, so page 1,000 costs what page 1 does, and no
// transaction is held between pages (jobs over a million customers share SQLite's writer with
// the customers' messages).
import { type Db, Prisma } from './index.js';

export type CustomerKeyColumn = 'lastSeenAt' | 'firstPurchaseAt' | 'lastPurchaseAt' | 'createdAt';

export interface KeysetRow {
  id: string;
  key: Date;
}

/**
 * One page of the customers `where` selects (SQL over the alias c), in (column, id) order after
 * `after`. Rows whose column is null are never selected.
 */
export async function customerPage(
  db: Db,
  where: Prisma.Sql,
  column: CustomerKeyColumn,
  after: KeysetRow | undefined,
  limit: number,
): Promise<KeysetRow[]> {
  const col = Prisma.raw(`c."${column}"`);
  const rows = await db.$queryRaw<{ id: string; key: Date | string | number }[]>`
    SELECT c."id" AS id, ${col} AS key FROM "Customer" c
    WHERE (${where}) AND ${col} IS NOT NULL
      ${after ? Prisma.sql`AND (${col}, c."id") > (${after.key}, ${after.id})` : Prisma.empty}
    ORDER BY ${col}, c."id"
    LIMIT ${limit}`;
  return rows.map((r) => ({ id: r.id, key: r.key instanceof Date ? r.key : new Date(r.key) }));
}

/** Every page of such a walk, one after the other. */
export async function* customerPages(
  db: Db,
  where: Prisma.Sql,
  column: CustomerKeyColumn,
  limit: number,
): AsyncGenerator<KeysetRow[]> {
  let after: KeysetRow | undefined;
  for (;;) {
    const page = await customerPage(db, where, column, after, limit);
    if (page.length) yield page;
    if (page.length < limit) return;
    after = page[page.length - 1];
  }
}
