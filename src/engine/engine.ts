// The conversation engine: one inbound message in, this turn's replies queued out.
import type { Logger } from 'pino';
import { ConversationDirectory } from '../store/conversations.js';
import { resolveCustomer } from '../store/customers.js';
import type { Db, Prisma } from '../store/index.js';
import { commitTurn, recordInbound } from '../store/interactions.js';
import { type Clock, systemClock } from '../util/clock.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import type { InboundHandler } from './channel.js';
import { compose, type Middleware } from './composer.js';
import { parseCommand, TurnContext } from './context.js';
import { detectLocale, type Locale, normalizeLocale, type Texts } from './i18n.js';
import { chatRef, type InboundMessage, type TurnResult } from './types.js';

export interface EngineOptions {
  db: Db;
  texts: Texts;
  businessName: Record<Locale, string>;
  defaultLocale: Locale;
  middleware: readonly Middleware<TurnContext>[];
  logger: Logger;
  clock?: Clock;
  /** Called after replies were committed to the outbox (wakes the dispatcher). */
  onQueued?: () => void;
}

export class Engine implements InboundHandler {
  private readonly pipeline: (ctx: TurnContext) => Promise<void>;
  private readonly chats = new KeyedMutex();
  private readonly conversations: ConversationDirectory;

  constructor(private readonly options: EngineOptions) {
    this.pipeline = compose(options.middleware);
    this.conversations = new ConversationDirectory(options.db);
  }

  /** Handles one message; messages of one chat are handled one after another, in arrival order. */
  handleInbound(message: InboundMessage): Promise<TurnResult> {
    return this.chats.run(chatRef(message.channel, message.chatId), () => this.handle(message));
  }

  /** Resolves once every message accepted so far has been handled (for shutdown). */
  idle(): Promise<void> {
    return this.chats.idle();
  }

  private async handle(message: InboundMessage): Promise<TurnResult> {
    const { db, logger } = this.options;
    const { customer, isNew } = await resolveCustomer(db, message.channel, message.sender.id, message.sender.name);
    const conversationId = await this.conversations.idFor(message.channel, message.chatId, message.chatType);
    const command = parseCommand(message.text);
    const inbound = await recordInbound(db, {
      customerId: customer.id,
      conversationId,
      channel: message.channel,
      kind: message.payload !== undefined ? 'button' : command ? 'command' : message.unsupported ? 'unsupported' : 'message',
      text: message.text ?? null,
      payload: inboundPayload(message),
      platformMessageId: message.platformMessageId ?? null,
    });
    if (!inbound) {
      logger.debug({ channel: message.channel, platformMessageId: message.platformMessageId }, 'duplicate message ignored');
      return { duplicate: true, replies: [] };
    }

    const explicitLocale = normalizeLocale(message.sender.locale);
    const storedLocale = normalizeLocale(customer.locale);
    const locale = storedLocale ?? explicitLocale ?? detectLocale(message.text) ?? this.options.defaultLocale;
    const ctx = new TurnContext(message, customer, isNew, locale, command, this.options.texts, this.options.businessName);
    if (!storedLocale && explicitLocale) ctx.customerPatch.locale = explicitLocale;
    if (message.sender.name && !customer.displayName) ctx.customerPatch.displayName = message.sender.name;

    try {
      await this.pipeline(ctx);
    } catch (err) {
      // A bug in a feature must not cost the customer an answer or leak details to them.
      logger.error({ err, channel: message.channel, interactionId: inbound.id }, 'pipeline failed');
      ctx.replies.length = 0;
      ctx.reply(ctx.t('fallback'));
      ctx.event('engine_error', { interactionId: inbound.id });
    }

    const now = new Date((this.options.clock ?? systemClock).now());
    const update: Prisma.CustomerUpdateInput = { lastSeenAt: now, ...ctx.customerPatch };
    const replies = await commitTurn(db, {
      customerId: customer.id,
      conversationId,
      channel: message.channel,
      chatId: message.chatId,
      chatType: message.chatType,
      replies: ctx.replies,
      events: ctx.events,
      customerUpdate: update,
      now,
    });
    if (replies.length) this.options.onQueued?.();
    return { duplicate: false, replies };
  }
}

function inboundPayload(message: InboundMessage): Record<string, unknown> | null {
  const payload: Record<string, unknown> = {};
  if (message.payload !== undefined) payload.button = message.payload;
  if (message.chatType === 'group') {
    payload.group = true;
    payload.mentioned = message.mentioned;
  }
  return Object.keys(payload).length ? payload : null;
}
