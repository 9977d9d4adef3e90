// The unanswered report: the questions logged as faq_unanswered events, one row per text with
// how often and when last asked, most recently asked first. Bounded by time (the last
// UNANSWERED_DAYS days unless `since` says otherwise) so it reads a range of an index of these
// events alone, never the whole history; grouped and ordered in the database.
import { decodeCursor, pageOf } from '../../http/paging.js';
import { type Db, Prisma } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { UnansweredRow } from './unanswered-groups.js';

/** The report's window when the request has no `since`. */
export const UNANSWERED_DAYS = 90;

export interface UnansweredQuery {
  /** SQLite is told which index to read (see below); PostgreSQL picks its own. */
  provider?: DatabaseProvider;
  since?: Date;
  now: Date;
  limit: number;
  cursor?: string;
}

interface GroupRow {
  question: string;
  count: bigint | number;
  lastAskedAt: Date | string;
  /** The group's newest row: breaks ties of lastAskedAt in a few digits (a text could be 4,000 characters). */
  lastId: number;
}

/**
 * The partial index of the unanswered_report_index migrations holds exactly these events with their
 * text: read alone. SQLite is told to use it (without statistics its planner prefers the (kind,
 * createdAt) index, ten times slower); PostgreSQL picks it for an index-only scan (a year's events at
 * a million customers: 2 s through the other index and the table, 0.1 s through this one).
 */
const sqliteIndex = Prisma.sql`INDEXED BY "Interaction_unanswered_createdAt_text_idx"`;

/** The groups of a window, past a cursor's last group: the one statement the report runs. */
export function groupsQuery(
  provider: DatabaseProvider | undefined,
  w: { from: Date; until: Date; after?: { at: Date; id: number } | undefined; limit: number },
): Prisma.Sql {
  const after = w.after
    ? Prisma.sql`HAVING MAX("createdAt") < ${w.after.at} OR (MAX("createdAt") = ${w.after.at} AND MAX(id) < ${w.after.id})`
    : Prisma.empty;
  return Prisma.sql`
    SELECT text AS question, COUNT(*) AS count, MAX("createdAt") AS "lastAskedAt", MAX(id) AS "lastId"
    FROM "Interaction" ${provider === 'sqlite' ? sqliteIndex : Prisma.empty}
    WHERE kind = 'faq_unanswered' AND "createdAt" >= ${w.from} AND "createdAt" <= ${w.until} AND text IS NOT NULL
    GROUP BY text
    ${after}
    ORDER BY MAX("createdAt") DESC, MAX(id) DESC
    LIMIT ${w.limit}`;
}

/**
 * A page of the report. A cursor holds the window of the first page, its end included (the time
 * that page was read): later pages count only what the first one could, so every question comes
 * once, in order, with the same counts, even while customers ask more (a question asked again
 * meanwhile would otherwise move ahead of the cursor and be skipped).
 */
export async function unansweredQuestions(
  db: Db,
  q: UnansweredQuery,
): Promise<{ questions: UnansweredRow[]; nextCursor: string | null }> {
  const [from, until, lastAt, lastId] = q.cursor
    ? decodeCursor(q.cursor, ['date', 'date', 'date', 'int'])
    : [q.since ?? new Date(q.now.getTime() - UNANSWERED_DAYS * 86_400_000), q.now, undefined, undefined];
  const after = lastAt && lastId !== undefined ? { at: lastAt, id: lastId } : undefined;
  const rows = await db.$queryRaw<GroupRow[]>(groupsQuery(q.provider, { from, until, after, limit: q.limit + 1 }));
  // SQLite returns MAX of a date column as its stored text, PostgreSQL as a Date.
  const groups = rows.map((r) => ({
    question: r.question,
    count: Number(r.count),
    at: new Date(r.lastAskedAt),
    lastId: Number(r.lastId),
  }));
  const page = pageOf(groups, q.limit, (g) => [from, until, g.at, g.lastId]);
  return {
    questions: page.items.map((g) => ({ question: g.question, count: g.count, lastAskedAt: g.at.toISOString() })),
    nextCursor: page.nextCursor,
  };
}
