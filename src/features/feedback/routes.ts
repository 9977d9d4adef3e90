// Admin API of feedback: answers, the CSAT/NPS summary, follow-ups of poor scores, and
// sending a survey to a customer.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { format, type Locale, type Texts } from '../../engine/i18n.js';
import { AppError } from '../../errors.js';
import { cursorQuery, nextCursorSchema } from '../../http/paging.js';
import { errorResponses, errorSchema, integerIdParams, sinceOf, sinceQuery } from '../../http/schemas.js';
import type { Db } from '../../store/index.js';
import { customerLocale } from '../../store/notify.js';
import { SUMMARY_DAYS, type SurveyKind, type Surveys } from './surveys.js';

const security = [{ adminToken: [] }];

const feedbackSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    customerId: { type: 'string' },
    channel: { type: 'string' },
    kind: { type: 'string' },
    score: { type: ['integer', 'null'] },
    comment: { type: ['string', 'null'] },
    source: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

type Row = { createdAt: Date } & Record<string, unknown>;
const dated = (r: Row) => ({ ...r, createdAt: r.createdAt.toISOString() });

export interface FeedbackRoutesOptions {
  db: Db;
  surveys: Surveys;
  texts: Texts;
  defaultLocale: Locale;
  /** BUSINESS_TIMEZONE: a `since` date starts at midnight there. */
  timezone: string;
}

export async function feedbackRoutes(app: FastifyInstance, o: FeedbackRoutesOptions) {
  app.get(
    '/api/v1/feedback',
    {
      schema: {
        tags: ['Feedback'],
        summary: 'Survey answers and feedback, newest first',
        description:
          'Newest first, paged by `cursor`: pass `nextCursor` (with the same `since` and `kind`) to get the next `limit`; answers given meanwhile do not shift the pages.',
        security,
        querystring: {
          type: 'object',
          properties: {
            since: sinceQuery,
            kind: { type: 'string', enum: ['csat', 'nps', 'feedback'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: cursorQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { feedback: { type: 'array', items: feedbackSchema }, nextCursor: nextCursorSchema },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query as { since?: string; kind?: string; limit: number; cursor?: string };
      const since = sinceOf(q.since, o.timezone);
      const page = await o.surveys.list(
        { ...(since ? { since } : {}), ...(q.kind ? { kind: q.kind } : {}) },
        q.limit,
        q.cursor,
      );
      return { feedback: page.items.map(dated), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/feedback/summary',
    {
      schema: {
        tags: ['Feedback'],
        summary: 'CSAT (1–5: count, average, share of 4–5) and NPS (0–10: promoters, passives, detractors, score)',
        description: `Of the answers since \`since\`, or of the last ${SUMMARY_DAYS} days without it; counted by the database.`,
        security,
        querystring: { type: 'object', properties: { since: sinceQuery } },
        response: {
          200: {
            type: 'object',
            properties: {
              csat: {
                type: 'object',
                properties: {
                  count: { type: 'integer' },
                  average: { type: ['number', 'null'] },
                  satisfiedShare: { type: ['number', 'null'] },
                },
              },
              nps: {
                type: 'object',
                properties: {
                  count: { type: 'integer' },
                  promoters: { type: 'integer' },
                  passives: { type: 'integer' },
                  detractors: { type: 'integer' },
                  score: { type: ['integer', 'null'] },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => o.surveys.summary(sinceOf((request.query as { since?: string }).since, o.timezone)),
  );

  app.get(
    '/api/v1/followups',
    {
      schema: {
        tags: ['Feedback'],
        summary: 'Follow-ups opened by poor scores (CSAT ≤ 2, NPS ≤ 6)',
        description:
          'Newest first, paged by `cursor`: pass `nextCursor` (with the same `status`) to get the next `limit`.',
        security,
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['open', 'handled'] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            cursor: cursorQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              followUps: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    customerId: { type: 'string' },
                    status: { type: 'string' },
                    note: { type: ['string', 'null'] },
                    createdAt: { type: 'string' },
                    handledAt: { type: ['string', 'null'] },
                    feedback: feedbackSchema,
                  },
                },
              },
              nextCursor: nextCursorSchema,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query as { status?: string; limit: number; cursor?: string };
      const page = await o.surveys.followUps(status ? { status } : {}, limit, cursor);
      return {
        nextCursor: page.nextCursor,
        followUps: page.items.map((f) => ({
          ...f,
          createdAt: f.createdAt.toISOString(),
          handledAt: f.handledAt?.toISOString() ?? null,
          feedback: dated(f.feedback as unknown as Row),
        })),
      };
    },
  );

  app.post(
    '/api/v1/followups/:id/handled',
    {
      schema: {
        tags: ['Feedback'],
        summary: 'Mark a follow-up handled; the customer is told what was done, in their chat',
        security,
        params: integerIdParams,
        body: {
          type: 'object',
          required: ['note'],
          properties: {
            note: {
              type: 'string',
              minLength: 1,
              maxLength: 2000,
              description: 'What was done, as the customer reads it',
            },
          },
        },
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, notified: { type: 'boolean' } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const { note } = request.body as { note: string };
      const result = await o.surveys.handle(
        id,
        note,
        (n, locale) => format(o.texts[locale].followUpDone, { note: n }),
        o.defaultLocale,
      );
      return { status: result.followUp.status, notified: result.notified };
    },
  );

  app.post(
    '/api/v1/customers/:id/surveys',
    {
      schema: {
        tags: ['Feedback'],
        summary: 'Send a CSAT or NPS survey to the customer, in the chat they last wrote from',
        description:
          'A survey nobody asked for is marketing: 409 OPTED_OUT when the customer sent /stop, 409 UNREACHABLE when the platform says their account cannot be reached; 409 CONFLICT when they have no chat or had outreach.frequencyCap marketing messages lately. Nothing is sent or opened then. During quiet hours (outreach.quietHours) it is held and goes out when they end (`heldUntil`).',
        security,
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } },
        body: {
          type: 'object',
          required: ['kind'],
          properties: {
            kind: { type: 'string', enum: ['csat', 'nps'] },
            source: { type: 'string', maxLength: 50, default: 'admin' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              dialogId: { type: 'string' },
              heldUntil: {
                type: 'string',
                description: 'Present when quiet hours hold the survey (outreach.quietHours): when it goes out',
              },
            },
          },
          ...errorResponses,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { kind, source } = request.body as { kind: SurveyKind; source: string };
      const customer = await o.db.customer.findUnique({ where: { id } });
      if (!customer) throw new AppError('HTTP_NOT_FOUND', `no customer ${id}`);
      const texts = o.texts[await customerLocale(o.db, id, o.defaultLocale)];
      // Each call is a survey of its own: its key is unique.
      const sent = await o.surveys.send(id, kind, source, (key) => texts[key], `survey:admin:${randomUUID()}`);
      if (sent.status === 'queued') return { dialogId: sent.dialog.id };
      if (sent.status === 'held') return { dialogId: sent.dialog.id, heldUntil: sent.releaseAt.toISOString() };
      if (sent.reason === 'capped')
        throw new AppError('HTTP_CONFLICT', `customer ${id} has had outreach.frequencyCap marketing messages lately`);
      if (sent.reason === 'opted_out') throw new AppError('OPTED_OUT', `customer ${id} opted out (/stop)`);
      if (sent.reason === 'unreachable')
        throw new AppError('UNREACHABLE', `customer ${id} cannot be reached on the chat they last wrote from`);
      throw new AppError('HTTP_CONFLICT', 'this survey was sent before');
    },
  );
}
