import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/** Constant-time check of "Authorization: Bearer <token>". */
export function bearerMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7).trim() : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function requireBearer(token: string, what: string) {
  return async (request: FastifyRequest) => {
    if (!bearerMatches(request, token)) {
      throw new AppError('HTTP_UNAUTHORIZED', `missing or wrong ${what} (Authorization: Bearer <token>)`);
    }
  };
}
