// Admin API for teaching the escalation detector: labelled examples (add, list, remove), a ticket
// marked "not a complaint", and a dry run of the detector on any text.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { cursorQuery, decodeCursor, nextCursorSchema, pageOf } from '../../http/paging.js';
import { errorResponses, integerIdParams as idParams } from '../../http/schemas.js';
import { isBlank } from '../../util/text.js';
import type { EscalationDetector } from './detector.js';
import type { ExampleRow, TaughtExamples } from './examples.js';
import type { Tickets } from './tickets.js';

const security = [{ adminToken: [] }];
const tags = ['Escalation'];
const MAX_TEXT = 4000;

const exampleSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    text: { type: 'string' },
    escalate: { type: 'boolean' },
    source: { type: 'string', description: 'api, ticket or console' },
    ticketId: { type: ['integer', 'null'] },
    createdBy: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

const decisionSchema = {
  type: 'object',
  properties: {
    escalate: { type: 'boolean' },
    reason: { type: 'string', description: 'human, complaint, safety, money, legal or public (when it escalates)' },
    priority: { type: 'string', enum: ['high', 'normal'] },
    by: { type: 'string', enum: ['request', 'example', 'scorer', 'rules'], description: 'What decided' },
    score: { type: 'number', description: "The scorer's probability, when it ran" },
    example: { type: 'integer', description: 'The taught example followed, if any' },
    cues: { type: 'array', items: { type: 'string' } },
  },
} as const;

export interface ExampleRoutesOptions {
  examples: TaughtExamples;
  detector: EscalationDetector;
  tickets: Tickets;
}

/** A message text from a body, not blank (the admin API's text guard has already refused unstorable ones). */
function textOf(body: unknown, key = 'text'): string {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  if (typeof value !== 'string' || isBlank(value)) throw new AppError('HTTP_BAD_REQUEST', `body/${key} must be a text`);
  return value.trim();
}

const view = (row: ExampleRow) => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export async function exampleRoutes(app: FastifyInstance, o: ExampleRoutesOptions) {
  app.post(
    '/api/v1/escalation/examples',
    {
      schema: {
        tags,
        summary: 'Teach the detector: a message that should (or should not) go to a person; used at once',
        description:
          'The same text, or one close in meaning (same embedding model), then follows this label. Posting a text already taught relabels it (200).',
        security,
        body: {
          type: 'object',
          required: ['text', 'escalate'],
          additionalProperties: false,
          properties: {
            text: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
            escalate: { type: 'boolean' },
            by: { type: 'string', minLength: 1, maxLength: 100, description: 'Who taught it' },
          },
        },
        response: { 200: exampleSchema, 201: exampleSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as { escalate: boolean; by?: string };
      const { row, created } = await o.examples.add({
        text: textOf(request.body),
        escalate: body.escalate,
        source: 'api',
        createdBy: body.by?.trim() || undefined,
      });
      reply.code(created ? 201 : 200);
      return view(row);
    },
  );

  app.get(
    '/api/v1/escalation/examples',
    {
      schema: {
        tags,
        summary: 'The labelled examples staff taught, newest first',
        security,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { cursor: cursorQuery, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: exampleSchema }, nextCursor: nextCursorSchema },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query as { cursor?: string; limit: number };
      const before = cursor ? decodeCursor(cursor, ['int'])[0] : undefined;
      const page = pageOf(await o.examples.list(limit, before), limit, (r) => [r.id]);
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.delete(
    '/api/v1/escalation/examples/:id',
    {
      schema: {
        tags,
        summary: 'Forget a labelled example',
        security,
        params: idParams,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      if (!(await o.examples.remove(id))) throw new AppError('HTTP_NOT_FOUND', `no example ${id}`);
      reply.code(204);
    },
  );

  app.post(
    '/api/v1/escalation/check',
    {
      schema: {
        tags,
        summary: 'What the detector decides for a text (nothing is stored, no ticket is opened)',
        security,
        body: {
          type: 'object',
          required: ['text'],
          additionalProperties: false,
          properties: { text: { type: 'string', minLength: 1, maxLength: MAX_TEXT } },
        },
        response: { 200: decisionSchema, ...errorResponses },
      },
    },
    async (request) => o.detector.detect(textOf(request.body)),
  );

  app.post(
    '/api/v1/tickets/:id/not-a-complaint',
    {
      schema: {
        tags: ['Tickets', ...tags],
        summary: "Mark a ticket's message as not one for a person: the detector learns it at once",
        description:
          'Adds the message that opened the ticket as an example with escalate false (optional body {"by"}). The ticket itself is left as it is: resolve it as usual.',
        security,
        params: idParams,
        response: { 201: exampleSchema, 200: exampleSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      const ticket = await o.tickets.require(id);
      if (!ticket.trigger || isBlank(ticket.trigger))
        throw new AppError('HTTP_BAD_REQUEST', `ticket ${id} was not opened by a message (a /human or a button)`);
      const by = (request.body as { by?: unknown } | undefined)?.by;
      const { row, created } = await o.examples.add({
        text: ticket.trigger,
        escalate: false,
        source: 'ticket',
        ticketId: id,
        createdBy: typeof by === 'string' && by.trim() ? by.trim().slice(0, 100) : undefined,
      });
      reply.code(created ? 201 : 200);
      return view(row);
    },
  );
}
