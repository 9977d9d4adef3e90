// limits.perIp on the API channel: a flood from one address gets 429 with Retry-After and stores
// nothing; the key is exempt; open mode has no per-IP limit; TRUST_PROXY picks the client address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

const KEY = 'channel-key-for-backends';
const LIMITS = 'loyalty:\n  rules:\n    welcome: 0\nlimits:\n  perIp:\n    requests: 5\n    seconds: 60\n';

function caller(app: () => App, remoteAddress: string, headers: Record<string, string> = {}) {
  return {
    post: (body: unknown) =>
      app().server.inject({
        method: 'POST',
        url: '/api/v1/messages',
        remoteAddress,
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(body),
      }),
    session: () =>
      app().server.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        remoteAddress,
        headers: { 'content-type': 'application/json', ...headers },
        payload: '{}',
      }),
  };
}

const stored = async (app: App) => ({
  customers: await app.store.db.customer.count(),
  interactions: await app.store.db.interaction.count(),
});

describeOnEachDatabase('per-IP limit with API_CHANNEL_KEY set', (database) => {
  let app: App;

  beforeAll(async () => {
    app = await testApp(database().url, { env: { API_CHANNEL_KEY: KEY }, yaml: LIMITS });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers a flood from one address with 429 and Retry-After, and stores nothing for it', async () => {
    const browser = caller(() => app, '203.0.113.7');
    const { token } = (await browser.session()).json();
    const visitor = caller(() => app, '203.0.113.7', { authorization: `Bearer ${token}` });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await visitor.post({ text: `/help ${i}` })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200]);

    const before = await stored(app);
    const refused = [];
    for (let i = 0; i < 20; i++) refused.push(await visitor.post({ text: `flood ${i}` }));
    for (const res of refused) {
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('RATE_LIMITED');
      expect(res.json().error.message).toMatch(/retry in \d+ s/);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    expect(await stored(app)).toEqual(before);
    // Sessions are behind the same limit.
    expect((await browser.session()).statusCode).toBe(429);
    // Another address is not affected.
    expect((await caller(() => app, '198.51.100.9').session()).statusCode).toBe(200);
  });

  it('counts requests without credentials too, but exempts the key', async () => {
    const anonymous = caller(() => app, '192.0.2.44');
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push((await anonymous.post({ user: { id: 'x' }, text: 'hi' })).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);

    const backend = caller(() => app, '192.0.2.44', { authorization: `Bearer ${KEY}` });
    for (let i = 0; i < 12; i++) {
      const res = await backend.post({ user: { id: `crm-${i}` }, text: '/help' });
      expect(res.statusCode).toBe(200);
    }
  });

  it('ignores X-Forwarded-For while TRUST_PROXY is unset (it cannot be spoofed past the limit)', async () => {
    const codes = [];
    for (let i = 0; i < 7; i++) {
      const res = await caller(() => app, '192.0.2.55', { 'x-forwarded-for': `10.0.0.${i}` }).session();
      codes.push(res.statusCode);
    }
    expect(codes.slice(5)).toEqual([429, 429]);
  });
});

describeOnEachDatabase('per-IP limit behind a proxy (TRUST_PROXY)', (database) => {
  let app: App;

  beforeAll(async () => {
    app = await testApp(database().url, { env: { API_CHANNEL_KEY: KEY, TRUST_PROXY: '127.0.0.1' }, yaml: LIMITS });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('limits each client behind the proxy by its own address', async () => {
    const through = (client: string) => caller(() => app, '127.0.0.1', { 'x-forwarded-for': client });
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await through('203.0.113.1').session()).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await through('203.0.113.2').session()).statusCode).toBe(200);
    // An address that is not the trusted proxy is its own client, whatever it forwards.
    const direct = caller(() => app, '192.0.2.1', { 'x-forwarded-for': '203.0.113.3' });
    for (let i = 0; i < 5; i++) expect((await direct.session()).statusCode).toBe(200);
    expect((await direct.session()).statusCode).toBe(429);
  });
});

describeOnEachDatabase('open mode (no key) has no per-IP limit', (database) => {
  let app: App;

  beforeAll(async () => {
    app = await testApp(database().url, { yaml: LIMITS });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('takes more than limits.perIp requests from one address', async () => {
    const dev = caller(() => app, '127.0.0.1');
    for (let i = 0; i < 12; i++) {
      const res = await dev.post({ user: { id: `dev-${i % 3}` }, text: '/help' });
      expect(res.statusCode).toBe(200);
    }
  });
});

describe('settings of identity and limits', () => {
  it('parses TRUST_PROXY and refuses what is neither a flag, a hop count nor addresses', async () => {
    const { parseEnv } = await import('../../src/config.js');
    expect(parseEnv({}).TRUST_PROXY).toBe(false);
    expect(parseEnv({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(parseEnv({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(parseEnv({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).TRUST_PROXY).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
    ]);
    for (const bad of ['yes', '10.0.0.0/33', 'proxy.example.com']) {
      expect(() => parseEnv({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/);
    }
  });

  it('wants API_SESSION_SECRET of 16 characters or more', async () => {
    const { parseEnv } = await import('../../src/config.js');
    expect(() => parseEnv({ API_SESSION_SECRET: 'short' })).toThrow(/API_SESSION_SECRET: must be at least 16/);
    expect(parseEnv({ API_SESSION_SECRET: '' }).API_SESSION_SECRET).toBeUndefined();
  });

  it('rejects a per-IP limit of zero requests, naming the key', async () => {
    const { parseBusinessConfig } = await import('../../src/config.js');
    expect(() => parseBusinessConfig('limits:\n  perIp:\n    requests: 0\n', 'x.yaml')).toThrow(
      /limits\.perIp\.requests/,
    );
    expect(parseBusinessConfig('', 'x.yaml').limits).toEqual({
      perIp: { requests: 120, seconds: 60 },
      perCustomer: { messages: 60, seconds: 60 },
    });
  });
});
