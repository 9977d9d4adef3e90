// The unanswered report: the questions logged as faq_unanswered events, one row per text with
// how often and when last asked, most recently asked first. Bounded by time (the last
// UNANSWERED_DAYS days unless `since` says otherwise) so it reads a range of the Interaction
// (kind, createdAt) index, never the whole history; grouped and ordered in the database.
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
 * The partial index of the unanswered_report_index migration holds exactly these events with their
 * text: read alone it is ten times faster than the (kind, createdAt) index, which SQLite's planner
 * prefers without statistics (PostgreSQL has no such index: its B-trees cannot hold a long text).
 */
const sqliteIndex = Prisma.sql`INDEXED BY "Interaction_unanswered_createdAt_text_idx"`;

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
  const after =
    lastAt && lastId !== undefined
      ? Prisma.sql`HAVING MAX("createdAt") < ${lastAt} OR (MAX("createdAt") = ${lastAt} AND MAX(id) < ${lastId})`
      : Prisma.empty;
  const rows = await db.$queryRaw<GroupRow[]>`
    SELECT text AS question, COUNT(*) AS count, MAX("createdAt") AS "lastAskedAt", MAX(id) AS "lastId"
    FROM "Interaction" ${q.provider === 'sqlite' ? sqliteIndex : Prisma.empty}
    WHERE kind = 'faq_unanswered' AND "createdAt" >= ${from} AND "createdAt" <= ${until} AND text IS NOT NULL
    GROUP BY text
    ${after}
    ORDER BY MAX("createdAt") DESC, MAX(id) DESC
    LIMIT ${q.limit + 1}`;
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
