// Identities on the API channel, by cryptography alone (nothing stored):
// - session tokens: "rs1.<user id, base64url>.<expiry, base36 seconds>.<HMAC-SHA256, base64url>",
//   issued by POST /api/v1/sessions and sent back as "Authorization: Bearer <token>";
// - identity signatures: HMAC-SHA256(API_SESSION_SECRET, user id) in lowercase hex, computed by a
//   business's backend for a user it knows (as Intercom and Chatwoot identity verification do).
import { createHmac, randomUUID } from 'node:crypto';
import { secretsEqual } from '../../src/http/auth.js';

/** A token stays valid this long; the web chat renews it on every visit. */
export const SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;
const VERSION = 'rs1';

export function newVisitorId(): string {
  return `visitor-${randomUUID()}`;
}

export class SessionTokens {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly ttlSeconds = SESSION_TTL_SECONDS,
  ) {
    // Tokens get a key of their own, derived from the secret: the MAC of a token can then never
    // be passed off as an identity signature made with the same API_SESSION_SECRET, or back.
    this.key = createHmac('sha256', secret).update('rapport api-channel session tokens').digest();
  }

  issue(userId: string, nowMs: number): string {
    const expires = Math.floor(nowMs / 1000) + this.ttlSeconds;
    const body = `${VERSION}.${Buffer.from(userId, 'utf8').toString('base64url')}.${expires.toString(36)}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The user id a token speaks for, or undefined when it is forged, damaged or expired. */
  verify(token: string, nowMs: number): string | undefined {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
    const [, id, expires, mac] = parts as [string, string, string, string];
    if (!secretsEqual(mac, this.mac(`${VERSION}.${id}.${expires}`))) return undefined;
    if (!/^[0-9a-z]{1,10}$/.test(expires) || Number.parseInt(expires, 36) * 1000 <= nowMs) return undefined;
    const userId = Buffer.from(id, 'base64url').toString('utf8');
    return userId.length ? userId : undefined;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body, 'utf8').digest('base64url');
  }
}

/** The identity signature of a user id: HMAC-SHA256(secret, id), lowercase hex. */
export function identitySignature(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

export function signatureMatches(secret: string, userId: string, signature: string): boolean {
  return secretsEqual(signature, identitySignature(secret, userId));
}
