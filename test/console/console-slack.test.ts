// The console and Slack on one ticket: a reply written in the console appears in the ticket's
// Slack thread, and a reply written in the Slack thread appears in the console's conversation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { escalationFeature } from '../../src/features/escalation/index.js';
import { FakeClock } from '../fakes/clock.js';
import { FakeSlack, messageEvent, slackSignature } from '../fakes/slack.js';
import { admin, featureApi, testApp } from '../helpers/app.js';
import { sqliteDatabase } from '../helpers/databases.js';

const SECRET = 'slack-signing-secret-for-tests';
const CHANNEL = 'C0TICKETS';
const OPEN = Date.parse('2026-07-01T02:00:00Z'); // 10:00 in Shanghai

describe('console and Slack on the same ticket', () => {
  const slack = new FakeSlack();
  const clock = new FakeClock(OPEN);
  const database = sqliteDatabase();
  let app: App;
  let cookie = '';
  let csrf = '';

  beforeAll(async () => {
    const apiUrl = await slack.start();
    app = await testApp(database.url, {
      clock,
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_ESCALATION_CHANNEL: CHANNEL,
        SLACK_API_URL: apiUrl,
        SLACK_SIGNING_SECRET: SECRET,
      },
    });
    const added = await app.server.inject({
      method: 'POST',
      url: '/api/v1/staff',
      headers: admin,
      payload: { email: 'lin@shop.example', name: '林小姐', role: 'agent' },
    });
    const login = await app.server.inject({
      method: 'POST',
      url: '/console/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email: 'lin@shop.example', password: added.json().password }).toString(),
    });
    cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    csrf =
      /name="_csrf" value="([^"]+)"/.exec(
        (await app.server.inject({ method: 'GET', url: '/console', headers: { cookie } })).body,
      )?.[1] ?? '';
  });
  afterAll(async () => {
    await app?.stop();
    await slack.stop();
    await database.drop();
  });

  it('relays a console reply into the Slack thread and shows a Slack reply in the console', async () => {
    await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: 'wx-1', name: '王先生' }, text: '转人工' },
    });
    await app.dispatcher.drain();
    const tickets = featureApi(app, escalationFeature);
    const ticket = await app.store.db.ticket.findFirstOrThrow({ orderBy: { id: 'desc' } });
    const rootTs = (await tickets.get(ticket.id))?.slackTs as string;
    expect(rootTs).toBeTruthy();

    const posted = await app.server.inject({
      method: 'POST',
      url: `/console/tickets/${ticket.id}/messages`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, text: '您好，我来帮您处理。', action: 'send' }).toString(),
    });
    expect(posted.statusCode).toBe(303);
    await app.dispatcher.drain();
    const inThread = slack.of('chat.postMessage').filter((c) => c.thread_ts === rootTs);
    expect(
      inThread.some((c) => String(c.text).includes('您好，我来帮您处理。') && String(c.text).includes('林小姐')),
    ).toBe(true);

    const raw = JSON.stringify(
      messageEvent({ channel: CHANNEL, user: 'U7', text: '已安排退款', ts: '1700000300.000001', threadTs: rootTs }),
    );
    const event = await app.server.inject({
      method: 'POST',
      url: '/slack/events',
      headers: { 'content-type': 'application/json', ...slackSignature(SECRET, raw, clock.now()) },
      payload: raw,
    });
    expect(event.statusCode).toBe(200);
    const conversation = await app.server.inject({
      method: 'GET',
      url: `/console/tickets/${ticket.id}/conversation`,
      headers: { cookie },
    });
    expect(conversation.body).toMatch(/class="staff"[^>]*>.*已安排退款/s);
    expect(conversation.body).toContain('您好，我来帮您处理。');
  });
});
