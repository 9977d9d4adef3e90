// Admin API of redemption codes, for the shop counter: look up, mark used, cancel with a refund.
import type { FastifyInstance } from 'fastify';
import { errorResponses, errorSchema } from '../../http/schemas.js';
import type { RedemptionCodes } from './redemption-codes.js';

const security = [{ adminToken: [] }];
const codeParams = {
  type: 'object',
  required: ['code'],
  properties: { code: { type: 'string', minLength: 1, maxLength: 64, description: 'Case-insensitive' } },
} as const;

const localizedName = {
  type: ['object', 'null'],
  properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
} as const;

const redemptionSchema = {
  type: 'object',
  required: ['code', 'status', 'reward', 'customer', 'issuedAt', 'usedAt', 'cancelledAt'],
  properties: {
    code: { type: 'string' },
    status: { type: 'string', enum: ['issued', 'used', 'cancelled'] },
    reward: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { ...localizedName, description: 'null when the reward is no longer in the catalog' },
        cost: { type: 'integer' },
      },
    },
    customer: {
      type: 'object',
      properties: { id: { type: 'string' }, displayName: { type: ['string', 'null'] } },
    },
    issuedAt: { type: 'string', format: 'date-time' },
    usedAt: { type: ['string', 'null'], format: 'date-time' },
    cancelledAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export interface RedemptionRoutesOptions {
  codes: RedemptionCodes;
}

export async function redemptionRoutes(app: FastifyInstance, { codes }: RedemptionRoutesOptions) {
  app.get(
    '/api/v1/redemptions/:code',
    {
      schema: {
        tags: ['Loyalty'],
        summary: 'Look up a redemption code: its reward, customer and whether it was used',
        security,
        params: codeParams,
        response: { 200: redemptionSchema, ...errorResponses },
      },
    },
    async (request) => codes.get((request.params as { code: string }).code),
  );

  app.post(
    '/api/v1/redemptions/:code/use',
    {
      schema: {
        tags: ['Loyalty'],
        summary: 'Mark a code used, once (409 REDEMPTION_USED with when, or REDEMPTION_CANCELLED)',
        security,
        params: codeParams,
        response: { 200: redemptionSchema, ...errorResponses, 409: errorSchema },
      },
    },
    async (request) => codes.use((request.params as { code: string }).code),
  );

  app.post(
    '/api/v1/redemptions/:code/cancel',
    {
      schema: {
        tags: ['Loyalty'],
        summary: 'Cancel an unused code: the points are refunded once, limited stock is given back (409 when used)',
        security,
        params: codeParams,
        response: {
          200: {
            ...redemptionSchema,
            required: [...redemptionSchema.required, 'refunded', 'balance'],
            properties: {
              ...redemptionSchema.properties,
              refunded: { type: 'integer', description: 'Points given back' },
              balance: { type: 'integer', description: "The customer's balance after the refund" },
            },
          },
          ...errorResponses,
          409: errorSchema,
        },
      },
    },
    async (request) => codes.cancel((request.params as { code: string }).code),
  );
}
