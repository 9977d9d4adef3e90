// The webhook route on the main HTTP server (TELEGRAM_WEBHOOK_URL's path). Every request must carry
// TELEGRAM_WEBHOOK_SECRET in X-Telegram-Bot-Api-Secret-Token: without it, 401 before the body is
// even read. An update is answered once it was handled, so a failure makes Telegram send it again.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../src/errors.js';
import { errorBody } from '../../src/http/errors.js';
import { errorSchema } from '../../src/http/schemas.js';
import type { TelegramAdapter } from './adapter.js';

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export interface TelegramWebhookOptions {
  adapter: Pick<TelegramAdapter, 'handleWebhookUpdate'>;
  path: string;
  secret: string;
}

function secretMatches(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

const schema = {
  tags: ['Telegram'],
  summary: 'Telegram webhook (enabled by TELEGRAM_WEBHOOK_URL; checked with TELEGRAM_WEBHOOK_SECRET)',
  body: { type: 'object' },
  response: {
    200: { type: 'object' },
    400: errorSchema,
    401: errorSchema,
    500: errorSchema,
    503: errorSchema,
  },
} as const;

export async function telegramWebhookRoutes(server: FastifyInstance, options: TelegramWebhookOptions): Promise<void> {
  server.addHook('onRequest', async (request) => {
    if (!secretMatches(request.headers[SECRET_HEADER], options.secret)) {
      throw new AppError('HTTP_UNAUTHORIZED', 'missing or wrong X-Telegram-Bot-Api-Secret-Token');
    }
  });
  // A message with a long reply_to_message can pass the API's 64 KiB body limit.
  server.post(options.path, { schema, bodyLimit: 1024 * 1024 }, async (request, reply) => {
    const outcome = await options.adapter.handleWebhookUpdate(request.body);
    if (outcome === 'unavailable') {
      return reply.status(503).send(errorBody('UNAVAILABLE', 'the Telegram channel is not receiving now'));
    }
    if (outcome === 'failed') {
      return reply.status(500).send(errorBody('INTERNAL', 'the update could not be handled; Telegram sends it again'));
    }
    return {};
  });
}
