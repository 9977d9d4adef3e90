// The Telegram channel (telegraf): receives updates by long polling or through the webhook route,
// hands them to the engine, and sends the outbox's messages. Transport only: no database here.
//
// Receiving. Updates of one chat are handled one after another, chats in parallel. An update that
// cannot be read is logged with its id and skipped; one the engine failed on (the database was
// away) is retried a few times, then logged and skipped: polling never stops on a bad update.
// Telegram forgets updates only once a later getUpdates confirms them (its offset), and the engine
// handles a repeated platform message id once, so a crash or a stop mid-batch loses nothing.
//
// Sending. Plain text, no parse mode (see render.ts); texts over 4,096 characters go as several
// messages, the buttons on the last. A retry after a failure in the middle of a split message
// continues with the part that failed. Pacing is the dispatcher's, from `capabilities.pacing`.
//
// Moderating (moderation.ts): delete a message, restrict and lift, remove (ban, then unban at once,
// so the member may join again). The bot needs admin rights in the group; refusals are coded errors.
import { Telegraf, TelegramError } from 'telegraf';
import type { Update } from 'telegraf/types';
import type {
  AdapterCapabilities,
  ChannelAdapter,
  InboundHandler,
  PacingRule,
  SendTarget,
} from '../../src/engine/channel.js';
import type { OutboundMessage } from '../../src/engine/types.js';
import { ConfigError, errorMessage, ModerationError, SendError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import {
  cannotDelete,
  DELETE_WINDOW_MS,
  KICK_BAN_MS,
  mayDeleteMessages,
  messageIdOf,
  moderationError,
  numericId,
  restrictPayload,
  untilDateOf,
} from './moderation.js';
import {
  ALLOWED_UPDATES,
  chatKeyOf,
  MAX_TEXT_LENGTH,
  MalformedUpdate,
  parseUpdate,
  TELEGRAM_CHANNEL,
  updateIdOf,
} from './parse.js';
import { type BotCommand, CallbackData, renderMessage } from './render.js';

/** Telegram's limits (Bot FAQ): about 1 message/s per chat, 20/min per group, 30/s in all. */
export const TELEGRAM_PACING: PacingRule[] = [
  { scope: 'chat', max: 1, windowMs: 1000 },
  { scope: 'group', max: 20, windowMs: 60_000 },
  { scope: 'channel', max: 30, windowMs: 1000 },
];

export interface TelegramAdapterConfig {
  /** TELEGRAM_BOT_TOKEN */
  token: string;
  /** TELEGRAM_API_ROOT: a self-hosted Bot API server or an emulator; default https://api.telegram.org */
  apiRoot?: string | undefined;
  /** TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET: receive by webhook instead of long polling. */
  webhook?: { url: string; secret: string } | undefined;
  logger: Logger;
  /** getUpdates long-polling timeout in seconds (default 50). */
  pollTimeoutSeconds?: number;
  /**
   * An API root that answers getUpdates at once instead of holding it (an emulator) is asked at
   * most this often when it has nothing (default 100 ms). Telegram itself holds the request.
   */
  idlePollMs?: number;
  /** Timeout of one Bot API call other than getUpdates (default 30 s). */
  requestTimeoutMs?: number;
  /** How many long button payloads are remembered (see CallbackData; default 10,000). */
  callbackDataCapacity?: number;
  /** Attempts to hand an update to the engine before it is skipped (default 5). */
  updateAttempts?: number;
  /** First pause of the retries of polling, set-up calls and updates; doubles up to a minute (default 1 s). */
  retryBaseMs?: number;
  /** The clock moderation reads (message ages, when restrictions end); default Date.now. */
  now?: () => number;
  /** The "/" menu, English (the default) and Chinese: made from the features' commands. */
  commands?: { en: BotCommand[]; zh: BotCommand[] };
}

/** What became of one update: handled (or deliberately ignored), skipped as unreadable, failed. */
export type UpdateOutcome = 'handled' | 'skipped' | 'failed';

const MAX_RETRY_MS = 60_000;
/** Outbox ids whose split message was partly delivered: how many parts went out. */
const MAX_PARTIAL_SENDS = 1000;

export class TelegramAdapter implements ChannelAdapter {
  readonly channel = TELEGRAM_CHANNEL;
  readonly capabilities: AdapterCapabilities = {
    buttons: true,
    groups: true,
    maxTextLength: MAX_TEXT_LENGTH,
    pacing: TELEGRAM_PACING,
    moderation: { deleteMessage: true, restrictMember: true, removeMember: true, banMember: true },
  };
  readonly bot: Telegraf;
  readonly callbackData: CallbackData;
  /** The webhook route (on the main HTTP server) when receiving by webhook. */
  readonly webhook: { url: string; path: string; secret: string } | undefined;
  private readonly log: Logger;
  private handler: InboundHandler | undefined;
  private receiving = false;
  /** The last call to receive (getMe, getUpdates, setWebhook) failed; for status(). */
  private failing = false;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** Errors bot.catch saw, by update (handleUpdate reports them there, not to its caller). */
  private readonly failures = new WeakMap<object, unknown>();
  private readonly partsSent = new Map<number, number>();
  /** The next getUpdates offset: every update below it was handled. */
  private offset = 0;

  constructor(readonly config: TelegramAdapterConfig) {
    this.log = config.logger;
    this.callbackData = new CallbackData(config.callbackDataCapacity);
    this.webhook = config.webhook
      ? { ...config.webhook, path: new URL(config.webhook.url).pathname || '/' }
      : undefined;
    this.bot = new Telegraf(config.token, {
      telegram: { ...(config.apiRoot ? { apiRoot: config.apiRoot } : {}), webhookReply: false },
    });
    this.bot.use((ctx) => this.onUpdate(ctx.update, ctx.botInfo));
    // Telegraf's default handler rethrows and sets process.exitCode; this one logs and goes on.
    this.bot.catch((err, ctx) => {
      const update = ctx.update as unknown;
      if (typeof update === 'object' && update !== null) this.failures.set(update, err);
      const updateId = updateIdOf(update);
      if (err instanceof MalformedUpdate) {
        this.log.warn({ updateId, reason: err.message }, `telegram: update ${updateId} skipped: cannot be read`);
      } else {
        this.log.error({ updateId, err }, `telegram: handling update ${updateId} failed`);
      }
    });
  }

  get mode(): 'webhook' | 'polling' {
    return this.webhook ? 'webhook' : 'polling';
  }

  /** The bot's @username, once getMe answered. */
  get username(): string | undefined {
    return this.bot.botInfo?.username;
  }

  /** For the start-up log. */
  describe(): string {
    const who = this.username ? `@${this.username}` : 'bot (not connected yet)';
    return this.webhook ? `${who}, webhook at ${this.webhook.path}` : `${who}, long polling`;
  }

  /** How receiving goes (GET /readyz). */
  status(): 'polling' | 'webhook' | 'connecting' | 'failing' | 'stopped' {
    if (!this.receiving) return 'stopped';
    if (this.failing) return 'failing';
    return this.bot.botInfo ? this.mode : 'connecting';
  }

  async start(handler: InboundHandler): Promise<void> {
    if (this.loop) return;
    this.handler = handler;
    const abort = new AbortController();
    this.abort = abort;
    try {
      // Briefly: where api.telegram.org is out of reach, the rest of Rapport must still start.
      this.bot.botInfo = await this.call('getMe', {}, 5000);
    } catch (err) {
      // A rejected token will not get better: say so at start. Anything else is retried below.
      if (tokenRejected(err)) {
        throw new ConfigError(`TELEGRAM_BOT_TOKEN: Telegram rejected the token (${errorMessage(err)})`);
      }
      this.log.warn({ err: errorMessage(err) }, 'telegram: Bot API not reachable; retrying in the background');
    }
    this.receiving = true;
    this.loop = this.run(abort.signal).catch((err: unknown) => {
      this.log.error({ err }, 'telegram: receiving stopped unexpectedly');
    });
  }

  /** Stops receiving (polling ends, the webhook route answers 503); send() keeps working. */
  async stop(): Promise<void> {
    this.receiving = false;
    this.abort?.abort();
    await this.loop;
  }

  /** Returns the last part's id (`msg:<chat>:<message_id>`), as deleteMessage takes it. */
  async send(target: SendTarget, message: OutboundMessage): Promise<string | undefined> {
    const parts = renderMessage(message, this.callbackData);
    let last: unknown;
    for (let i = this.partsSent.get(target.outboxId) ?? 0; i < parts.length; i++) {
      try {
        last = await this.call('sendMessage', { chat_id: target.chatId, ...parts[i] });
      } catch (err) {
        if (i > 0) this.rememberParts(target.outboxId, i);
        throw this.sendError(err);
      }
    }
    this.partsSent.delete(target.outboxId);
    const id = (last as { message_id?: unknown } | undefined)?.message_id;
    return Number.isInteger(id) ? `msg:${target.chatId}:${id}` : undefined;
  }

  // --- moderating ---

  async deleteMessage(chatId: string, platformMessageId: string, sentAt?: Date): Promise<void> {
    const payload = { chat_id: numericId(chatId, 'chat'), message_id: messageIdOf(chatId, platformMessageId) };
    if (sentAt && this.now() - sentAt.getTime() >= DELETE_WINDOW_MS) {
      throw new ModerationError(
        'ADAPTER_TOO_OLD',
        `telegram: ${platformMessageId} is over 48 h old: Telegram keeps it`,
      );
    }
    try {
      await this.call('deleteMessage', payload);
    } catch (err) {
      if (cannotDelete(err) && !sentAt) throw await this.whyNotDeleted(chatId, platformMessageId, err);
      throw this.moderationError(err, `deleteMessage ${platformMessageId}`);
    }
  }

  async restrictMember(chatId: string, userId: string, untilMs: number | undefined): Promise<void> {
    const payload = restrictPayload(chatId, userId, false, untilDateOf(untilMs, this.now()));
    await this.call('restrictChatMember', payload).catch((err: unknown) => {
      throw this.moderationError(err, `restrictChatMember ${userId} in ${chatId}`);
    });
  }

  async unrestrictMember(chatId: string, userId: string): Promise<void> {
    await this.call('restrictChatMember', restrictPayload(chatId, userId, true)).catch((err: unknown) => {
      throw this.moderationError(err, `lifting the restriction of ${userId} in ${chatId}`);
    });
  }

  async removeMember(chatId: string, userId: string): Promise<void> {
    const target = { chat_id: numericId(chatId, 'chat'), user_id: numericId(userId, 'user') };
    const until = Math.ceil((this.now() + KICK_BAN_MS) / 1000);
    await this.call('banChatMember', { ...target, until_date: until, revoke_messages: false }).catch((err: unknown) => {
      throw this.moderationError(err, `banChatMember ${userId} in ${chatId}`);
    });
    try {
      await this.call('unbanChatMember', { ...target, only_if_banned: true });
    } catch (err) {
      // Removed all the same; the short ban lapses by itself, then they may join again.
      this.log.warn(
        { chatId, userId, err: this.redact(errorMessage(err)) },
        `telegram: ${userId} removed from ${chatId}, but unbanChatMember failed: they may rejoin in ${KICK_BAN_MS / 1000} s`,
      );
    }
  }

  async banMember(chatId: string, userId: string, untilMs: number | undefined): Promise<void> {
    const target = { chat_id: numericId(chatId, 'chat'), user_id: numericId(userId, 'user') };
    const until = untilDateOf(untilMs, this.now());
    await this.call('banChatMember', {
      ...target,
      ...(until === undefined ? {} : { until_date: until }),
      revoke_messages: false,
    }).catch((err: unknown) => {
      throw this.moderationError(err, `banChatMember ${userId} in ${chatId}`);
    });
  }

  async unbanMember(chatId: string, userId: string): Promise<void> {
    const target = { chat_id: numericId(chatId, 'chat'), user_id: numericId(userId, 'user') };
    await this.call('unbanChatMember', { ...target, only_if_banned: true }).catch((err: unknown) => {
      throw this.moderationError(err, `unbanChatMember ${userId} in ${chatId}`);
    });
  }

  /** getChatAdministrators: the owner and admins (bots among them left out). */
  async groupAdmins(chatId: string): Promise<string[]> {
    const admins = await this.call<unknown>('getChatAdministrators', { chat_id: numericId(chatId, 'chat') }).catch(
      (err: unknown) => {
        throw this.moderationError(err, `getChatAdministrators of ${chatId}`);
      },
    );
    if (!Array.isArray(admins)) return [];
    return admins.flatMap((a: unknown) => {
      const user = (a as { user?: { id?: unknown; is_bot?: unknown } } | null)?.user;
      return user && user.is_bot !== true && Number.isSafeInteger(user.id) ? [String(user.id)] : [];
    });
  }

  /** "message can't be deleted" of a message of unknown age: the bot's rights tell whether age is why. */
  private async whyNotDeleted(chatId: string, platformMessageId: string, err: unknown): Promise<ModerationError> {
    const me = this.bot.botInfo?.id;
    const member =
      me === undefined
        ? undefined
        : await this.call('getChatMember', { chat_id: chatId, user_id: me }).catch(() => undefined);
    if (mayDeleteMessages(member)) {
      return new ModerationError(
        'ADAPTER_TOO_OLD',
        `telegram: ${platformMessageId} cannot be deleted although the bot may delete messages: over 48 h old (or a service message)`,
        { cause: err },
      );
    }
    return this.moderationError(err, `deleteMessage ${platformMessageId}`);
  }

  private moderationError(err: unknown, what: string): ModerationError {
    return moderationError(err, what, (text) => this.redact(text));
  }

  private now(): number {
    return (this.config.now ?? Date.now)();
  }

  private redact(text: string): string {
    return redact(text, this.config.token);
  }

  /** An update posted to the webhook route. */
  async handleWebhookUpdate(update: unknown): Promise<UpdateOutcome | 'unavailable'> {
    if (!this.receiving) return 'unavailable';
    return this.dispatch(update);
  }

  // --- receiving ---

  private async run(signal: AbortSignal): Promise<void> {
    for (let attempt = 1; !this.bot.botInfo && !signal.aborted; attempt++) {
      try {
        this.bot.botInfo = await this.call('getMe', {});
        this.failing = false;
      } catch (err) {
        this.failing = true;
        this.log.warn({ err: errorMessage(err), attempt }, 'telegram: getMe failed; retrying');
        await sleep(this.backoff(attempt), signal);
      }
    }
    if (signal.aborted) return;
    await this.registerCommands();
    if (this.webhook) await this.setWebhook(this.webhook, signal);
    else await this.poll(signal);
  }

  /** The "/" menu in English (default) and Chinese. Not every Bot API server has it: not fatal. */
  private async registerCommands(): Promise<void> {
    try {
      const menus = this.config.commands;
      if (!menus) return;
      await this.call('setMyCommands', { commands: menus.en });
      await this.call('setMyCommands', { commands: menus.zh, language_code: 'zh' });
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'telegram: command menu not registered (setMyCommands failed)');
    }
  }

  private async setWebhook(webhook: { url: string; secret: string }, signal: AbortSignal): Promise<void> {
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await this.call('setWebhook', {
          url: webhook.url,
          secret_token: webhook.secret,
          allowed_updates: [...ALLOWED_UPDATES],
        });
        this.failing = false;
        this.log.info({ url: webhook.url }, 'telegram: webhook set');
        return;
      } catch (err) {
        this.failing = true;
        this.log.error({ err: errorMessage(err), attempt }, 'telegram: setWebhook failed; retrying');
        await sleep(this.backoff(attempt), signal);
      }
    }
  }

  private async poll(signal: AbortSignal): Promise<void> {
    // A webhook left over from an earlier set-up makes getUpdates fail with 409.
    await this.call('deleteWebhook', { drop_pending_updates: false }).catch((err: unknown) => {
      this.log.warn({ err: errorMessage(err) }, 'telegram: deleteWebhook failed');
    });
    const timeout = this.config.pollTimeoutSeconds ?? 50;
    const idle = this.config.idlePollMs ?? 100;
    let errors = 0;
    while (!signal.aborted) {
      const asked = Date.now();
      let updates: unknown;
      try {
        updates = await this.bot.telegram.callApi(
          'getUpdates',
          { offset: this.offset, timeout, allowed_updates: [...ALLOWED_UPDATES] },
          // Stop aborts it; so does a connection that went silent (telegraf's own timeout is 500 s).
          // telegraf types its own AbortSignal polyfill; node-fetch takes the built-in one.
          { signal: AbortSignal.any([signal, AbortSignal.timeout((timeout + 15) * 1000)]) as never },
        );
        errors = 0;
        this.failing = false;
      } catch (err) {
        if (signal.aborted) break;
        errors++;
        this.failing = true;
        const conflict = err instanceof TelegramError && err.code === 409;
        this.log[errors > 3 ? 'error' : 'warn'](
          { err: errorMessage(err), attempt: errors },
          conflict
            ? 'telegram: getUpdates conflict (another instance polls this bot, or a webhook is set); retrying'
            : 'telegram: getUpdates failed; retrying',
        );
        await sleep(retryAfterMs(err) ?? this.backoff(errors), signal);
        continue;
      }
      const list = Array.isArray(updates) ? (updates as unknown[]) : [];
      if (!list.length) {
        if (Date.now() - asked < idle) await sleep(idle, signal);
        continue;
      }
      await this.handleBatch(list, signal);
      // Stopped mid-batch: leave the offset, Telegram sends these again and repeats are handled once.
      if (signal.aborted) break;
      const ids = list.map(updateIdOf).filter((id): id is number => id !== undefined);
      if (ids.length) this.offset = Math.max(this.offset, Math.max(...ids) + 1);
    }
    // Confirm what was handled so a restart does not fetch it again.
    if (this.offset > 0) {
      await this.call('getUpdates', { offset: this.offset, limit: 1, timeout: 0 }, 5000).catch(() => {});
    }
  }

  /** One chat's updates in order, chats in parallel. */
  private async handleBatch(updates: unknown[], signal: AbortSignal): Promise<void> {
    const byChat = new Map<string, unknown[]>();
    for (const update of updates) {
      const key = chatKeyOf(update);
      const list = byChat.get(key);
      if (list) list.push(update);
      else byChat.set(key, [update]);
    }
    await Promise.all(
      [...byChat.values()].map(async (list) => {
        for (const update of list) await this.deliver(update, signal);
      }),
    );
  }

  private async deliver(update: unknown, signal: AbortSignal): Promise<void> {
    const attempts = this.config.updateAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      if ((await this.dispatch(update)) !== 'failed') return;
      if (attempt >= attempts) {
        this.log.error(
          { updateId: updateIdOf(update), attempts },
          `telegram: update ${updateIdOf(update)} skipped after ${attempts} failed attempts`,
        );
        return;
      }
      if (signal.aborted) return;
      await sleep(this.backoff(attempt), signal);
    }
  }

  /** Runs one update through telegraf (and so through onUpdate and bot.catch). */
  private async dispatch(update: unknown): Promise<UpdateOutcome> {
    if (updateIdOf(update) === undefined) {
      this.log.warn({ update: preview(update) }, 'telegram: update without update_id skipped');
      return 'skipped';
    }
    try {
      await this.bot.handleUpdate(update as Update);
    } catch (err) {
      // Before the middleware ran (getMe for the bot's identity failed).
      this.log.error({ updateId: updateIdOf(update), err }, 'telegram: update not handled');
      return 'failed';
    }
    const target = update as object;
    if (!this.failures.has(target)) return 'handled';
    const err = this.failures.get(target);
    this.failures.delete(target);
    return err instanceof MalformedUpdate ? 'skipped' : 'failed';
  }

  private async onUpdate(update: unknown, me: { id: number; username: string }): Promise<void> {
    const parsed = parseUpdate(update, { id: me.id, username: me.username });
    if (parsed.kind === 'ignored') {
      this.log.debug({ updateId: updateIdOf(update), reason: parsed.reason }, 'telegram: update ignored');
      return;
    }
    const handler = this.handler;
    if (!handler) throw new Error('the Telegram adapter is not started');
    if (parsed.kind === 'message') {
      await handler.handleInbound(parsed.message);
      return;
    }
    if (parsed.kind === 'joins') {
      for (const joined of parsed.messages) await handler.handleInbound(joined);
      return;
    }
    const payload = parsed.data === undefined ? undefined : this.callbackData.decode(parsed.data);
    if (payload === undefined) {
      // A mapped payload this process no longer knows (restart, eviction), or a button without data.
      if (parsed.data !== undefined) {
        this.log.warn({ updateId: updateIdOf(update) }, 'telegram: pressed button expired (payload not in memory)');
      }
      await this.answer(parsed.callbackQueryId, parsed.data === undefined ? undefined : expired(parsed.message));
      return;
    }
    // Answer at once (the client shows a spinner until then); the turn's replies follow as messages.
    const answered = this.answer(parsed.callbackQueryId);
    try {
      await handler.handleInbound({ ...parsed.message, payload });
    } finally {
      await answered;
    }
  }

  private async answer(callbackQueryId: string, text?: string): Promise<void> {
    try {
      await this.call('answerCallbackQuery', { callback_query_id: callbackQueryId, ...(text ? { text } : {}) });
    } catch (err) {
      // Too old, or answered already (a repeated update): the press itself is still handled.
      this.log.debug({ err: errorMessage(err), callbackQueryId }, 'telegram: answerCallbackQuery failed');
    }
  }

  // --- helpers ---

  /** A Bot API call with a timeout (telegraf's own is 500 s). */
  private call<T = unknown>(method: string, payload: object, timeoutMs?: number): Promise<T> {
    const signal = AbortSignal.timeout(timeoutMs ?? this.config.requestTimeoutMs ?? 30_000);
    return this.bot.telegram.callApi(method as never, payload as never, { signal: signal as never }) as Promise<T>;
  }

  private backoff(attempt: number): number {
    return Math.min(MAX_RETRY_MS, (this.config.retryBaseMs ?? 1000) * 2 ** Math.min(attempt - 1, 10));
  }

  private rememberParts(outboxId: number, sent: number): void {
    this.partsSent.set(outboxId, sent);
    while (this.partsSent.size > MAX_PARTIAL_SENDS) {
      this.partsSent.delete(this.partsSent.keys().next().value as number);
    }
  }

  /**
   * 429 → retry after Telegram's retry_after; 403 (blocked, kicked, deactivated) → unreachable;
   * 401/404 (the token was rejected: nothing wrong with the message) → retry with backoff;
   * any other 4xx → permanent; 5xx, network errors and timeouts → retry with backoff.
   */
  private sendError(err: unknown): SendError {
    const text = `telegram: ${redact(errorMessage(err), this.config.token)}`;
    if (!(err instanceof TelegramError)) return new SendError(text, { cause: err });
    const code = err.code;
    if (code === 429) {
      const after = retryAfterMs(err);
      return new SendError(text, { ...(after !== undefined ? { retryAfterMs: after } : {}), cause: err });
    }
    if (code === 403) return new SendError(text, { unreachable: true, cause: err });
    if (tokenRejected(err)) {
      this.log.error({ err: text }, 'telegram: the Bot API rejected TELEGRAM_BOT_TOKEN');
      return new SendError(text, { cause: err });
    }
    if (code >= 400 && code < 500) return new SendError(text, { permanent: true, cause: err });
    return new SendError(text, { cause: err });
  }
}

function tokenRejected(err: unknown): boolean {
  return err instanceof TelegramError && (err.code === 401 || err.code === 404);
}

function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof TelegramError)) return undefined;
  const seconds = err.parameters?.retry_after;
  return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
}

function redact(text: string, token: string): string {
  return text.split(token).join('[token]');
}

function preview(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}

function expired(message: { sender: { locale?: string } }): string {
  return message.sender.locale?.toLowerCase().startsWith('zh')
    ? '这个按钮已失效，请重新发送指令。'
    : 'This button has expired. Please send the command again.';
}

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
