// What the website chat widget reads and sets through the API channel: the whole conversation
// (GET /api/v1/messages?include=both: the customer's own messages merged with the bot's and staff's,
// paged by a cursor over both), the visitor's own panel (GET /api/v1/me) and opting out
// (PUT /api/v1/me/preferences), on both databases.
import { createHmac } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Clock } from '../../src/util/clock.js';
import { admin, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

const KEY = 'widget-channel-key';
const SECRET = 'widget-identity-secret-0123456789';
const sign = (id: string) => createHmac('sha256', SECRET).update(id).digest('hex');
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const asKey = bearer(KEY);

/**
 * Real time that never stands still: each reading is at least a millisecond after the last, so a
 * customer's message and the reply before it never share an instant (ordered by time, the merge
 * could not tell them apart).
 */
function tickingClock(): Clock {
  let last = 0;
  return {
    now: () => {
      last = Math.max(Date.now(), last + 1);
      return last;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

interface Item {
  id: number;
  from?: 'customer' | 'bot' | 'staff';
  author?: { name: string };
  text: string;
  buttons?: { label: string; payload: string }[];
  createdAt: string;
}

describeOnEachDatabase('the chat widget API', (database) => {
  let app: App;

  beforeAll(async () => {
    app = await testApp(database().url, {
      clock: tickingClock(),
      env: { API_CHANNEL_KEY: KEY, API_SESSION_SECRET: SECRET },
    });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
  });

  const inject = (options: InjectOptions) => app.server.inject(options);
  const say = async (userId: string, body: Record<string, unknown>, headers = asKey) => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify({ user: { id: userId, locale: 'en' }, ...body }),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().replies as Item[];
  };
  const read = (query: string, headers: Record<string, string> = asKey) =>
    inject({ method: 'GET', url: `/api/v1/messages?${query}`, headers });
  const both = async (userId: string, extra = '') => {
    const res = await read(`userId=${encodeURIComponent(userId)}&include=both${extra}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { messages: Item[]; cursor: string };
  };
  const me = (query: string, headers: Record<string, string> = asKey) =>
    inject({ method: 'GET', url: `/api/v1/me?${query}`, headers });
  const setPreference = (query: string, payload: unknown, headers: Record<string, string> = asKey) =>
    inject({
      method: 'PUT',
      url: `/api/v1/me/preferences?${query}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const adminCall = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload: payload as object }) });
  const customerId = async (userId: string) =>
    (
      await app.store.db.channelIdentity.findUniqueOrThrow({
        where: { channel_externalId: { channel: 'api', externalId: userId } },
      })
    ).customerId;
  const counts = async () => ({
    customers: await app.store.db.customer.count(),
    interactions: await app.store.db.interaction.count(),
    outbox: await app.store.db.outbox.count(),
    optedOut: await app.store.db.customer.count({ where: { optedOut: true } }),
  });

  it('include=both: the customer, the bot and staff (with the author) in time order; a press shows its label', async () => {
    const u = 'widget-order';
    const [welcome] = await say(u, { text: '/start' });
    const [handoff] = await say(u, { text: '/human' });
    const ticket = (await adminCall('GET', '/api/v1/tickets?status=open')).json().tickets[0];
    expect(ticket.customer.identities).toContainEqual({ channel: 'api', externalId: u });
    const reply = await adminCall('POST', `/api/v1/tickets/${ticket.id}/messages`, {
      text: 'Hi, this is Mei: your order ships today.',
      author: 'Mei',
    });
    expect(reply.statusCode).toBe(201);
    expect((await adminCall('POST', `/api/v1/tickets/${ticket.id}/resolve`, { by: 'Mei' })).statusCode).toBe(200);

    // Resolving asks for a CSAT score; the panel shows it, and the customer answers with a button.
    const { messages: before } = await both(u);
    const survey = before.at(-1) as Item;
    expect(survey.buttons?.map((b) => b.label)).toEqual(['1', '2', '3', '4', '5']);
    const panel = (await me(`userId=${u}`)).json();
    expect(panel.survey).toEqual({ kind: 'csat', question: survey.text, buttons: survey.buttons });
    const [thanks] = await say(u, { payload: survey.buttons?.[4]?.payload });

    const { messages, cursor } = await both(u);
    expect(messages.map((m) => [m.from, m.text])).toEqual([
      ['customer', '/start'],
      ['bot', welcome?.text],
      ['customer', '/human'],
      ['bot', handoff?.text],
      ['staff', 'Hi, this is Mei: your order ships today.'],
      ['bot', expect.stringMatching(/finished with your request/)],
      ['bot', survey.text],
      ['customer', '5'],
      ['bot', thanks?.text],
    ]);
    expect(messages[4]?.author).toEqual({ name: 'Mei' });
    expect(messages.filter((m) => m.author)).toHaveLength(1);
    // Ids are unique: the customer's are negative (interaction ids), what was sent keeps its id.
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
    expect(messages.filter((m) => m.from === 'customer').every((m) => m.id < 0)).toBe(true);
    expect(messages[1]?.id).toBe(welcome?.id);
    const times = messages.map((m) => Date.parse(m.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(cursor).toMatch(/^\d+_\d+$/);
    expect(await both(u, `&after=${cursor}`)).toEqual({ messages: [], cursor });
    // Answered: no survey waits any more.
    expect((await me(`userId=${u}`)).json().survey).toBeNull();
  });

  it('include=replies (the default) is unchanged: what was sent, a numeric cursor, no `from`', async () => {
    const u = 'widget-default';
    await say(u, { text: '/start' });
    await say(u, { text: '/help' });
    const plain = (await read(`userId=${u}`)).json();
    const explicit = (await read(`userId=${u}&include=replies`)).json();
    expect(explicit).toEqual(plain);
    expect(plain.messages).toHaveLength(2);
    for (const m of plain.messages) expect(Object.keys(m).sort()).toEqual(['createdAt', 'id', 'text']);
    expect(plain.cursor).toBe(String(plain.messages[1].id));
    // A both-cursor taken back to include=replies counts by its outbox half.
    const { cursor } = await both(u, '&limit=2');
    expect(cursor.split('_')[0]).toBe(String(plain.messages[0].id));
    const fromBoth = (await read(`userId=${u}&after=${cursor}`)).json();
    expect(fromBoth).toEqual({ messages: plain.messages.slice(1), cursor: plain.cursor });
  });

  it('pages across both sources by the cursor: no item repeated or skipped while messages arrive', async () => {
    const u = 'widget-paging';
    await say(u, { text: '/start' });
    await say(u, { text: '/help' });
    const seen: Item[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 40; page++) {
      const res = await both(u, `&limit=3${cursor ? `&after=${cursor}` : ''}`);
      expect(res.messages.length).toBeLessThanOrEqual(3);
      seen.push(...res.messages);
      if (!res.messages.length && page >= 4) break;
      cursor = res.cursor;
      // New messages arrive between pages, on both sides.
      if (page < 4) await say(u, { text: page % 2 ? '/help' : `/lang ${page % 4 ? 'zh' : 'en'}` });
    }
    const { messages: all } = await both(u, '&limit=500');
    expect(all).toHaveLength(12);
    expect(seen.map((m) => m.id)).toEqual(all.map((m) => m.id));
    expect(seen).toEqual(all);
  });

  it('long-polls with include=both: a reply sent meanwhile wakes it', async () => {
    const u = 'widget-wait';
    await say(u, { text: '/start' });
    const { cursor } = await both(u);
    const waiting = read(`userId=${u}&include=both&wait=10&after=${cursor}`);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await say(u, { text: '/help' });
    const res = (await waiting).json();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.messages.map((m: Item) => m.from)).toEqual(['customer', 'bot']);
  });

  it('a session token reads only its own conversation and panel', async () => {
    const visitor = (await inject({ method: 'POST', url: '/api/v1/sessions' })).json();
    const other = (await inject({ method: 'POST', url: '/api/v1/sessions' })).json();
    await say(visitor.userId, { text: '/start' }, bearer(visitor.token));
    await say(other.userId, { text: '/help' }, bearer(other.token));
    const own = await read('include=both', bearer(visitor.token));
    expect(own.statusCode).toBe(200);
    expect(own.json().messages.map((m: Item) => [m.from, m.text.slice(0, 6)])).toEqual([
      ['customer', '/start'],
      ['bot', expect.any(String)],
    ]);
    expect((await me('', bearer(visitor.token))).json().userId).toBe(visitor.userId);
    for (const res of [
      await read(`include=both&userId=${other.userId}`, bearer(visitor.token)),
      await me(`userId=${other.userId}`, bearer(visitor.token)),
      await setPreference(`userId=${other.userId}`, { optedOut: true }, bearer(visitor.token)),
    ]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    // Without credentials: 401; with the user's identity signature: that user.
    expect((await me(`userId=${other.userId}`, {})).statusCode).toBe(401);
    const signed = await me(`userId=${other.userId}&signature=${sign(other.userId)}`, {});
    expect(signed.statusCode).toBe(200);
    expect(signed.json().userId).toBe(other.userId);
    expect(
      (await app.store.db.customer.findUniqueOrThrow({ where: { id: await customerId(other.userId) } })).optedOut,
    ).toBe(false);
  });

  it('GET /api/v1/me: profile, points and tier, rewards with their payloads, opt-out', async () => {
    const u = 'widget-me';
    await say(u, { user: { id: u, name: 'Ann', locale: 'en' }, text: '/start' });
    const id = await customerId(u);
    const adjust = await adminCall('POST', `/api/v1/customers/${id}/points`, {
      delta: 600,
      reason: 'test',
      idempotencyKey: 'widget-me-600',
    });
    expect(adjust.statusCode).toBe(200);
    const res = await me(`userId=${u}`);
    expect(res.statusCode).toBe(200);
    const view = res.json();
    expect(view).toMatchObject({
      userId: u,
      displayName: 'Ann',
      locale: 'en',
      optedOut: false,
      points: {
        balance: 600,
        tier: { id: 'silver', name: { 'zh-CN': '白银会员', en: 'Silver' } },
        nextTier: { id: 'gold', name: { 'zh-CN': '黄金会员', en: 'Gold' }, threshold: 2000 },
        toNextTier: 1400,
      },
      survey: null,
    });
    expect(view.rewards).toEqual([
      {
        id: 'voucher5',
        name: { 'zh-CN': '5元代金券', en: '5-yuan voucher' },
        cost: 100,
        available: true,
        payload: 'redeem:voucher5',
      },
      { id: 'americano', name: expect.any(Object), cost: 300, available: true, payload: 'redeem:americano' },
      { id: 'beans', name: expect.any(Object), cost: 1500, available: false, payload: 'redeem:beans' },
    ]);
    // The payload redeems in the chat: it asks for confirmation.
    const [confirm] = await say(u, { payload: view.rewards[0].payload });
    expect(confirm?.buttons?.[0]?.payload).toMatch(/^rc:voucher5:/);

    // A survey sent through the admin API waits in the panel, in the customer's language.
    const sent = await adminCall('POST', `/api/v1/customers/${id}/surveys`, { kind: 'nps' });
    expect(sent.statusCode).toBe(200);
    const survey = (await me(`userId=${u}`)).json().survey;
    expect(survey.kind).toBe('nps');
    expect(survey.question).toMatch(/recommend us/);
    expect(survey.buttons).toHaveLength(11);
    expect(survey.buttons[10]).toEqual({ label: '10', payload: `sv:${sent.json().dialogId}:10` });

    // Someone who never wrote has no panel.
    const nobody = await me('userId=widget-never-wrote');
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json().error.code).toBe('NOT_FOUND');
  });

  it('PUT /api/v1/me/preferences opts out as /stop does (marketing refused, waiting marketing cancelled) and back in', async () => {
    const u = 'widget-prefs';
    await say(u, { text: '/start' });
    const id = await customerId(u);
    // A campaign's message still waiting in the outbox (due tomorrow, so the dispatcher leaves it).
    const waiting = await app.store.db.outbox.create({
      data: {
        channel: 'api',
        chatId: u,
        customerId: id,
        message: { text: 'spring sale', marketing: true },
        nextAttemptAt: new Date(Date.now() + 86_400_000),
      },
    });
    await app.store.db.marketingSend.create({
      data: {
        customerId: id,
        kind: 'campaign',
        dedupeKey: `widget-prefs-${waiting.id}`,
        outboxId: waiting.id,
        at: new Date(),
      },
    });

    const off = await setPreference(`userId=${u}`, { optedOut: true });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toEqual({ optedOut: true });
    expect((await app.store.db.outbox.findUniqueOrThrow({ where: { id: waiting.id } })).status).toBe('cancelled');
    expect((await me(`userId=${u}`)).json().optedOut).toBe(true);
    const refused = await adminCall('POST', `/api/v1/customers/${id}/surveys`, { kind: 'csat' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('OPTED_OUT');
    // Again: nothing changes, nothing is logged twice.
    expect((await setPreference(`userId=${u}`, { optedOut: true })).json()).toEqual({ optedOut: true });

    const on = await setPreference(`userId=${u}`, { optedOut: false });
    expect(on.json()).toEqual({ optedOut: false });
    expect((await adminCall('POST', `/api/v1/customers/${id}/surveys`, { kind: 'csat' })).statusCode).toBe(200);

    // Logged as /stop and /start are; no chat message was stored or sent for it.
    const events = await app.store.db.interaction.findMany({
      where: { customerId: id, kind: { in: ['opt_out', 'opt_in'] } },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => [e.direction, e.kind, e.channel])).toEqual([
      ['event', 'opt_out', 'api'],
      ['event', 'opt_in', 'api'],
    ]);
    const { messages } = await both(u);
    expect(messages.filter((m) => m.from === 'customer').map((m) => m.text)).toEqual(['/start']);

    // /stop in the chat and the preference are one setting.
    await say(u, { text: '/stop' });
    expect((await me(`userId=${u}`)).json().optedOut).toBe(true);
    expect((await setPreference(`userId=${u}`, { optedOut: false })).json()).toEqual({ optedOut: false });
  });

  it('PUT /api/v1/me/preferences for someone who never wrote is a 404 and stores nothing', async () => {
    const before = await counts();
    const res = await setPreference('userId=widget-nobody', { optedOut: true });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    expect(await counts()).toEqual(before);
  });

  describe('malformed input is a 400 in the documented shape, and nothing is stored', () => {
    beforeAll(async () => {
      await say('widget-bad', { text: '/start' });
    });

    it.each([
      ['an unknown include', 'GET', '/api/v1/messages?userId=widget-bad&include=all'],
      [
        'an include=replies cursor with include=both',
        'GET',
        '/api/v1/messages?userId=widget-bad&include=both&after=12',
      ],
      ['a cursor that is not one', 'GET', '/api/v1/messages?userId=widget-bad&include=both&after=1_x'],
      ['a negative half', 'GET', '/api/v1/messages?userId=widget-bad&include=both&after=1_-2'],
      ['three halves', 'GET', '/api/v1/messages?userId=widget-bad&after=1_2_3'],
      ['optedOut as a string', 'PUT', '/api/v1/me/preferences?userId=widget-bad', { optedOut: 'true' }],
      ['optedOut as a number', 'PUT', '/api/v1/me/preferences?userId=widget-bad', { optedOut: 1 }],
      ['no optedOut', 'PUT', '/api/v1/me/preferences?userId=widget-bad', {}],
      ['another field', 'PUT', '/api/v1/me/preferences?userId=widget-bad', { optedOut: true, email: 'x@y' }],
      ['a JSON array', 'PUT', '/api/v1/me/preferences?userId=widget-bad', [true]],
      ['no user', 'GET', '/api/v1/me'],
    ] as const)('%s', async (_name, method, url, body?: unknown) => {
      const before = await counts();
      const res = await inject({
        method,
        url,
        headers: { ...asKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      expect(res.statusCode, res.body).toBe(400);
      const json = res.json();
      expect(json.error.code).toBe('BAD_REQUEST');
      expect(typeof json.error.message).toBe('string');
      expect(await counts()).toEqual(before);
    });

    it('a body that is not JSON', async () => {
      const res = await setPreference('userId=widget-bad', '{"optedOut":');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('INVALID_JSON');
    });
  });

  it('documents the three in the OpenAPI document', async () => {
    const doc = (await inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const include = doc.paths['/api/v1/messages'].get.parameters.find((p: { name: string }) => p.name === 'include');
    expect(include.schema.enum).toEqual(['replies', 'both']);
    const item =
      doc.paths['/api/v1/messages'].get.responses['200'].content['application/json'].schema.properties.messages.items;
    expect(item.properties.from.enum).toEqual(['customer', 'bot', 'staff']);
    expect(item.properties.author.properties.name.type).toBe('string');
    const meDoc = doc.paths['/api/v1/me'].get;
    expect(Object.keys(meDoc.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404', '429']));
    expect(Object.keys(meDoc.responses['200'].content['application/json'].schema.properties).sort()).toEqual([
      'displayName',
      'locale',
      'optedOut',
      'points',
      'rewards',
      'survey',
      'userId',
    ]);
    const put = doc.paths['/api/v1/me/preferences'].put;
    expect(put.requestBody.content['application/json'].schema.properties.optedOut.type).toBe('boolean');
  });
});

describeOnEachDatabase('the chat widget API with loyalty and feedback off', (database) => {
  let app: App;

  beforeAll(async () => {
    app = await testApp(database().url, {
      yaml: [
        'loyalty:\n  enabled: false',
        'referrals:\n  enabled: false',
        'birthdays:\n  enabled: false',
        'surveys:\n  enabled: false',
      ].join('\n'),
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('GET /api/v1/me has no points, no rewards and no survey', async () => {
    const sent = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: 'widget-off', locale: 'zh-CN' }, text: '你好' },
    });
    expect(sent.statusCode).toBe(200);
    const res = await app.server.inject('/api/v1/me?userId=widget-off');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      userId: 'widget-off',
      displayName: null,
      locale: 'zh-CN',
      optedOut: false,
      points: null,
      rewards: [],
      survey: null,
    });
  });
});
