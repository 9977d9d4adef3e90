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
