// Refuses requests carrying text no database can store (lone surrogates, NUL and other control
// characters) with 400 INVALID_TEXT before a handler runs: such a string would fail its SQL
// statement with a 500, or, in a group commit, the statement of other customers' messages.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { invalidTextReason } from '../util/text.js';

/** The first unstorable string in a parsed JSON value, as "path: reason". */
export function findUnstorableText(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') {
    const reason = invalidTextReason(value);
    return reason ? `${path} ${reason}` : undefined;
  }
  if (typeof value !== 'object' || value === null || depth > 20) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const keyReason = invalidTextReason(key);
    if (keyReason) return `${path} has a key that ${keyReason}`;
    const found = findUnstorableText(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** A preValidation hook for routes that store what they are sent. */
export async function refuseUnstorableText(request: FastifyRequest): Promise<void> {
  const found =
    findUnstorableText(request.body, 'body') ??
    findUnstorableText(request.query, 'query') ??
    findUnstorableText(request.params, 'params');
  if (found) throw new AppError('ENGINE_INVALID_TEXT', found);
}
