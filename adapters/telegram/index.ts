export { TELEGRAM_PACING, TelegramAdapter, type TelegramAdapterConfig, type UpdateOutcome } from './adapter.js';
export { type BotIdentity, MalformedUpdate, type Parsed, parseUpdate, TELEGRAM_CHANNEL } from './parse.js';
export { type BotCommand, CallbackData, renderMessage } from './render.js';
export { SECRET_HEADER, type TelegramWebhookOptions, telegramWebhookRoutes } from './routes.js';

import { TelegramAdapter, type TelegramAdapterConfig } from './adapter.js';

export function createTelegramAdapter(config: TelegramAdapterConfig): TelegramAdapter {
  return new TelegramAdapter(config);
}
