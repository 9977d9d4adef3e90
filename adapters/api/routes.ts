// HTTP routes of the API channel: websites and apps post a customer's message and read
// everything the business sent back.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { InboundHandler } from '../../src/engine/channel.js';
import type { QueuedMessage } from '../../src/engine/types.js';
import { AppError } from '../../src/errors.js';
import { errorSchema } from '../../src/http/schemas.js';
import { refuseUnstorableText } from '../../src/http/text-guard.js';
import { isBlank } from '../../src/util/text.js';
import { ApiAuth } from './auth.js';
import {
  AFTER_PATTERN,
  bothAfter,
  type CustomerMessage,
  encodeBoth,
  mergeChat,
  renderItem,
  repliesAfter,
} from './chat.js';
import { type MeView, meRoutes } from './me-routes.js';
import { type ApiMessageBody, MAX_TEXT_LENGTH, toInbound } from './parse.js';
import { limitPerIp, type PerIpLimit } from './rate-limit.js';
import { sessionRoutes } from './session-routes.js';
import { SessionTokens } from './sessions.js';

export interface ApiRoutesOptions {
  handler: InboundHandler;
  /** Messages sent to a user on this channel after a cursor, oldest first. */
  history(userId: string, after: number, limit: number): Promise<QueuedMessage[]>;
  /**
   * What the user wrote in their chat on this channel after a cursor (an interaction id), oldest
   * first (GET /api/v1/messages?include=both); none when absent.
   */
  customerMessages?(userId: string, after: number, limit: number): Promise<CustomerMessage[]>;
  /** The user's own panel (GET /api/v1/me); null when nobody wrote as this user. Absent: 404. */
  me?(userId: string): Promise<MeView | null>;
  /** Opts the user out of the business's own messages, or back in, as /stop and /start; null when nobody wrote as them. */
  setOptedOut?(userId: string, optedOut: boolean): Promise<boolean | null>;
  /** Resolves when a message for this user is delivered, or after `ms` (long polling). */
  waitForDelivery?(userId: string, ms: number): Promise<void>;
  /** API_CHANNEL_KEY: when set, a call needs the key, a session token or an identity signature. */
  channelKey?: string | undefined;
  /** Signs session tokens: API_SESSION_SECRET, or the secret generated in DATA_DIR. */
  sessionSecret: string;
  /** API_SESSION_SECRET: identity signatures work only when it is set. */
  identitySecret?: string | undefined;
  /** limits.perIp; applies only while the key is set (callers with the key are exempt). */
  perIp?: PerIpLimit | undefined;
  now?: () => number;
}

const signature = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  description: 'Identity signature: HMAC-SHA256(API_SESSION_SECRET, user id), lowercase hex',
} as const;

// Any one of them; `{}` = none (open mode, or an identity signature in the request).
const security: Record<string, string[]>[] = [{ apiChannelKey: [] }, { apiSession: [] }, {}];

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

/** An item of GET /api/v1/messages; with include=both, who it is from and, for staff, their name. */
const chatItem = {
  type: 'object',
  required: ['id', 'text', 'createdAt'],
  properties: {
    id: {
      type: 'integer',
      description:
        "What was sent: its (positive) message id. The customer's own messages: the negative of their id, a space of its own",
    },
    from: { type: 'string', enum: ['customer', 'bot', 'staff'], description: 'include=both only (always there)' },
    author: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' } },
      description: 'include=both, staff replies only: who wrote it',
    },
    text: { type: 'string', description: "A customer's button press shows the button's label (else its payload)" },
    buttons: { type: 'array', items: button },
    createdAt: { type: 'string' },
  },
} as const;

const postSchema = {
  tags: ['API channel'],
  summary: "Send a customer's message (text or a button payload); returns this turn's replies",
  description:
    "With a session token, `user.id` may be left out (the token's user); naming another user is 403. With API_CHANNEL_KEY any user; with `signature` the signed user; with neither, only while no key is set. " +
    'A repeated `messageId` is handled once (`duplicate: true`), unless the first delivery was stored but never answered (the server died mid-turn): then it is answered now. ' +
    'Text no database can store (a lone UTF-16 surrogate, NUL or another control character except tab, CR and newline) in any field → 400 INVALID_TEXT; empty or invisible-only text → 400 BAD_REQUEST; nothing is stored for a refused request.',
  security,
  body: {
    type: 'object',
    anyOf: [{ required: ['text'] }, { required: ['payload'] }],
    properties: {
      signature,
      user: {
        type: 'object',
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
    403: errorSchema,
    413: errorSchema,
    429: errorSchema,
  },
} as const;

const getSchema = {
  tags: ['API channel'],
  summary:
    'Every message sent to a user on the API channel (and with include=both what they wrote), oldest first, after a cursor',
  description:
    "With a session token, `userId` may be left out (the token's user); another user is 403. " +
    '`include=replies` (default): what was sent to the user; the cursor is a number. ' +
    "`include=both`: the user's own messages in this chat too, merged in time order, each item with `from` (customer, bot, staff) and staff replies with `author`; " +
    'the cursor is "<outbox id>_<message id>" (pass it back as `after`; a plain number is a 400 there), and a customer\'s message has the negative of its id. ' +
    'Long polling (`wait`) wakes for messages sent to the user.',
  security,
  querystring: {
    type: 'object',
    properties: {
      userId: { type: 'string', minLength: 1, maxLength: 200 },
      signature,
      after: {
        type: 'string',
        pattern: AFTER_PATTERN,
        description:
          'The cursor of the previous page (include=replies: a number; include=both: "<outbox id>_<message id>")',
      },
      include: {
        type: 'string',
        enum: ['replies', 'both'],
        default: 'replies',
        description: 'replies: what was sent to the user; both: and what the user wrote, with `from` on every item',
      },
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
      properties: {
        messages: { type: 'array', items: chatItem },
        cursor: { type: 'string' },
      },
    },
    400: errorSchema,
    401: errorSchema,
    403: errorSchema,
    429: errorSchema,
  },
} as const;

export async function apiRoutes(app: FastifyInstance, options: ApiRoutesOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const tokens = new SessionTokens(options.sessionSecret);
  const auth = new ApiAuth({
    channelKey: options.channelKey,
    tokens,
    identitySecret: options.identitySecret,
    now,
  });
  // Open mode (no key) has only the per-customer limit: a developer's tests are not throttled.
  if (options.perIp && !auth.open) await limitPerIp(app, options.perIp, (request) => auth.presentsKey(request));
  // Unstorable text is refused before any customer, session or message exists for it.
  app.addHook('preValidation', refuseUnstorableText);

  await sessionRoutes(app, { auth, tokens, now });

  // Whom a call speaks for is settled once the body is read and valid, before anything is
  // stored: the body's (or query's) user is replaced by the one the caller may act as.
  const actAsPoster = async (request: FastifyRequest) => {
    const body = request.body as Omit<ApiMessageBody, 'user'> & {
      user?: Partial<ApiMessageBody['user']>;
      signature?: string;
    };
    const userId = auth.userFor(request, body.user?.id, body.signature);
    body.user = { ...body.user, id: userId };
  };
  const actAsReader = async (request: FastifyRequest) => {
    const query = request.query as { userId?: string; signature?: string };
    query.userId = auth.userFor(request, query.userId, query.signature);
  };

  app.post('/api/v1/messages', { schema: postSchema, preHandler: actAsPoster }, async (request) => {
    const body = request.body as ApiMessageBody;
    if (body.payload === undefined && isBlank(body.text)) {
      throw new AppError('HTTP_BAD_REQUEST', 'text must not be empty or invisible only (or send a button payload)');
    }
    const result = await options.handler.handleInbound(toInbound(body));
    return { replies: result.replies.map(render), ...(result.duplicate ? { duplicate: true } : {}) };
  });

  app.get('/api/v1/messages', { schema: getSchema, preHandler: actAsReader }, async (request) => {
    const query = request.query as {
      userId: string;
      after?: string;
      limit: number;
      wait: number;
      include: 'replies' | 'both';
    };
    if (query.include === 'both') return bothSides(query);
    const after = repliesAfter(query.after);
    let messages = await options.history(query.userId, after, query.limit);
    if (!messages.length && query.wait > 0 && options.waitForDelivery) {
      await options.waitForDelivery(query.userId, query.wait * 1000);
      messages = await options.history(query.userId, after, query.limit);
    }
    const last = messages.at(-1);
    return { messages: messages.map(render), cursor: String(last ? last.id : after) };
  });

  // include=both: what was sent and what the customer wrote, each read after its own position.
  const bothSides = async (query: { userId: string; after?: string; limit: number; wait: number }) => {
    const after = bothAfter(query.after);
    const read = () =>
      Promise.all([
        options.history(query.userId, after.outbox, query.limit),
        options.customerMessages?.(query.userId, after.inbound, query.limit) ?? [],
      ]);
    let [sent, own] = await read();
    if (!sent.length && !own.length && query.wait > 0 && options.waitForDelivery) {
      await options.waitForDelivery(query.userId, query.wait * 1000);
      [sent, own] = await read();
    }
    const { items, position } = mergeChat(sent, own, after, query.limit);
    return { messages: items.map(renderItem), cursor: encodeBoth(position) };
  };

  await meRoutes(app, {
    actAsReader,
    security,
    me: async (userId) => (options.me ? options.me(userId) : null),
    setOptedOut: async (userId, optedOut) => (options.setOptedOut ? options.setOptedOut(userId, optedOut) : null),
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
