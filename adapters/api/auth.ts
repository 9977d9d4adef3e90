// Who may speak for which user on the API channel. Three credentials, in this order:
//   the key (API_CHANNEL_KEY: a business's backend, may speak for any user),
//   a session token (a browser or app: only its own user),
//   an identity signature of the user id (HMAC with API_SESSION_SECRET, made by the business's backend).
// With none of them a call is accepted only while no key is set (open mode, for local development).
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../src/errors.js';
import { bearerOf, secretsEqual } from '../../src/http/auth.js';
import { type SessionTokens, signatureMatches } from './sessions.js';

export type ApiCaller = { kind: 'key' } | { kind: 'session'; userId: string };

export interface ApiAuthOptions {
  /** API_CHANNEL_KEY; unset = open mode. */
  channelKey: string | undefined;
  tokens: SessionTokens;
  /** API_SESSION_SECRET: identity signatures are accepted only when it is set. */
  identitySecret: string | undefined;
  now: () => number;
}

const unauthorized = (message: string) => new AppError('HTTP_UNAUTHORIZED', message);

export class ApiAuth {
  constructor(private readonly options: ApiAuthOptions) {}

  get open(): boolean {
    return !this.options.channelKey;
  }

  /** True when the request carries the channel key (exempt from the per-IP limit). */
  presentsKey(request: FastifyRequest): boolean {
    const { channelKey } = this.options;
    const bearer = bearerOf(request);
    return channelKey !== undefined && bearer !== undefined && secretsEqual(bearer, channelKey);
  }

  /** The key or a session from the Authorization header; undefined without one; 401 for any other bearer. */
  bearerCaller(request: FastifyRequest): ApiCaller | undefined {
    const bearer = bearerOf(request);
    if (bearer === undefined) return undefined;
    if (this.presentsKey(request)) return { kind: 'key' };
    const userId = this.options.tokens.verify(bearer, this.options.now());
    if (userId !== undefined) return { kind: 'session', userId };
    throw unauthorized(
      'the bearer token is neither the API channel key nor a valid session token (tokens expire after 30 days; POST /api/v1/sessions for a new one)',
    );
  }

  /**
   * The user a request may act as. `claimed` is the user it names (user.id, ?userId), `signature`
   * the identity signature it brings. A session token acts as its own user: naming another one is
   * 403, naming none means its own.
   */
  userFor(request: FastifyRequest, claimed: string | undefined, signature: string | undefined): string {
    const caller = this.bearerCaller(request);
    if (caller?.kind === 'session') {
      if (claimed !== undefined && claimed !== caller.userId) {
        throw new AppError('HTTP_FORBIDDEN', 'this session token speaks only for its own user');
      }
      return caller.userId;
    }
    if (claimed === undefined) {
      throw new AppError('HTTP_BAD_REQUEST', 'no user: name one (user.id, or ?userId=) or send a session token');
    }
    if (caller?.kind === 'key') return claimed;
    if (signature !== undefined) {
      this.checkSignature(claimed, signature);
      return claimed;
    }
    if (this.open) return claimed;
    throw unauthorized(
      'this API channel needs Authorization: Bearer <API_CHANNEL_KEY or session token>, or an identity signature of the user id',
    );
  }

  /** 401 unless `signature` is HMAC-SHA256(API_SESSION_SECRET, userId) in lowercase hex. */
  checkSignature(userId: string, signature: string): void {
    const secret = this.options.identitySecret;
    if (!secret) {
      throw unauthorized('identity signatures are not enabled on this server (its operator sets API_SESSION_SECRET)');
    }
    if (!signatureMatches(secret, userId, signature)) {
      throw unauthorized('wrong signature: expected HMAC-SHA256(API_SESSION_SECRET, user id) in lowercase hex');
    }
  }
}
