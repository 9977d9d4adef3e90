import { AppError } from '../errors.js';
import { DATE_TIME_EXAMPLE, parseDate, parseDateTime, startOfDay } from './formats.js';

// JSON schemas shared by routes (they also feed the OpenAPI document).
export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

export const errorResponses = { 400: errorSchema, 401: errorSchema, 404: errorSchema } as const;

/**
 * A `since` query parameter: an RFC 3339 date-time with its time zone (2026-07-01T09:30:00+08:00,
 * 2026-07-01T01:30:00Z), or a date (2026-07-01) meaning the start of that day in BUSINESS_TIMEZONE.
 */
export const sinceQuery = {
  type: 'string',
  maxLength: 40,
  anyOf: [{ format: 'date-time' }, { format: 'date' }],
  description: `Only since this time: an ISO 8601 / RFC 3339 date-time with a time zone (${DATE_TIME_EXAMPLE}) or a date (2026-07-01, from midnight in BUSINESS_TIMEZONE)`,
} as const;

/** A point in time in a body: an RFC 3339 date-time with its time zone. */
export const dateTimeSchema = { type: 'string', format: 'date-time', maxLength: 40 } as const;

/** A numeric :id (tickets, follow-ups): the range of the database's integer ids, so 1e30 is a 400, not a 500. */
export const MAX_INTEGER_ID = 2_147_483_647;
export const integerIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: MAX_INTEGER_ID } },
} as const;

/** The `since` query parameter as an instant (the route's schema has checked its form already). */
export function sinceOf(value: string | undefined, timezone: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = parseDate(value);
  if (date) return startOfDay(date, timezone);
  const instant = parseDateTime(value);
  if (!instant) {
    throw new AppError(
      'HTTP_BAD_REQUEST',
      `since: not an ISO 8601 date-time (${DATE_TIME_EXAMPLE}) or date (2026-07-01)`,
    );
  }
  return instant;
}
