// The console's doors, tested without a browser: staff accounts through the admin API, sign-in
// (wrong password, lockout, per-address limit), CSRF and cross-site posts, roles, sessions in the
// database (a second instance on the same database accepts them), and malformed input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { admin, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

type Inject = App['server']['inject'];

async function addStaff(app: App, role: 'owner' | 'agent', email: string) {
  const res = await app.server.inject({
    method: 'POST',
    url: '/api/v1/staff',
    headers: admin,
    payload: { email, name: `${role} ${email}`, role },
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { staff: { id: string }; password: string };
}

async function signIn(inject: Inject, email: string, password: string, ip = '10.0.0.1') {
  const res = await inject({
    method: 'POST',
    url: '/console/login',
    remoteAddress: ip,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
    payload: new URLSearchParams({ email, password }).toString(),
  });
  const cookie = String(res.headers['set-cookie'] ?? '').split(';')[0] ?? '';
  return { res, cookie };
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describeOnEachDatabase('console over HTTP', (database) => {
  let app: App;
  let second: App;
  let owner: { staff: { id: string }; password: string };
  let agent: { staff: { id: string }; password: string };

  beforeAll(async () => {
    app = await testApp(database().url);
    second = await testApp(database().url);
    owner = await addStaff(app, 'owner', 'boss@shop.example');
    agent = await addStaff(app, 'agent', 'desk@shop.example');
  });
  afterAll(async () => {
    await second?.stop();
    await app?.stop();
  });

  it('POST /api/v1/staff validates, refuses a second account per email, never lists passwords', async () => {
    const bad = await app.server.inject({
      method: 'POST',
      url: '/api/v1/staff',
      headers: admin,
      payload: { email: 'x', name: 'X', role: 'boss' },
    });
    expect(bad.statusCode).toBe(400);
    const noToken = await app.server.inject({
      method: 'POST',
      url: '/api/v1/staff',
      payload: { email: 'a@b.c', name: 'A', role: 'agent' },
    });
    expect(noToken.statusCode).toBe(401);
    const again = await app.server.inject({
      method: 'POST',
      url: '/api/v1/staff',
      headers: admin,
      payload: { email: 'BOSS@shop.example', name: 'B', role: 'agent' },
    });
    expect(again.statusCode).toBe(409);
    const list = await app.server.inject({ method: 'GET', url: '/api/v1/staff', headers: admin });
    expect(list.body).not.toContain('passwordHash');
    expect(list.json().staff.map((s: { email: string }) => s.email)).toEqual([
      'boss@shop.example',
      'desk@shop.example',
    ]);
  });

  it('signs in with the right password only; the cookie is httpOnly and SameSite=Strict; another instance accepts it', async () => {
    const wrong = await signIn(app.server.inject.bind(app.server), 'desk@shop.example', 'nope');
    expect(wrong.res.statusCode).toBe(401);
    expect(wrong.res.body).toContain('Wrong email or password');
    expect(wrong.res.headers['set-cookie']).toBeUndefined();
    const unknown = await signIn(app.server.inject.bind(app.server), 'nobody@shop.example', 'nope');
    expect(unknown.res.body).toContain('Wrong email or password');

    const ok = await signIn(app.server.inject.bind(app.server), 'desk@shop.example', agent.password);
    expect(ok.res.statusCode).toBe(303);
    expect(String(ok.res.headers['set-cookie'])).toMatch(/HttpOnly/);
    expect(String(ok.res.headers['set-cookie'])).toMatch(/SameSite=Strict/);
    const page = await second.server.inject({ method: 'GET', url: '/console', headers: { cookie: ok.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('收件箱');
  });

  it('locks an account after five wrong passwords, and limits attempts per address', async () => {
    const inject = app.server.inject.bind(app.server);
    const victim = await addStaff(app, 'agent', 'locked@shop.example');
    for (let i = 0; i < 5; i++) await signIn(inject, 'locked@shop.example', `guess-${i}`, '10.0.0.7');
    const locked = await signIn(inject, 'locked@shop.example', victim.password, '10.0.0.8');
    expect(locked.res.statusCode).toBe(401);
    expect(locked.res.body).toContain('Too many wrong passwords');

    let limited = 0;
    for (let i = 0; i < 12; i++) {
      const { res } = await signIn(inject, 'nobody@shop.example', 'wrong', '10.0.0.9');
      if (res.statusCode === 429) limited++;
    }
    expect(limited).toBeGreaterThan(0);
  });

  it('refuses a post without the form token or from another site, and an agent on owners’ pages', async () => {
    const inject = app.server.inject.bind(app.server);
    const { cookie } = await signIn(inject, 'desk@shop.example', agent.password, '10.0.1.1');
    const form = { 'content-type': 'application/x-www-form-urlencoded', cookie };
    const noToken = await inject({ method: 'POST', url: '/console/locale', headers: form, payload: 'locale=en' });
    expect(noToken.statusCode).toBe(403);
    const inbox = await inject({ method: 'GET', url: '/console', headers: { cookie } });
    const csrf = csrfOf(inbox.body);
    const crossSite = await inject({
      method: 'POST',
      url: '/console/locale',
      headers: { ...form, origin: 'https://evil.example' },
      payload: `_csrf=${csrf}&locale=en`,
    });
    expect(crossSite.statusCode).toBe(403);
    const ok = await inject({
      method: 'POST',
      url: '/console/locale',
      headers: form,
      payload: `_csrf=${csrf}&locale=en`,
    });
    expect(ok.statusCode).toBe(303);
    expect((await inject({ method: 'GET', url: '/console', headers: { cookie } })).body).toContain('Inbox');

    for (const path of ['/console/reports', '/console/staff', '/console/campaigns']) {
      const res = await inject({ method: 'GET', url: path, headers: { cookie } });
      expect(res.statusCode, path).toBe(403);
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    }
    const adjust = await inject({
      method: 'POST',
      url: '/console/customers/x/points',
      headers: form,
      payload: `_csrf=${csrf}&delta=100&reason=gift`,
    });
    expect(adjust.statusCode).toBe(403);
  });

  it('"Not a complaint" on a detected ticket teaches the detector its message', async () => {
    const inject = app.server.inject.bind(app.server);
    const text = '蛋糕上的名字写错了，说好的字也没写';
    const said = await inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: 'console-nc' }, text },
    });
    expect(said.statusCode).toBe(200);
    const tickets = (await inject({ method: 'GET', url: '/api/v1/tickets', headers: admin })).json().tickets as {
      id: number;
      trigger: string | null;
    }[];
    const ticket = tickets.find((t) => t.trigger === text);
    expect(ticket).toBeDefined();
    const { cookie } = await signIn(inject, 'desk@shop.example', agent.password, '10.0.4.1');
    const page = await inject({ method: 'GET', url: `/console/tickets/${ticket?.id}`, headers: { cookie } });
    expect(page.body).toContain('Not a complaint');
    const marked = await inject({
      method: 'POST',
      url: `/console/tickets/${ticket?.id}/not-a-complaint`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: `_csrf=${csrfOf(page.body)}`,
    });
    expect(marked.statusCode).toBe(303);
    const examples = (await inject({ method: 'GET', url: '/api/v1/escalation/examples', headers: admin })).json();
    expect(examples.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ text, escalate: false, source: 'ticket', ticketId: ticket?.id }),
      ]),
    );
    const check = await inject({ method: 'POST', url: '/api/v1/escalation/check', headers: admin, payload: { text } });
    expect(check.json()).toMatchObject({ escalate: false, by: 'example' });
  });

  it('answers malformed and unknown input with a page, never a stack trace', async () => {
    const inject = app.server.inject.bind(app.server);
    const { cookie } = await signIn(inject, 'boss@shop.example', owner.password, '10.0.2.1');
    for (const url of [
      '/console/tickets/abc',
      '/console/tickets/999999',
      '/console/customers/nobody',
      '/console/nowhere',
      '/console/reports/nothing',
    ]) {
      const res = await inject({ method: 'GET', url, headers: { cookie } });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).not.toMatch(/at .*\.ts:\d+|Error:/);
    }
    const anonymous = await inject({ method: 'GET', url: '/console/customers' });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/console/login?next=%2Fconsole%2Fcustomers');
    const offsite = await signIn(inject, 'boss@shop.example', owner.password, '10.0.2.2');
    expect(offsite.res.headers.location).toBe('/console');
    const huge = await inject({
      method: 'POST',
      url: '/console/login',
      remoteAddress: '10.0.2.3',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `email=a&password=${'x'.repeat(200_000)}`,
    });
    expect(huge.statusCode).toBe(413);
  });

  it('keeps sessions in the database: signing out ends the session on every instance', async () => {
    const { cookie } = await signIn(
      app.server.inject.bind(app.server),
      'boss@shop.example',
      owner.password,
      '10.0.3.1',
    );
    const page = await app.server.inject({ method: 'GET', url: '/console/staff', headers: { cookie } });
    const csrf = csrfOf(page.body);
    const out = await second.server.inject({
      method: 'POST',
      url: '/console/logout',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${csrf}`,
    });
    expect(out.statusCode).toBe(303);
    const after = await app.server.inject({ method: 'GET', url: '/console', headers: { cookie } });
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toContain('/console/login');
  });
});

describe('console texts', () => {
  it('has every text in both languages, Chinese with full-width punctuation', async () => {
    const { CONSOLE_TEXTS } = await import('../../src/console/texts.js');
    const zh = CONSOLE_TEXTS['zh-CN'] as Record<string, unknown>;
    const en = CONSOLE_TEXTS.en as Record<string, unknown>;
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of Object.entries(zh)) {
      const text = typeof value === 'function' ? (value as (a: string) => string)('1') : String(value);
      expect(text, key).not.toMatch(/[\u4e00-\u9fff][,.!?:]/);
    }
  });
});
