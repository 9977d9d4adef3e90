import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/** The token of "Authorization: Bearer <token>", or undefined without one. */
export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return undefined;
  const token = header.slice(7).trim();
  return token.length ? token : undefined;
}

/** Constant-time comparison that reveals neither content nor length (both sides are hashed first). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Constant-time check of "Authorization: Bearer <token>". */
export function bearerMatches(request: FastifyRequest, token: string): boolean {
  return secretsEqual(bearerOf(request) ?? '', token);
}

export function requireBearer(token: string, what: string) {
  return async (request: FastifyRequest) => {
    if (!bearerMatches(request, token)) {
      throw new AppError('HTTP_UNAUTHORIZED', `missing or wrong ${what} (Authorization: Bearer <token>)`);
    }
  };
}
