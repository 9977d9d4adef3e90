// Tickets in Slack through the real Bolt code paths, against a loopback Slack Web API: the root
// message with the customer's context, relay both ways, notes, Claim/Resolve buttons, signature
// checks, retries, bot echoes and edits, SLA reminders, Socket Mode at the receiver seam.
import { type App as BoltApp, type Receiver, SocketModeReceiver } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { parseEnv } from '../../../src/config.js';
import { escalationFeature } from '../../../src/features/escalation/index.js';
import { FakeClock } from '../../fakes/clock.js';
import { buttonPress, FakeSlack, messageEvent, slackSignature } from '../../fakes/slack.js';
import { admin, featureApi, runJob, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const SECRET = 'slack-signing-secret-for-tests';
const CHANNEL = 'C0TICKETS';
const OPEN = Date.parse('2026-07-01T02:00:00Z'); // 10:00 in Shanghai
const yaml = `loyalty:
  rules:
    welcome: 0
escalation:
  slaMinutes: 10
  reminderRepeatMinutes: 30
  staffGroup: "<!subteam^S0STAFF>"
`;

interface Reply {
  text: string;
  buttons?: { label: string; payload: string }[];
}

function slackEnv(apiUrl: string, extra: Record<string, string> = {}) {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_ESCALATION_CHANNEL: CHANNEL,
    SLACK_API_URL: apiUrl,
    ...extra,
  };
}

/** Shared steps of a customer on the API channel and of staff in Slack. */
function harness(get: () => { app: App; slack: FakeSlack; clock: FakeClock }) {
  let seq = 0;
  return {
    user: (prefix: string) => `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 6)}`,
    async say(userId: string, text: string): Promise<Reply[]> {
      const res = await get().app.server.inject({
        method: 'POST',
        url: '/api/v1/messages',
        payload: { user: { id: userId, name: `Customer ${userId}` }, text },
      });
      expect(res.statusCode).toBe(200);
      return res.json().replies;
    },
    async sentTo(userId: string): Promise<string[]> {
      const res = await get().app.server.inject({ method: 'GET', url: `/api/v1/messages?userId=${userId}` });
      return (res.json().messages as Reply[]).map((m) => m.text);
    },
    async ticketOf(userId: string) {
      const res = await get().app.server.inject({ method: 'GET', url: '/api/v1/tickets', headers: admin });
      const tickets = res.json().tickets as {
        id: number;
        status: string;
        assignee: string | null;
        customer: unknown;
      }[];
      const found = tickets.find((t) => JSON.stringify(t.customer).includes(userId));
      if (!found) throw new Error(`no ticket for ${userId}`);
      const row = await featureApi(get().app, escalationFeature).get(found.id);
      return { ...found, slackTs: row?.slackTs ?? null };
    },
    /** Delivers what the outbox holds (Slack posts included). */
    deliver: () => get().app.dispatcher.drain(),
  };
}

describeOnEachDatabase('Slack: tickets through the Events API', (database) => {
  const slack = new FakeSlack();
  const clock = new FakeClock(OPEN);
  let app: App;
  const h = harness(() => ({ app, slack, clock }));

  beforeAll(async () => {
    const apiUrl = await slack.start();
    app = await testApp(database().url, { clock, yaml, env: slackEnv(apiUrl, { SLACK_SIGNING_SECRET: SECRET }) });
  });
  afterAll(async () => {
    await app?.stop();
    await slack.stop();
  });

  async function post(body: unknown, o: { sign?: boolean; form?: boolean; headers?: Record<string, string> } = {}) {
    const raw = o.form ? `payload=${encodeURIComponent(JSON.stringify(body))}` : JSON.stringify(body);
    return app.server.inject({
      method: 'POST',
      url: '/slack/events',
      headers: {
        'content-type': o.form ? 'application/x-www-form-urlencoded' : 'application/json',
        ...(o.sign === false ? {} : slackSignature(SECRET, raw, clock.now())),
        ...o.headers,
      },
      payload: raw,
    });
  }

  const threadReply = (user: string, text: string, threadTs: string, ts: string, extra = {}) =>
    post(messageEvent({ channel: CHANNEL, user, text, ts, threadTs, ...extra }));

  it('posts a ticket with the customer’s context; a signed thread reply reaches the customer; an unsigned one is rejected', async () => {
    const u = h.user('slack');
    await h.say(u, '/checkin');
    await h.say(u, 'what time do you open?');
    await h.say(u, 'My order never arrived and nobody answers, this is unacceptable!');
    await h.deliver();

    const ticket = await h.ticketOf(u);
    const root = slack.of('chat.postMessage').find((c) => String(c.text).includes(`Ticket #${ticket.id}`));
    expect(root?.channel).toBe(CHANNEL);
    const text = String(root?.text);
    for (const part of [
      `Customer ${u}`,
      `api:${u}`,
      'Tier:',
      'Points:* 5',
      'Stage:* prospect',
      'Past CSAT',
      'never arrived',
    ]) {
      expect(text).toContain(part);
    }
    expect(text).toContain('what time do you open?'); // the recent conversation
    const actions = (
      root?.blocks as { type: string; elements?: { action_id: string; value: string }[] }[] | undefined
    )?.find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => [e.action_id, e.value])).toEqual([
      ['ticket_claim', String(ticket.id)],
      ['ticket_resolve', String(ticket.id)],
    ]);
    expect(ticket.slackTs).toBeTruthy();
    const rootTs = ticket.slackTs as string;

    // The customer's next message goes into the thread, not to the bot.
    expect(await h.say(u, 'hello??')).toEqual([]);
    await h.deliver();
    expect(slack.of('chat.postMessage').at(-1)).toMatchObject({ channel: CHANNEL, thread_ts: rootTs });
    expect(String(slack.of('chat.postMessage').at(-1)?.text)).toContain('hello??');

    const unsigned = await post(
      messageEvent({ channel: CHANNEL, user: 'U1', text: 'forged', ts: '1.000001', threadTs: rootTs }),
      { sign: false },
    );
    expect(unsigned.statusCode).toBe(401);
    const badSignature = await post(
      messageEvent({ channel: CHANNEL, user: 'U1', text: 'forged', ts: '1.000002', threadTs: rootTs }),
      { headers: { 'x-slack-signature': 'v0=deadbeef' } },
    );
    expect(badSignature.statusCode).toBe(401);
    const stale = await app.server.inject({
      method: 'POST',
      url: '/slack/events',
      headers: { 'content-type': 'application/json', ...slackSignature(SECRET, '{}', clock.now() - 3_600_000) },
      payload: '{}',
    });
    expect(stale.statusCode).toBe(401);
    expect((await h.sentTo(u)).join('\n')).not.toContain('forged');

    const res = await threadReply('U1', 'Sorry about that &amp; a refund is on its way', rootTs, '1700000100.000001');
    expect(res.statusCode).toBe(200);
    expect((await h.sentTo(u)).at(-1)).toBe('Sorry about that & a refund is on its way');
    // Replying claimed the ticket for that Slack user, and the root shows it.
    expect(await h.ticketOf(u)).toMatchObject({ status: 'claimed', assignee: 'slack:U1' });
    await h.deliver();
    const update = slack.of('chat.update').at(-1);
    expect(update).toMatchObject({ channel: CHANNEL, ts: rootTs });
    expect(String(update?.text)).toContain('claimed by <@U1>');
    // Staff replies from Slack are not echoed back into the thread.
    expect(slack.of('chat.postMessage').filter((c) => String(c.text).includes('refund is on its way'))).toEqual([]);
  });

  it('handles a retried event once, keeps notes internal, ignores bot posts, edits and other threads', async () => {
    const u = h.user('retry');
    await h.say(u, '转人工');
    await h.deliver();
    const rootTs = (await h.ticketOf(u)).slackTs as string;
    const before = (await h.sentTo(u)).length;

    const event = messageEvent({
      channel: CHANNEL,
      user: 'U2',
      text: '马上为您处理',
      ts: '1700000200.000001',
      threadTs: rootTs,
    });
    expect((await post(event)).statusCode).toBe(200);
    const retried = await post(event, {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retried.statusCode).toBe(200);
    expect(await h.sentTo(u)).toHaveLength(before + 1);

    await threadReply('U2', 'note: 顾客上周也投诉过', rootTs, '1700000200.000002');
    await threadReply('U2', 'NOTE：已联系门店', rootTs, '1700000200.000003');
    await threadReply('U2', 'from a bot', rootTs, '1700000200.000004', { botId: 'BOTHER' });
    await threadReply('U2', '马上为您处理（改）', rootTs, '1700000200.000005', { subtype: 'message_changed' });
    await post(messageEvent({ channel: CHANNEL, user: 'U2', text: 'top level chatter', ts: '1700000200.000006' }));
    await post(
      messageEvent({
        channel: 'C0OTHER',
        user: 'U2',
        text: 'other channel',
        ts: '1700000200.000007',
        threadTs: rootTs,
      }),
    );
    expect(await h.sentTo(u)).toHaveLength(before + 1);

    const detail = await app.server.inject({
      method: 'GET',
      url: `/api/v1/tickets/${(await h.ticketOf(u)).id}`,
      headers: admin,
    });
    expect(detail.json().messages.map((m: { author: string; text: string }) => [m.author, m.text])).toEqual([
      ['customer', '转人工'],
      ['staff', '马上为您处理'],
      ['note', '顾客上周也投诉过'],
      ['note', '已联系门店'],
    ]);
  });

  it('refuses requests signed more than 5 minutes before or after now, and timestamps that are not whole seconds', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'ts-check', token: 'x' });
    const signedAt = (at: number, headers: Record<string, string> = {}) =>
      app.server.inject({
        method: 'POST',
        url: '/slack/events',
        headers: { 'content-type': 'application/json', ...slackSignature(SECRET, body, at), ...headers },
        payload: body,
      });
    const minute = 60_000;
    for (const offset of [-10 * minute, -5 * minute - 2000, 5 * minute + 2000, 10 * minute]) {
      const res = await signedAt(clock.now() + offset);
      expect(res.statusCode, `signed ${offset / minute} minutes from now`).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    for (const offset of [-4 * minute, 0, 4 * minute]) {
      const res = await signedAt(clock.now() + offset);
      expect(res.statusCode, `signed ${offset / minute} minutes from now`).toBe(200);
      expect(res.json()).toEqual({ challenge: 'ts-check' });
    }
    // The signature covers the header's text: "1.7e9" or " 123" must not pass as a number.
    const seconds = Math.floor(clock.now() / 1000);
    const signature = slackSignature(SECRET, body, clock.now())['x-slack-signature'] ?? '';
    for (const timestamp of [`${seconds}.0`, ` ${seconds}`, `${seconds / 1e9}e9`]) {
      const res = await signedAt(clock.now(), {
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': signature,
      });
      expect(res.statusCode, timestamp).toBe(401);
    }
  });

  it('answers Slack’s URL verification and refuses bodies it cannot read', async () => {
    const res = await post({ type: 'url_verification', challenge: 'abc123', token: 'x' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'abc123' });
    const raw = '{not json';
    const bad = await app.server.inject({
      method: 'POST',
      url: '/slack/events',
      headers: { 'content-type': 'application/json', ...slackSignature(SECRET, raw, clock.now()) },
      payload: raw,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/not valid JSON/);
    const huge = JSON.stringify({ type: 'event_callback', padding: 'x'.repeat(1024 * 1024) });
    const tooLarge = await app.server.inject({
      method: 'POST',
      url: '/slack/events',
      headers: { 'content-type': 'application/json', ...slackSignature(SECRET, huge, clock.now()) },
      payload: huge,
    });
    expect(tooLarge.statusCode).toBe(413);
    const text = await app.server.inject({
      method: 'POST',
      url: '/slack/events',
      headers: { 'content-type': 'text/plain', ...slackSignature(SECRET, 'hi', clock.now()) },
      payload: 'hi',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBeTruthy();
  });

  it('Claim and Resolve buttons change the ticket, update the root, and resolve tells the customer and asks for CSAT', async () => {
    const u = h.user('buttons');
    await h.say(u, 'I want to speak to a manager');
    await h.deliver();
    const ticket = await h.ticketOf(u);
    const press = (actionId: string, user: string) =>
      post(
        buttonPress({
          channel: CHANNEL,
          user,
          actionId,
          value: String(ticket.id),
          messageTs: ticket.slackTs as string,
        }),
        {
          form: true,
        },
      );

    expect((await press('ticket_claim', 'U3')).statusCode).toBe(200);
    expect(await h.ticketOf(u)).toMatchObject({ status: 'claimed', assignee: 'slack:U3' });
    // Someone else's claim afterwards is refused and changes nothing.
    expect((await press('ticket_claim', 'U4')).statusCode).toBe(200);
    expect(await h.ticketOf(u)).toMatchObject({ status: 'claimed', assignee: 'slack:U3' });
    await h.deliver();
    const claimedRoot = slack.of('chat.update').at(-1);
    expect(String(claimedRoot?.text)).toContain('claimed by <@U3>');
    const buttons = (claimedRoot?.blocks as { type: string; elements?: { action_id: string }[] }[] | undefined)?.find(
      (b) => b.type === 'actions',
    );
    expect(buttons?.elements?.map((e) => e.action_id)).toEqual(['ticket_resolve']);

    expect((await press('ticket_resolve', 'U3')).statusCode).toBe(200);
    expect((await press('ticket_resolve', 'U3')).statusCode).toBe(200); // a double click
    expect((await h.ticketOf(u)).status).toBe('resolved');
    const sent = await h.sentTo(u);
    expect(sent.filter((t) => /finished with your request/.test(t))).toHaveLength(1);
    expect(sent.at(-1)).toMatch(/rate|score|satisf/i);
    await h.deliver();
    const resolvedRoot = slack.of('chat.update').at(-1);
    expect(String(resolvedRoot?.text)).toContain('resolved by <@U3>');
    expect(resolvedRoot?.blocks).toBeUndefined();
  });

  it('reminds staff of unclaimed tickets after the SLA, at most every 30 minutes, mentioning the staff group when urgent', async () => {
    const start = clock.current;
    const urgent = h.user('sla-urgent');
    const normal = h.user('sla-normal');
    await h.say(urgent, 'I got food poisoning from your sandwich');
    await h.say(normal, 'talk to a human please');
    await h.deliver();
    const reminders = () =>
      slack.of('chat.postMessage').filter((c) => String(c.text).includes('nobody has claimed it'));
    const seen = reminders().length;

    clock.current = start + 9 * 60_000;
    expect(await runJob(app, 'ticket-reminders')).toBe(0);
    clock.current = start + 10 * 60_000;
    expect(await runJob(app, 'ticket-reminders')).toBe(2);
    await h.deliver();
    const first = reminders().slice(seen);
    const urgentTs = (await h.ticketOf(urgent)).slackTs;
    expect(first.find((r) => r.thread_ts === urgentTs)?.text).toMatch(
      /^:alarm_clock: <!subteam\^S0STAFF> Ticket #\d+ \(high/,
    );
    expect(String(first.find((r) => r.thread_ts !== urgentTs)?.text)).not.toContain('subteam');

    clock.current = start + 25 * 60_000;
    expect(await runJob(app, 'ticket-reminders')).toBe(0);
    const claimed = await h.ticketOf(normal);
    await featureApi(app, escalationFeature).claim(claimed.id, { name: 'li' });
    clock.current = start + 40 * 60_000;
    expect(await runJob(app, 'ticket-reminders')).toBe(1);
    await h.deliver();
    expect(reminders().at(-1)?.text).toMatch(/waited 40 min/);
    clock.current = start;
  });

  it('retries after Slack’s rate limit and gives up on configuration errors', async () => {
    const u = h.user('limits');
    slack.failures.set('chat.postMessage', [{ rateLimitedSeconds: 7 }]);
    await h.say(u, '转人工');
    await h.deliver();
    const row = await app.store.db.outbox.findFirst({ where: { channel: 'slack' }, orderBy: { id: 'desc' } });
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row?.nextAttemptAt.getTime()).toBe(clock.now() + 7000);
    clock.advance(7000);
    await h.deliver();
    expect(await app.store.db.outbox.findUnique({ where: { id: row?.id as number } })).toMatchObject({
      status: 'sent',
    });
    expect((await h.ticketOf(u)).slackTs).toBeTruthy();

    const v = h.user('limits');
    slack.failures.set('chat.postMessage', [{ error: 'channel_not_found' }]);
    await h.say(v, '转人工');
    await h.deliver();
    const failed = await app.store.db.outbox.findFirst({ where: { channel: 'slack' }, orderBy: { id: 'desc' } });
    expect(failed).toMatchObject({ status: 'failed', lastError: 'slack: channel_not_found' });
  });
});

/** Plays Socket Mode's part: hands envelopes' payloads to Bolt as SocketModeReceiver does. */
class SeamReceiver implements Receiver {
  app: BoltApp | undefined;
  started = false;
  init(app: BoltApp): void {
    this.app = app;
  }
  async start(): Promise<void> {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.started = false;
  }
  async deliver(body: Record<string, unknown>, retryNum?: number): Promise<void> {
    await this.app?.processEvent({ body, ack: async () => {}, ...(retryNum ? { retryNum } : {}) });
  }
}

describeOnEachDatabase('Slack: Socket Mode', (database) => {
  const slack = new FakeSlack();
  const clock = new FakeClock(OPEN);
  const receiver = new SeamReceiver();
  let app: App;
  const h = harness(() => ({ app, slack, clock }));

  beforeAll(async () => {
    const apiUrl = await slack.start();
    app = await testApp(database().url, {
      clock,
      yaml,
      env: slackEnv(apiUrl, { SLACK_APP_TOKEN: 'xapp-test' }),
      slackReceiver: receiver,
    });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    await slack.stop();
  });

  it('receives thread replies and button presses through the Socket Mode receiver; no HTTP route is open', async () => {
    expect(app.slack?.mode).toBe('socket');
    expect(receiver.started).toBe(true);
    const route = await app.server.inject({ method: 'POST', url: '/slack/events', payload: {} });
    expect(route.statusCode).toBe(404);
    expect(route.json().error.message).toMatch(/Events API is off/);

    const u = h.user('socket');
    await h.say(u, 'Your barista was rude to me, I want to complain');
    await h.deliver();
    const ticket = await h.ticketOf(u);
    const reply = messageEvent({
      channel: CHANNEL,
      user: 'U9',
      text: 'We are sorry, a voucher is coming',
      ts: '1700000300.000001',
      threadTs: ticket.slackTs as string,
    });
    await receiver.deliver(reply);
    await receiver.deliver(reply, 1); // Socket Mode redelivers with a retry number
    expect((await h.sentTo(u)).filter((t) => t === 'We are sorry, a voucher is coming')).toHaveLength(1);
    await receiver.deliver(
      buttonPress({
        channel: CHANNEL,
        user: 'U9',
        actionId: 'ticket_resolve',
        value: String(ticket.id),
        messageTs: ticket.slackTs as string,
      }),
    );
    expect((await h.ticketOf(u)).status).toBe('resolved');
  });
});

describe('Slack settings', () => {
  it('chooses Socket Mode’s own receiver when SLACK_APP_TOKEN is set', async () => {
    const { createSlack } = await import('../../../adapters/slack/index.js');
    const { silentLogger } = await import('../../helpers/app.js');
    const slack = createSlack({
      settings: {
        botToken: 'xoxb-x',
        appToken: 'xapp-x',
        escalationChannel: CHANNEL,
        apiUrl: 'http://127.0.0.1:9/api/',
      },
      desk: {} as never,
      logger: silentLogger,
    });
    expect(slack.mode).toBe('socket');
    expect(slack.receiver).toBeInstanceOf(SocketModeReceiver);
    expect(slack.routes).toBeUndefined();
  });

  it('name the missing variable', () => {
    expect(() => parseEnv({ SLACK_BOT_TOKEN: 'xoxb', SLACK_ESCALATION_CHANNEL: 'C1' })).toThrow(/SLACK_SIGNING_SECRET/);
    expect(() => parseEnv({ SLACK_BOT_TOKEN: 'xoxb', SLACK_SIGNING_SECRET: 's' })).toThrow(/SLACK_ESCALATION_CHANNEL/);
    expect(() => parseEnv({ SLACK_SIGNING_SECRET: 's' })).toThrow(/SLACK_BOT_TOKEN/);
    expect(() =>
      parseEnv({ SLACK_BOT_TOKEN: 'xoxb', SLACK_APP_TOKEN: 'xapp', SLACK_ESCALATION_CHANNEL: 'C1' }),
    ).not.toThrow();
  });
});
