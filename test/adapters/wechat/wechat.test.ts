// WeChat end to end: the real app (engine, outbox dispatcher, HTTP server, database) with the
// WeChat adapter on the real Wechaty and wechaty-puppet-mock. Customers chat privately and in
// rooms; every reply goes through the outbox and the adapter's paced queue. A fake clock makes
// the pacing instant (and measurable) and puts the tickets in business hours.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { type Customer, Harness, until, wechatSettings } from './harness.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'knowledge');
// 2026-07-01 10:00 in Shanghai: business hours.
const OPEN = Date.parse('2026-07-01T02:00:00Z');
const YAML = 'loyalty:\n  rules:\n    welcome: 50\n';

describeOnEachDatabase('WeChat through the whole app', (database) => {
  let app: App;
  let harness: Harness;
  let dir: string;
  const clock = new FakeClock(OPEN);
  let seq = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-kb-'));
    cpSync(fixtures, dir, { recursive: true });
    harness = new Harness({ clock, settings: wechatSettings(YAML) });
    app = await testApp(database().url, {
      clock,
      yaml: YAML,
      env: { KNOWLEDGE_DIR: dir },
      adapters: [harness.adapter],
      dispatcherPollMs: 20,
    });
    await app.start();
    await harness.login();
  });
  afterAll(async () => {
    await app?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Sends and waits for `count` more messages from the bot; returns what came. */
  async function ask(customer: Customer, text: string, count = 1): Promise<string[]> {
    const before = customer.inbox.length;
    customer.say(text);
    await until(() => expect(customer.inbox.length).toBeGreaterThanOrEqual(before + count));
    return customer.inbox.slice(before);
  }

  /** A customer who has chatted before (a new customer's first message is greeted too). */
  async function returning(): Promise<Customer> {
    const customer = harness.customer(`顾客${++seq}`);
    await ask(customer, '/help');
    return customer;
  }

  it('/start: welcome (and the welcome points); /points: the balance', async () => {
    const alice = harness.customer('Alice');
    // The turn's replies go out as one message.
    const [welcome] = await ask(alice, '/start');
    expect(welcome).toMatch(/^您好，Alice！欢迎来到我们的店.*\n送您50积分/s);
    const [balance] = await ask(alice, '/points');
    expect(balance).toMatch(/^当前积分：50\n会员等级：青铜会员/);
    expect(app.wechat).toBe(harness.adapter);
  });

  it('a question is answered from the knowledge base', async () => {
    const customer = await returning();
    expect(await ask(customer, '外卖能送多远?')).toEqual(['外卖配送范围为门店周边5公里以内,满30元免配送费。']);
  });

  it('"did you mean" comes as numbered options; replying with a number picks that entry', async () => {
    const customer = await returning();
    const [options] = await ask(customer, '问下积分');
    expect(options).toMatch(/哪一个/);
    expect(options).toMatch(/\n回复 1–\d 选择$/);
    const line = options?.split('\n').find((l) => /^\d\. 积分怎么兑换/.test(l));
    expect(line).toBeDefined();
    // Full-width digit with a full stop, as Chinese keyboards type it.
    const n = String.fromCharCode(0xff10 + Number(line?.[0]));
    expect(await ask(customer, `${n}。`)).toEqual(['100积分可抵5元,在结账时选择使用积分即可。']);
  });

  it('a complaint opens a ticket for the WeChat customer', async () => {
    const customer = await returning();
    const [ack] = await ask(customer, '你们的服务太差了，我要投诉');
    expect(ack).toMatch(/人工客服/);
    const res = await app.server.inject({ url: '/api/v1/tickets', headers: admin });
    const ticket = (
      res.json().tickets as { reason: string; channel: string; customer: { identities: unknown[] } }[]
    ).find((t) => JSON.stringify(t.customer.identities).includes(customer.contact.id));
    expect(ticket).toMatchObject({
      reason: 'complaint',
      channel: 'wechat',
      customer: { identities: [{ channel: 'wechat', externalId: customer.contact.id }] },
    });
  });

  it('rooms: answered only when the bot is @-mentioned', async () => {
    const member = await returning();
    const group = harness.room('咖啡爱好者', [member.contact]);
    group.say(member.contact, '外卖能送多远?');
    group.say(member.contact, '@小满助手 外卖能送多远?', true);
    await until(() => expect(group.inbox).toHaveLength(1));
    expect(group.inbox).toEqual(['外卖配送范围为门店周边5公里以内,满30元免配送费。']);
    // One turn in the log: the mentioned message, its mention taken out.
    const customers = await app.server.inject({
      url: `/api/v1/customers?channel=wechat&externalId=${encodeURIComponent(member.contact.id)}`,
      headers: admin,
    });
    const id = customers.json().customers[0].id as string;
    const log = await app.server.inject({ url: `/api/v1/customers/${id}/interactions?limit=50`, headers: admin });
    const inbound = (log.json().interactions as { direction: string; text: string }[])
      .filter((i) => i.direction === 'in')
      .map((i) => i.text);
    expect(inbound).toEqual(['外卖能送多远?', '/help']);
  });

  it('a repeated message id is handled once', async () => {
    const customer = await returning();
    const before = customer.inbox.length;
    customer.send({ id: 'wx-msg-dup-1', text: '/points' });
    customer.send({ id: 'wx-msg-dup-1' });
    customer.say('/checkin');
    await until(() => expect(customer.inbox.length).toBe(before + 2));
    const replies = customer.inbox.slice(before);
    expect(replies[0]).toMatch(/^当前积分/);
    expect(replies[1]).toMatch(/^签到成功/);
  });

  it('friend requests are accepted with a greeting; a member joining a room is welcomed', async () => {
    const request = harness.befriend('Grace', '你好,想问问外卖');
    await until(() => expect(request.inbox).toHaveLength(1));
    expect(request.inbox[0]).toMatch(/^你好Grace！我是小满咖啡的在线助手/);
    expect(harness.puppet.accepted).toContain(request.friendshipId);

    const host = await returning();
    const group = harness.room('小满咖啡粉丝群', [host.contact]);
    group.room.add(harness.mocker.createContact({ name: '小李' })).by(host.contact);
    await until(() => expect(group.inbox).toEqual([expect.stringMatching(/^欢迎小李加入「小满咖啡粉丝群」/)]));
  });

  it('GET /api/v1/channels/wechat/qr: the login state, behind the admin token', async () => {
    const res = await app.server.inject({ url: '/api/v1/channels/wechat/qr', headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'logged_in', user: { id: harness.botUser.id, name: '小满助手' } });
    const anonymous = await app.server.inject({ url: '/api/v1/channels/wechat/qr' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
  });

  it('every send of the account was paced: ≥ 1 s plus jitter apart, never a burst', () => {
    const at = harness.puppet.sent.map((s) => s.at);
    expect(at.length).toBeGreaterThan(15);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    // minIntervalMs 1000 + jitter (the harness draws 0.5 of jitterMs 1000).
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1500);
  });
});
