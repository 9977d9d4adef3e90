// Admin API of loyalty: purchases from the business's systems, manual adjustments, the ledger.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { parseDateTime } from '../../http/formats.js';
import { cursorQuery, decodeCursor, nextCursorSchema, pageOf } from '../../http/paging.js';
import { dateTimeSchema, errorResponses, errorSchema } from '../../http/schemas.js';
import type { Outreach } from '../../outbox/outreach.js';
import type { Loyalty } from './service.js';
import { congratulateTier } from './tier-notice.js';

const security = [{ adminToken: [] }];
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;

const entrySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string', enum: ['award', 'spend', 'expire', 'adjust', 'refund'] },
    delta: { type: 'integer' },
    reason: { type: 'string' },
    idempotencyKey: { type: 'string' },
    expiresAt: { type: ['string', 'null'] },
    meta: {},
    createdAt: { type: 'string' },
  },
} as const;

const tierSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'object', additionalProperties: { type: 'string' } } },
} as const;

type Entry = { createdAt: Date; expiresAt: Date | null } & Record<string, unknown>;
const entryBody = (e: Entry) => ({
  ...e,
  createdAt: e.createdAt.toISOString(),
  expiresAt: e.expiresAt?.toISOString() ?? null,
});

/**
 * Runs after every reported purchase (a repeated report too, so what a crash left undone is done
 * by the retry); what it returns joins the response (the referrals feature pays referrals here).
 */
export type PurchaseHook = (customerId: string) => Promise<Record<string, unknown> | undefined>;

export interface LoyaltyRoutesOptions extends Outreach {
  loyalty: Loyalty;
  afterPurchase: readonly PurchaseHook[];
}

export async function loyaltyRoutes(app: FastifyInstance, options: LoyaltyRoutesOptions) {
  const { db, loyalty } = options;
  const mustExist = async (id: string) => {
    if (!(await db.customer.findUnique({ where: { id }, select: { id: true } }))) {
      throw new AppError('HTTP_NOT_FOUND', `no customer ${id}`);
    }
  };

  app.post(
    '/api/v1/customers/:id/purchases',
    {
      schema: {
        tags: ['Loyalty'],
        summary:
          "Record a purchase; awards points once per orderId, and pays the customer's pending referral at the first purchase",
        description:
          'Points past the ledger limit (a balance or one award above 2,000,000,000) are refused with 400 POINTS_LIMIT and nothing is stored.',
        security,
        params: idParams,
        body: {
          type: 'object',
          required: ['amount', 'orderId'],
          properties: {
            amount: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000_000 },
            orderId: { type: 'string', minLength: 1, maxLength: 200 },
            at: {
              ...dateTimeSchema,
              description:
                'When it was bought: an ISO 8601 date-time with a time zone (2026-07-01T09:30:00+08:00); default now',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              duplicate: { type: 'boolean' },
              purchase: {
                type: 'object',
                properties: { orderId: { type: 'string' }, amount: { type: 'number' }, at: { type: 'string' } },
              },
              points: { type: 'object', properties: { awarded: { type: 'integer' }, balance: { type: 'integer' } } },
              tierReached: { type: 'string' },
              stage: {
                type: 'string',
                description: "The customer's lifecycle stage after this purchase (when lifecycle is on)",
              },
              referral: {
                type: 'object',
                description: 'Present when this purchase paid the referral the customer had entered',
                properties: {
                  referrerId: { type: 'string' },
                  refereePoints: { type: 'integer' },
                  referrerPoints: { type: 'integer' },
                  capped: { type: 'boolean', description: "The referrer's monthly allowance was used up" },
                },
              },
            },
          },
          ...errorResponses,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { amount: number; orderId: string; at?: string };
      const at = body.at === undefined ? undefined : parseDateTime(body.at);
      if (body.at !== undefined && !at) throw new AppError('HTTP_BAD_REQUEST', 'at: not an ISO 8601 date-time');
      await mustExist(id);
      // A purchase that lifts the customer into a tier is congratulated in their chat (marketing),
      // in the purchase's transaction.
      const input = { amount: body.amount, orderId: body.orderId, ...(at ? { at } : {}) };
      const result = await loyalty.purchase(id, input, async (tx, award) => {
        if (award.tierReached) await congratulateTier(tx, options, id, award.tierReached, `order:${body.orderId}`);
      });
      if (result.award?.tierReached) options.onQueued(); // committed: the dispatcher may take it
      const extras: Record<string, unknown> = {};
      for (const hook of options.afterPurchase) Object.assign(extras, await hook(id));
      const balance = (await db.customer.findUniqueOrThrow({ where: { id }, select: { pointsBalance: true } }))
        .pointsBalance;
      return {
        duplicate: result.duplicate,
        purchase: {
          orderId: result.purchase.orderId,
          amount: result.purchase.amount,
          at: result.purchase.at.toISOString(),
        },
        points: { awarded: result.award?.applied ? result.award.entry.delta : 0, balance },
        ...(result.award?.tierReached ? { tierReached: result.award.tierReached.id } : {}),
        ...extras,
      };
    },
  );

  app.post(
    '/api/v1/customers/:id/points',
    {
      schema: {
        tags: ['Loyalty'],
        summary: 'Adjust points by hand (audited); an overdraw is refused with 409 and changes nothing',
        security,
        params: idParams,
        body: {
          type: 'object',
          required: ['delta', 'reason', 'idempotencyKey'],
          properties: {
            delta: { type: 'integer', minimum: -1_000_000, maximum: 1_000_000, not: { const: 0 } },
            reason: { type: 'string', minLength: 1, maxLength: 200 },
            idempotencyKey: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { applied: { type: 'boolean' }, balance: { type: 'integer' }, entry: entrySchema },
          },
          ...errorResponses,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { delta: number; reason: string; idempotencyKey: string };
      await mustExist(id);
      const key = `manual:${body.idempotencyKey}`;
      const result = await loyalty.adjust(id, body.delta, body.reason, key, 'admin-api', async (tx, award) => {
        if (award.tierReached) await congratulateTier(tx, options, id, award.tierReached, key);
      });
      if (result.tierReached) options.onQueued();
      return { applied: result.applied, balance: result.balance, entry: entryBody(result.entry as unknown as Entry) };
    },
  );

  app.get(
    '/api/v1/customers/:id/points',
    {
      schema: {
        tags: ['Loyalty'],
        summary: "A customer's balance, tier and ledger (newest first)",
        description:
          'The ledger is paged by `cursor`: pass `nextCursor` to get the next `limit` entries (the balance and tier come with every page).',
        security,
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: cursorQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              balance: { type: 'integer' },
              tier: tierSchema,
              nextTier: tierSchema,
              toNextTier: { type: 'integer' },
              earnedLast12Months: { type: 'integer' },
              expiringIn30Days: { type: 'integer' },
              ledger: { type: 'array', items: entrySchema },
              nextCursor: nextCursorSchema,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { limit, cursor } = request.query as { limit: number; cursor?: string };
      const before = cursor === undefined ? undefined : decodeCursor(cursor, ['int'])[0];
      await mustExist(id);
      const [summary, rows] = await Promise.all([loyalty.summary(id), loyalty.history(id, limit + 1, before)]);
      // Ids grow with time and the ledger is append-only: id order is the entries' order.
      const ledger = pageOf(rows, limit, (e) => [e.id]);
      return {
        balance: summary.balance,
        tier: { id: summary.tier.id, name: summary.tier.name },
        ...(summary.nextTier ? { nextTier: { id: summary.nextTier.id, name: summary.nextTier.name } } : {}),
        toNextTier: summary.toNextTier,
        earnedLast12Months: summary.earnedLast12Months,
        expiringIn30Days: summary.expiringIn30Days,
        ledger: ledger.items.map((e) => entryBody(e as unknown as Entry)),
        nextCursor: ledger.nextCursor,
      };
    },
  );
}
