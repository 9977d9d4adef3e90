// The WeChat channel (wechaty): a personal or work WeChat account, driven through a puppet
// (WECHATY_PUPPET). Transport only: no database here.
//
// Login. The puppet shows a QR code to scan with the account's phone: printed to the terminal,
// and served to admins as JSON (routes.ts). Login and logout are logged. When the account logs
// out, or the puppet fails while not logged in, Wechaty is restarted with backoff (1 s doubling up
// to 5 min, back to 1 s after a login), so a dropped session comes back with a fresh QR code.
//
// Receiving. Private chats, and rooms when the bot is @-mentioned (the mention taken out of the
// text); the account's own messages and official accounts are ignored; what is not text reaches the
// engine as `unsupported`. One chat's messages are handled in arrival order, chats in parallel.
// A friend request is accepted (settings: acceptFriends, friendKeyword) and greeted; a member
// joining a room is welcomed.
//
// Sending. Buttons become numbered options (options.ts). Every send of the account goes through
// one paced queue with a daily cap (pacing.ts).
//
// Moderating (moderation.ts): removing a member, in rooms the account owns; nothing else.
import { EventEmitter } from 'node:events';
import qrcodeTerminal from 'qrcode-terminal';
import {
  type Contact,
  type Friendship,
  type Message,
  qrcodeValueToImageUrl,
  type Room,
  ScanStatus,
  types,
  type Wechaty,
  WechatyBuilder,
  type WechatyOptions,
} from 'wechaty';
import type {
  AdapterCapabilities,
  ChannelAdapter,
  InboundHandler,
  PacingRule,
  SendTarget,
} from '../../src/engine/channel.js';
import { format, type Locale } from '../../src/engine/i18n.js';
import type { InboundMessage, OutboundMessage } from '../../src/engine/types.js';
import { ConfigError, errorMessage, SendError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { type Clock, systemClock } from '../../src/util/clock.js';
import { KeyedMutex } from '../../src/util/keyed-mutex.js';
import { splitText } from '../../src/util/split-text.js';
import { sanitizeText } from '../../src/util/text.js';
import { removeRoomMember, WECHAT_MODERATION } from './moderation.js';
import { OptionMemory, renderOptions } from './options.js';
import { type PacingSettings, SendPacer } from './pacing.js';
import { MAX_TEXT_LENGTH, type MessageFacts, parseMessage, WECHAT_CHANNEL } from './parse.js';

/** A puppet instance (tests: wechaty-puppet-mock), as WechatyBuilder takes it. */
export type WechatyPuppet = Exclude<WechatyOptions['puppet'], string | undefined>;

type Localized = Record<Locale, string>;

/** The `wechat:` business settings (rapport.config.yaml). */
export interface WechatSettings extends PacingSettings {
  acceptFriends: boolean;
  /** Only friend requests whose greeting contains this (case-insensitive) are accepted. */
  friendKeyword?: string | undefined;
  /** Sent to a new friend. Placeholders {name}, {business}. */
  greeting: Localized;
  /** Sent to a room when members join; false = none. Placeholders {name}, {room}, {business}. */
  roomWelcome: Localized | false;
}

export interface WechatAdapterConfig {
  /** WECHATY_PUPPET (a puppet's npm name), or a puppet instance. */
  puppet: string | WechatyPuppet;
  /** Where Wechaty keeps the login session (`<name>.memory-card.json`); unset = in memory only. */
  name?: string | undefined;
  settings: WechatSettings;
  /** BUSINESS_TIMEZONE: the daily cap counts calendar days there. */
  timezone: string;
  defaultLocale: Locale;
  businessName: Localized;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  /** Prints a login QR code (default: drawn on the terminal with qrcode-terminal). */
  printQr?: (qrcode: string, url: string) => void;
  /** First pause before restarting Wechaty after a logout or failure; doubles up to `restartMaxMs`. */
  restartBaseMs?: number;
  restartMaxMs?: number;
  /** Messages older than this when they arrive (a replayed backlog) are ignored (default 1 h). */
  maxMessageAgeSeconds?: number;
  /** Hand every room message to the engine, and members joining (group moderation is on). */
  watchRooms?: boolean;
  /** Attempts to hand a message to the engine before it is dropped (default 5). */
  deliverAttempts?: number;
  /** How long numbered options stay valid (default 24 h), and for how many chats (default 10,000). */
  optionTtlMs?: number;
  optionChats?: number;
}

/** GET /api/v1/channels/wechat/qr */
export interface WechatStatus {
  status: 'scanning' | 'logged_in' | 'logged_out';
  /** The value to encode in the QR code (while scanning). */
  qrcode?: string;
  /** An image of the QR code on wechaty.js.org (while scanning). */
  url?: string;
  user?: { id: string; name: string };
}

const HAN = /\p{Script=Han}/u;
const LATIN_WORD = /[A-Za-z]{2,}/;

export class WechatAdapter implements ChannelAdapter {
  readonly channel = WECHAT_CHANNEL;
  readonly capabilities: AdapterCapabilities;
  readonly bot: Wechaty;
  /** 'status' (WechatStatus) on every change, 'restarted' (count) after each restart. */
  readonly events = new EventEmitter();
  readonly options: OptionMemory;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly pacer: SendPacer;
  private readonly chats = new KeyedMutex();
  private readonly puppetName: string;
  private state: WechatStatus = { status: 'logged_out' };
  private handler: InboundHandler | undefined;
  private receiving = false;
  private started = false;
  private closed = false;
  /** Set while start() or a restart runs: the puppet's errors then decide whether to retry. */
  private starting = false;
  private failedWhileStarting = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartAttempts = 0;
  private lastPrinted = '';
  restarts = 0;

  constructor(readonly config: WechatAdapterConfig) {
    this.log = config.logger;
    this.clock = config.clock ?? systemClock;
    const { settings } = config;
    const pacing: PacingRule[] = [{ scope: 'channel', max: 1, windowMs: settings.minIntervalMs }];
    this.capabilities = {
      buttons: false,
      groups: true,
      maxTextLength: MAX_TEXT_LENGTH,
      pacing,
      moderation: WECHAT_MODERATION,
    };
    this.pacer = new SendPacer({
      ...settings,
      timezone: config.timezone,
      clock: this.clock,
      ...(config.random ? { random: config.random } : {}),
    });
    this.options = new OptionMemory({
      now: () => this.clock.now(),
      ...(config.optionTtlMs ? { ttlMs: config.optionTtlMs } : {}),
      ...(config.optionChats ? { capacity: config.optionChats } : {}),
    });
    this.puppetName = typeof config.puppet === 'string' ? config.puppet : config.puppet.constructor.name;
    this.bot = WechatyBuilder.build({
      // WECHATY_PUPPET may name any installed puppet, not only the ones wechaty's types list.
      puppet: config.puppet as never,
      ...(config.name ? { name: config.name } : {}),
    });
    this.bot.on('scan', (qrcode, status) => this.onScan(qrcode, status));
    this.bot.on('login', (user) => this.onLogin(user));
    this.bot.on('logout', (user, reason) => this.onLogout(user, reason));
    this.bot.on('error', (err) => this.onError(err));
    this.bot.on('message', (message) => this.onMessage(message));
    this.bot.on('friendship', (friendship) => {
      this.onFriendship(friendship).catch((err: unknown) =>
        this.log.error({ err: errorMessage(err) }, 'wechat: friend request not handled'),
      );
    });
    this.bot.on('room-join', (room, invitees) => {
      this.onRoomJoin(room, invitees).catch((err: unknown) =>
        this.log.error({ err: errorMessage(err) }, 'wechat: room welcome not sent'),
      );
    });
  }

  /** Login state and, while scanning, the QR code. */
  status(): WechatStatus {
    return { ...this.state, ...(this.state.user ? { user: { ...this.state.user } } : {}) };
  }

  /** For the start-up log. */
  describe(): string {
    const s = this.state;
    const what =
      s.status === 'logged_in'
        ? `logged in as ${s.user?.name}`
        : s.status === 'scanning'
          ? 'waiting for the login QR code to be scanned (GET /api/v1/channels/wechat/qr)'
          : 'not logged in yet (the QR code follows; GET /api/v1/channels/wechat/qr)';
    return `puppet ${this.puppetName}, ${what}; pacing ≥ ${this.config.settings.minIntervalMs} ms + ≤ ${this.config.settings.jitterMs} ms jitter, ${this.config.settings.dailyCap} messages a day`;
  }

  async start(handler: InboundHandler): Promise<void> {
    this.handler = handler;
    this.receiving = true;
    if (this.started) return;
    this.started = true;
    this.starting = true;
    this.failedWhileStarting = false;
    try {
      await this.bot.start();
    } catch (err) {
      // Wechaty reports a failing puppet through 'error'; what throws here is a puppet it cannot load.
      throw new ConfigError(`WECHATY_PUPPET: cannot start the puppet ${this.puppetName}: ${errorMessage(err)}`);
    } finally {
      this.starting = false;
    }
    if (this.failedWhileStarting && !this.bot.isLoggedIn) this.scheduleRestart('the puppet failed to start');
  }

  /** Stops receiving; the account stays logged in so the outbox can finish (close() logs it off). */
  async stop(): Promise<void> {
    this.receiving = false;
    await this.chats.idle();
  }

  /** Stops Wechaty (after the outbox is done with it). */
  async close(): Promise<void> {
    this.receiving = false;
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.chats.idle();
    if (this.started) await this.bot.stop();
  }

  async send(target: SendTarget, message: OutboundMessage): Promise<void> {
    const { text, keys } = renderOptions(message);
    const parts = splitText(text, MAX_TEXT_LENGTH);
    let conversation: Contact | Room | undefined;
    await this.pacer.run(parts.length, async (i) => {
      conversation ??= await this.conversation(target);
      try {
        await conversation.say(parts[i] as string);
      } catch (err) {
        throw new SendError(`wechat: ${errorMessage(err)}`, { cause: err });
      }
    });
    this.options.remember(target.chatId, keys);
  }

  /** A room's admins as WeChat tells them to a member account: its owner. */
  async groupAdmins(chatId: string): Promise<string[]> {
    if (!this.bot.isLoggedIn) return [];
    const room = await this.bot.Room.find({ id: chatId });
    const owner = room?.owner();
    return owner ? [owner.id] : [];
  }

  /** Removes a member from a room the account owns (WeChat allows nothing else). */
  async removeMember(chatId: string, userId: string): Promise<void> {
    await removeRoomMember(this.bot, chatId, userId);
  }

  /** Sends today through this account (all kinds). */
  get sentToday(): number {
    return this.pacer.sentToday;
  }

  // --- login, logout, restarts ---

  private setState(state: WechatStatus): void {
    this.state = state;
    this.events.emit('status', this.status());
  }

  private onScan(qrcode: string, status: ScanStatus): void {
    if (!qrcode) return;
    const url = qrcodeValueToImageUrl(qrcode);
    this.setState({ status: 'scanning', qrcode, url });
    if (status !== ScanStatus.Waiting && status !== ScanStatus.Timeout) {
      this.log.info(`wechat: QR code ${ScanStatus[status]?.toLowerCase() ?? status}`);
      return;
    }
    if (qrcode === this.lastPrinted) return;
    this.lastPrinted = qrcode;
    this.log.info({ url }, `wechat: scan the QR code with the WeChat account's phone to log in: ${url}`);
    (this.config.printQr ?? printToTerminal)(qrcode, url);
  }

  private onLogin(user: Contact): void {
    this.restartAttempts = 0;
    this.lastPrinted = '';
    this.setState({ status: 'logged_in', user: { id: user.id, name: user.name() } });
    this.log.info({ user: user.name(), id: user.id }, `wechat: logged in as ${user.name()}`);
  }

  private onLogout(user: Contact, reason?: string): void {
    this.setState({ status: 'logged_out' });
    // Our own stop (a restart, or closing) logs off too: nothing to recover from then.
    if (this.closed || this.starting) return;
    this.log.warn({ user: user.name(), reason }, `wechat: ${user.name()} logged out${reason ? ` (${reason})` : ''}`);
    this.scheduleRestart('logged out');
  }

  private onError(err: Error): void {
    this.log.warn({ err: errorMessage(err) }, `wechat: ${errorMessage(err)}`);
    if (this.starting) {
      this.failedWhileStarting = true;
      return;
    }
    // Errors while logged in (a contact that cannot be loaded…) are the puppet's to live with.
    if (!this.closed && this.started && this.state.status === 'logged_out') {
      this.scheduleRestart(`puppet error: ${errorMessage(err)}`);
    }
  }

  private scheduleRestart(reason: string): void {
    if (this.closed || this.restartTimer || this.starting) return;
    const base = this.config.restartBaseMs ?? 1000;
    const delay = Math.min(this.config.restartMaxMs ?? 300_000, base * 2 ** Math.min(this.restartAttempts, 20));
    this.restartAttempts++;
    this.log.warn(
      { reason, delayMs: delay, attempt: this.restartAttempts },
      `wechat: restarting Wechaty in ${delay < 1000 ? `${delay} ms` : `${Math.round(delay / 1000)} s`} (${reason})`,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restart();
    }, delay);
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    this.starting = true;
    this.failedWhileStarting = false;
    let failed = false;
    try {
      await this.bot.stop().catch((err: unknown) => this.log.debug({ err: errorMessage(err) }, 'wechat: stop failed'));
      if (this.closed) return;
      this.failedWhileStarting = false;
      await this.bot.start();
      this.restarts++;
      this.log.info({ restarts: this.restarts }, 'wechat: Wechaty restarted');
    } catch (err) {
      failed = true;
      this.log.error({ err: errorMessage(err) }, 'wechat: restarting Wechaty failed');
    } finally {
      this.starting = false;
    }
    if (failed || (this.failedWhileStarting && !this.bot.isLoggedIn)) {
      this.scheduleRestart('the puppet failed to start');
    } else {
      this.events.emit('restarted', this.restarts);
    }
  }

  // --- receiving ---

  private onMessage(message: Message): void {
    if (!this.receiving) return;
    let key: string;
    try {
      key = message.room()?.id ?? message.talker().id;
    } catch (err) {
      this.log.warn({ messageId: message.id, err: errorMessage(err) }, 'wechat: message cannot be read; skipped');
      return;
    }
    this.chats
      .run(key, () => this.handleMessage(message))
      .catch((err: unknown) => this.log.error({ messageId: message.id, err }, 'wechat: message not handled'));
  }

  private async handleMessage(message: Message): Promise<void> {
    const parsed = parseMessage(await readFacts(message), {
      maxAgeSeconds: this.config.maxMessageAgeSeconds ?? 3600,
      option: (chatId, text) => this.options.resolve(chatId, text),
      watchRooms: this.config.watchRooms === true,
    });
    if (parsed.kind === 'ignored') {
      this.log.debug({ messageId: message.id, reason: parsed.reason }, 'wechat: message ignored');
      return;
    }
    await this.deliver(parsed.message);
  }

  /** Hands a message to the engine; if the engine fails (the database is away), tries again a few times. */
  private async deliver(message: InboundMessage): Promise<void> {
    const handler = this.handler;
    if (!handler) throw new Error('the WeChat adapter is not started');
    const attempts = this.config.deliverAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await handler.handleInbound(message);
        return;
      } catch (err) {
        if (attempt >= attempts) {
          this.log.error(
            { messageId: message.platformMessageId, attempts, err },
            `wechat: message ${message.platformMessageId} dropped after ${attempts} failed attempts`,
          );
          return;
        }
        this.log.warn({ messageId: message.platformMessageId, attempt, err: errorMessage(err) }, 'wechat: retrying');
        await this.clock.sleep(Math.min(30_000, 500 * 2 ** (attempt - 1)));
      }
    }
  }

  private async onFriendship(friendship: Friendship): Promise<void> {
    if (!this.receiving || friendship.type() !== types.Friendship.Receive) return;
    const contact = friendship.contact();
    const hello = friendship.hello();
    const { acceptFriends, friendKeyword, greeting } = this.config.settings;
    const who = { contact: contact.name(), id: contact.id, hello };
    if (!acceptFriends) {
      this.log.info(
        who,
        `wechat: friend request from ${contact.name()} left for a person (wechat.acceptFriends is off)`,
      );
      return;
    }
    if (friendKeyword && !hello.toLowerCase().includes(friendKeyword.toLowerCase())) {
      this.log.info(who, `wechat: friend request from ${contact.name()} not accepted: its greeting lacks the keyword`);
      return;
    }
    await friendship.accept();
    this.log.info(who, `wechat: friend request from ${contact.name()} accepted`);
    const locale = localeOf(hello) ?? this.config.defaultLocale;
    const text = format(greeting[locale], { name: contact.name(), business: this.config.businessName[locale] });
    await this.sendOwn(contact, text, 'greeting');
  }

  private async onRoomJoin(room: Room, invitees: Contact[]): Promise<void> {
    const welcome = this.config.settings.roomWelcome;
    if (!this.receiving) return;
    const self = this.bot.isLoggedIn ? this.bot.currentUser.id : undefined;
    const joined = invitees.filter((c) => c.id !== self);
    if (!joined.length) return;
    if (this.config.watchRooms) {
      // Moderation counts a newcomer's first hours from here.
      const at = this.config.clock?.now() ?? Date.now();
      for (const c of joined) {
        await this.deliver({
          channel: WECHAT_CHANNEL,
          chatId: room.id,
          chatType: 'group',
          sender: { id: c.id, name: sanitizeText(c.name()).trim() || c.id },
          mentioned: false,
          joined: true,
          platformMessageId: `join:${room.id}:${c.id}:${Math.floor(at / 1000)}`,
        });
      }
    }
    if (welcome === false) return;
    const locale = this.config.defaultLocale;
    const text = format(welcome[locale], {
      name: joined.map((c) => c.name()).join(locale === 'en' ? ', ' : '、'),
      room: await room.topic(),
      business: this.config.businessName[locale],
    });
    await this.sendOwn(room, text, 'room welcome');
  }

  /** What the adapter sends on its own (not through the outbox): paced and capped like the rest. */
  private async sendOwn(to: Contact | Room, text: string, what: string): Promise<void> {
    try {
      await this.pacer.run(1, () => to.say(text).then(() => undefined));
    } catch (err) {
      this.log.warn({ to: to.id, err: errorMessage(err) }, `wechat: ${what} not sent`);
    }
  }

  private async conversation(target: SendTarget): Promise<Contact | Room> {
    if (!this.bot.isLoggedIn) {
      throw new SendError('wechat: not logged in (scan the QR code: GET /api/v1/channels/wechat/qr)');
    }
    let found: Contact | Room | undefined;
    try {
      found =
        target.chatType === 'group'
          ? await this.bot.Room.find({ id: target.chatId })
          : await this.bot.Contact.find({ id: target.chatId });
    } catch (err) {
      throw new SendError(`wechat: looking up ${target.chatId} failed: ${errorMessage(err)}`, { cause: err });
    }
    if (!found) {
      // Not a friend any more, or the bot left the room: retrying will not help.
      throw target.chatType === 'group'
        ? new SendError(`wechat: room ${target.chatId} not found (the bot left it?)`, { permanent: true })
        : new SendError(`wechat: contact ${target.chatId} not found (no longer a friend?)`, { unreachable: true });
    }
    return found;
  }
}

async function readFacts(message: Message): Promise<MessageFacts> {
  const room = message.room();
  const talker = message.talker();
  const self = message.self();
  const type = message.type();
  const mentioned = room !== undefined && !self && type === types.Message.Text ? await message.mentionSelf() : false;
  const text = type !== types.Message.Text ? '' : mentioned ? await message.mentionText() : message.text();
  return {
    id: message.id,
    type,
    text,
    self,
    talker: { id: talker.id, name: talker.name(), official: talker.type() === types.Contact.Official },
    room: room ? { id: room.id } : undefined,
    mentioned,
    ageSeconds: message.age(),
  };
}

/** The language of a friend request's greeting, if it tells one. */
function localeOf(text: string): Locale | undefined {
  if (HAN.test(text)) return 'zh-CN';
  if (LATIN_WORD.test(text)) return 'en';
  return undefined;
}

function printToTerminal(qrcode: string, url: string): void {
  qrcodeTerminal.generate(qrcode, { small: true }, (drawn: string) => {
    process.stdout.write(`\nScan with WeChat to log in (or open ${url}):\n${drawn}\n`);
  });
}
