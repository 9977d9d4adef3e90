// The conversation engine: one inbound message in, this turn's replies queued out.
//
// Order for every message: check it can be stored → dedupe by platform id → resolve the customer
// → store the inbound interaction → middleware pipeline → replies and events stored and queued,
// and the inbound marked handled, in one transaction. Messages of one chat are handled one after
// another. The database steps before and after the pipeline are group-committed across chats, so a
// busy server makes few, larger writes; a batch that fails is retried item by item, so one bad
// message fails alone.
//
// At least once, exactly once: a message stored but not handled (the process died mid-turn) is
// handled when it is delivered again, or by the replay (src/engine/replay.ts); a second commit for
// one message is refused by the database, so its replies are queued once.
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { ConversationDirectory } from '../store/conversations.js';
import { type Customer, resolveCustomers, storedName } from '../store/customers.js';
import { pendingDialogsOf } from '../store/dialogs.js';
import type { PendingDialog } from '../store/generated/sqlite/client.js';
import type { Db } from '../store/index.js';
import {
  type ClaimedReply,
  commitTurns,
  isHandled,
  type OutboxLease,
  recordInboundBatch,
  type TurnWrite,
} from '../store/interactions.js';
import type { DatabaseProvider } from '../store/schema-engine.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type FlushResult, GroupCommit } from '../util/group-commit.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { invalidTextReason } from '../util/text.js';
import type { InboundHandler } from './channel.js';
import { optOutChange } from './commands.js';
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
  /** Called after replies were committed to the outbox that nobody claimed yet (wakes the dispatcher). */
  onQueued?: () => void;
  /**
   * This instance's sender (the outbox Dispatcher): a turn commit claims replies for it where it can
   * (OutboxLease) and hands them over, so they need no claim of their own.
   */
  outbox?: { lease(): OutboxLease | null; adopt(replies: ClaimedReply[]): void };
  /** Called after a turn committed (metrics): its channel, duration and the kinds of its events. */
  onTurn?: (info: TurnInfo) => void;
}

export interface TurnInfo {
  channel: string;
  /** From the stored message to its replies committed, in milliseconds. */
  ms: number;
  events: string[];
}

interface Intake {
  message: InboundMessage;
  command: ParsedCommand | undefined;
  at: Date;
}

interface Turn {
  customer: Customer;
  isNew: boolean;
  conversationId: string;
  inboundId: number;
  dialogs: PendingDialog[];
}

/** `redelivered`: stored before, by a process that died before its turn committed. */
type Admitted = { duplicate: true } | ({ duplicate: false; redelivered: boolean } & Turn);

/** A message stored before whose turn never committed, as src/engine/replay.ts rebuilds it. */
export interface StoredMessage {
  inboundId: number;
  customerId: string;
  conversationId: string;
  message: InboundMessage;
}

const DUPLICATE: TurnResult = { duplicate: true, replies: [] };

export class Engine implements InboundHandler {
  private readonly pipeline: (ctx: TurnContext) => Promise<void>;
  private readonly chats = new KeyedMutex();
  private readonly conversations: ConversationDirectory;
  private readonly clock: Clock;
  private readonly intake: GroupCommit<Intake, Admitted>;
  private readonly commits: GroupCommit<TurnWrite, QueuedMessage[] | null>;
  /** Inbound messages whose turn runs in this process now (a replay leaves them alone). */
  private readonly inFlight = new Set<number>();

  constructor(private readonly options: EngineOptions) {
    this.pipeline = compose(options.middleware);
    this.conversations = new ConversationDirectory(options.db, options.provider);
    this.clock = options.clock ?? systemClock;
    const onBatchFailed = (step: string) => (err: unknown, size: number) =>
      options.logger.warn({ err, size }, `${step}: batch failed; retrying its messages one by one`);
    this.intake = new GroupCommit((items) => this.admit(items), { onBatchFailed: onBatchFailed('intake') });
    this.commits = new GroupCommit((turns) => this.commit(turns), { onBatchFailed: onBatchFailed('turn commit') });
  }

  /**
   * Handles one message; messages of one chat are handled one after another, in arrival order.
   * Text that cannot be stored is refused (ENGINE_INVALID_TEXT) before anything is written.
   */
  handleInbound(message: InboundMessage): Promise<TurnResult> {
    const invalid = invalidField(message);
    if (invalid) return Promise.reject(new AppError('ENGINE_INVALID_TEXT', invalid));
    return this.chats.run(chatRef(message.channel, message.chatId), () => this.handle(message));
  }

  /** Handles a message stored earlier whose turn never committed; a no-op when it has been since. */
  replayStored(stored: StoredMessage): Promise<TurnResult> {
    const { message, inboundId } = stored;
    return this.chats.run(chatRef(message.channel, message.chatId), async () => {
      if (this.inFlight.has(inboundId)) return DUPLICATE;
      const { db } = this.options;
      const row = await db.interaction.findUnique({ where: { id: inboundId }, select: { handledAt: true } });
      const customer = await db.customer.findUnique({ where: { id: stored.customerId } });
      if (!row || row.handledAt || !customer) return DUPLICATE;
      const [dialogs, isNew] = await Promise.all([
        db.pendingDialog.findMany({ where: { channel: message.channel, chatId: message.chatId } }),
        this.isFirstMessage(customer.id, inboundId),
      ]);
      const turn = { customer, isNew, conversationId: stored.conversationId, inboundId, dialogs };
      return this.turn(message, parseCommand(message.text), turn);
    });
  }

  /**
   * Opts the customer of a private chat out of the business's own messages, or back in (PUT
   * /api/v1/me/preferences): the change /stop and /start make, committed as their turns are (the
   * `opt_out` / `opt_in` event; an opt-out cancels the customer's marketing waiting in the outbox),
   * in line with the chat's messages. No message is stored or sent. Returns the customer's setting
   * now, or undefined when nobody wrote from this account (nothing is stored then).
   */
  setOptedOut(channel: string, chatId: string, optedOut: boolean): Promise<boolean | undefined> {
    return this.chats.run(chatRef(channel, chatId), async () => {
      const { db } = this.options;
      // A private chat's id is its account's id on the platform.
      const identity = await db.channelIdentity.findUnique({
        where: { channel_externalId: { channel, externalId: chatId } },
        select: { customer: { select: { id: true, optedOut: true } } },
      });
      const customer = identity?.customer;
      if (!customer) return undefined;
      const change = optOutChange(customer.optedOut, optedOut);
      if (!change) return customer.optedOut;
      const [conversationId] = await this.conversations.idsFor([{ channel, chatId, kind: 'private' }]);
      await this.commits.submit({
        inboundId: null,
        customerId: customer.id,
        conversationId: conversationId ?? null,
        channel,
        chatId,
        chatType: 'private',
        replies: [],
        events: [{ kind: change.event }],
        customerPatch: change.patch,
        now: new Date(this.clock.now()),
      });
      return optedOut;
    });
  }

  /** Resolves once every message accepted so far has been handled (for shutdown). */
  idle(): Promise<void> {
    return this.chats.idle();
  }

  private async handle(message: InboundMessage): Promise<TurnResult> {
    const { logger } = this.options;
    const command = parseCommand(message.text);
    const admitted = await this.intake.submit({ message, command, at: new Date(this.clock.now()) });
    if (admitted.duplicate || this.inFlight.has(admitted.inboundId)) {
      logger.debug(
        { channel: message.channel, platformMessageId: message.platformMessageId },
        'duplicate message ignored',
      );
      return DUPLICATE;
    }
    // The dead process created the customer: whether to greet depends on what came before.
    if (admitted.redelivered) admitted.isNew = await this.isFirstMessage(admitted.customer.id, admitted.inboundId);
    return this.turn(message, command, admitted);
  }

  /** True when the customer wrote nothing before this message (a first contact gets a welcome). */
  private async isFirstMessage(customerId: string, inboundId: number): Promise<boolean> {
    const earlier = await this.options.db.interaction.findFirst({
      where: { customerId, direction: 'in', id: { lt: inboundId } },
      select: { id: true },
    });
    return !earlier;
  }

  /** The middleware pipeline and the commit of its outcome, for a stored message. */
  private async turn(message: InboundMessage, command: ParsedCommand | undefined, turn: Turn): Promise<TurnResult> {
    this.inFlight.add(turn.inboundId);
    try {
      return await this.runTurn(message, command, turn);
    } finally {
      this.inFlight.delete(turn.inboundId);
    }
  }

  private async runTurn(message: InboundMessage, command: ParsedCommand | undefined, turn: Turn): Promise<TurnResult> {
    const { logger } = this.options;
    const began = performance.now();
    const { customer, isNew, conversationId, inboundId, dialogs } = turn;
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
    if (message.sender.name && !customer.displayName)
      ctx.customerPatch.displayName = storedName(message.sender.name) ?? null;

    try {
      await this.pipeline(ctx);
    } catch (err) {
      // A bug in a feature must not cost the customer an answer or leak details to them.
      logger.error({ err, channel: message.channel, interactionId: inboundId }, 'pipeline failed');
      ctx.replies.length = 0;
      ctx.rows.length = 0;
      ctx.reply(ctx.t('fallback'));
      ctx.event('engine_error', { interactionId: inboundId });
    }

    const replies = await this.commits.submit({
      inboundId,
      customerId: customer.id,
      conversationId,
      channel: message.channel,
      chatId: message.chatId,
      chatType: message.chatType,
      replies: ctx.replies,
      events: ctx.events,
      rows: ctx.rows,
      customerPatch: ctx.customerPatch,
      now: new Date(this.clock.now()),
    });
    if (!replies) return DUPLICATE;
    const ms = performance.now() - began;
    this.options.onTurn?.({ channel: message.channel, ms, events: ctx.events.map((e) => e.kind) });
    return { duplicate: false, replies };
  }

  /** Resolves customers and stores the inbound messages of a batch. */
  private async admit(items: Intake[]): Promise<FlushResult<Admitted>[]> {
    const { db, provider } = this.options;
    // Three independent reads, at once: on PostgreSQL each is a round trip.
    const [resolved, conversationIds, dialogs] = await settleAll([
      resolveCustomers(
        db,
        provider,
        items.map(({ message: m }) => ({ channel: m.channel, externalId: m.sender.id, name: m.sender.name })),
        new Date(Math.max(...items.map((i) => i.at.getTime()))),
      ),
      this.conversations.idsFor(
        items.map(({ message: m }) => ({ channel: m.channel, chatId: m.chatId, kind: m.chatType })),
      ),
      // Pending dialogs of these chats, in one query for the batch rather than one per message.
      pendingDialogsOf(
        db,
        [...new Set(items.map((i) => i.message.channel))],
        [...new Set(items.map((i) => i.message.chatId))],
      ),
    ]);
    const stored = await recordInboundBatch(
      db,
      provider,
      items.map(({ message: m, command, at }, i) => ({
        customerId: (resolved[i] as { customer: Customer }).customer.id,
        conversationId: conversationIds[i] as string,
        channel: m.channel,
        kind: m.joined
          ? 'member_joined'
          : m.payload !== undefined
            ? 'button'
            : command
              ? 'command'
              : m.unsupported
                ? 'unsupported'
                : 'message',
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
      if (row.redelivered) {
        this.options.logger.info(
          { interactionId: row.id },
          'message stored earlier but never handled: handling it now',
        );
      }
      return {
        ok: true,
        value: {
          duplicate: false,
          redelivered: row.redelivered,
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

  /**
   * Commits a batch of turns together (a failed batch is retried turn by turn by GroupCommit).
   * A turn whose message another commit handled first gets null: its replies are dropped.
   */
  private async commit(turns: TurnWrite[]): Promise<FlushResult<QueuedMessage[] | null>[]> {
    const { db, provider, outbox } = this.options;
    try {
      const { queued, claimed } = await commitTurns(db, provider, turns, outbox?.lease() ?? null);
      if (claimed.length) outbox?.adopt(claimed);
      if (queued.flat().length > claimed.length) this.options.onQueued?.();
      return queued.map((value) => ({ ok: true, value }));
    } catch (error) {
      // The database refuses a second commit for one message (a trigger on handledAt).
      const [turn] = turns;
      if (turns.length === 1 && turn?.inboundId != null && (await isHandled(db, turn.inboundId))) {
        return [{ ok: true, value: null }];
      }
      throw error;
    }
  }
}

/**
 * Promise.all that waits for every promise before it rejects, so a failed batch is retried
 * only once nothing of its first attempt is still writing.
 */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function inboundPayload(message: InboundMessage): Record<string, unknown> | null {
  const payload: Record<string, unknown> = {};
  if (message.payload !== undefined) payload.button = message.payload;
  // Kept for messages the business sends later, when the customer's own words tell no language.
  if (message.sender.locale) payload.localeHint = message.sender.locale;
  // Who wrote, where it is not the chat itself (groups): a replay rebuilds the message from this row.
  if (message.sender.id !== message.chatId) payload.sender = message.sender.id;
  if (message.chatType === 'group') {
    payload.group = true;
    payload.mentioned = message.mentioned;
    // What moderation reads, so a replayed message is judged as the first time.
    for (const key of ['joined', 'media', 'forwarded', 'urls', 'replyTo', 'buttonMessageId', 'sentAt'] as const) {
      if (message[key] !== undefined) payload[key] = message[key];
    }
  }
  return Object.keys(payload).length ? payload : null;
}

/** The field of a message that cannot be stored, and why; undefined when all can. */
function invalidField(message: InboundMessage): string | undefined {
  const fields: [string, string | undefined][] = [
    ['text', message.text],
    ['payload', message.payload],
    ['chat id', message.chatId],
    ['sender id', message.sender.id],
    ['sender name', message.sender.name],
    ['sender locale', message.sender.locale],
    ['message id', message.platformMessageId],
  ];
  for (const [name, value] of fields) {
    const reason = value === undefined ? undefined : invalidTextReason(value);
    if (reason) return `${name} ${reason}`;
  }
  return undefined;
}
