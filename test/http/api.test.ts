import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { admin, testApp } from '../helpers/app.js';
import { describeOnEachDatabase, sqliteDatabase } from '../helpers/databases.js';

describeOnEachDatabase('HTTP API', (database) => {
  let app: App;

  beforeAll(async () => {
    app = await testApp(database().url);
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const counts = async () => ({
    customers: await app.store.db.customer.count(),
    interactions: await app.store.db.interaction.count(),
    outbox: await app.store.db.outbox.count(),
  });

  it('GET /healthz answers 200 (liveness; readiness is /readyz, test/http/health.test.ts)', async () => {
    const res = await app.server.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it("POST /api/v1/messages returns this turn's replies", async () => {
    const res = await post({ user: { id: 'web-1', name: 'Ann', locale: 'en' }, text: '/start' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.replies).toHaveLength(1);
    expect(body.replies[0].text).toMatch(/Welcome/);
    expect(body.replies[0].text).toContain('Ann');
    expect(typeof body.replies[0].id).toBe('number');
  });

  it('accepts a button payload instead of text', async () => {
    const res = await post({ user: { id: 'web-btn' }, payload: 'some-button' });
    expect(res.statusCode).toBe(200);
    const rows = await app.store.db.interaction.findMany({
      where: { channel: 'api', direction: 'in', customer: { identities: { some: { externalId: 'web-btn' } } } },
    });
    expect(rows.map((r) => [r.kind, r.payload])).toEqual([['button', { button: 'some-button' }]]);
  });

  it('handles a repeated messageId once', async () => {
    const body = { user: { id: 'web-dup' }, text: '/help', messageId: 'client-42' };
    const first = await post(body);
    const second = await post(body);
    expect(first.json().replies).toHaveLength(1);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ replies: [], duplicate: true });
  });

  it('GET /api/v1/messages lists what was sent to the user, oldest first, page by page', async () => {
    await post({ user: { id: 'web-hist' }, text: '/start' });
    await post({ user: { id: 'web-hist' }, text: '/help' });
    await post({ user: { id: 'web-hist' }, text: '/lang en' });
    const all = await app.server.inject('/api/v1/messages?userId=web-hist');
    expect(all.statusCode).toBe(200);
    const { messages, cursor } = all.json();
    expect(messages).toHaveLength(3);
    expect(messages[0].text).toMatch(/欢迎/);
    expect(messages[2].text).toMatch(/English/);
    expect(messages.map((m: { id: number }) => m.id)).toEqual(
      [...messages.map((m: { id: number }) => m.id)].sort((a, b) => a - b),
    );
    expect(cursor).toBe(String(messages[2].id));
    expect(new Date(messages[0].createdAt).toString()).not.toBe('Invalid Date');

    const page = await app.server.inject(`/api/v1/messages?userId=web-hist&after=${messages[0].id}&limit=1`);
    expect(page.json().messages.map((m: { text: string }) => m.text)).toEqual([messages[1].text]);
    const empty = await app.server.inject(`/api/v1/messages?userId=web-hist&after=${cursor}`);
    expect(empty.json()).toEqual({ messages: [], cursor });
    const stranger = await app.server.inject('/api/v1/messages?userId=nobody');
    expect(stranger.json()).toEqual({ messages: [], cursor: '0' });
  });

  it('long-polls: a waiting GET returns when a message is delivered', async () => {
    const waiting = app.server.inject('/api/v1/messages?userId=web-wait&wait=10');
    await new Promise((r) => setTimeout(r, 100));
    await post({ user: { id: 'web-wait' }, text: '/help' });
    const res = await waiting;
    expect(res.json().messages).toHaveLength(1);
  });

  it.each([
    { name: 'invalid JSON', body: '{"user":', status: 400, code: 'INVALID_JSON' },
    { name: 'no user', body: { text: 'hi' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'a numeric user id', body: { user: { id: 42 }, text: 'hi' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'an empty user id', body: { user: { id: '' }, text: 'hi' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'neither text nor payload', body: { user: { id: 'x' } }, status: 400, code: 'BAD_REQUEST' },
    { name: 'blank text', body: { user: { id: 'x' }, text: '   ' }, status: 400, code: 'BAD_REQUEST' },
    {
      name: 'text over 4,000 characters',
      body: { user: { id: 'x' }, text: 'a'.repeat(4001) },
      status: 400,
      code: 'BAD_REQUEST',
    },
    { name: 'a JSON array', body: [1, 2], status: 400, code: 'BAD_REQUEST' },
    {
      name: 'a body over 64 KiB',
      body: { user: { id: 'x' }, text: 'hi', padding: 'p'.repeat(70_000) },
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
  ])('rejects $name with $status and stores nothing', async ({ body, status, code }) => {
    const before = await counts();
    const res = await post(body);
    expect(res.statusCode).toBe(status);
    const json = res.json();
    expect(json.error.code).toBe(code);
    expect(typeof json.error.message).toBe('string');
    expect(json.error.message).not.toMatch(/\n\s+at /);
    expect(await counts()).toEqual(before);
  });

  it('takes text of exactly 4,000 characters, in Chinese too', async () => {
    const res = await post({ user: { id: 'web-long' }, text: '长'.repeat(4000) });
    expect(res.statusCode).toBe(200);
  });

  it('rejects a wrong content type with 415', async () => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('rejects bad query parameters with 400', async () => {
    for (const url of ['/api/v1/messages', '/api/v1/messages?userId=a&after=-1', '/api/v1/messages?userId=a&limit=0']) {
      const res = await app.server.inject(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('BAD_REQUEST');
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app.server.inject('/api/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  describe('admin API', () => {
    it('needs the admin token', async () => {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'test-admin-token-0123456789' }]) {
        const res = await app.server.inject({ url: '/api/v1/customers', headers });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('UNAUTHORIZED');
      }
    });

    it('finds customers by channel identity and by text', async () => {
      await post({ user: { id: 'web-admin', name: 'Zhang Wei' }, text: '你好' });
      const byIdentity = await app.server.inject({
        url: '/api/v1/customers?channel=api&externalId=web-admin',
        headers: admin,
      });
      expect(byIdentity.statusCode).toBe(200);
      const customers = byIdentity.json().customers;
      expect(customers).toHaveLength(1);
      expect(customers[0].identities).toEqual([{ channel: 'api', externalId: 'web-admin' }]);
      const byName = await app.server.inject({ url: '/api/v1/customers?q=Zhang', headers: admin });
      expect(byName.json().customers.map((c: { id: string }) => c.id)).toEqual([customers[0].id]);
      const none = await app.server.inject({
        url: '/api/v1/customers?channel=telegram&externalId=web-admin',
        headers: admin,
      });
      expect(none.json()).toEqual({ customers: [], nextCursor: null });
    });

    it("returns a customer's profile and interactions, newest first", async () => {
      await post({ user: { id: 'web-profile', name: 'Bo' }, text: '/start' });
      await post({ user: { id: 'web-profile' }, text: '/lang en' });
      const list = await app.server.inject({ url: '/api/v1/customers?externalId=web-profile', headers: admin });
      const id = list.json().customers[0].id;
      const profile = await app.server.inject({ url: `/api/v1/customers/${id}`, headers: admin });
      expect(profile.statusCode).toBe(200);
      expect(profile.json()).toMatchObject({
        id,
        displayName: 'Bo',
        locale: 'en',
        stage: 'prospect',
        identities: [{ channel: 'api', externalId: 'web-profile' }],
      });
      expect(Date.parse(profile.json().createdAt)).toBeLessThanOrEqual(Date.parse(profile.json().lastSeenAt));

      const res = await app.server.inject({ url: `/api/v1/customers/${id}/interactions?limit=3`, headers: admin });
      const interactions = res.json().interactions;
      expect(interactions).toHaveLength(3);
      expect(interactions.map((i: { direction: string; kind: string }) => `${i.direction}:${i.kind}`)).toEqual([
        'event:locale_changed',
        'out:message',
        'in:command',
      ]);
      expect(interactions[2].text).toBe('/lang en');
    });

    it('answers 404 for an unknown customer and 400 for a bad limit', async () => {
      const missing = await app.server.inject({ url: '/api/v1/customers/nope', headers: admin });
      expect(missing.statusCode).toBe(404);
      const missingLog = await app.server.inject({ url: '/api/v1/customers/nope/interactions', headers: admin });
      expect(missingLog.statusCode).toBe(404);
      const bad = await app.server.inject({ url: '/api/v1/customers?limit=abc', headers: admin });
      expect(bad.statusCode).toBe(400);
    });
  });

  it('serves the web chat page and an OpenAPI document of every route', async () => {
    const page = await app.server.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('/widget/frame.js');
    const script = await app.server.inject('/widget/frame.js');
    expect(script.body).toContain('/api/v1/messages');
    const doc = await app.server.inject('/api/openapi.json');
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths);
    for (const path of [
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/v1/messages',
      '/api/v1/customers',
      '/api/v1/customers/{id}',
      '/api/v1/customers/{id}/interactions',
    ]) {
      expect(paths).toContain(path);
    }
    expect(Object.keys(doc.json().paths['/api/v1/messages'])).toEqual(expect.arrayContaining(['get', 'post']));
    const ui = await app.server.inject('/api/docs');
    expect([200, 302]).toContain(ui.statusCode);
  });
});

describe('API channel key', () => {
  it('requires the key on both routes when API_CHANNEL_KEY is set', async () => {
    const database = sqliteDatabase();
    const app = await testApp(database.url, { env: { API_CHANNEL_KEY: 'channel-secret' } });
    try {
      const body = JSON.stringify({ user: { id: 'k' }, text: 'hi' });
      const headers = { 'content-type': 'application/json' };
      const denied = await app.server.inject({ method: 'POST', url: '/api/v1/messages', headers, payload: body });
      expect(denied.statusCode).toBe(401);
      expect(await app.store.db.interaction.count()).toBe(0);
      const deniedGet = await app.server.inject('/api/v1/messages?userId=k');
      expect(deniedGet.statusCode).toBe(401);
      const ok = await app.server.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: { ...headers, authorization: 'Bearer channel-secret' },
        payload: body,
      });
      expect(ok.statusCode).toBe(200);
      const okGet = await app.server.inject({
        url: '/api/v1/messages?userId=k',
        headers: { authorization: 'Bearer channel-secret' },
      });
      expect(okGet.statusCode).toBe(200);
      // The admin API keeps its own token.
      const adminRes = await app.server.inject({
        url: '/api/v1/customers',
        headers: { authorization: 'Bearer channel-secret' },
      });
      expect(adminRes.statusCode).toBe(401);
      expect((await app.server.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await app.stop();
      await database.drop();
    }
  });
});

describe('health without a database', () => {
  it('stays live (/healthz 200) but not ready (/readyz 503) when the database does not answer', async () => {
    const database = sqliteDatabase();
    const app = await testApp(database.url);
    try {
      await app.store.close();
      // A closed Prisma client reconnects on demand; make the file unusable instead.
      const { rmSync, mkdirSync } = await import('node:fs');
      const path = database.url.slice('file:'.length);
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      mkdirSync(path);
      expect((await app.server.inject('/healthz')).statusCode).toBe(200);
      const res = await app.server.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json().database).toBe('unavailable');
    } finally {
      await app.stop().catch(() => {});
      await database.drop();
    }
  });
});
