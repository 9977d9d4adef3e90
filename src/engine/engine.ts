// The conversation engine: one inbound message in, this turn's replies queued out.
//
// Order for every message: dedupe by platform id → resolve the customer → store the inbound
// interaction → middleware pipeline → replies and events stored and queued in one transaction.
// Messages of one chat are handled one after another. The database steps before and after the
// pipeline are group-committed across chats, so a busy server makes few, larger writes.
import type { Logger } from 'pino';
import { ConversationDirectory } from '../store/conversations.js';
import { type Customer, resolveCustomers } from '../store/customers.js';
import type { PendingDialog } from '../store/generated/sqlite/client.js';
import type { Db } from '../store/index.js';
import { commitTurns, recordInboundBatch, type TurnWrite } from '../store/interactions.js';
import type { DatabaseProvider } from '../store/schema-engine.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type FlushResult, GroupCommit } from '../util/group-commit.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import type { InboundHandler } from './channel.js';
import { compose, type Middleware } from './composer.js';
import { type ParsedCommand, parseCommand, TurnContext } from './context.js';
import { detectLocale, type Locale, normalizeLocale, type Texts } from './i18n.js';
import { chatRef, type InboundMessage, type QueuedMessage, type TurnResult } from './types.js';

export interface EngineOptions {
  db: Db;
  provider: DatabaseProvider;
  texts: Texts;
  businessName: Record<Locale, string>;
  defaultLocale: Locale;
  middleware: readonly Middleware<TurnContext>[];
  logger: Logger;
  clock?: Clock;
  /** Called after replies were committed to the outbox (wakes the dispatcher). */
  onQueued?: () => void;
}

interface Intake {
  message: InboundMessage;
  command: ParsedCommand | undefined;
  at: Date;
}

type Admitted =
  | { duplicate: true }
  | {
      duplicate: false;
      customer: Customer;
      isNew: boolean;
      conversationId: string;
      inboundId: number;
      dialogs: PendingDialog[];
    };

export class Engine implements InboundHandler {
  private readonly pipeline: (ctx: TurnContext) => Promise<void>;
  private readonly chats = new KeyedMutex();
  private readonly conversations: ConversationDirectory;
  private readonly clock: Clock;
  private readonly intake: GroupCommit<Intake, Admitted>;
  private readonly commits: GroupCommit<TurnWrite, QueuedMessage[]>;

  constructor(private readonly options: EngineOptions) {
    this.pipeline = compose(options.middleware);
    this.conversations = new ConversationDirectory(options.db, options.provider);
    this.clock = options.clock ?? systemClock;
    this.intake = new GroupCommit((items) => this.admit(items));
    this.commits = new GroupCommit((turns) => this.commit(turns));
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
    const { logger } = this.options;
    const command = parseCommand(message.text);
    const admitted = await this.intake.submit({ message, command, at: new Date(this.clock.now()) });
    if (admitted.duplicate) {
      logger.debug(
        { channel: message.channel, platformMessageId: message.platformMessageId },
        'duplicate message ignored',
      );
      return { duplicate: true, replies: [] };
    }
    const { customer, isNew, conversationId, inboundId, dialogs } = admitted;

    // The customer's choice (/lang), else the language they write in, else what their app or
    // platform reports, else the business's default.
    const locale =
      normalizeLocale(customer.locale) ??
      detectLocale(message.text) ??
      normalizeLocale(message.sender.locale) ??
      this.options.defaultLocale;
    const ctx = new TurnContext(
      message,
      customer,
      isNew,
      locale,
      command,
      this.options.texts,
      this.options.businessName,
    );
    ctx.dialogs = dialogs.filter((d) => d.customerId === customer.id);
    if (message.sender.name && !customer.displayName) ctx.customerPatch.displayName = message.sender.name;

    try {
      await this.pipeline(ctx);
    } catch (err) {
      // A bug in a feature must not cost the customer an answer or leak details to them.
      logger.error({ err, channel: message.channel, interactionId: inboundId }, 'pipeline failed');
      ctx.replies.length = 0;
      ctx.reply(ctx.t('fallback'));
      ctx.event('engine_error', { interactionId: inboundId });
    }

    const replies = await this.commits.submit({
      customerId: customer.id,
      conversationId,
      channel: message.channel,
      chatId: message.chatId,
      chatType: message.chatType,
      replies: ctx.replies,
      events: ctx.events,
      customerPatch: ctx.customerPatch,
      now: new Date(this.clock.now()),
    });
    if (replies.length) this.options.onQueued?.();
    return { duplicate: false, replies };
  }

  /** Resolves customers and stores the inbound messages of a batch. */
  private async admit(items: Intake[]): Promise<FlushResult<Admitted>[]> {
    const { db, provider } = this.options;
    const resolved = await resolveCustomers(
      db,
      provider,
      items.map(({ message: m }) => ({ channel: m.channel, externalId: m.sender.id, name: m.sender.name })),
      new Date(Math.max(...items.map((i) => i.at.getTime()))),
    );
    const conversationIds = await this.conversations.idsFor(
      items.map(({ message: m }) => ({ channel: m.channel, chatId: m.chatId, kind: m.chatType })),
    );
    // Pending dialogs of these chats, in one query for the batch rather than one per message.
    const dialogs = await db.pendingDialog.findMany({
      where: {
        channel: { in: [...new Set(items.map((i) => i.message.channel))] },
        chatId: { in: [...new Set(items.map((i) => i.message.chatId))] },
      },
    });
    const stored = await recordInboundBatch(
      db,
      provider,
      items.map(({ message: m, command, at }, i) => ({
        customerId: (resolved[i] as { customer: Customer }).customer.id,
        conversationId: conversationIds[i] as string,
        channel: m.channel,
        kind: m.payload !== undefined ? 'button' : command ? 'command' : m.unsupported ? 'unsupported' : 'message',
        text: m.text ?? null,
        payload: inboundPayload(m),
        platformMessageId: m.platformMessageId ?? null,
        createdAt: at,
      })),
    );
    return items.map((_, i) => {
      const row = stored[i];
      const who = resolved[i] as { customer: Customer; isNew: boolean };
      if (!row) return { ok: true, value: { duplicate: true } };
      return {
        ok: true,
        value: {
          duplicate: false,
          ...who,
          conversationId: conversationIds[i] as string,
          inboundId: row.id,
          dialogs: dialogs.filter(
            (d) => d.channel === items[i]?.message.channel && d.chatId === items[i]?.message.chatId,
          ),
        },
      };
    });
  }

  /** Commits a batch of turns together; if that fails, each on its own so one bad turn fails alone. */
  private async commit(turns: TurnWrite[]): Promise<FlushResult<QueuedMessage[]>[]> {
    const { db, provider, logger } = this.options;
    try {
      const queued = await commitTurns(db, provider, turns);
      return queued.map((value) => ({ ok: true, value }));
    } catch (error) {
      if (turns.length === 1) return [{ ok: false, error }];
      logger.warn({ err: error, turns: turns.length }, 'batch commit failed; committing turns one by one');
      const results: FlushResult<QueuedMessage[]>[] = [];
      for (const turn of turns) {
        try {
          const [value] = await commitTurns(db, provider, [turn]);
          results.push({ ok: true, value: value ?? [] });
        } catch (err) {
          results.push({ ok: false, error: err });
        }
      }
      return results;
    }
  }
}

function inboundPayload(message: InboundMessage): Record<string, unknown> | null {
  const payload: Record<string, unknown> = {};
  if (message.payload !== undefined) payload.button = message.payload;
  // Kept for messages the business sends later, when the customer's own words tell no language.
  if (message.sender.locale) payload.localeHint = message.sender.locale;
  if (message.chatType === 'group') {
    payload.group = true;
    payload.mentioned = message.mentioned;
  }
  return Object.keys(payload).length ? payload : null;
}
