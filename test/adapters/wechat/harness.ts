// The WeChat side of the adapter tests: the real Wechaty with wechaty-puppet-mock (its Mocker
// plays WeChat's users and rooms), a puppet that records what the bot sends and can deliver
// friend requests, and helpers to chat as customers.
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { vi } from 'vitest';
import { types } from 'wechaty';
import { mock, PuppetMock } from 'wechaty-puppet-mock';
import { WechatAdapter, type WechatAdapterConfig, type WechatSettings } from '../../../adapters/wechat/index.js';
import { parseBusinessConfig } from '../../../src/config.js';
import type { Clock } from '../../../src/util/clock.js';
import { silentLogger } from '../../helpers/app.js';

export interface Sent {
  to: string;
  text: string;
  at: number;
}

/** PuppetMock, plus friend requests (its own answer only `{id}`) and a record of the bot's sends and removals. */
export class TestPuppet extends PuppetMock {
  readonly friendships = new Map<string, object>();
  readonly accepted: string[] = [];
  readonly sent: Sent[] = [];
  /** Members the bot removed from rooms (PuppetMock's roomDel only logs). */
  readonly removed: { roomId: string; contactId: string }[] = [];
  constructor(
    mocker: mock.Mocker,
    private readonly now: () => number,
  ) {
    super({ mocker });
  }
  override async friendshipRawPayload(id: string): Promise<object> {
    return this.friendships.get(id) ?? { id };
  }
  override async friendshipAccept(id: string): Promise<void> {
    this.accepted.push(id);
  }
  override async roomDel(roomId: string, contactId: string): Promise<void> {
    await super.roomDel(roomId, contactId);
    this.removed.push({ roomId, contactId });
  }
  override async messageSendText(conversationId: string, text: string): Promise<void> {
    this.sent.push({ to: conversationId, text, at: this.now() });
    return super.messageSendText(conversationId, text);
  }
}

export function wechatSettings(yaml = ''): WechatSettings {
  return parseBusinessConfig(yaml, 'test.yaml').wechat;
}

export interface HarnessOptions extends Partial<Omit<WechatAdapterConfig, 'puppet' | 'settings' | 'logger'>> {
  settings?: WechatSettings;
  clock: Clock;
}

export class Harness {
  readonly mocker = new mock.Mocker();
  readonly puppet: TestPuppet;
  readonly adapter: WechatAdapter;
  readonly printed: string[] = [];
  private bot: mock.ContactMock | undefined;

  constructor(o: HarnessOptions) {
    const { settings, clock, ...rest } = o;
    this.puppet = new TestPuppet(this.mocker, () => clock.now());
    this.adapter = new WechatAdapter({
      puppet: this.puppet,
      settings: settings ?? wechatSettings(),
      timezone: 'Asia/Shanghai',
      defaultLocale: 'zh-CN',
      businessName: { 'zh-CN': '小满咖啡', en: 'Xiaoman Coffee' },
      logger: silentLogger,
      clock,
      random: () => 0.5,
      printQr: (qrcode) => this.printed.push(qrcode),
      restartBaseMs: 5,
      ...rest,
    });
  }

  /** The bot's own WeChat account (created on the first login). */
  get botUser(): mock.ContactMock {
    if (!this.bot) throw new Error('log in first');
    return this.bot;
  }

  /** Shows a QR code, then logs the bot's account in (as scanning it would). */
  async login(): Promise<void> {
    this.mocker.scan(`https://login.weixin.qq.com/l/${randomUUID()}`, types.ScanStatus.Waiting);
    this.bot ??= this.mocker.createContact({ name: '小满助手' });
    this.mocker.login(this.bot);
    await vi.waitFor(() => {
      if (this.adapter.status().status !== 'logged_in') throw new Error('not logged in yet');
    });
  }

  /** A WeChat user in a private chat with the bot: `inbox` collects what the bot sends them. */
  customer(name: string): Customer {
    const contact = this.mocker.createContact({ name });
    const inbox: string[] = [];
    listen(contact, (m) => {
      if (m.payload.talkerId === this.botUser.id && 'listenerId' in m.payload) inbox.push(m.payload.text ?? '');
    });
    return {
      contact,
      inbox,
      say: (text: string) => contact.say(text).to(this.botUser),
      send: (payload) => this.deliver({ talkerId: contact.id, listenerId: this.botUser.id, ...payload }),
    };
  }

  /** A room with the bot and these members (owned by `owner`, else by nobody known): `inbox` collects what the bot says there. */
  room(topic: string, members: mock.ContactMock[], owner?: mock.ContactMock): Group {
    const room = this.mocker.createRoom({
      topic,
      memberIdList: [this.botUser.id, ...members.map((m) => m.id)],
      ...(owner ? { ownerId: owner.id } : {}),
    });
    const inbox: string[] = [];
    listen(room, (m) => {
      if (m.payload.talkerId === this.botUser.id) inbox.push(m.payload.text ?? '');
    });
    return {
      room,
      inbox,
      say: (member, text, mention = false) => member.say(text, mention ? [this.botUser] : []).to(room),
    };
  }

  /** A message with any payload (type, id) from WeChat; returns its id. */
  deliver(payload: {
    talkerId: string;
    listenerId?: string;
    roomId?: string;
    type?: number;
    text?: string;
    id?: string;
  }): string {
    const id = payload.id ?? randomUUID();
    if (!this.mocker.cacheMessagePayload.has(id)) {
      this.mocker.MessageMock.create({ type: types.Message.Text, timestamp: Date.now(), ...payload, id } as never);
    }
    this.puppet.emit('message', { messageId: id });
    return id;
  }

  /** A friend request from a new WeChat user. */
  befriend(name: string, hello: string): { contact: mock.ContactMock; friendshipId: string; inbox: string[] } {
    const customer = this.customer(name);
    const friendshipId = randomUUID();
    this.puppet.friendships.set(friendshipId, {
      id: friendshipId,
      contactId: customer.contact.id,
      hello,
      type: types.Friendship.Receive,
      ticket: 'ticket',
      timestamp: Math.floor(Date.now() / 1000),
    });
    this.puppet.emit('friendship', { friendshipId });
    return { contact: customer.contact, friendshipId, inbox: customer.inbox };
  }
}

export interface Customer {
  contact: mock.ContactMock;
  inbox: string[];
  say(text: string): void;
  /** A message with a payload of its own (a repeated id, another type). */
  send(payload: { type?: number; text?: string; id?: string }): string;
}

export interface Group {
  room: mock.RoomMock;
  inbox: string[];
  say(member: mock.ContactMock, text: string, mention?: boolean): void;
}

type MockMessage = { payload: { talkerId?: string; listenerId?: string; text?: string } };

/** The mocks are event emitters of the messages they take part in (their typings do not say so). */
function listen(target: object, listener: (m: MockMessage) => void): void {
  (target as EventEmitter).on('message', listener);
}

/** Waits (real time, polling) until `check` stops throwing. */
export function until(check: () => void, timeout = 10_000): Promise<void> {
  return vi.waitFor(check, { timeout, interval: 10 });
}
