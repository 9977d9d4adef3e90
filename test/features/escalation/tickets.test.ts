// Tickets without Slack: a complaint through the API channel opens one, the bot stays quiet
// while staff handle it through the admin API, replies reach the customer, resolve asks for CSAT,
// writing again soon reopens it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { escalationFeature } from '../../../src/features/escalation/index.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, featureApi, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { expectForgedCursorsRefused, expectNewestFirstPaging, expectPagedInOpenApi } from '../../helpers/paging.js';

interface Reply {
  text: string;
  buttons?: { label: string; payload: string }[];
}

// 2026-07-01 10:00 in Shanghai: business hours (09:00–21:00 every day by default).
const OPEN = Date.parse('2026-07-01T02:00:00Z');

describeOnEachDatabase('tickets through the API channel and the admin API', (database) => {
  let app: App;
  const clock = new FakeClock(OPEN);
  let seq = 0;

  beforeAll(async () => {
    app = await testApp(database().url, {
      clock,
      yaml: 'loyalty:\n  rules:\n    welcome: 0\nescalation:\n  reopenMinutes: 60\n  replyWithinMinutes: 15\n',
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const user = () => `ticket-user-${++seq}`;

  async function say(userId: string, body: { text?: string; payload?: string }): Promise<Reply[]> {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: userId, name: `Name ${userId}` }, ...body },
    });
    expect(res.statusCode).toBe(200);
    return res.json().replies;
  }

  async function adminCall(method: 'GET' | 'POST', url: string, payload?: object) {
    return app.server.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload }) });
  }

  async function ticketOf(userId: string) {
    const res = await adminCall('GET', '/api/v1/tickets');
    const tickets = res.json().tickets as {
      id: number;
      status: string;
      reason: string;
      priority: string;
      customer: { id: string; identities: { channel: string; externalId: string }[] };
    }[];
    return tickets.find((t) => t.customer.identities.some((i) => i.externalId === userId));
  }

  async function sentTo(userId: string): Promise<Reply[]> {
    const res = await app.server.inject({ method: 'GET', url: `/api/v1/messages?userId=${userId}` });
    return res.json().messages;
  }

  it('a complaint opens a ticket, acknowledged with the promised time; the admin API lists it', async () => {
    const u = user();
    await say(u, { text: '/help' });
    const [ack] = await say(u, { text: '你们的服务太差了，咖啡是凉的，我要投诉！' });
    expect(ack?.text).toMatch(/人工客服.*15分钟/);

    const listed = await adminCall('GET', '/api/v1/tickets?status=open');
    expect(listed.statusCode).toBe(200);
    const ticket = (listed.json().tickets as { customer: { identities: { externalId: string }[] } }[]).find((t) =>
      t.customer.identities.some((i) => i.externalId === u),
    );
    expect(ticket).toMatchObject({
      status: 'open',
      reason: 'complaint',
      priority: 'normal',
      createdAt: new Date(OPEN).toISOString(),
      customer: { displayName: `Name ${u}`, identities: [{ channel: 'api', externalId: u }] },
    });
    expect((await adminCall('GET', '/api/v1/tickets?status=resolved')).json().tickets).not.toContainEqual(
      expect.objectContaining({ id: (ticket as unknown as { id: number }).id }),
    );
  });

  it('food-safety, money and legal complaints are high priority', async () => {
    const cases = [
      ['喝了你们的奶茶拉肚子了', 'safety'],
      ['I was charged twice for one latte', 'money'],
      ['再不处理我就打12315投诉你们', 'legal'],
    ] as const;
    for (const [text, reason] of cases) {
      const u = user();
      await say(u, { text });
      expect(await ticketOf(u)).toMatchObject({ reason, priority: 'high' });
    }
  });

  it('while a ticket is open the bot stays quiet: messages go to the ticket, commands still work', async () => {
    const u = user();
    await say(u, { text: 'This is the worst service ever, I want to complain' });
    const ticket = await ticketOf(u);
    expect(await say(u, { text: 'what time do you open?' })).toEqual([]);
    expect(await say(u, { text: 'still waiting...' })).toEqual([]);
    const [points] = await say(u, { text: '/points' });
    expect(points?.text).toMatch(/积分/);
    const [again] = await say(u, { text: '/human' });
    expect(again?.text).toMatch(/已经在处理/);

    const detail = (await adminCall('GET', `/api/v1/tickets/${ticket?.id}`)).json();
    expect(detail.recent).toEqual([
      expect.objectContaining({ direction: 'in', text: 'This is the worst service ever, I want to complain' }),
    ]);
    expect(detail.messages.map((m: { author: string; text: string }) => [m.author, m.text])).toEqual([
      ['customer', 'This is the worst service ever, I want to complain'],
      ['customer', 'what time do you open?'],
      ['customer', 'still waiting...'],
    ]);
    expect(detail.messagesNextCursor).toBeNull();
    // The same messages paged by cursor, two at a time, oldest first.
    const first = (await adminCall('GET', `/api/v1/tickets/${ticket?.id}/messages?limit=2`)).json();
    expect(first.messages.map((m: { text: string }) => m.text)).toEqual([
      'This is the worst service ever, I want to complain',
      'what time do you open?',
    ]);
    const rest = (
      await adminCall('GET', `/api/v1/tickets/${ticket?.id}/messages?limit=2&cursor=${first.nextCursor}`)
    ).json();
    expect(rest).toMatchObject({ messages: [{ author: 'customer', text: 'still waiting...' }], nextCursor: null });
    expect((await adminCall('GET', `/api/v1/tickets/${ticket?.id}/messages?cursor=forged`)).statusCode).toBe(400);
    expect((await adminCall('GET', '/api/v1/tickets/999999/messages')).statusCode).toBe(404);
    // One open ticket per customer.
    const open = (await adminCall('GET', '/api/v1/tickets?status=open')).json().tickets as { customer: unknown }[];
    expect(open.filter((t) => JSON.stringify(t.customer).includes(u))).toHaveLength(1);
  });

  it('staff replies reach the customer; notes do not; replying claims; claim, conflict, resolve with CSAT', async () => {
    const u = user();
    await say(u, { text: '转人工' });
    const ticket = await ticketOf(u);
    expect(ticket).toMatchObject({ reason: 'human', priority: 'normal' });
    const url = `/api/v1/tickets/${ticket?.id}`;

    const note = await adminCall('POST', `${url}/messages`, { text: 'customer sounds upset', note: true });
    expect(note.statusCode).toBe(201);
    expect(note.json()).toEqual({ relayed: false, status: 'open' });
    const reply = await adminCall('POST', `${url}/messages`, {
      text: '您好，我是店长小王，请问有什么可以帮您？',
      author: 'wang',
    });
    expect(reply.json()).toEqual({ relayed: true, status: 'claimed' });
    const sent = (await sentTo(u)).map((m) => m.text);
    expect(sent).toContain('您好，我是店长小王，请问有什么可以帮您？');
    expect(sent.join('\n')).not.toContain('upset');

    const conflict = await adminCall('POST', `${url}/claim`, { assignee: 'li' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('CONFLICT');
    expect((await adminCall('POST', `${url}/claim`, { assignee: 'wang' })).json()).toMatchObject({
      status: 'claimed',
      assignee: 'wang',
    });

    const resolved = await adminCall('POST', `${url}/resolve`);
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', assignee: 'wang' });
    const after = await sentTo(u);
    expect(after.at(-2)?.text).toMatch(/处理完/);
    expect(after.at(-1)?.buttons?.map((b) => b.label)).toEqual(['1', '2', '3', '4', '5']);
    // Resolving again changes nothing and asks nothing twice.
    await adminCall('POST', `${url}/resolve`);
    expect(await sentTo(u)).toHaveLength(after.length);

    // The CSAT answer is a survey answer, not a reopening.
    const csat = after.at(-1)?.buttons?.[4]?.payload as string;
    const [thanks] = await say(u, { payload: csat });
    expect(thanks?.text).toBeTruthy();
    expect((await ticketOf(u))?.status).toBe('resolved');
    const detail = (await adminCall('GET', url)).json();
    expect(detail.messages.map((m: { author: string }) => m.author)).toEqual(['customer', 'note', 'staff']);
  });

  it('writing again within the window reopens the ticket; thanks does not; later, a new ticket', async () => {
    const u = user();
    await say(u, { text: 'I want to talk to a real person' });
    const first = await ticketOf(u);
    await adminCall('POST', `/api/v1/tickets/${first?.id}/resolve`, { by: 'li' });

    expect(await say(u, { text: 'thanks!' })).not.toEqual([]); // answered by the bot as usual
    expect((await ticketOf(u))?.status).toBe('resolved');
    const [reopened] = await say(u, { text: 'actually the drink is still wrong' });
    expect(reopened?.text).toMatch(/passed you back/);
    expect(await ticketOf(u)).toMatchObject({ id: first?.id, status: 'open' });
    expect(await say(u, { text: 'hello?' })).toEqual([]);

    await adminCall('POST', `/api/v1/tickets/${first?.id}/resolve`);
    clock.advance(61 * 60_000);
    expect((await say(u, { text: 'what time do you open?' })).length).toBeGreaterThan(0);
    expect((await ticketOf(u))?.status).toBe('resolved');
    await say(u, { text: '/human' });
    const second = await ticketOf(u);
    expect(second?.id).toBeGreaterThan(first?.id as number);
    expect(second?.status).toBe('open');
  });

  it("the FAQ's talk-to-a-person button opens a ticket with the unanswered question", async () => {
    const u = user();
    await say(u, { text: '你们的咖啡豆是哪个庄园的' });
    await say(u, { payload: 'handoff' });
    const ticket = await ticketOf(u);
    expect(ticket?.reason).toBe('unanswered');
    const detail = (await adminCall('GET', `/api/v1/tickets/${ticket?.id}`)).json();
    // The question, then the bot's welcome and its "I don't know".
    expect(detail.recent.map((r: { direction: string }) => r.direction)).toEqual(['in', 'out', 'out']);
    expect(detail.recent[0]).toMatchObject({ channel: 'api', text: '你们的咖啡豆是哪个庄园的' });
    expect(detail.trigger).toBe('你们的咖啡豆是哪个庄园的');
  });

  it('outside business hours the acknowledgement says when staff start', async () => {
    const u = user();
    const saved = clock.current;
    clock.current = Date.parse('2026-07-01T15:30:00Z'); // 23:30 in Shanghai
    try {
      const [ack] = await say(u, { text: 'get me a manager now' });
      expect(ack?.text).toMatch(/closed right now \(open 09:00–21:00\).*Thu 09:00/);
    } finally {
      clock.current = saved;
    }
  });

  it('one open ticket per customer even when two requests race', async () => {
    const u = user();
    await say(u, { text: '/help' });
    const customer = (await adminCall('GET', `/api/v1/customers?externalId=${u}`)).json().customers[0];
    const input = {
      customerId: customer.id as string,
      previousTicketId: null,
      chat: { channel: 'api', chatId: u, chatType: 'private' as const },
      reason: 'human' as const,
      priority: 'normal' as const,
      trigger: 'help',
      authorName: u,
    };
    const [a, b] = await Promise.all([
      featureApi(app, escalationFeature).open(input),
      featureApi(app, escalationFeature).open(input),
    ]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.ticket.id).toBe(b.ticket.id);
  });

  it('refuses bad admin input with clear errors and changes nothing', async () => {
    const u = user();
    await say(u, { text: '转人工' });
    const ticket = await ticketOf(u);
    const url = `/api/v1/tickets/${ticket?.id}`;
    const cases: [string, string, object | undefined, number][] = [
      ['POST', `${url}/messages`, { text: '' }, 400],
      ['POST', `${url}/messages`, { text: '   ' }, 400],
      ['POST', `${url}/messages`, { text: 5 }, 400],
      ['POST', `${url}/messages`, { text: 'x'.repeat(4001) }, 400],
      ['POST', `${url}/messages`, { text: 'hi', extra: 1 }, 400],
      ['POST', '/api/v1/tickets/999999/messages', { text: 'hi' }, 404],
      ['POST', '/api/v1/tickets/abc/claim', undefined, 400],
      ['POST', `${url}/claim`, { assignee: 42 }, 400],
      ['GET', '/api/v1/tickets?status=closed', undefined, 400],
      ['GET', '/api/v1/tickets/999999', undefined, 404],
    ];
    for (const [method, path, payload, status] of cases) {
      const res = await adminCall(method as 'GET' | 'POST', path, payload);
      expect(res.statusCode, `${method} ${path} ${JSON.stringify(payload)}`).toBe(status);
      expect(res.json().error.message).toBeTruthy();
    }
    const unauthorized = await app.server.inject({ method: 'GET', url: '/api/v1/tickets' });
    expect(unauthorized.statusCode).toBe(401);
    const detail = (await adminCall('GET', url)).json();
    expect(detail.status).toBe('open');
    expect(detail.messages).toHaveLength(1);
  });

  it('pages the ticket list by cursor: each once, newest first, while tickets are opened', async () => {
    const db = app.store.db;
    const customer = await db.customer.create({ data: { displayName: 'Pager' } });
    const t = clock.now() - 86_400_000;
    const open = (createdAt: Date, status = 'open') =>
      db.ticket.create({
        data: { customerId: customer.id, channel: 'api', chatId: customer.id, reason: 'human', status, createdAt },
      });
    for (const [i, ms] of [0, 0, 0, 1000, 1000, 2000, 3000, 3000, 3000, 7000].entries())
      await open(new Date(t + ms), i % 3 ? 'open' : 'resolved');
    const newestFirst = [{ createdAt: 'desc' }, { id: 'desc' }] as const;
    for (const status of [undefined, 'open']) {
      const rows = await db.ticket.findMany({ where: status ? { status } : {}, orderBy: [...newestFirst] });
      expect(rows.length).toBeGreaterThan(6);
      await expectNewestFirstPaging({
        limit: 3,
        read: async (cursor) => {
          const query = new URLSearchParams({
            limit: '3',
            ...(status ? { status } : {}),
            ...(cursor ? { cursor } : {}),
          });
          const res = await adminCall('GET', `/api/v1/tickets?${query}`);
          expect(res.statusCode).toBe(200);
          return { items: res.json().tickets, nextCursor: res.json().nextCursor };
        },
        expectedIds: rows.map((r) => r.id),
        write: async (at) => void (await open(at)),
        later: new Date(clock.now() + 60_000),
      });
    }
    await expectForgedCursorsRefused((cursor) => adminCall('GET', `/api/v1/tickets?cursor=${cursor}`));
    await expectPagedInOpenApi(app.server, '/api/v1/tickets');
  });
});

describe('escalation settings', () => {
  it('are validated with the key named', async () => {
    const { parseBusinessConfig } = await import('../../../src/config.js');
    expect(() => parseBusinessConfig('escalation:\n  businessHours:\n    open: "9am"\n', 'x.yaml')).toThrow(
      /escalation\.businessHours\.open/,
    );
  });
});
