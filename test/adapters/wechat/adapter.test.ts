// The WeChat adapter on its own, with the real Wechaty and wechaty-puppet-mock: login and the QR
// code, reconnecting after a logout, what reaches the engine, friend requests, room welcomes,
// the daily cap. The engine is a recording stand-in here; wechat.test.ts runs the whole app.
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { types } from 'wechaty';
import { WECHAT_QR_PATH, wechatQrRoutes } from '../../../adapters/wechat/index.js';
import type { InboundHandler } from '../../../src/engine/channel.js';
import type { InboundMessage, TurnResult } from '../../../src/engine/types.js';
import { SendError } from '../../../src/errors.js';
import { installErrorHandler } from '../../../src/http/errors.js';
import { FakeClock } from '../../fakes/clock.js';
import { Harness, type HarnessOptions, until, wechatSettings } from './harness.js';

class RecordingHandler implements InboundHandler {
  readonly received: InboundMessage[] = [];
  async handleInbound(message: InboundMessage): Promise<TurnResult> {
    this.received.push(message);
    return { duplicate: false, replies: [] };
  }
}

const harnesses: Harness[] = [];
async function started(o: Partial<HarnessOptions> = {}) {
  const harness = new Harness({ clock: new FakeClock(Date.parse('2026-07-01T02:00:00Z')), ...o });
  harnesses.push(harness);
  const handler = new RecordingHandler();
  await harness.adapter.start(handler);
  return { harness, handler, adapter: harness.adapter };
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.adapter.close();
});

describe('WeChat adapter (wechaty + puppet mock)', () => {
  it('login: the QR code is printed and served while scanning, then the logged-in account', async () => {
    const { harness, adapter } = await started();
    expect(adapter.status()).toEqual({ status: 'logged_out' });
    harness.mocker.scan('https://login.weixin.qq.com/l/abc', types.ScanStatus.Waiting);
    await until(() => expect(adapter.status().status).toBe('scanning'));
    expect(adapter.status()).toEqual({
      status: 'scanning',
      qrcode: 'https://login.weixin.qq.com/l/abc',
      url: `https://wechaty.js.org/qrcode/${encodeURIComponent('https://login.weixin.qq.com/l/abc')}`,
    });
    // The same code again (puppets repeat it) is printed once.
    harness.mocker.scan('https://login.weixin.qq.com/l/abc', types.ScanStatus.Waiting);
    expect(harness.printed).toEqual(['https://login.weixin.qq.com/l/abc']);

    await harness.login();
    expect(adapter.status()).toEqual({ status: 'logged_in', user: { id: harness.botUser.id, name: '小满助手' } });
    expect(adapter.describe()).toMatch(/logged in as 小满助手/);
  });

  it('the QR route answers 404 with a clear message when WeChat is off', async () => {
    const server = Fastify();
    installErrorHandler(server);
    await server.register(wechatQrRoutes, {});
    const res = await server.inject({ url: WECHAT_QR_PATH });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toEqual({ code: 'NOT_FOUND', message: expect.stringMatching(/WECHATY_PUPPET/) });
    await server.close();
  });

  it('after a logout Wechaty restarts; after a new login messages flow again', async () => {
    const { harness, handler, adapter } = await started();
    await harness.login();
    const alice = harness.customer('Alice');
    await harness.puppet.logout('kicked out by the phone');
    expect(adapter.status().status).toBe('logged_out');
    await until(() => expect(adapter.restarts).toBe(1));
    await harness.login();
    alice.say('还在吗?');
    await until(() => expect(handler.received.map((m) => m.text)).toEqual(['还在吗?']));
  });

  it('hands the engine text, room mentions and unsupported content; ignores its own messages', async () => {
    const { harness, handler } = await started();
    await harness.login();
    const alice = harness.customer('Alice');
    const bob = harness.customer('Bob');
    const group = harness.room('咖啡爱好者', [alice.contact, bob.contact]);

    alice.send({ type: types.Message.Image });
    group.say(bob.contact, '今天好热');
    group.say(bob.contact, '@小满助手 冰美式多少钱?', true);
    harness.deliver({ talkerId: harness.botUser.id, listenerId: alice.contact.id, text: 'sent from the phone' });
    await until(() => expect(handler.received).toHaveLength(2));

    const [photo, mention] = handler.received;
    expect(photo).toMatchObject({ chatId: alice.contact.id, chatType: 'private', unsupported: true });
    expect(photo?.text).toBeUndefined();
    expect(mention).toMatchObject({
      chatId: group.room.id,
      chatType: 'group',
      mentioned: true,
      text: '冰美式多少钱?',
      sender: { id: bob.contact.id, name: 'Bob' },
    });
  });

  it('friend requests: accepted with a greeting; without the keyword, or with acceptance off, left alone', async () => {
    const { harness } = await started({ settings: wechatSettings('wechat:\n  friendKeyword: VIP\n') });
    await harness.login();
    const yes = harness.befriend('Carol', '我想办VIP会员');
    await until(() => expect(yes.inbox).toHaveLength(1));
    expect(yes.inbox[0]).toMatch(/^你好Carol！我是小满咖啡的在线助手/);
    const no = harness.befriend('Spammer', '加我看优惠');
    const english = harness.befriend('Dan', 'hi, vip card please');
    await until(() => expect(english.inbox).toEqual([expect.stringMatching(/^Hi Dan! I'm the online assistant/)]));
    expect(harness.puppet.accepted).toEqual([yes.friendshipId, english.friendshipId]);
    expect(no.inbox).toEqual([]);

    const off = await started({ settings: wechatSettings('wechat:\n  acceptFriends: false\n') });
    await off.harness.login();
    const ignored = off.harness.befriend('Eve', '你好');
    const other = off.harness.customer('Frank');
    other.say('在吗');
    await until(() => expect(off.handler.received).toHaveLength(1));
    expect(off.harness.puppet.accepted).toEqual([]);
    expect(ignored.inbox).toEqual([]);
  });

  it('a member joining a room gets the room’s welcome', async () => {
    const { harness } = await started();
    await harness.login();
    const alice = harness.customer('Alice');
    const group = harness.room('小满咖啡粉丝群', [alice.contact]);
    const newcomer = harness.mocker.createContact({ name: '小王' });
    group.room.add(newcomer).by(alice.contact);
    await until(() =>
      expect(group.inbox).toEqual(['欢迎小王加入「小满咖啡粉丝群」！有问题请 @我，我是小满咖啡的在线助手。']),
    );
  });

  it('daily cap: over it, SendError with retryAfterMs until midnight in Shanghai; the next day sends again', async () => {
    // 23:30 in Shanghai.
    const clock = new FakeClock(Date.parse('2026-07-01T15:30:00Z'));
    const { harness, adapter } = await started({ clock, settings: wechatSettings('wechat:\n  dailyCap: 2\n') });
    await harness.login();
    const alice = harness.customer('Alice');
    const target = { chatId: alice.contact.id, chatType: 'private' as const, outboxId: 1 };
    await adapter.send(target, { text: 'one' });
    await adapter.send({ ...target, outboxId: 2 }, { text: 'two' });
    const err = await adapter.send({ ...target, outboxId: 3 }, { text: 'three' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError).retryAfterMs).toBe(Date.parse('2026-07-01T16:00:00Z') - clock.now());
    expect((err as SendError).permanent).toBe(false);
    clock.advance((err as SendError).retryAfterMs as number);
    await adapter.send({ ...target, outboxId: 3 }, { text: 'three' });
    await until(() => expect(alice.inbox).toEqual(['one', 'two', 'three']));
    // One account, one pace: 1 s plus the jitter (random 0.5 of 1 s) between sends.
    const at = harness.puppet.sent.map((s) => s.at);
    expect((at[1] as number) - (at[0] as number)).toBe(1500);
  });

  it('send: not logged in → retry later; a contact that is gone → unreachable', async () => {
    const { harness, adapter } = await started();
    const notYet = await adapter
      .send({ chatId: 'x', chatType: 'private', outboxId: 1 }, { text: 'hi' })
      .catch((e) => e);
    expect(notYet).toBeInstanceOf(SendError);
    expect(notYet).toMatchObject({ permanent: false, message: expect.stringMatching(/not logged in/) });
    await harness.login();
    const gone = await adapter
      .send({ chatId: 'nobody', chatType: 'private', outboxId: 2 }, { text: 'hi' })
      .catch((e) => e);
    expect(gone).toMatchObject({ unreachable: true, permanent: true });
  });
});
