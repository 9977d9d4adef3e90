// Tickets reach every configured staff channel through the outbox: Slack (a loopback Web API) and
// a Feishu group bot at once, each with rows of its own; and, without Slack, a JSON webhook still
// hears of new tickets and of SLA reminders, retried when the receiver fails.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { FakeSlack } from '../../fakes/slack.js';
import { FakeWebhookReceiver } from '../../fakes/staff-webhook.js';
import { admin, runJob, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const OPEN = Date.parse('2026-07-01T02:00:00Z'); // 10:00 in Shanghai
const SECRET = 'feishu-signing-secret';
const yaml = `loyalty:
  rules:
    welcome: 0
escalation:
  slaMinutes: 10
  reminderRepeatMinutes: 30
`;

async function say(app: App, userId: string, text: string) {
  const res = await app.server.inject({
    method: 'POST',
    url: '/api/v1/messages',
    payload: { user: { id: userId, name: `Customer ${userId}` }, text },
  });
  expect(res.statusCode).toBe(200);
}

async function ticketOf(app: App, userId: string): Promise<{ id: number; status: string }> {
  const res = await app.server.inject({ method: 'GET', url: '/api/v1/tickets', headers: admin });
  const found = (res.json().tickets as { id: number; status: string; customer: unknown }[]).find((t) =>
    JSON.stringify(t.customer).includes(userId),
  );
  if (!found) throw new Error(`no ticket for ${userId}`);
  return found;
}

describeOnEachDatabase('staff channels: Slack and a Feishu webhook at once', (database) => {
  const slack = new FakeSlack();
  const feishu = new FakeWebhookReceiver({ code: 0, msg: 'success', data: {} });
  const clock = new FakeClock(OPEN);
  let app: App;

  beforeAll(async () => {
    const [apiUrl, hookUrl] = await Promise.all([slack.start(), feishu.start('/open-apis/bot/v2/hook/abc')]);
    app = await testApp(database().url, {
      clock,
      yaml,
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'slack-signing-secret-for-tests',
        SLACK_ESCALATION_CHANNEL: 'C0TICKETS',
        SLACK_API_URL: apiUrl,
        STAFF_WEBHOOK_URL: hookUrl,
        STAFF_WEBHOOK_FORMAT: 'feishu',
        STAFF_WEBHOOK_SECRET: SECRET,
        PUBLIC_URL: 'https://rapport.example.com',
      },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await Promise.all([slack.stop(), feishu.stop()]);
  });

  it('a high-priority ticket reaches both, each through its own outbox rows; claims and replies too', async () => {
    await say(app, 'both-1', 'I got food poisoning from your sandwich');
    const ticket = await ticketOf(app, 'both-1');
    const rows = await app.store.db.outbox.findMany({ where: { customerId: null }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.channel, r.chatId])).toEqual([
      ['slack', 'C0TICKETS'],
      ['staff-webhook', 'feishu'],
    ]);
    await app.dispatcher.drain();

    expect(String(slack.of('chat.postMessage')[0]?.text)).toContain(`Ticket #${ticket.id}`);
    const post = feishu.requests[0]?.body as {
      timestamp: string;
      sign: string;
      content: { post: { zh_cn: { title: string; content: Record<string, string>[][] } } };
    };
    expect(post.sign).toBe(createHmac('sha256', `${post.timestamp}\n${SECRET}`).update('').digest('base64'));
    expect(Number(post.timestamp) * 1000).toBe(clock.now());
    expect(post.content.post.zh_cn.title).toBe(`【紧急】新工单 #${ticket.id}`);
    const parts = post.content.post.zh_cn.content.flat();
    expect(parts).toContainEqual({ tag: 'text', text: '客户：Customer both-1 (api)' });
    expect(parts).toContainEqual({ tag: 'text', text: '优先级：高' });
    expect(parts).toContainEqual({ tag: 'text', text: '客户原话：I got food poisoning from your sandwich' });
    expect(parts).toContainEqual({
      tag: 'a',
      text: '打开工单',
      href: `https://rapport.example.com/api/v1/tickets/${ticket.id}`,
    });
    expect(parts).toContainEqual({ tag: 'at', user_id: 'all' });

    // The customer writes again, an admin replies: both channels hear of it (the reply claims it).
    await say(app, 'both-1', 'hello??');
    const reply = await app.server.inject({
      method: 'POST',
      url: `/api/v1/tickets/${ticket.id}/messages`,
      headers: admin,
      payload: { text: 'So sorry, a refund is on its way', author: 'wang' },
    });
    expect(reply.json()).toMatchObject({ relayed: true, status: 'claimed' });
    await app.dispatcher.drain();
    const titles = feishu.requests.map(
      (r) => (r.body as { content: { post: { zh_cn: { title: string } } } }).content.post.zh_cn.title,
    );
    expect(titles).toEqual([
      `【紧急】新工单 #${ticket.id}`,
      `工单 #${ticket.id}：客户发来新消息`,
      `工单 #${ticket.id}：wang 回复了客户`,
      `工单 #${ticket.id} 已由 wang 认领`,
    ]);
    const thread = slack.of('chat.postMessage').map((c) => String(c.text));
    expect(thread.some((t) => t.includes('hello??'))).toBe(true);
    expect(thread.some((t) => t.includes('refund is on its way'))).toBe(true);
    expect(String(slack.of('chat.update').at(-1)?.text)).toContain('claimed by wang');
  });

  it('a Feishu failure does not hold Slack back: each channel retries on its own', async () => {
    const before = feishu.requests.length;
    feishu.answers.push({ body: { code: 11232, msg: 'frequency limited' } });
    await say(app, 'both-2', '转人工');
    await app.dispatcher.drain();
    const ticket = await ticketOf(app, 'both-2');
    expect(slack.of('chat.postMessage').some((c) => String(c.text).includes(`Ticket #${ticket.id}`))).toBe(true);
    const row = await app.store.db.outbox.findFirst({ where: { channel: 'staff-webhook' }, orderBy: { id: 'desc' } });
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: 'feishu: code 11232 frequency limited' });
    expect(row?.nextAttemptAt.getTime()).toBe(clock.now() + 60_000);
    clock.advance(60_000);
    await app.dispatcher.drain();
    expect(await app.store.db.outbox.findUnique({ where: { id: row?.id as number } })).toMatchObject({
      status: 'sent',
    });
    expect(feishu.requests.length).toBe(before + 2);
  });
});

describeOnEachDatabase('staff channels: a JSON webhook without Slack', (database) => {
  const hook = new FakeWebhookReceiver({});
  const clock = new FakeClock(OPEN);
  let app: App;
  const events = () => hook.requests.map((r) => r.body as { event: string; ticket: { id: number } });

  beforeAll(async () => {
    const url = await hook.start('/rapport/events');
    app = await testApp(database().url, {
      clock,
      yaml,
      env: { STAFF_WEBHOOK_URL: url, HOST: '127.0.0.1', PORT: '3999' },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await hook.stop();
  });

  it('hears of new tickets and of SLA reminders, with a link to the admin API', async () => {
    const start = clock.current;
    await say(app, 'json-1', 'talk to a human please');
    await app.dispatcher.drain();
    const ticket = await ticketOf(app, 'json-1');
    expect(events()[0]).toMatchObject({
      event: 'ticket.opened',
      ticket: {
        id: ticket.id,
        status: 'open',
        reason: 'human',
        priority: 'normal',
        trigger: 'talk to a human please',
        customer: { name: 'Customer json-1', channel: 'api' },
        // Without PUBLIC_URL: this server's own address.
        url: `http://127.0.0.1:3999/api/v1/tickets/${ticket.id}`,
      },
    });

    clock.current = start + 9 * 60_000;
    expect(await runJob(app, 'ticket-reminders')).toBe(0);
    clock.current = start + 10 * 60_000;
    expect(await runJob(app, 'ticket-reminders')).toBe(1);
    await app.dispatcher.drain();
    expect(events().at(-1)).toMatchObject({ event: 'ticket.reminder', minutesWaiting: 10, ticket: { id: ticket.id } });

    // The receiver is down: the reminder waits in the outbox and goes out on a later attempt.
    hook.answers.push({ status: 503 });
    clock.current = start + 40 * 60_000;
    expect(await runJob(app, 'ticket-reminders')).toBe(1);
    await app.dispatcher.drain();
    const row = await app.store.db.outbox.findFirst({ where: { channel: 'staff-webhook' }, orderBy: { id: 'desc' } });
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    clock.current = (row?.nextAttemptAt.getTime() as number) + 1;
    await app.dispatcher.drain();
    expect(events().at(-1)).toMatchObject({ event: 'ticket.reminder', minutesWaiting: 40 });

    const resolved = await app.server.inject({
      method: 'POST',
      url: `/api/v1/tickets/${ticket.id}/resolve`,
      headers: admin,
    });
    expect(resolved.statusCode).toBe(200);
    await app.dispatcher.drain();
    expect(events().at(-1)).toMatchObject({ event: 'ticket.resolved', ticket: { status: 'resolved' } });
  });
});
