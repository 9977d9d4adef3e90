// POST /api/v1/sessions: an identity for a browser or app, as a signed token it then sends as
// "Authorization: Bearer <token>" to /api/v1/messages. Stateless: nothing is stored until the
// visitor writes a message.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../src/errors.js';
import { errorSchema } from '../../src/http/schemas.js';
import type { ApiAuth } from './auth.js';
import { newVisitorId, SESSION_TTL_SECONDS, type SessionTokens } from './sessions.js';

export interface SessionRoutesOptions {
  auth: ApiAuth;
  tokens: SessionTokens;
  now: () => number;
}

interface SessionBody {
  user?: { id: string };
  signature?: string;
}

const schema = {
  tags: ['API channel'],
  summary: 'Start or renew a session: an anonymous visitor, a signed user of the business, or the same user again',
  description: [
    'No body (or `{}`): a new anonymous visitor (`visitor-…`).',
    'With a valid session token as bearer: the same user again, with a fresh expiry (renewal).',
    '`{"user":{"id"},"signature"}`: that user, where signature = HMAC-SHA256(API_SESSION_SECRET, id) in lowercase hex.',
    'With API_CHANNEL_KEY as bearer: a token for any `user.id`.',
    `Tokens expire after ${SESSION_TTL_SECONDS / 86_400} days.`,
  ].join(' '),
  security: [{}, { apiSession: [] }, { apiChannelKey: [] }] as Record<string, string[]>[],
  body: {
    type: 'object',
    properties: {
      user: {
        type: 'object',
        required: ['id'],
        properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
      },
      signature: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        description: 'HMAC-SHA256(API_SESSION_SECRET, user.id), hex',
      },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['userId', 'token'],
      properties: {
        userId: { type: 'string' },
        token: { type: 'string', description: 'Send as "Authorization: Bearer <token>"' },
      },
    },
    400: errorSchema,
    401: errorSchema,
    403: errorSchema,
    429: errorSchema,
  },
} as const;

export async function sessionRoutes(app: FastifyInstance, options: SessionRoutesOptions): Promise<void> {
  const { auth, tokens, now } = options;

  // A request without a body asks for an anonymous visitor, as `{}` does.
  const emptyIsObject = async (request: FastifyRequest) => {
    request.body ??= {};
  };

  app.post('/api/v1/sessions', { schema, preValidation: emptyIsObject }, async (request) => {
    const body = request.body as SessionBody;
    const caller = auth.bearerCaller(request);
    const named = body.user?.id;
    if (named === undefined && body.signature !== undefined) {
      throw new AppError('HTTP_BAD_REQUEST', 'a signature signs a user id: send {"user":{"id"},"signature"}');
    }
    const userId = named === undefined ? (caller?.kind === 'session' ? caller.userId : newVisitorId()) : named;
    if (named !== undefined && caller?.kind !== 'key') {
      if (body.signature !== undefined) auth.checkSignature(named, body.signature);
      else if (caller?.kind === 'session' && caller.userId !== named) {
        throw new AppError('HTTP_FORBIDDEN', 'this session token speaks only for its own user');
      } else if (caller?.kind !== 'session') {
        throw new AppError(
          'HTTP_UNAUTHORIZED',
          'naming a user needs its identity signature (or the API channel key); send no user for an anonymous visitor',
        );
      }
    }
    return { userId, token: tokens.issue(userId, now()) };
  });
}
