// Who may speak for whom on the API channel: the key (anyone), a session token (only its own
// user), an identity signature (the signed user), nothing (only while no key is set).
import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { FakeClock } from '../fakes/clock.js';
import { testApp } from '../helpers/app.js';
import { describeOnEachDatabase, sqliteDatabase } from '../helpers/databases.js';

const KEY = 'channel-key-for-backends';
const SECRET = 'identity-secret-0123456789abcdef';
const sign = (id: string, secret = SECRET) => createHmac('sha256', secret).update(id).digest('hex');
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function client(app: () => App) {
  const inject = (options: InjectOptions) => app().server.inject(options);
  return {
    session: (body?: unknown, headers: Record<string, string> = {}) =>
      inject({
        method: 'POST',
        url: '/api/v1/sessions',
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(body ?? {}),
      }),
    post: (body: unknown, headers: Record<string, string> = {}) =>
      inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(body),
      }),
    get: (query: string, headers: Record<string, string> = {}) =>
      inject({ method: 'GET', url: `/api/v1/messages?${query}`, headers }),
  };
}

async function counts(app: App) {
  return {
    customers: await app.store.db.customer.count(),
    interactions: await app.store.db.interaction.count(),
  };
}

describeOnEachDatabase('API channel identity with API_CHANNEL_KEY set', (database) => {
  let app: App;
  const clock = new FakeClock(Date.parse('2026-12-01T10:00:00Z'));
  const { session, post, get } = client(() => app);

  beforeAll(async () => {
    app = await testApp(database().url, { clock, env: { API_CHANNEL_KEY: KEY, API_SESSION_SECRET: SECRET } });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('issues an anonymous visitor a session; the token posts and reads as that visitor', async () => {
    const res = await session();
    expect(res.statusCode).toBe(200);
    const { userId, token } = res.json();
    expect(userId).toMatch(/^visitor-[0-9a-f-]{36}$/);
    expect(typeof token).toBe('string');
    // The token names the user: the body needs none.
    const sent = await post({ user: { locale: 'en' }, text: '/help' }, bearer(token));
    expect(sent.statusCode).toBe(200);
    expect(sent.json().replies).toHaveLength(1);
    const identity = await app.store.db.channelIdentity.findMany({ where: { channel: 'api', externalId: userId } });
    expect(identity).toHaveLength(1);
    const read = await get('after=0', bearer(token));
    expect(read.statusCode).toBe(200);
    expect(read.json().messages.map((m: { text: string }) => m.text)).toEqual([sent.json().replies[0].text]);
    // Naming itself is fine too.
    expect((await get(`userId=${userId}`, bearer(token))).statusCode).toBe(200);
  });

  it('two visitors get different users (with or without a body)', async () => {
    const a = (await session()).json();
    const b = (await app.server.inject({ method: 'POST', url: '/api/v1/sessions' })).json();
    expect(a.userId).not.toBe(b.userId);
    expect(a.token).not.toBe(b.token);
  });

  it('a session token cannot read or post as another user (403), and nothing is stored', async () => {
    const victim = (await session()).json();
    await post({ text: '/link' }, bearer(victim.token));
    const attacker = (await session()).json();
    const before = await counts(app);
    const read = await get(`userId=${encodeURIComponent(victim.userId)}`, bearer(attacker.token));
    expect(read.statusCode).toBe(403);
    expect(read.json().error.code).toBe('FORBIDDEN');
    const write = await post({ user: { id: victim.userId }, text: 'hi' }, bearer(attacker.token));
    expect(write.statusCode).toBe(403);
    expect(write.json().error.code).toBe('FORBIDDEN');
    // A signature for someone else does not widen a session either.
    const signed = await get(`userId=other&signature=${sign('other')}`, bearer(attacker.token));
    expect(signed.statusCode).toBe(403);
    expect(await counts(app)).toEqual(before);
  });

  it('refuses forged, altered, foreign and expired tokens with 401', async () => {
    const { userId, token } = (await session()).json();
    const [version, , expires, mac] = token.split('.');
    const otherId = Buffer.from('visitor-someone-else').toString('base64url');
    const later = (Number.parseInt(expires, 36) + 86_400 * 365).toString(36);
    const foreignMac = createHmac('sha256', 'not-our-secret')
      .update(`${version}.${otherId}.${expires}`)
      .digest('base64url');
    const before = await counts(app);
    for (const forged of [
      `${version}.${otherId}.${expires}.${mac}`, // someone else's id under this MAC
      `${version}.${token.split('.')[1]}.${later}.${mac}`, // a longer life
      `${version}.${otherId}.${expires}.${foreignMac}`, // signed with another secret
      `${token}x`,
      'not-a-token',
      KEY.toUpperCase(),
    ]) {
      const res = await post({ user: { id: userId }, text: 'hi' }, bearer(forged));
      expect(res.statusCode, forged).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
      expect((await get(`userId=${userId}`, bearer(forged))).statusCode).toBe(401);
    }
    expect(await counts(app)).toEqual(before);

    // Tokens live 30 days; renewal gives the same user a fresh 30 days.
    clock.advance(29 * 86_400_000);
    const renewed = await session({}, bearer(token));
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json().userId).toBe(userId);
    clock.advance(2 * 86_400_000);
    expect((await get('after=0', bearer(token))).statusCode).toBe(401);
    expect((await get('after=0', bearer(renewed.json().token))).statusCode).toBe(200);
    // An expired token renews nothing.
    expect((await session({}, bearer(token))).statusCode).toBe(401);
  });

  it('without any credential a call is 401 and stores nothing', async () => {
    const before = await counts(app);
    const res = await post({ user: { id: 'someone' }, text: 'hi' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHORIZED');
    expect(res.json().error.message).toMatch(/API_CHANNEL_KEY|session|signature/);
    expect((await get('userId=someone')).statusCode).toBe(401);
    // Naming a user for a session needs its signature.
    expect((await session({ user: { id: 'someone' } })).statusCode).toBe(401);
    expect(await counts(app)).toEqual(before);
  });

  it('the key speaks for any user', async () => {
    for (const id of ['crm-1', 'crm-2']) {
      const res = await post({ user: { id }, text: '/help' }, bearer(KEY));
      expect(res.statusCode).toBe(200);
      const read = await get(`userId=${id}`, bearer(KEY));
      expect(read.json().messages).toHaveLength(1);
    }
    // With the key and no user there is no one to speak for.
    expect((await post({ text: 'hi' }, bearer(KEY))).json().error.code).toBe('BAD_REQUEST');
    // The key mints a session for any user, to hand to that user's browser.
    const minted = await session({ user: { id: 'crm-1' } }, bearer(KEY));
    expect(minted.json().userId).toBe('crm-1');
    expect((await get('after=0', bearer(minted.json().token))).json().messages).toHaveLength(1);
  });

  it('an identity signature speaks for the signed user only', async () => {
    const id = 'shop-user-77';
    const ok = await post({ user: { id }, text: '/help', signature: sign(id) });
    expect(ok.statusCode).toBe(200);
    expect((await get(`userId=${id}&signature=${sign(id)}`)).json().messages).toHaveLength(1);
    const before = await counts(app);
    for (const signature of [
      sign('shop-user-78'),
      sign(id, 'another-secret-0123456789'),
      sign(id).toUpperCase(),
      'x',
    ]) {
      const res = await post({ user: { id }, text: 'hi', signature });
      expect(res.statusCode, signature).toBe(401);
      expect(res.json().error.message).toMatch(/signature/);
      expect((await get(`userId=${id}&signature=${signature}`)).statusCode).toBe(401);
    }
    expect(await counts(app)).toEqual(before);
    // A signature buys a session token for that user; a wrong one buys nothing.
    const started = await session({ user: { id }, signature: sign(id) });
    expect(started.json().userId).toBe(id);
    expect((await get('after=0', bearer(started.json().token))).json().messages).toHaveLength(1);
    expect((await session({ user: { id }, signature: sign('nope') })).statusCode).toBe(401);
  });

  it('runs the web chat page protocol: session, renewal, posting and long polling without a user id', async () => {
    const html = (await app.server.inject('/')).body;
    const page = { body: html + (await app.server.inject('/widget/frame.js')).body };
    expect(page.body).toContain('/api/v1/sessions');
    expect(page.body).not.toMatch(/prompt\(|apiKey|API_CHANNEL_KEY/);
    expect(page.body).not.toContain(KEY);
    expect(page.body).not.toContain(SECRET);

    const first = (await session({})).json();
    const again = (await session({}, bearer(first.token))).json();
    expect(again.userId).toBe(first.userId);
    const history = await get('after=0&limit=500', bearer(again.token));
    expect(history.json()).toEqual({ messages: [], cursor: '0' });
    const start = await post(
      { user: { locale: 'zh-CN' }, messageId: `${first.userId}-1`, text: '/start' },
      bearer(again.token),
    );
    expect(start.json().replies[0].text).toMatch(/欢迎/);
    const polled = await get('after=0&wait=1', bearer(again.token));
    expect(polled.json().messages).toHaveLength(1);
  });

  it('documents sessions and the 403 and 429 answers in the OpenAPI document', async () => {
    const doc = (await app.server.inject('/api/openapi.json')).json();
    expect(Object.keys(doc.paths['/api/v1/sessions'])).toEqual(['post']);
    for (const [path, method] of [
      ['/api/v1/sessions', 'post'],
      ['/api/v1/messages', 'post'],
      ['/api/v1/messages', 'get'],
    ] as const) {
      expect(Object.keys(doc.paths[path][method].responses)).toEqual(
        expect.arrayContaining(['200', '401', '403', '429']),
      );
    }
    expect(doc.components.securitySchemes.apiSession).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describeOnEachDatabase('API channel identity in open mode (no key)', (database) => {
  let app: App;
  const { session, post, get } = client(() => app);

  beforeAll(async () => {
    app = await testApp(database().url);
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('takes plain {"user":{"id"}} calls as before', async () => {
    const res = await post({ user: { id: 'dev-1' }, text: '/help' });
    expect(res.statusCode).toBe(200);
    expect((await get('userId=dev-1')).json().messages).toHaveLength(1);
  });

  it('still keeps a session token to its own user', async () => {
    const { userId, token } = (await session()).json();
    expect((await post({ text: '/help' }, bearer(token))).statusCode).toBe(200);
    expect((await get('userId=dev-1', bearer(token))).statusCode).toBe(403);
    expect((await get(`userId=${userId}`, bearer(token))).json().messages).toHaveLength(1);
  });

  it('refuses identity signatures without API_SESSION_SECRET, saying why', async () => {
    const res = await post({ user: { id: 'dev-2' }, text: 'hi', signature: sign('dev-2') });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toMatch(/API_SESSION_SECRET/);
    expect((await session({ user: { id: 'dev-2' }, signature: sign('dev-2') })).statusCode).toBe(401);
  });
});

describe('the generated session secret', () => {
  it('is kept in DATA_DIR with mode 0600, and tokens outlive a restart', async () => {
    const database = sqliteDatabase();
    const first = await testApp(database.url, { env: { API_CHANNEL_KEY: KEY } });
    const dataDir = first.config.env.DATA_DIR;
    let second: App | undefined;
    try {
      const path = join(dataDir, 'session-secret');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8').trim().length).toBeGreaterThanOrEqual(16);
      const { token } = (await client(() => first).session()).json();
      await first.stop();
      second = await testApp(database.url, { env: { API_CHANNEL_KEY: KEY, DATA_DIR: dataDir } });
      expect((await client(() => second as App).get('after=0', bearer(token))).statusCode).toBe(200);
    } finally {
      await first.stop();
      await second?.stop();
      await database.drop();
    }
  });
});
