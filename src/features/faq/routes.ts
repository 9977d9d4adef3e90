// Admin API of the knowledge base: what is loaded, what failed to load, a reload, and the
// questions nobody could answer (the list a business improves its FAQ from).
import type { FastifyInstance } from 'fastify';
import { errorResponses, sinceOf, sinceQuery } from '../../http/schemas.js';
import type { Db } from '../../store/index.js';
import type { KnowledgeBase, KnowledgeReport } from './knowledge-base.js';

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
  knowledge: KnowledgeBase;
  /** BUSINESS_TIMEZONE: a `since` date starts at midnight there. */
  timezone: string;
}

export async function knowledgeRoutes(app: FastifyInstance, options: KnowledgeRoutesOptions) {
  const { db, knowledge } = options;

  app.get(
    '/api/v1/knowledge',
    {
      schema: {
        tags: ['Knowledge'],
        summary: 'The loaded knowledge base: entries, counts and load errors',
        security,
        response: {
          200: {
            ...reportSchema,
            properties: { ...reportSchema.properties, entries: { type: 'array', items: entrySchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({ entries: knowledge.current.entries, ...reportBody(knowledge.lastReport) }),
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
    async () => reportBody(knowledge.load()),
  );

  app.get(
    '/api/v1/knowledge/unanswered',
    {
      schema: {
        tags: ['Knowledge'],
        summary: 'Questions the bot could not answer, with how often and when last asked, newest first',
        security,
        querystring: {
          type: 'object',
          properties: {
            since: sinceQuery,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              questions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    question: { type: 'string' },
                    count: { type: 'integer' },
                    lastAskedAt: { type: 'string' },
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
      const { since, limit } = request.query as { since?: string; limit: number };
      const sinceDate = sinceOf(since, options.timezone);
      const rows = await db.interaction.groupBy({
        by: ['text'],
        where: { kind: 'faq_unanswered', ...(sinceDate ? { createdAt: { gte: sinceDate } } : {}) },
        _count: { _all: true },
        _max: { createdAt: true },
        orderBy: { _max: { createdAt: 'desc' } },
        take: limit,
      });
      return {
        questions: rows.map((r) => ({
          question: r.text ?? '',
          count: r._count._all,
          lastAskedAt: r._max.createdAt?.toISOString() ?? null,
        })),
      };
    },
  );
}
