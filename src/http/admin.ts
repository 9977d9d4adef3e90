// Admin API: the business's view of its customers (Authorization: Bearer $ADMIN_TOKEN).
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { searchCustomers } from '../store/customer-search.js';
import { getCustomer } from '../store/customers.js';
import type { Db, Prisma } from '../store/index.js';
import { listInteractions } from '../store/interactions.js';
import type { DatabaseProvider } from '../store/schema-engine.js';
import { cursorQuery, nextCursorSchema } from './paging.js';
import { errorResponses } from './schemas.js';

const identity = {
  type: 'object',
  properties: { channel: { type: 'string' }, externalId: { type: 'string' } },
} as const;

const customer = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    displayName: { type: ['string', 'null'] },
    locale: { type: ['string', 'null'] },
    stage: {
      type: 'string',
      enum: ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned'],
      description: 'Lifecycle stage, computed from purchases and activity (README: Lifecycle)',
    },
    optedOut: { type: 'boolean' },
    createdAt: { type: 'string' },
    lastSeenAt: { type: 'string', description: 'When the customer last wrote, exact to a minute' },
    identities: { type: 'array', items: identity },
    points: {
      type: 'object',
      properties: {
        balance: { type: 'integer' },
        tier: { type: 'string' },
        tierName: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    purchases: {
      type: 'object',
      description: 'Profile only (lifecycle): how many purchases and their sum',
      properties: { count: { type: 'integer' }, amount: { type: 'number' } },
    },
    firstPurchaseAt: { type: ['string', 'null'], description: 'Profile only (lifecycle)' },
    lastPurchaseAt: { type: ['string', 'null'], description: 'Profile only (lifecycle)' },
    rfm: {
      type: ['object', 'null'],
      description:
        'Profile only (lifecycle): recency, frequency and monetary scores 1-5 by quintile among the customers who bought; null before the first purchase or while fewer than 20 customers bought',
      properties: { recency: { type: 'integer' }, frequency: { type: 'integer' }, monetary: { type: 'integer' } },
    },
    tags: {
      type: 'array',
      items: { type: 'string' },
      description: 'Profile only (segments): labels staff put on the customer',
    },
  },
} as const;

const interaction = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    channel: { type: 'string' },
    direction: { type: 'string', enum: ['in', 'out', 'event'] },
    kind: { type: 'string' },
    text: { type: ['string', 'null'] },
    payload: {},
    platformMessageId: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
  },
} as const;

const security = [{ adminToken: [] }];
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;

type CustomerRow = NonNullable<Awaited<ReturnType<typeof getCustomer>>>;

type ListedRow = Awaited<ReturnType<typeof searchCustomers>>['customers'][number];

function profile(c: CustomerRow | ListedRow) {
  return {
    id: c.id,
    displayName: c.displayName,
    locale: c.locale,
    stage: c.stage,
    optedOut: c.optedOut,
    createdAt: c.createdAt.toISOString(),
    lastSeenAt: c.lastSeenAt.toISOString(),
    identities: c.identities.map((i) => ({ channel: i.channel, externalId: i.externalId })),
  };
}

/** Customer routes of the admin API; server.ts puts them behind the admin token. */
export interface AdminRoutesOptions {
  db: Db;
  /** Where lists and searches read (Store.reads: off the main thread on SQLite). */
  reads: Db;
  provider: DatabaseProvider;
  /** More of the profile, from features (points and tier). */
  profileExtras?: (customerId: string) => Promise<Record<string, unknown>>;
  /** A saved segment as a condition on the customer row `c` (undefined: no such segment), from features. */
  segmentWhere?: (segmentId: string) => Promise<Prisma.Sql | undefined>;
}

/** The customer list's item and its schema, for features that list customers (segment previews). */
export { customer as customerSchema, profile as customerJson };

export async function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const { db } = options;

  app.get(
    '/api/v1/customers',
    {
      schema: {
        tags: ['Admin'],
        summary: 'Find customers by channel identity or by a search text (name, id, external id), or list a segment',
        description:
          "Most recently seen first, paged by `cursor`. `q` matches a customer id or an external id exactly, or any part of a name (the customer's or one of its channel accounts', Chinese or English, case-insensitive), through indexes at any number of customers. `segment` keeps only the customers of a saved segment (POST /api/v1/segments), its rules evaluated now; an unknown segment is a 404.",
        security,
        querystring: {
          type: 'object',
          properties: {
            channel: { type: 'string', maxLength: 50 },
            externalId: { type: 'string', maxLength: 200 },
            q: { type: 'string', maxLength: 200 },
            segment: { type: 'string', maxLength: 100, description: 'Only the customers of this segment (its id)' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: cursorQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { customers: { type: 'array', items: customer }, nextCursor: nextCursorSchema },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const query = request.query as {
        channel?: string;
        externalId?: string;
        q?: string;
        segment?: string;
        limit: number;
        cursor?: string;
      };
      const where = query.segment === undefined ? undefined : await options.segmentWhere?.(query.segment);
      if (query.segment !== undefined && !where) throw new AppError('HTTP_NOT_FOUND', `no segment ${query.segment}`);
      const page = await searchCustomers(options.reads, options.provider, { ...query, where });
      return { customers: page.customers.map(profile), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/customers/:id',
    {
      schema: {
        tags: ['Admin'],
        summary: "A customer's profile",
        security,
        params: idParams,
        response: { 200: customer, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const row = await getCustomer(db, id);
      if (!row) throw new AppError('HTTP_NOT_FOUND', `no customer ${id}`);
      return { ...profile(row), ...(await options.profileExtras?.(id)) };
    },
  );

  app.get(
    '/api/v1/customers/:id/interactions',
    {
      schema: {
        tags: ['Admin'],
        summary: "A customer's interactions (messages both ways and engine events), newest first",
        security,
        params: idParams,
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, cursor: cursorQuery },
        },
        response: {
          200: {
            type: 'object',
            properties: { interactions: { type: 'array', items: interaction }, nextCursor: nextCursorSchema },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { limit, cursor } = request.query as { limit: number; cursor?: string };
      const exists = await db.customer.findUnique({ where: { id }, select: { id: true } });
      if (!exists) throw new AppError('HTTP_NOT_FOUND', `no customer ${id}`);
      const page = await listInteractions(options.reads, id, limit, cursor);
      return {
        interactions: page.interactions.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
        nextCursor: page.nextCursor,
      };
    },
  );
}
