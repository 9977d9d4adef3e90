// Admin API of segments: save, list, read and delete rule trees, and preview what one selects.
// The customers of a saved segment are listed by GET /api/v1/customers?segment=ID (src/http/admin.ts).
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { customerJson, customerSchema } from '../../http/admin.js';
import { errorResponses, errorSchema } from '../../http/schemas.js';
import { FIELDS, LIMITS, OPS } from './rules.js';
import { SAMPLE_SIZE, type Segments } from './segments.js';

const security = [{ adminToken: [] }];
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;

const RULES_DOC =
  'A rule tree: {"all":[rule…]}, {"any":[rule…]}, {"not":rule} or a condition {"field","op","value"} ' +
  '(and "withinDays": N on purchases.count and purchases.amount, to count the last N days only). ' +
  `Fields: ${Object.keys(FIELDS).join(', ')}. Ops: ${OPS.join(', ')} (in/nin take a list, between [low, high] inclusive, exists true/false). ` +
  'Dates are ISO 8601 date-times with a time zone, dates (midnight in BUSINESS_TIMEZONE) or {"daysAgo": N}. ' +
  `At most ${LIMITS.depth} levels deep and ${LIMITS.rules} rules. ` +
  'Example: {"all":[{"field":"tier","op":"gte","value":"silver"},{"field":"lastSeenAt","op":"lt","value":{"daysAgo":30}}]}. ' +
  'A mistake is a 400 naming its place: "rules.all[1].field: unknown field …".';

const rules = { type: 'object', additionalProperties: true, description: RULES_DOC } as const;
const count = { type: 'integer', description: 'How many customers the rules select now' } as const;
const segmentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    rules,
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    count,
  },
} as const;

type Row = Awaited<ReturnType<Segments['get']>>;
const segmentJson = (row: Row, n?: number) => ({
  id: row.id,
  name: row.name,
  rules: row.rules,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  ...(n === undefined ? {} : { count: n }),
});

export async function segmentRoutes(app: FastifyInstance, o: { segments: Segments }): Promise<void> {
  const { segments } = o;
  // A saved segment counted as of now (its rules parsed again: the tiers may have changed).
  const counted = async (row: Row) =>
    segmentJson(row, await segments.count(segments.where(row.rules, `segment ${row.id}: rules`)));

  app.post(
    '/api/v1/segments',
    {
      schema: {
        tags: ['Segments'],
        summary: 'Save a segment: a named rule tree over customers, evaluated in the database whenever it is used',
        description: 'A name already used is a 409; rules that do not hold are a 400 naming the problem.',
        security,
        body: {
          type: 'object',
          required: ['name', 'rules'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, rules },
        },
        response: {
          201: { type: 'object', properties: { id: { type: 'string' } } },
          ...errorResponses,
          409: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; rules: unknown };
      const name = body.name.trim();
      if (!name) throw new AppError('HTTP_BAD_REQUEST', 'body: name must not be blank');
      const created = await segments.create(name, body.rules);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/api/v1/segments',
    {
      schema: {
        tags: ['Segments'],
        summary: 'Every saved segment, by name',
        security,
        querystring: {
          type: 'object',
          properties: {
            count: {
              type: 'boolean',
              default: false,
              description: 'Count the customers of each segment too (a query per segment)',
            },
          },
        },
        response: {
          200: { type: 'object', properties: { segments: { type: 'array', items: segmentSchema } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { count: withCounts } = request.query as { count: boolean };
      const rows = await segments.list();
      return { segments: await Promise.all(rows.map((r) => (withCounts ? counted(r) : segmentJson(r)))) };
    },
  );

  app.get(
    '/api/v1/segments/:id',
    {
      schema: {
        tags: ['Segments'],
        summary: 'A saved segment with the number of customers it selects now',
        security,
        params: idParams,
        response: { 200: segmentSchema, ...errorResponses },
      },
    },
    async (request) => counted(await segments.get((request.params as { id: string }).id)),
  );

  app.delete(
    '/api/v1/segments/:id',
    {
      schema: {
        tags: ['Segments'],
        summary: 'Delete a saved segment (customers and their tags are untouched)',
        security,
        params: idParams,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await segments.delete((request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/segments/preview',
    {
      schema: {
        tags: ['Segments'],
        summary: `What a rule tree selects, without saving it: the count and up to ${SAMPLE_SIZE} customers, most recently seen first`,
        security,
        body: { type: 'object', required: ['rules'], additionalProperties: false, properties: { rules } },
        response: {
          200: {
            type: 'object',
            properties: {
              count,
              sample: {
                type: 'array',
                items: customerSchema,
                description: `Up to ${SAMPLE_SIZE} of them (any, the first the database finds; shown most recently seen first), as GET /api/v1/customers lists customers`,
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const preview = await segments.preview((request.body as { rules: unknown }).rules);
      return { count: preview.count, sample: preview.sample.map(customerJson) };
    },
  );
}
