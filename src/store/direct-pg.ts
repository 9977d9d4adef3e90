// The message path's few statements on PostgreSQL, sent through a plain pg pool beside Prisma's.
// Each flush of the message path is one of a handful of raw statements over arrays; Prisma copies
// every parameter through JSON twice and maps every row, which cost the one Node thread more than
// the statements themselves (bench: about 0.4 ms of CPU a call against pg's 0.1 ms). The rows come
// back as Prisma's raw queries return them: timestamps as Date (stored as UTC), json as objects.
import pg from 'pg';
import type { Logger } from 'pino';
import type { Db, Prisma } from './index.js';

type TypeId = Parameters<typeof pg.types.getTypeParser>[0];

/** timestamp without time zone: Prisma writes UTC there; pg's own parser would read local time. */
const TIMESTAMP = 1114;

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: TypeId) =>
    (oid as number) === TIMESTAMP
      ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`)
      : pg.types.getTypeParser(oid)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Dates as UTC text (pg would write local time), in arrays too. */
function encode(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(encode);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export class DirectPg {
  private readonly pool: pg.Pool;

  constructor(url: string, logger?: Logger, max = 4) {
    this.pool = new pg.Pool({ connectionString: url, max, types, application_name: 'rapport-hot' });
    // An idle connection the server drops (a restart, a terminated backend) is reported here, and
    // the pool replaces it. Without a listener the 'error' event would end the process.
    this.pool.on('error', (err) => logger?.warn({ err }, 'a PostgreSQL connection of the message path was lost'));
  }

  async query<T>(sql: Prisma.Sql): Promise<T[]> {
    const result = await this.pool.query({ text: sql.text, values: sql.values.map(encode) });
    return result.rows as T[];
  }

  private closing: Promise<void> | undefined;

  /** Ends the pool once, however often it is called (as Prisma's $disconnect may be). */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

const direct = new WeakMap<Db, DirectPg>();

/** Sends `db`'s hot statements through `pool` (openStore, PostgreSQL). */
export function attachDirect(db: Db, pool: DirectPg): void {
  direct.set(db, pool);
}

/** True when `db`'s hot statements have a plain pool (PostgreSQL). */
export const hasDirect = (db: Db): boolean => direct.has(db);

/**
 * A raw statement of the message path: through the plain pool when `db` has one, else Prisma's
 * (SQLite, or a transaction's client: the statement must run in that transaction).
 */
export function hotQuery<T>(db: Db, sql: Prisma.Sql): Promise<T[]> {
  const pool = direct.get(db);
  return pool ? pool.query<T>(sql) : db.$queryRaw<T[]>(sql);
}
