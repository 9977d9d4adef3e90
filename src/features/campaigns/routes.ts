// Admin API of campaigns: create one (now or at a set time), list and read them with their
// stats, cancel what is not sent yet. The enqueueing itself is the `campaigns` job's (and, for a
// campaign due at once, a background run started by the create).
import type { FastifyInstance } from 'fastify';
import type { Locale } from '../../engine/i18n.js';
import type { Button } from '../../engine/types.js';
import { AppError } from '../../errors.js';
import { DATE_TIME_EXAMPLE, parseDateTime } from '../../http/formats.js';
import { cursorQuery, nextCursorSchema } from '../../http/paging.js';
import { dateTimeSchema, errorResponses, errorSchema } from '../../http/schemas.js';
import { BATCH_SIZE, type Campaigns, type CampaignView, PLACEHOLDERS, TEXT_MAX } from './campaigns.js';
import { REPLY_WINDOW_HOURS } from './stats.js';

const security = [{ adminToken: [] }];
const tags = ['Campaigns'];
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;

const placeholders = PLACEHOLDERS.map((p) => `{${p}}`).join(', ');
const text = (language: string) =>
  ({
    type: 'string',
    minLength: 1,
    maxLength: TEXT_MAX,
    description: `The text for customers who read ${language}; may use ${placeholders} (display name or empty, the business's name in their language, their points balance)`,
  }) as const;

const count = (description: string) => ({ type: 'integer', description }) as const;

const campaignSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: {
      type: 'string',
      enum: ['scheduled', 'sending', 'sent', 'cancelled'],
      description: 'scheduled (waits for sendAt), sending (being enqueued), sent (every customer enqueued), cancelled',
    },
    sendAt: { type: 'string' },
    createdAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'], description: 'When the last customer was enqueued' },
    cancelledAt: { type: ['string', 'null'] },
    segmentId: {
      type: ['string', 'null'],
      description: 'The segment its audience was copied from (null for rules given directly)',
    },
    stats: {
      type: 'object',
      properties: {
        targeted: count('Customers the rules selected when sending started'),
        queued: count(
          'Messages accepted: queued to the outbox, or held through quiet hours (deferredQuietHours of them, delivered when the quiet hours end)',
        ),
        sent: count('Messages delivered (outbox row sent, or pruned after it was)'),
        failed: count('Messages the outbox gave up on'),
        skippedOptedOut: count('Customers skipped because they opted out (/stop)'),
        skippedCapped: count('Customers skipped by the frequency cap (outreach.frequencyCap)'),
        skippedUnreachable: count(
          'Customers skipped because there is no chat to write to (they never wrote in a private chat) or the platform says their account cannot be reached',
        ),
        deferredQuietHours: count('Of the queued messages, those held through quiet hours'),
        replied: count(`Customers of the campaign who wrote to us within ${REPLY_WINDOW_HOURS} hours after it`),
      },
    },
  },
} as const;

const json = (c: CampaignView) => ({
  ...c,
  sendAt: c.sendAt.toISOString(),
  createdAt: c.createdAt.toISOString(),
  finishedAt: c.finishedAt?.toISOString() ?? null,
  cancelledAt: c.cancelledAt?.toISOString() ?? null,
});

interface CreateBody {
  name: string;
  segmentId?: string;
  rules?: unknown;
  message: Record<Locale, string>;
  buttons?: Button[];
  sendAt?: string;
}

export async function campaignRoutes(app: FastifyInstance, o: { campaigns: Campaigns }): Promise<void> {
  const { campaigns } = o;

  app.post(
    '/api/v1/campaigns',
    {
      schema: {
        tags,
        summary: "Create a campaign: a message to a segment's customers, now or at sendAt",
        description:
          'The audience is `segmentId` (a saved segment, its rules copied now) or `rules` (a rule tree, as for ' +
          'POST /api/v1/segments): exactly one. Each customer gets the message once, in their language, through ' +
          'the marketing rules: not after /stop, not past the frequency cap, held through quiet hours. ' +
          `Without sendAt, or with one past, it starts at once (status "sending", in the background, ${BATCH_SIZE} ` +
          'customers a transaction); otherwise it waits ("scheduled") for the `campaigns` job to reach sendAt. ' +
          'An unknown segment is a 404; rules that do not hold, a 400 naming the problem.',
        security,
        body: {
          type: 'object',
          required: ['name', 'message'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            segmentId: { type: 'string', minLength: 1, maxLength: 100 },
            rules: {
              type: 'object',
              additionalProperties: true,
              description: 'A rule tree, as POST /api/v1/segments takes',
            },
            message: {
              type: 'object',
              required: ['zh-CN', 'en'],
              additionalProperties: false,
              properties: { 'zh-CN': text('Chinese'), en: text('English') },
            },
            buttons: {
              type: 'array',
              maxItems: 10,
              description: 'Buttons under the message; a tap sends `payload` as the customer’s message',
              items: {
                type: 'object',
                required: ['label', 'payload'],
                additionalProperties: false,
                properties: {
                  label: { type: 'string', minLength: 1, maxLength: 64 },
                  payload: { type: 'string', minLength: 1, maxLength: 64 },
                },
              },
            },
            sendAt: {
              ...dateTimeSchema,
              description: `When to start: an ISO 8601 date-time with a time zone (${DATE_TIME_EXAMPLE}); default now`,
            },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: { id: { type: 'string' }, status: { type: 'string', enum: ['scheduled', 'sending'] } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as CreateBody;
      const sendAt = body.sendAt === undefined ? undefined : parseDateTime(body.sendAt);
      if (body.sendAt !== undefined && !sendAt) {
        throw new AppError(
          'HTTP_BAD_REQUEST',
          `sendAt: not an ISO 8601 date-time with a time zone (${DATE_TIME_EXAMPLE})`,
        );
      }
      const created = await campaigns.create({
        name: body.name,
        message: body.message,
        ...(body.segmentId !== undefined ? { segmentId: body.segmentId } : {}),
        ...(body.rules !== undefined ? { rules: body.rules } : {}),
        ...(body.buttons ? { buttons: body.buttons } : {}),
        ...(sendAt ? { sendAt } : {}),
      });
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/api/v1/campaigns',
    {
      schema: {
        tags,
        summary: 'Campaigns, newest first, with their stats',
        description:
          'Newest first, paged by `cursor`: pass `nextCursor` to get the next `limit`; campaigns created meanwhile do not shift the pages.',
        security,
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            cursor: cursorQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { campaigns: { type: 'array', items: campaignSchema }, nextCursor: nextCursorSchema },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query as { limit: number; cursor?: string };
      const page = await campaigns.list(limit, cursor);
      return { campaigns: page.items.map(json), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/campaigns/:id',
    {
      schema: {
        tags,
        summary: 'A campaign with its stats',
        description:
          'targeted, queued, deferredQuietHours and skipped* are what the enqueueing decided; sent and failed follow ' +
          `the outbox; replied counts the customers who wrote to us within ${REPLY_WINDOW_HOURS} hours after their message was queued.`,
        security,
        params: idParams,
        response: { 200: campaignSchema, ...errorResponses },
      },
    },
    async (request) => json(await campaigns.get((request.params as { id: string }).id)),
  );

  app.post(
    '/api/v1/campaigns/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a campaign: what is not sent yet is not sent',
        description:
          'Enqueueing stops, messages held through quiet hours are dropped and messages still waiting in the ' +
          'outbox are cancelled; messages already sent (or being sent) stay. A sent campaign can be cancelled while ' +
          'some of its messages still wait; one with nothing left waiting, or a cancelled one, is a 409.',
        security,
        params: idParams,
        response: { 200: campaignSchema, ...errorResponses, 409: errorSchema },
      },
    },
    async (request) => json(await campaigns.cancel((request.params as { id: string }).id)),
  );
}
