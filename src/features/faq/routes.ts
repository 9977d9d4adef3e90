// Admin API of the knowledge base: what is loaded, what failed to load, a reload, and the
// questions nobody could answer (the list a business improves its FAQ from).
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { cursorQuery, decodeCursor, nextCursorSchema, pageOf } from '../../http/paging.js';
import { errorResponses, integerIdParams, sinceOf, sinceQuery } from '../../http/schemas.js';
import type { Db } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';
import type { KnowledgeBase, KnowledgeReport } from './knowledge-base.js';
import type { Learning } from './learning.js';
import type { KnowledgeEntry } from './search.js';
import type { SemanticStatus } from './semantic-ranking.js';
import { UNANSWERED_DAYS, unansweredQuestions } from './unanswered.js';
import { groupParaphrases } from './unanswered-groups.js';

const security = [{ adminToken: [] }];

const reportSchema = {
  type: 'object',
  properties: {
    counts: {
      type: 'object',
      properties: {
        entries: { type: 'integer' },
        byLocale: { type: 'object', properties: { 'zh-CN': { type: 'integer' }, en: { type: 'integer' } } },
        files: {
          type: 'array',
          items: { type: 'object', properties: { file: { type: 'string' }, entries: { type: 'integer' } } },
        },
      },
    },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { file: { type: 'string' }, line: { type: 'integer' }, message: { type: 'string' } },
      },
    },
    loadedAt: { type: 'string' },
  },
} as const;

const entrySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    questions: { type: 'array', items: { type: 'string' } },
    answer: { type: 'string' },
    locale: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    source: { type: 'string' },
    learned: { type: 'array', items: { type: 'string' } },
  },
} as const;

const learnedSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    entryId: { type: 'string' },
    question: { type: 'string' },
    source: { type: 'string', enum: ['taps', 'staff'] },
    customers: { type: 'integer', description: 'Distinct customers who chose the entry for it (0 for staff’s)' },
    createdAt: { type: 'string' },
  },
} as const;

function reportBody(r: KnowledgeReport) {
  return {
    counts: { entries: r.entries, byLocale: r.byLocale, files: r.files },
    errors: r.errors,
    loadedAt: r.loadedAt.toISOString(),
  };
}

export interface KnowledgeRoutesOptions {
  db: Db;
  /** Where the unanswered report reads (Store.reads), and which database that is. */
  reads: Db;
  provider: DatabaseProvider;
  knowledge: KnowledgeBase;
  learning: Learning;
  /** Embeds texts when the model is there (groups paraphrases in the unanswered report). */
  embedTexts?: () => ((texts: readonly string[]) => Promise<Float32Array[]>) | undefined;
  /** Whether sentence embeddings are on and built. */
  semanticStatus?: () => SemanticStatus;
  /** BUSINESS_TIMEZONE: a `since` date starts at midnight there. */
  timezone: string;
  /** Where the unanswered report's default window ends and starts. */
  clock: Clock;
}

const NO_MODEL = { model: null, ready: false, entries: 0 };

/** Each loaded base's entries in id order (ids are unique), sorted once per load. */
const sortedBases = new WeakMap<readonly KnowledgeEntry[], readonly KnowledgeEntry[]>();
function entriesById(entries: readonly KnowledgeEntry[]): readonly KnowledgeEntry[] {
  let sorted = sortedBases.get(entries);
  if (!sorted) {
    sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    sortedBases.set(entries, sorted);
  }
  return sorted;
}

/** The index of the first entry whose id sorts after `id` (binary search). */
function firstAfter(sorted: readonly KnowledgeEntry[], id: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as KnowledgeEntry).id <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}

export async function knowledgeRoutes(app: FastifyInstance, options: KnowledgeRoutesOptions) {
  const { knowledge } = options;

  app.get(
    '/api/v1/knowledge',
    {
      schema: {
        tags: ['Knowledge'],
        summary: 'The loaded knowledge base: entries (by id, paged by cursor), counts and load errors',
        description:
          'Entries in id order, up to `limit` a page; `nextCursor` is null on the last page. `counts.entries` is the whole base.',
        security,
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 500 },
            cursor: cursorQuery,
          },
        },
        response: {
          200: {
            ...reportSchema,
            properties: {
              ...reportSchema.properties,
              entries: { type: 'array', items: entrySchema },
              nextCursor: nextCursorSchema,
              semantic: {
                type: 'object',
                description:
                  'Sentence embeddings: the model for every language (null = words alone), whether its vectors are built and of how many entries; `english`: the same for the model that ranks English questions (EMBEDDING_MODEL_DIR_EN; model null = the main model does)',
                properties: {
                  model: { type: ['string', 'null'] },
                  ready: { type: 'boolean' },
                  entries: { type: 'integer' },
                  english: {
                    type: 'object',
                    properties: {
                      model: { type: ['string', 'null'] },
                      ready: { type: 'boolean' },
                      entries: { type: 'integer' },
                    },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query as { limit: number; cursor?: string };
      const sorted = entriesById(knowledge.current.entries);
      const start = cursor ? firstAfter(sorted, decodeCursor(cursor, ['string'])[0]) : 0;
      const page = pageOf(sorted.slice(start, start + limit + 1), limit, (e) => [e.id]);
      return {
        entries: page.items,
        nextCursor: page.nextCursor,
        ...reportBody(knowledge.lastReport),
        semantic: options.semanticStatus?.() ?? { ...NO_MODEL, english: NO_MODEL },
      };
    },
  );

  app.post(
    '/api/v1/knowledge/reload',
    {
      schema: {
        tags: ['Knowledge'],
        summary: 'Reload the knowledge files now (they also reload by themselves when they change)',
        security,
        response: { 200: reportSchema, ...errorResponses },
      },
    },
    async () => reportBody(await knowledge.load()),
  );

  app.get(
    '/api/v1/knowledge/learned',
    {
      schema: {
        tags: ['Knowledge'],
        summary: 'Learned ways of asking, and candidates: questions customers chose an entry for from "did you mean"',
        description:
          'A candidate becomes learned when faq.learn.autoApproveAfter distinct customers chose the same entry for the same question (compared without case, width and surrounding punctuation). Learned ones newest first, candidates most recently chosen first (questions already learned left out); both paged together by `cursor`: each page has up to `limit` of each, and `nextCursor` is null once both are done.',
        security,
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            cursor: cursorQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              nextCursor: nextCursorSchema,
              learned: { type: 'array', items: learnedSchema },
              candidates: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    entryId: { type: 'string' },
                    question: { type: 'string' },
                    customers: { type: 'integer' },
                    lastAt: { type: 'string' },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query as { limit: number; cursor?: string };
      return options.learning.list(limit, cursor);
    },
  );

  app.post(
    '/api/v1/knowledge/learned',
    {
      schema: {
        tags: ['Knowledge'],
        summary: 'Teach a way of asking for an entry (also: attach an unanswered question to an entry)',
        description: 'Used by the index at once. 201 when new; 200 with the existing one when it was learned already.',
        security,
        body: {
          type: 'object',
          required: ['entryId', 'question'],
          additionalProperties: false,
          properties: {
            entryId: { type: 'string', minLength: 1, maxLength: 200 },
            question: { type: 'string', minLength: 1, maxLength: 500 },
          },
        },
        response: { 200: learnedSchema, 201: learnedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { entryId, question } = request.body as { entryId: string; question: string };
      const { created, learned } = await options.learning.add(entryId, question);
      return reply.code(created ? 201 : 200).send(learned);
    },
  );

  app.delete(
    '/api/v1/knowledge/learned/:id',
    {
      schema: {
        tags: ['Knowledge'],
        summary: 'Forget a learned way of asking (the index stops using it at once)',
        security,
        params: integerIdParams,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      if (!(await options.learning.remove(id))) throw new AppError('HTTP_NOT_FOUND', `no learned question ${id}`);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/knowledge/unanswered',
    {
      schema: {
        tags: ['Knowledge'],
        summary: 'Questions the bot could not answer, with how often and when last asked, newest first',
        description: `Over the last ${UNANSWERED_DAYS} days unless \`since\` says otherwise. Paged by \`cursor\`: pass \`nextCursor\` to get the next \`limit\` questions; later pages keep the first page's window (its \`since\` and the time it was read), so each question comes once with the same count while customers ask more. With the embedding model, \`variants\` groups the wordings of one question found on the same page.`,
        security,
        querystring: {
          type: 'object',
          properties: {
            since: sinceQuery,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: cursorQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              nextCursor: nextCursorSchema,
              questions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    question: { type: 'string' },
                    count: { type: 'integer', description: 'Askings of it and of its variants' },
                    lastAskedAt: { type: 'string' },
                    variants: {
                      type: 'array',
                      description: 'Other wordings of the same question (with the embedding model), most asked first',
                      items: {
                        type: 'object',
                        properties: { question: { type: 'string' }, count: { type: 'integer' } },
                      },
                    },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { since, limit, cursor } = request.query as { since?: string; limit: number; cursor?: string };
      const sinceDate = sinceOf(since, options.timezone);
      const { questions, nextCursor } = await unansweredQuestions(options.reads, {
        provider: options.provider,
        ...(sinceDate ? { since: sinceDate } : {}),
        now: new Date(options.clock.now()),
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      });
      const embed = options.embedTexts?.();
      if (!embed) return { questions: questions.map((q) => ({ ...q, variants: [] })), nextCursor };
      try {
        return { questions: await groupParaphrases(questions, embed), nextCursor };
      } catch (err) {
        request.log.warn({ err }, 'knowledge: unanswered questions not grouped (embedding failed)');
        return { questions: questions.map((q) => ({ ...q, variants: [] })), nextCursor };
      }
    },
  );
}
