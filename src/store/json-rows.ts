// Thousands of values or rows bound as ONE parameter, a JSON text, for the statements of jobs
// that write to many customers at once (campaigns, occasions). A VALUES or IN (…) list binds a
// parameter a cell, and Prisma's handling of a 5,000-parameter statement cost more than the
// database's own work (bench:jobs: about 60 % of a campaign batch). SQLite reads the JSON with
// json_each, PostgreSQL with jsonb_to_recordset; both keep the rows in array order.
import { type Db, Prisma, type Tx } from './index.js';
import type { DatabaseProvider } from './schema-engine.js';

/** How a column's values are written: its PostgreSQL type, and how SQLite stores it. */
export type ColumnType = 'text' | 'int' | 'bool' | 'json' | 'timestamp';

const PG_TYPES: Record<ColumnType, string> = {
  text: 'text',
  int: 'integer',
  bool: 'boolean',
  json: 'jsonb',
  timestamp: 'timestamp(3)',
};

const ident = (name: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad identifier ${name}`);
  return `"${name}"`;
};

/** `column IN (values)` with the values as one parameter. */
export function inValues(
  provider: DatabaseProvider,
  column: Prisma.Sql,
  values: readonly string[] | readonly number[],
): Prisma.Sql {
  if (!values.length) return Prisma.sql`FALSE`;
  if (provider === 'postgresql') {
    const type = typeof values[0] === 'number' ? Prisma.raw('integer[]') : Prisma.raw('text[]');
    return Prisma.sql`${column} = ANY(${values}::${type})`;
  }
  return Prisma.sql`${column} IN (SELECT value FROM json_each(${jsonParameter(provider, values)}))`;
}

export interface JsonInsertOptions<R extends string> {
  /** Values every row shares, bound once each instead of repeated in every row's JSON. */
  same?: Readonly<Record<string, unknown>>;
  returning?: readonly R[];
  /** Skip rows that would break this unique key (ON CONFLICT … DO NOTHING); RETURNING omits them. */
  skipConflictsOn?: readonly string[];
}

/**
 * INSERT of `rows` (objects with the keys of `columns`; a missing key is NULL) as one statement
 * with one parameter. Rows get increasing ids in array order, as with a VALUES list.
 */
export function insertRows<R extends string = never>(
  db: Db | Tx,
  provider: DatabaseProvider,
  table: string,
  columns: Readonly<Record<string, ColumnType>>,
  rows: readonly Record<string, unknown>[],
  options: JsonInsertOptions<R> = {},
) {
  if (!rows.length) throw new Error('insertRows needs at least one row');
  const same = options.same ?? {};
  const perRow = Object.keys(columns).filter((n) => !(n in same));
  const shared = Object.keys(same);
  const json = jsonParameter(
    provider,
    rows.map((row) => encodeRow(provider, columns, perRow, row)),
  );
  const list = [...perRow, ...shared].map(ident).join(', ');
  const sharedValues = shared.map((n) => {
    const value = encodeValue(provider, columns[n] as ColumnType, same[n]);
    return provider === 'postgresql'
      ? Prisma.sql`${value}::${Prisma.raw(PG_TYPES[columns[n] as ColumnType])}`
      : Prisma.sql`${value}`;
  });
  const sharedList = shared.length ? Prisma.sql`, ${Prisma.join(sharedValues)}` : Prisma.empty;
  const conflict = options.skipConflictsOn?.length
    ? ` ON CONFLICT (${options.skipConflictsOn.map(ident).join(', ')}) DO NOTHING`
    : '';
  const returning = options.returning?.length ? ` RETURNING ${options.returning.map(ident).join(', ')}` : '';
  const source =
    provider === 'postgresql'
      ? Prisma.sql`SELECT ${Prisma.raw(perRow.map(ident).join(', '))}${sharedList} FROM jsonb_to_recordset(${json}) AS r(${Prisma.raw(
          perRow.map((n) => `${ident(n)} ${PG_TYPES[columns[n] as ColumnType]}`).join(', '),
        )})`
      : // WHERE true: without it SQLite would read ON CONFLICT as a join's ON (its documented ambiguity).
        Prisma.sql`SELECT ${Prisma.raw(
          perRow.map((n) => `json_extract(value, '$.${n}')`).join(', '),
        )}${sharedList} FROM json_each(${json}) WHERE true ORDER BY key`;
  return db.$queryRaw<
    Record<R, unknown>[]
  >`INSERT INTO ${Prisma.raw(ident(table))} (${Prisma.raw(list)}) ${source}${Prisma.raw(conflict + returning)}`;
}

/**
 * A JSON value as one parameter, sent as UTF-8 bytes. Prisma copies every parameter through
 * JSON.stringify and JSON.parse: a text full of quotes is escaped and unescaped on the way (a fifth
 * of a campaign batch's time), bytes travel as base64. Each database reads the bytes back as text.
 */
function jsonParameter(provider: DatabaseProvider, value: unknown): Prisma.Sql {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  return provider === 'postgresql'
    ? Prisma.sql`convert_from(${bytes}, 'UTF8')::jsonb`
    : Prisma.sql`CAST(${bytes} AS TEXT)`;
}

/** A row's own columns as the JSON the database reads. */
function encodeRow(
  provider: DatabaseProvider,
  columns: Readonly<Record<string, ColumnType>>,
  names: readonly string[],
  row: Record<string, unknown>,
) {
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = encodeValue(provider, columns[name] as ColumnType, row[name]);
  return out;
}

/** Dates as UTC text, JSON columns as text on SQLite (PostgreSQL reads them as jsonb). */
function encodeValue(provider: DatabaseProvider, type: ColumnType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  // The text Prisma's SQLite adapter writes for a DateTime, so both read alike.
  if (type === 'timestamp') return (value as Date).toISOString().replace('Z', '+00:00');
  if (type === 'json' && provider === 'sqlite') return JSON.stringify(value);
  return value;
}
