// A knowledge base that learns: a customer who taps a "did you mean" suggestion tells us what
// their question meant. Each tap is kept (one per customer, entry and question); when
// `faq.learn.autoApproveAfter` distinct customers chose the same entry for the same question, it
// becomes a learned way of asking, searched like the entry's own questions from then on. Staff
// add them by hand too (and so attach an unanswered question to an entry). Kept in the database:
// they survive reloads of the files and reach every instance (each refreshes every minute).
import type { Logger } from 'pino';
import { AppError } from '../../errors.js';
import { decodeCursor, encodeCursor, pageOf } from '../../http/paging.js';
import { type Db, isUniqueViolation, Prisma, type Tx } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';
import type { KnowledgeBase } from './knowledge-base.js';
import { questionKey } from './question-key.js';

export interface LearnedView {
  id: number;
  entryId: string;
  question: string;
  source: 'taps' | 'staff';
  customers: number;
  createdAt: string;
}

export interface CandidateView {
  entryId: string;
  question: string;
  customers: number;
  lastAt: string;
}

export interface LearningOptions {
  db: Db;
  knowledge: KnowledgeBase;
  /** 0 = staff approval only. */
  autoApproveAfter: number;
  clock: Clock;
  logger: Logger;
}

const REFRESH_MS = 60_000;

export interface LearnedPage {
  learned: LearnedView[];
  candidates: CandidateView[];
  nextCursor: string | null;
}

/** A list's place in the cursor of GET /api/v1/knowledge/learned once it has ended (ids start at 1). */
const LIST_DONE = 0;
const emptyPage = <T>(): { items: T[]; nextCursor: string | null } => ({ items: [], nextCursor: null });

interface CandidateRow {
  entryId: string;
  normalized: string;
  customers: bigint | number;
  lastAt: Date | string;
  lastId: number;
  question: string | null;
}

export class Learning {
  private timer: NodeJS.Timeout | undefined;
  /** The newest learned row and how many there were, to see another instance's changes cheaply. */
  private seen = '';

  constructor(private readonly o: LearningOptions) {}

  /** Puts the learned questions into the index; drops those of entries the files no longer have. */
  async refresh(): Promise<void> {
    const rows = await this.o.db.learnedQuestion.findMany({ orderBy: { id: 'asc' } });
    const report = this.o.knowledge.lastReport;
    // Only after a clean load: a file that failed to parse must not cost its entries their learning.
    const gone = rows.filter((r) => !this.o.knowledge.has(r.entryId));
    if (gone.length && report.errors.length === 0 && report.entries > 0) {
      await this.o.db.learnedQuestion.deleteMany({ where: { id: { in: gone.map((r) => r.id) } } });
      this.o.logger.info({ dropped: gone.length }, 'knowledge: learned questions of removed entries dropped');
    }
    const byEntry = new Map<string, string[]>();
    for (const r of rows) {
      if (!this.o.knowledge.has(r.entryId)) continue;
      byEntry.set(r.entryId, [...(byEntry.get(r.entryId) ?? []), r.question]);
    }
    this.o.knowledge.setLearned(byEntry);
    this.seen = `${rows.length}:${rows.at(-1)?.id ?? 0}`;
  }

  start(): void {
    this.timer = setInterval(() => void this.refreshIfChanged(), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async refreshIfChanged(): Promise<void> {
    try {
      const [count, last] = await Promise.all([
        this.o.db.learnedQuestion.count(),
        this.o.db.learnedQuestion.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }),
      ]);
      if (`${count}:${last?.id ?? 0}` !== this.seen) await this.refresh();
    } catch (err) {
      this.o.logger.warn({ err }, 'knowledge: could not refresh learned questions');
    }
  }

  /** The question the customer asked when they were offered `entryId` (within a day), if they were. */
  async suggestedFor(customerId: string, entryId: string): Promise<string | undefined> {
    const since = new Date(this.o.clock.now() - 86_400_000);
    const offers = await this.o.db.interaction.findMany({
      where: { customerId, kind: 'faq_suggested', createdAt: { gte: since } },
      orderBy: { id: 'desc' },
      take: 5,
      select: { payload: true },
    });
    for (const { payload } of offers) {
      const p = payload as { entryIds?: unknown; question?: unknown } | null;
      if (Array.isArray(p?.entryIds) && p.entryIds.includes(entryId) && typeof p.question === 'string')
        return p.question;
    }
    return undefined;
  }

  /**
   * A customer chose `entryId` after asking `question`. Returns the learned row when this tap
   * made the question a learned way of asking.
   */
  async tapped(customerId: string, entryId: string, question: string): Promise<LearnedView | undefined> {
    const normalized = questionKey(question);
    if (!normalized || !this.o.knowledge.has(entryId)) return undefined;
    const { db } = this.o;
    try {
      await db.questionTap.create({
        data: { entryId, normalized, question: question.slice(0, 500), customerId, createdAt: this.now() },
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err; // the same customer again: counted once
    }
    const customers = await db.questionTap.count({ where: { entryId, normalized } });
    const existing = await db.learnedQuestion.findUnique({ where: { entryId_normalized: { entryId, normalized } } });
    if (existing) {
      if (existing.source === 'taps' && existing.customers < customers) {
        await db.learnedQuestion.update({ where: { id: existing.id }, data: { customers } });
      }
      return undefined;
    }
    const threshold = this.o.autoApproveAfter;
    if (threshold === 0 || customers < threshold) return undefined;
    const row = await this.insert(entryId, question, normalized, 'taps', customers);
    return row ? view(row) : undefined;
  }

  /** Staff teach a way of asking; an existing one is returned as it is (`created: false`). */
  async add(entryId: string, question: string): Promise<{ created: boolean; learned: LearnedView }> {
    const normalized = questionKey(question);
    if (!normalized) throw new AppError('HTTP_BAD_REQUEST', 'question: empty once punctuation is removed');
    if (!this.o.knowledge.has(entryId))
      throw new AppError('HTTP_NOT_FOUND', `no entry "${entryId}" in the knowledge base`);
    const existing = await this.o.db.learnedQuestion.findUnique({
      where: { entryId_normalized: { entryId, normalized } },
    });
    if (existing) return { created: false, learned: view(existing) };
    const row = await this.insert(entryId, question, normalized, 'staff', 0);
    if (row) return { created: true, learned: view(row) };
    const raced = await this.o.db.learnedQuestion.findUniqueOrThrow({
      where: { entryId_normalized: { entryId, normalized } },
    });
    return { created: false, learned: view(raced) };
  }

  async remove(id: number): Promise<boolean> {
    const { count } = await this.o.db.learnedQuestion.deleteMany({ where: { id } });
    if (count) await this.refresh();
    return count > 0;
  }

  /**
   * A page of learned questions (newest first, by id) and of candidates (most recently chosen
   * first), paged together: the cursor holds where each list stopped, and a list that has ended
   * gives nothing on later pages. Candidates are grouped and counted in the database, the learned
   * ones left out there (the LearnedQuestion (entryId, normalized) key answers that), and a
   * cursor keeps the time of the first page so taps made meanwhile do not reorder later pages.
   */
  async list(limit: number, cursor?: string): Promise<LearnedPage> {
    const [learnedBefore, candidatesAfter] = cursor ? decodeCursor(cursor, ['int', 'string']) : [undefined, undefined];
    const [learned, candidates] = await Promise.all([
      learnedBefore === LIST_DONE ? emptyPage<Parameters<typeof view>[0]>() : this.learnedPage(limit, learnedBefore),
      candidatesAfter === '' ? emptyPage<CandidateView>() : this.candidatesPage(limit, candidatesAfter),
    ]);
    const done = !learned.nextCursor && !candidates.nextCursor;
    return {
      learned: learned.items.map(view),
      candidates: candidates.items,
      nextCursor: done
        ? null
        : encodeCursor([
            learned.nextCursor ? decodeCursor(learned.nextCursor, ['int'])[0] : LIST_DONE,
            candidates.nextCursor ?? '',
          ]),
    };
  }

  private async learnedPage(limit: number, beforeId: number | undefined) {
    const rows = await this.o.db.learnedQuestion.findMany({
      where: beforeId === undefined ? {} : { id: { lt: beforeId } },
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    return pageOf(rows, limit, (r) => [r.id]);
  }

  private async candidatesPage(limit: number, cursor: string | undefined) {
    const [until, lastAt, lastId] = cursor
      ? decodeCursor(cursor, ['date', 'date', 'int'])
      : [this.now(), undefined, undefined];
    // Ties of the last tap's time are broken by its id: a few digits in the cursor, where the
    // group's own key (entry and question) could make it longer than a cursor may be.
    const after =
      lastAt && lastId !== undefined
        ? Prisma.sql`HAVING MAX(t."createdAt") < ${lastAt} OR (MAX(t."createdAt") = ${lastAt} AND MAX(t.id) < ${lastId})`
        : Prisma.empty;
    const rows = await this.o.db.$queryRaw<CandidateRow[]>`
      SELECT t."entryId", t.normalized, COUNT(*) AS customers, MAX(t."createdAt") AS "lastAt",
        MAX(t.id) AS "lastId", MAX(t.question) AS question
      FROM "QuestionTap" t
      WHERE t."createdAt" <= ${until}
        AND NOT EXISTS (
          SELECT 1 FROM "LearnedQuestion" l WHERE l."entryId" = t."entryId" AND l.normalized = t.normalized
        )
      GROUP BY t."entryId", t.normalized
      ${after}
      ORDER BY MAX(t."createdAt") DESC, MAX(t.id) DESC
      LIMIT ${limit + 1}`;
    // SQLite returns MAX of a date column as its stored text, PostgreSQL as a Date.
    const groups = rows.map((r) => ({ ...r, at: new Date(r.lastAt) }));
    const page = pageOf(groups, limit, (g) => [until, g.at, Number(g.lastId)]);
    return {
      items: page.items.map((g) => ({
        entryId: g.entryId,
        question: g.question ?? g.normalized,
        customers: Number(g.customers),
        lastAt: g.at.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }

  private async insert(entryId: string, question: string, normalized: string, source: string, customers: number) {
    try {
      const row = await this.o.db.learnedQuestion.create({
        data: { entryId, question: question.slice(0, 500), normalized, source, customers, createdAt: this.now() },
      });
      await this.refresh();
      this.o.logger.info({ entryId, question, source }, 'knowledge: learned a way of asking');
      return row;
    } catch (err) {
      if (isUniqueViolation(err)) return undefined; // another customer's tap or instance was first
      throw err;
    }
  }

  private now(): Date {
    return new Date(this.o.clock.now());
  }
}

/** Taps of the absorbed customer become the survivor's (one per entry and question). */
export async function mergeTaps(tx: Tx, survivorId: string, absorbedId: string): Promise<void> {
  const mine = await tx.questionTap.findMany({
    where: { customerId: survivorId },
    select: { entryId: true, normalized: true },
  });
  const both = new Set(mine.map((t) => `${t.entryId}\n${t.normalized}`));
  const theirs = await tx.questionTap.findMany({ where: { customerId: absorbedId } });
  const dupes = theirs.filter((t) => both.has(`${t.entryId}\n${t.normalized}`)).map((t) => t.id);
  if (dupes.length) await tx.questionTap.deleteMany({ where: { id: { in: dupes } } });
  await tx.questionTap.updateMany({ where: { customerId: absorbedId }, data: { customerId: survivorId } });
}

function view(row: {
  id: number;
  entryId: string;
  question: string;
  source: string;
  customers: number;
  createdAt: Date;
}): LearnedView {
  return {
    id: row.id,
    entryId: row.entryId,
    question: row.question,
    source: row.source === 'staff' ? 'staff' : 'taps',
    customers: row.customers,
    createdAt: row.createdAt.toISOString(),
  };
}
