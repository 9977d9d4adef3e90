// One customer's unstorable message among many others' ordinary ones: it alone is refused, with
// nothing stored for it, and every other message of the same group commit is answered.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { admin, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

describeOnEachDatabase('isolation', (database) => {
  let app: App;

  beforeAll(async () => {
    app = await testApp(database().url);
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
  });

  const post = (body: unknown) =>
    app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      // JSON escapes keep lone surrogates and control characters as the attacker sent them.
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const poisons: [string, string][] = [
    ['a lone surrogate in user.id', '{"user":{"id":"evil-\\ud800"},"text":"hello"}'],
    ['a NUL in text', '{"user":{"id":"evil-nul"},"text":"hel\\u0000lo"}'],
    ['a control character in the name', '{"user":{"id":"evil-name","name":"a\\u0007b"},"text":"hi"}'],
    ['a lone low surrogate in text', '{"user":{"id":"evil-low"},"text":"\\udc00 hi"}'],
    ['a lone surrogate in messageId', '{"user":{"id":"evil-mid"},"text":"hi","messageId":"m-\\ud83d"}'],
  ];

  it('refuses each unstorable request alone while 50 concurrent ordinary ones are answered', async () => {
    const before = await app.store.db.customer.count();
    const ordinary = Array.from({ length: 50 }, (_, i) =>
      post({ user: { id: `ok-${i}` }, text: i % 2 ? '营业时间是几点？' : 'do you deliver?', messageId: `ok-${i}` }),
    );
    // The poisoned requests arrive in the middle of the ordinary ones, in the same batches.
    const poisoned = poisons.map(([, body]) => post(body));
    const [ok, bad] = await Promise.all([Promise.all(ordinary), Promise.all(poisoned)]);

    for (const res of ok) {
      expect(res.statusCode).toBe(200);
      expect(res.json().replies.length).toBeGreaterThan(0);
    }
    bad.forEach((res, i) => {
      expect(res.statusCode, poisons[i]?.[0]).toBe(400);
      expect(res.json().error.code).toBe('INVALID_TEXT');
      expect(res.body).not.toMatch(/\bat \w+ \(/); // no stack trace
    });
    // Nothing of the refused requests was stored: no customer, identity, conversation or message.
    expect(await app.store.db.customer.count()).toBe(before + 50);
    expect(await app.store.db.channelIdentity.count({ where: { externalId: { startsWith: 'evil' } } })).toBe(0);
    expect(await app.store.db.conversation.count({ where: { chatId: { startsWith: 'evil' } } })).toBe(0);
    expect(await app.store.db.interaction.count({ where: { direction: 'in', text: { contains: 'hel' } } })).toBe(0);
    // Every ordinary message stored once and marked handled.
    const inbound = await app.store.db.interaction.findMany({
      where: { direction: 'in', platformMessageId: { startsWith: 'ok-' } },
    });
    expect(inbound).toHaveLength(50);
    expect(inbound.every((r) => r.handledAt instanceof Date)).toBe(true);
  });

  it('refuses text that is empty to the eye: zero-width characters only', async () => {
    const res = await post({ user: { id: 'zw' }, text: '\u200b\u200d\ufeff \u2060' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('BAD_REQUEST');
    expect(await app.store.db.channelIdentity.count({ where: { externalId: 'zw' } })).toBe(0);
  });

  it('keeps tabs, newlines, CRLF and emoji (with zero-width joiners) as they are', async () => {
    const text = 'line one\r\nline\ttwo 👨‍👩‍👧';
    const res = await post({ user: { id: 'fine' }, text });
    expect(res.statusCode).toBe(200);
    const row = await app.store.db.interaction.findFirst({
      where: { direction: 'in', customer: { identities: { some: { externalId: 'fine' } } } },
    });
    expect(row?.text).toBe(text);
  });

  it('refuses unstorable text on every route that stores what it is sent: sessions and the admin API', async () => {
    const session = await app.server.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: { 'content-type': 'application/json' },
      payload: '{"user":{"id":"x\\ud800"},"signature":"00"}',
    });
    expect(session.statusCode).toBe(400);
    expect(session.json().error.code).toBe('INVALID_TEXT');

    const customer = await app.store.db.customer.findFirstOrThrow();
    const adjust = await app.server.inject({
      method: 'POST',
      url: `/api/v1/customers/${customer.id}/points`,
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"delta":5,"reason":"bonus\\u0000","idempotencyKey":"nul-1"}',
    });
    expect(adjust.statusCode).toBe(400);
    expect(adjust.json().error).toEqual({ code: 'INVALID_TEXT', message: expect.stringMatching(/body\.reason/) });
    expect(await app.store.db.pointsEntry.count({ where: { idempotencyKey: { contains: 'nul-1' } } })).toBe(0);

    const search = await app.server.inject({ url: '/api/v1/customers?q=a%00b', headers: admin });
    expect(search.statusCode).toBe(400);
    expect(search.json().error.code).toBe('INVALID_TEXT');
  });
});
