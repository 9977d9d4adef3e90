// What a report is: a name and title, and how it reads its table (columns, one row per day for a
// time series, a summary) and the records behind one point of its chart (items). Each report is a
// file of its own; ./catalog.ts lists them.
import type { Localized } from '../../kernel/feature.js';
import type { Db } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Range } from './range.js';

export type Cell = string | number | null;
export type Row = Record<string, Cell>;

export interface Column {
  key: string;
  title: Localized;
}

export interface ReportTable {
  columns: Column[];
  rows: Row[];
  summary: Record<string, unknown>;
}

/** An item behind a chart's point: flat, with its id and instant (ISO 8601). */
export type Item = { id: number | string; at: string } & Record<string, unknown>;

export interface ItemsQuery {
  /** The day asked for, or the whole range. */
  range: Range;
  series?: string;
  limit: number;
  cursor?: string;
}

export interface ReportContext {
  /** Store.reads: a report never runs on the thread that handles messages (SQLite). */
  db: Db;
  provider: DatabaseProvider;
  now: Date;
  /** escalation.slaMinutes, undefined when escalation is off. */
  slaMinutes: number | undefined;
}

export interface Report {
  name: string;
  title: Localized;
  /** Said in the API description of the report's items. */
  itemsDoc: string;
  table(ctx: ReportContext, range: Range): Promise<ReportTable>;
  /** Absent when no table holds the records (the route answers 404). */
  items?(ctx: ReportContext, q: ItemsQuery): Promise<{ items: Item[]; nextCursor: string | null }>;
}

export const column = (key: string, en: string, zh: string): Column => ({ key, title: { 'zh-CN': zh, en } });
export const dayColumn = column('day', 'Day', '日期');

/** A count or sum from a driver: BigInt, numeric text or null (SUM of nothing). */
export const num = (v: unknown): number => Number(v ?? 0);

/** A share (0–1) to three decimals; null without a whole. */
export const share = (part: number, whole: number): number | null =>
  whole ? Math.round((part / whole) * 1000) / 1000 : null;

/** One row per day of the range, zeros where the database found nothing; `found` adds to a day's keys. */
export function dailyRows<K extends string>(
  range: Range,
  keys: readonly K[],
  found: Iterable<{ day: string } & Record<string, string | number>>,
): ({ day: string } & Record<K, number>)[] {
  const byDay = new Map(range.days.map((day) => [day, { day, ...zeros(keys) }]));
  for (const r of found) {
    const row = byDay.get(r.day) as Record<string, number> | undefined;
    if (!row) continue;
    for (const k of keys) row[k] = (row[k] ?? 0) + Number(r[k] ?? 0);
  }
  return [...byDay.values()];
}

const zeros = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** The keys of an item page's rows: an instant as ISO 8601. */
export const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
