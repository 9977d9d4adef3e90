// Admin API of tickets: list, read with its conversation, reply (relayed to the customer) or
// leave a note, claim, resolve. Works with or without Slack.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import {
  cursorQuery,
  decodeCursor,
  newestFirstAcross,
  nextCursorSchema,
  olderThan,
  pageOf,
} from '../../http/paging.js';
import { errorResponses, errorSchema, integerIdParams as idParams } from '../../http/schemas.js';
import type { Db } from '../../store/index.js';
import type { Ticket, Tickets } from './tickets.js';

const security = [{ adminToken: [] }];
/** Every status a ticket has (see tickets.ts). */
const TICKET_STATUSES = ['open', 'claimed', 'resolved'] as const;
const nullableString = { type: ['string', 'null'] } as const;

const ticketProperties = {
  id: { type: 'integer' },
  status: { type: 'string', enum: ['open', 'claimed', 'resolved'] },
  reason: { type: 'string' },
  priority: { type: 'string', enum: ['high', 'normal'] },
  channel: { type: 'string' },
  chatId: { type: 'string' },
  trigger: nullableString,
  assignee: nullableString,
  reminders: { type: 'integer' },
  createdAt: { type: 'string' },
  claimedAt: nullableString,
  resolvedAt: nullableString,
  customer: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      displayName: nullableString,
      identities: {
        type: 'array',
        items: { type: 'object', properties: { channel: { type: 'string' }, externalId: { type: 'string' } } },
      },
    },
  },
} as const;

const ticketSchema = { type: 'object', properties: ticketProperties } as const;
/** How many of a ticket's messages its detail carries (the rest are paged). */
const DETAIL_MESSAGES = 200;

const ticketMessage = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    author: { type: 'string', enum: ['customer', 'staff', 'note'] },
    authorName: nullableString,
    text: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

const ticketWithMessages = {
  type: 'object',
  properties: {
    ...ticketProperties,
    recent: {
      type: 'array',
      description: "The customer's conversation up to the ticket's opening (its trigger included), oldest first",
      items: {
        type: 'object',
        properties: {
          direction: { type: 'string', enum: ['in', 'out'] },
          channel: { type: 'string' },
          text: { type: 'string' },
          createdAt: { type: 'string' },
        },
      },
    },
    messages: {
      type: 'array',
      description: `The ticket's messages, oldest first: the first ${DETAIL_MESSAGES}; the rest through GET /api/v1/tickets/{id}/messages`,
      items: ticketMessage,
    },
    messagesNextCursor: {
      ...nextCursorSchema,
      description:
        'Null when `messages` holds them all; else the `cursor` of GET /api/v1/tickets/{id}/messages for the rest',
    },
  },
} as const;

const customerSelect = {
  select: { id: true, displayName: true, identities: { select: { channel: true, externalId: true } } },
} as const;

type WithCustomer = Ticket & {
  customer: { id: string; displayName: string | null; identities: { channel: string; externalId: string }[] };
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const view = (t: WithCustomer) => ({
  ...t,
  createdAt: t.createdAt.toISOString(),
  claimedAt: iso(t.claimedAt),
  resolvedAt: iso(t.resolvedAt),
});

/** An optional name in a body that may be absent altogether. */
function actorOf(body: unknown, key: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  if (value === undefined) return 'admin';
  if (typeof value !== 'string' || !value.trim() || value.length > 100) {
    throw new AppError('HTTP_BAD_REQUEST', `body/${key} must be a name of 1 to 100 characters`);
  }
  return value.trim();
}

export interface TicketRoutesOptions {
  db: Db;
  /** Where the ticket list reads (Store.reads). */
  reads: Db;
  tickets: Tickets;
  /** How many messages before the ticket to show (escalation.recentMessages). */
  recentMessages: number;
}

export async function ticketRoutes(app: FastifyInstance, o: TicketRoutesOptions) {
  const load = async (id: number) => {
    const row = await o.db.ticket.findUnique({ where: { id }, include: { customer: customerSelect } });
    if (!row) throw new AppError('HTTP_NOT_FOUND', `no ticket ${id}`);
    return row;
  };
  /** Up to `limit` of a ticket's messages after the one with id `after`, oldest first (index TicketMessage(ticketId, id)). */
  const messagesPage = async (ticketId: number, limit: number, after?: number) => {
    const rows = await o.db.ticketMessage.findMany({
      where: { ticketId, ...(after !== undefined ? { id: { gt: after } } : {}) },
      orderBy: { id: 'asc' },
      take: limit + 1,
      select: { id: true, author: true, authorName: true, text: true, createdAt: true },
    });
    return pageOf(rows, limit, (m) => [m.id]);
  };

  app.get(
    '/api/v1/tickets',
    {
      schema: {
        tags: ['Tickets'],
        summary: 'Tickets, newest first; filter by status',
        description:
          'Newest first (by when they were opened), paged by `cursor`: pass `nextCursor` to get the next `limit`; tickets opened meanwhile do not shift the pages.',
        security,
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: TICKET_STATUSES },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            cursor: cursorQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { tickets: { type: 'array', items: ticketSchema }, nextCursor: nextCursorSchema },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query as { status?: string; limit: number; cursor?: string };
      const after = cursor === undefined ? undefined : decodeCursor(cursor, ['date', 'int']);
      // (createdAt, id): the order of the (status, createdAt) index; all tickets are each status's range merged.
      const read = (status: string) =>
        o.reads.ticket.findMany({
          where: { status, ...(after ? { AND: [olderThan(after)] } : {}) },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: limit + 1,
          include: { customer: customerSelect },
        });
      const rows = status ? await read(status) : await newestFirstAcross(TICKET_STATUSES, read, limit);
      const page = pageOf(rows, limit, (t) => [t.createdAt, t.id]);
      return { tickets: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/tickets/:id',
    {
      schema: {
        tags: ['Tickets'],
        summary:
          "A ticket with its conversation (the customer's messages, staff replies and notes) and what the customer said before it",
        security,
        params: idParams,
        response: { 200: ticketWithMessages, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const ticket = await load(id);
      // Up to the moment it opened: interactions logged before its ticket_opened event.
      const opened = await o.db.interaction.findFirst({
        where: { customerId: ticket.customerId, kind: 'ticket_opened', createdAt: { gte: ticket.createdAt } },
        orderBy: { id: 'asc' },
        select: { id: true },
      });
      const [messages, recent] = await Promise.all([
        messagesPage(id, DETAIL_MESSAGES),
        o.db.interaction.findMany({
          where: {
            customerId: ticket.customerId,
            direction: { in: ['in', 'out'] },
            text: { not: null },
            ...(opened ? { id: { lt: opened.id } } : { createdAt: { lte: ticket.createdAt } }),
          },
          orderBy: { id: 'desc' },
          take: o.recentMessages,
          select: { direction: true, channel: true, text: true, createdAt: true },
        }),
      ]);
      const dated = <T extends { createdAt: Date }>(r: T) => ({ ...r, createdAt: r.createdAt.toISOString() });
      return {
        ...view(ticket),
        messages: messages.items.map(dated),
        messagesNextCursor: messages.nextCursor,
        recent: recent.reverse().map(dated),
      };
    },
  );

  app.get(
    '/api/v1/tickets/:id/messages',
    {
      schema: {
        tags: ['Tickets'],
        summary: "A ticket's messages, oldest first, paged by cursor",
        security,
        params: idParams,
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
            properties: { messages: { type: 'array', items: ticketMessage }, nextCursor: nextCursorSchema },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const { limit, cursor } = request.query as { limit: number; cursor?: string };
      await load(id);
      const after = cursor ? decodeCursor(cursor, ['int'])[0] : undefined;
      const page = await messagesPage(id, limit, after);
      return {
        messages: page.items.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.post(
    '/api/v1/tickets/:id/messages',
    {
      schema: {
        tags: ['Tickets'],
        summary: "A staff reply, relayed to the customer's chat (note: true keeps it internal)",
        security,
        params: idParams,
        body: {
          type: 'object',
          required: ['text'],
          additionalProperties: false,
          properties: {
            text: { type: 'string', minLength: 1, maxLength: 4000 },
            note: { type: 'boolean', default: false },
            author: { type: 'string', minLength: 1, maxLength: 100, description: 'Who writes (default "admin")' },
          },
        },
        response: {
          201: { type: 'object', properties: { relayed: { type: 'boolean' }, status: { type: 'string' } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      const { text, note, author } = request.body as { text: string; note: boolean; author?: string };
      const trimmed = text.trim();
      if (!trimmed) throw new AppError('HTTP_BAD_REQUEST', 'body/text must not be blank');
      const by = { name: author?.trim() || 'admin' };
      if (note) await o.tickets.note(id, trimmed, by);
      else await o.tickets.reply(id, trimmed, by);
      const after = await o.tickets.require(id);
      reply.code(201);
      return { relayed: !note, status: after.status };
    },
  );

  app.post(
    '/api/v1/tickets/:id/claim',
    {
      schema: {
        tags: ['Tickets'],
        summary: 'Claim an open ticket (optional body {"assignee"}, default "admin")',
        security,
        params: idParams,
        response: { 200: ticketSchema, ...errorResponses, 409: errorSchema },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      await o.tickets.claim(id, { name: actorOf(request.body, 'assignee') });
      return view(await load(id));
    },
  );

  app.post(
    '/api/v1/tickets/:id/resolve',
    {
      schema: {
        tags: ['Tickets'],
        summary: 'Resolve a ticket: the customer is told and asked for a CSAT score (optional body {"by"})',
        security,
        params: idParams,
        response: { 200: ticketSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      await o.tickets.resolve(id, { name: actorOf(request.body, 'by') });
      return view(await load(id));
    },
  );
}
