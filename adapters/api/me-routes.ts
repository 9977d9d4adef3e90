// GET /api/v1/me and PUT /api/v1/me/preferences: a signed-in visitor's own panel (the web chat
// widget's): who they are, their points, the rewards they can redeem in the chat, a survey waiting
// for them, and opting out of the business's own messages as /stop does. Authorised as
// GET /api/v1/messages: a session token, `?userId=&signature=`, or the channel key with `?userId=`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../src/errors.js';
import { errorSchema } from '../../src/http/schemas.js';

type Localized = { 'zh-CN': string; en: string };

/** GET /api/v1/me's answer. */
export interface MeView {
  userId: string;
  displayName: string | null;
  /** The language the bot writes to them in: their choice (/lang, user.locale), else that of their messages. */
  locale: string;
  optedOut: boolean;
  /** null when loyalty is off. */
  points: null | {
    balance: number;
    tier: { id: string; name: Localized };
    nextTier: null | { id: string; name: Localized; threshold: number };
    toNextTier: number | null;
  };
  /** [] when loyalty is off. */
  rewards: { id: string; name: Localized; cost: number; available: boolean; payload: string }[];
  /** null when feedback is off or no CSAT/NPS survey waits for a score in this chat. */
  survey: null | { kind: 'csat' | 'nps'; question: string; buttons: { label: string; payload: string }[] };
}

export interface MeRoutesOptions {
  /** Settles who the request speaks for (as GET /api/v1/messages does): sets query.userId. */
  actAsReader(request: FastifyRequest): Promise<void>;
  /** The panel of the customer who wrote as this user; null when nobody did. */
  me(userId: string): Promise<MeView | null>;
  /** Opts this user's customer out (true) or back in (false); null when nobody wrote as this user. */
  setOptedOut(userId: string, optedOut: boolean): Promise<boolean | null>;
  security: Record<string, string[]>[];
}

const signature = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  description: 'Identity signature: HMAC-SHA256(API_SESSION_SECRET, user id), lowercase hex',
} as const;

const who = {
  type: 'object',
  properties: { userId: { type: 'string', minLength: 1, maxLength: 200 }, signature },
} as const;

const localized = {
  type: 'object',
  required: ['zh-CN', 'en'],
  properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
} as const;

const button = {
  type: 'object',
  required: ['label', 'payload'],
  properties: { label: { type: 'string' }, payload: { type: 'string' } },
} as const;

const meSchema = {
  type: 'object',
  required: ['userId', 'displayName', 'locale', 'optedOut', 'points', 'rewards', 'survey'],
  properties: {
    userId: { type: 'string' },
    displayName: { type: ['string', 'null'] },
    locale: { type: 'string', enum: ['zh-CN', 'en'] },
    optedOut: { type: 'boolean', description: 'Opted out of the messages the business starts (/stop)' },
    points: {
      type: ['object', 'null'],
      description: 'null when loyalty is off',
      required: ['balance', 'tier', 'nextTier', 'toNextTier'],
      properties: {
        balance: { type: 'integer' },
        tier: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string' }, name: localized } },
        nextTier: {
          type: ['object', 'null'],
          required: ['id', 'name', 'threshold'],
          properties: {
            id: { type: 'string' },
            name: localized,
            threshold: { type: 'integer', description: 'Points earned in 12 months that reach it' },
          },
        },
        toNextTier: { type: ['integer', 'null'], description: 'Points still to earn for nextTier; null at the top' },
      },
    },
    rewards: {
      type: 'array',
      description: 'The rewards catalog, cheapest first ([] when loyalty is off)',
      items: {
        type: 'object',
        required: ['id', 'name', 'cost', 'available', 'payload'],
        properties: {
          id: { type: 'string' },
          name: localized,
          cost: { type: 'integer' },
          available: {
            type: 'boolean',
            description: 'Redeemable now: tier, stock, the per-customer limit and the balance allow it',
          },
          payload: {
            type: 'string',
            description: 'POST it to /api/v1/messages as `payload`: the chat asks to confirm the redemption',
          },
        },
      },
    },
    survey: {
      type: ['object', 'null'],
      description: "A CSAT or NPS survey waiting for a score in this chat, in the customer's language",
      required: ['kind', 'question', 'buttons'],
      properties: {
        kind: { type: 'string', enum: ['csat', 'nps'] },
        question: { type: 'string' },
        buttons: { type: 'array', items: button, description: 'POST a payload to /api/v1/messages to answer' },
      },
    },
  },
} as const;

const getSchema = {
  tags: ['API channel'],
  summary: "The signed-in visitor's own panel: profile, points and tier, rewards, a waiting survey",
  description:
    'Authorised as GET /api/v1/messages (a session token speaks for its own user; the key or a signature with `userId`). A user who has never written is 404 NOT_FOUND: nothing is known of them yet. Loyalty off: `points` null and `rewards` []; feedback off: `survey` null.',
  querystring: who,
  response: {
    200: meSchema,
    400: errorSchema,
    401: errorSchema,
    403: errorSchema,
    404: errorSchema,
    429: errorSchema,
  },
} as const;

const putSchema = {
  tags: ['API channel'],
  summary: 'Opt out of (or back in to) the messages the business starts, as /stop and /start do',
  description:
    '`{"optedOut":true}` does what /stop does (an `opt_out` event; marketing waiting in the outbox is cancelled), `false` what /start does after it (`opt_in`); no chat message is sent or stored. Setting what is already set changes and logs nothing. Authorised as GET /api/v1/me; a user who has never written is 404.',
  querystring: who,
  body: {
    type: 'object',
    required: ['optedOut'],
    additionalProperties: false,
    properties: { optedOut: { type: 'boolean' } },
  },
  response: {
    200: { type: 'object', required: ['optedOut'], properties: { optedOut: { type: 'boolean' } } },
    400: errorSchema,
    401: errorSchema,
    403: errorSchema,
    404: errorSchema,
    429: errorSchema,
  },
} as const;

const neverWrote = (userId: string) =>
  new AppError('HTTP_NOT_FOUND', `user ${userId} has not written yet: send a message to /api/v1/messages first`);

export async function meRoutes(app: FastifyInstance, options: MeRoutesOptions): Promise<void> {
  const { actAsReader, security } = options;

  app.get('/api/v1/me', { schema: { ...getSchema, security }, preHandler: actAsReader }, async (request) => {
    const { userId } = request.query as { userId: string };
    const view = await options.me(userId);
    if (!view) throw neverWrote(userId);
    return view;
  });

  app.put(
    '/api/v1/me/preferences',
    { schema: { ...putSchema, security }, preHandler: actAsReader },
    async (request) => {
      const { userId } = request.query as { userId: string };
      const { optedOut } = request.body as { optedOut: boolean };
      const now = await options.setOptedOut(userId, optedOut);
      if (now === null) throw neverWrote(userId);
      return { optedOut: now };
    },
  );
}
