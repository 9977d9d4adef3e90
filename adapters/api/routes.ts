// HTTP routes of the API channel: websites and apps post a customer's message and read
// everything the business sent back.
import type { FastifyInstance } from 'fastify';
import type { InboundHandler } from '../../src/engine/channel.js';
import type { QueuedMessage } from '../../src/engine/types.js';
import { AppError } from '../../src/errors.js';
import { requireBearer } from '../../src/http/auth.js';
import { errorSchema } from '../../src/http/schemas.js';
import { type ApiMessageBody, MAX_TEXT_LENGTH, toInbound } from './parse.js';

export interface ApiRoutesOptions {
  handler: InboundHandler;
  /** Messages sent to a user on this channel after a cursor, oldest first. */
  history(userId: string, after: number, limit: number): Promise<QueuedMessage[]>;
  /** Resolves when a message for this user is delivered, or after `ms` (long polling). */
  waitForDelivery?(userId: string, ms: number): Promise<void>;
  /** When set, both routes need "Authorization: Bearer <key>". */
  channelKey?: string | undefined;
}

const button = {
  type: 'object',
  required: ['label', 'payload'],
  properties: { label: { type: 'string' }, payload: { type: 'string' } },
} as const;

const message = {
  type: 'object',
  required: ['id', 'text', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    text: { type: 'string' },
    buttons: { type: 'array', items: button },
    createdAt: { type: 'string' },
  },
} as const;

const postSchema = {
  tags: ['API channel'],
  summary: "Send a customer's message (text or a button payload); returns this turn's replies",
  security: [{ apiChannelKey: [] }],
  body: {
    type: 'object',
    required: ['user'],
    anyOf: [{ required: ['text'] }, { required: ['payload'] }],
    properties: {
      user: {
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 200 },
          name: { type: 'string', maxLength: 200 },
          locale: { type: 'string', maxLength: 35 },
        },
      },
      text: { type: 'string', maxLength: MAX_TEXT_LENGTH },
      payload: { type: 'string', minLength: 1, maxLength: 1000 },
      messageId: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        description: 'Optional id of this message in your system; a repeated id is handled once.',
      },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['replies'],
      properties: {
        replies: { type: 'array', items: message },
        duplicate: { type: 'boolean' },
      },
    },
    400: errorSchema,
    401: errorSchema,
    413: errorSchema,
  },
} as const;

const getSchema = {
  tags: ['API channel'],
  summary: 'Every message sent to a user on the API channel, oldest first, after a cursor',
  security: [{ apiChannelKey: [] }],
  querystring: {
    type: 'object',
    required: ['userId'],
    properties: {
      userId: { type: 'string', minLength: 1, maxLength: 200 },
      after: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'The cursor of the previous page' },
      limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
      wait: {
        type: 'integer',
        minimum: 0,
        maximum: 30,
        default: 0,
        description: 'Long polling: with no message after the cursor, wait up to this many seconds for one',
      },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['messages', 'cursor'],
      properties: { messages: { type: 'array', items: message }, cursor: { type: 'string' } },
    },
    400: errorSchema,
    401: errorSchema,
  },
} as const;

export async function apiRoutes(app: FastifyInstance, options: ApiRoutesOptions): Promise<void> {
  const { channelKey } = options;
  if (channelKey) {
    app.addHook('onRequest', requireBearer(channelKey, 'API channel key'));
  }

  app.post('/api/v1/messages', { schema: postSchema }, async (request) => {
    const body = request.body as ApiMessageBody;
    if (body.payload === undefined && !body.text?.trim()) {
      throw new AppError('HTTP_BAD_REQUEST', 'text must not be empty (or send a button payload)');
    }
    const result = await options.handler.handleInbound(toInbound(body));
    return { replies: result.replies.map(render), ...(result.duplicate ? { duplicate: true } : {}) };
  });

  app.get('/api/v1/messages', { schema: getSchema }, async (request) => {
    const query = request.query as { userId: string; after?: string; limit: number; wait: number };
    const after = query.after ? Number(query.after) : 0;
    let messages = await options.history(query.userId, after, query.limit);
    if (!messages.length && query.wait > 0 && options.waitForDelivery) {
      await options.waitForDelivery(query.userId, query.wait * 1000);
      messages = await options.history(query.userId, after, query.limit);
    }
    const last = messages.at(-1);
    return { messages: messages.map(render), cursor: String(last ? last.id : after) };
  });
}

function render(m: QueuedMessage) {
  return {
    id: m.id,
    text: m.text,
    ...(m.buttons?.length ? { buttons: m.buttons } : {}),
    createdAt: m.createdAt.toISOString(),
  };
}
