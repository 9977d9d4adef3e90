import { AppError } from '../errors.js';

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

/** The `since` query parameter of reports: an ISO 8601 date-time, or absent. */
export function sinceOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new AppError('HTTP_BAD_REQUEST', 'since: not an ISO 8601 date-time');
  return date;
}
