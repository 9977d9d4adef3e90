// Admin API of one customer across channels: merge two customers, split an identity off.
import type { FastifyInstance } from 'fastify';
import { errorResponses, errorSchema } from '../../http/schemas.js';
import type { Db } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';
import { type MoveRows, mergeCustomers, unlinkIdentity } from './merge.js';

const security = [{ adminToken: [] }];
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
const identity = {
  type: 'object',
  properties: { channel: { type: 'string' }, externalId: { type: 'string' } },
} as const;

export interface LinkingRoutesOptions {
  db: Db;
  clock: Clock;
  /** Every feature's merge hook (FeatureHost.customersMerged). */
  moveRows: MoveRows;
}

export async function linkingRoutes(app: FastifyInstance, o: LinkingRoutesOptions) {
  app.post(
    '/api/v1/customers/:id/merge',
    {
      schema: {
        tags: ['Customers'],
        summary:
          'Merge another customer into this one: identities, interactions, points, purchases, rewards, tickets and feedback move here; the other record is removed',
        security,
        params: idParams,
        body: {
          type: 'object',
          required: ['otherId'],
          additionalProperties: false,
          properties: { otherId: { type: 'string', minLength: 1, maxLength: 100 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              mergedId: { type: 'string' },
              identities: { type: 'array', items: identity },
              pointsBalance: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { otherId } = request.body as { otherId: string };
      const merged = await mergeCustomers(o.db, o.moveRows, id, otherId, new Date(o.clock.now()), 'admin');
      return {
        id: merged.survivorId,
        mergedId: merged.absorbedId,
        identities: merged.identities,
        pointsBalance: merged.pointsBalance,
      };
    },
  );

  app.post(
    '/api/v1/customers/:id/unlink',
    {
      schema: {
        tags: ['Customers'],
        summary: 'Split one channel identity off into a new customer of its own (its past history stays here)',
        security,
        params: idParams,
        body: {
          type: 'object',
          required: ['channel', 'externalId'],
          additionalProperties: false,
          properties: {
            channel: { type: 'string', minLength: 1, maxLength: 50 },
            externalId: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: {
          200: { type: 'object', properties: { customerId: { type: 'string' } } },
          ...errorResponses,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { channel, externalId } = request.body as { channel: string; externalId: string };
      return unlinkIdentity(o.db, id, channel, externalId, new Date(o.clock.now()), 'admin');
    },
  );
}
