// Teaching the escalation detector through the admin API: a labelled example is followed at once
// by the next customer who writes the same text, relabelling keeps one row, a ticket marked "not a
// complaint" teaches its message, the list pages by cursor, and bad input is a clear 4xx.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { expectForgedCursorsRefused, expectPagedInOpenApi, readAllPages } from '../../helpers/paging.js';

// 2026-07-01 10:00 in Shanghai: business hours.
const OPEN = Date.parse('2026-07-01T02:00:00Z');

describeOnEachDatabase('escalation examples through the admin API', (database) => {
  let app: App;
  let seq = 0;

  beforeAll(async () => {
    app = await testApp(database().url, { clock: new FakeClock(OPEN), yaml: 'loyalty:\n  rules:\n    welcome: 0\n' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    app.server.inject({
      method,
      url,
      headers: admin,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function say(text: string, userId = `example-user-${++seq}`) {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: userId }, text },
    });
    expect(res.statusCode).toBe(200);
    return { userId, replies: res.json().replies as { text: string }[] };
  }

  async function ticketOf(userId: string) {
    const tickets = (await call('GET', '/api/v1/tickets')).json().tickets as {
      id: number;
      trigger: string | null;
      customer: { identities: { externalId: string }[] };
    }[];
    return tickets.find((t) => t.customer.identities.some((i) => i.externalId === userId));
  }

  it('follows a taught "not for a person" at once, and a taught "for a person" too', async () => {
    const text = '我的订单又没送到，这已经是第三次了！！';
    const before = await say(text);
    expect(await ticketOf(before.userId)).toBeDefined();

    const taught = await call('POST', '/api/v1/escalation/examples', { text, escalate: false, by: 'Lin' });
    expect(taught.statusCode).toBe(201);
    expect(taught.json()).toMatchObject({ text, escalate: false, source: 'api', createdBy: 'Lin' });
    const check = (await call('POST', '/api/v1/escalation/check', { text })).json();
    expect(check).toMatchObject({ escalate: false, by: 'example', example: taught.json().id });
    const after = await say(text);
    expect(await ticketOf(after.userId)).toBeUndefined();

    // Relabelled: the same row (200), now escalating; spacing and case do not make another text.
    const relabelled = await call('POST', '/api/v1/escalation/examples', { text: `  ${text}  `, escalate: true });
    expect(relabelled.statusCode).toBe(200);
    expect(relabelled.json()).toMatchObject({ id: taught.json().id, escalate: true });
    const again = await say(text);
    expect(await ticketOf(again.userId)).toBeDefined();

    const calm = 'Could you tell me what time you open tomorrow?';
    expect((await call('POST', '/api/v1/escalation/check', { text: calm })).json().escalate).toBe(false);
    await call('POST', '/api/v1/escalation/examples', { text: calm.toUpperCase(), escalate: true });
    expect((await call('POST', '/api/v1/escalation/check', { text: calm })).json()).toMatchObject({
      escalate: true,
      by: 'example',
    });
  });

  it('an explicit request for a person escalates whatever staff taught', async () => {
    await call('POST', '/api/v1/escalation/examples', { text: '转人工', escalate: false });
    expect((await call('POST', '/api/v1/escalation/check', { text: '转人工' })).json()).toMatchObject({
      escalate: true,
      reason: 'human',
      by: 'request',
    });
  });

  it('marks a ticket "not a complaint": its message is taught as not for a person', async () => {
    const text = '你们家蛋糕上的字写错了，生日名字都写错了';
    const { userId } = await say(text);
    const ticket = await ticketOf(userId);
    expect(ticket?.trigger).toBe(text);
    const marked = await call('POST', `/api/v1/tickets/${ticket?.id}/not-a-complaint`, { by: 'Wang' });
    expect(marked.statusCode).toBe(201);
    expect(marked.json()).toMatchObject({
      text,
      escalate: false,
      source: 'ticket',
      ticketId: ticket?.id,
      createdBy: 'Wang',
    });
    expect((await call('POST', '/api/v1/escalation/check', { text })).json()).toMatchObject({ escalate: false });
    expect((await call('POST', '/api/v1/tickets/999999/not-a-complaint')).statusCode).toBe(404);
  });

  it('lists examples newest first by cursor, and forgets one', async () => {
    for (let i = 0; i < 5; i++)
      await call('POST', '/api/v1/escalation/examples', { text: `paging example ${i}`, escalate: i % 2 === 0 });
    const all = await readAllPages(2, async (cursor) =>
      (await call('GET', `/api/v1/escalation/examples?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json(),
    );
    const ids = all.items.map((e) => (e as { id: number }).id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.items.map((e) => (e as { text: string }).text)).toEqual(expect.arrayContaining(['paging example 4']));
    await expectForgedCursorsRefused((cursor) =>
      call('GET', `/api/v1/escalation/examples?cursor=${encodeURIComponent(cursor)}`),
    );
    await expectPagedInOpenApi(app.server, '/api/v1/escalation/examples');

    const first = ids[0] as number;
    expect((await call('DELETE', `/api/v1/escalation/examples/${first}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/api/v1/escalation/examples/${first}`)).statusCode).toBe(404);
  });

  it('refuses malformed input with a clear 400 and no row', async () => {
    const count = async () =>
      (
        await readAllPages(200, async (c) =>
          (await call('GET', `/api/v1/escalation/examples?limit=200${c ? `&cursor=${c}` : ''}`)).json(),
        )
      ).items.length;
    const before = await count();
    const bad: unknown[] = [
      {},
      { text: 'hi' },
      { escalate: true },
      { text: '', escalate: true },
      { text: '   \u200b ', escalate: true },
      { text: 'a\u0000b', escalate: true },
      { text: 'x'.repeat(4001), escalate: true },
      { text: 42, escalate: true },
      { text: 'hi', escalate: 'yes' },
      { text: 'hi', escalate: true, extra: 1 },
    ];
    for (const payload of bad) {
      const res = await call('POST', '/api/v1/escalation/examples', payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 60)).toBe(400);
      // INVALID_TEXT: the server's own check of every body's strings (a NUL).
      expect(['BAD_REQUEST', 'INVALID_TEXT']).toContain(res.json().error.code);
    }
    const raw = await app.server.inject({
      method: 'POST',
      url: '/api/v1/escalation/examples',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"text": "unterminated',
    });
    expect(raw.statusCode).toBe(400);
    expect((await call('POST', '/api/v1/escalation/check', { text: '' })).statusCode).toBe(400);
    expect(
      (
        await app.server.inject({
          method: 'POST',
          url: '/api/v1/escalation/examples',
          payload: { text: 'hi', escalate: true },
        })
      ).statusCode,
    ).toBe(401);
    expect(await count()).toBe(before);
  });
});
