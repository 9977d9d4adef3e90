import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { expectForgedCursorsRefused, expectNewestFirstPaging, expectPagedInOpenApi } from '../../helpers/paging.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'knowledge');
interface Reply {
  id: number;
  text: string;
  buttons?: { label: string; payload: string }[];
}

describeOnEachDatabase('surveys and feedback', (database) => {
  const clock = new FakeClock(Date.parse('2026-07-01T02:00:00Z'));
  let app: App;
  let seq = 0;
  const options = {
    clock,
    env: { KNOWLEDGE_DIR: fixtures },
    yaml: 'loyalty:\n  rules:\n    welcome: 0\n    feedback: 10\n',
  };

  beforeAll(async () => {
    app = await testApp(database().url, options);
  });
  afterAll(async () => {
    await app?.stop();
  });

  const sender = (user: string) => async (body: Record<string, unknown>) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user }, ...body }),
    });
    expect(res.statusCode).toBe(200);
    return res.json().replies as Reply[];
  };
  const newUser = async () => {
    const user = `fb-${++seq}`;
    const send = sender(user);
    await send({ text: '/start' });
    const list = await app.server.inject({ url: `/api/v1/customers?externalId=${user}`, headers: admin });
    return { user, send, id: list.json().customers[0].id as string };
  };
  const adminGet = async (url: string) => (await app.server.inject({ url, headers: admin })).json();
  /** The API channel is open in tests (no API_CHANNEL_KEY): a user's messages need no credentials. */
  const messagesOf = async (user: string) =>
    (await app.server.inject({ url: `/api/v1/messages?userId=${user}` })).json();

  it('/feedback asks for a rating with buttons, then a comment, stores both and thanks with points', async () => {
    const { send, id } = await newUser();
    const [prompt] = await send({ text: '/feedback' });
    expect(prompt?.text).toMatch(/打个分/);
    expect(prompt?.buttons?.map((b) => b.label)).toEqual(['1', '2', '3', '4', '5']);
    const [ask] = await send({ payload: prompt?.buttons?.[3]?.payload });
    expect(ask?.text).toMatch(/还有什么想告诉我们/);
    expect(ask?.buttons?.[0]?.payload).toBe('sv-skip');
    const [thanks] = await send({ text: '拿铁很好喝,店员也很热情' });
    expect(thanks?.text).toMatch(/感谢.*10积分/);
    const { feedback } = await adminGet(`/api/v1/feedback?kind=feedback`);
    expect(feedback.find((f: { customerId: string }) => f.customerId === id)).toMatchObject({
      kind: 'feedback',
      score: 4,
      comment: '拿铁很好喝,店员也很热情',
      source: 'command',
      channel: 'api',
    });
    const points = await adminGet(`/api/v1/customers/${id}/points`);
    expect(points.balance).toBe(10);
  });

  it('takes the number as text, re-prompts once when out of range, then lets go', async () => {
    const { send } = await newUser();
    await send({ text: '我要反馈' });
    const [retry] = await send({ text: '9' });
    expect(retry?.text).toMatch(/1 到 5/);
    const [passedOn] = await send({ text: '9' });
    expect(passedOn?.text).not.toMatch(/1 到 5|还有什么/);
    await send({ text: 'I have feedback' });
    const [ask] = await send({ text: '5' });
    expect(ask?.text).toMatch(/Anything you would like|还有什么/);
  });

  it('answers a question asked mid-survey and keeps waiting for the score and the comment', async () => {
    const { send, id } = await newUser();
    await send({ text: '/feedback' });
    const [answer] = await send({ text: '你们几点开门?' });
    expect(answer?.text).toMatch(/营业时间/);
    await send({ text: '3' });
    const [answer2] = await send({ text: '外卖能送多远?' });
    expect(answer2?.text).toMatch(/5公里/);
    await send({ payload: 'sv-skip' });
    const { feedback } = await adminGet('/api/v1/feedback');
    expect(feedback.find((f: { customerId: string }) => f.customerId === id)).toMatchObject({
      score: 3,
      comment: null,
    });
  });

  it('keeps a survey across a restart, and drops it when it expires', async () => {
    const { send, id } = await newUser();
    const [prompt] = await send({ text: '/feedback' });
    await app.stop();
    app = await testApp(database().url, options);
    const [ask] = await send({ payload: prompt?.buttons?.[4]?.payload });
    expect(ask?.text).toMatch(/还有什么/);

    const [late] = await send({ text: '/feedback' });
    clock.advance(25 * 3600_000);
    const [after] = await send({ payload: late?.buttons?.[0]?.payload });
    expect(after).toBeUndefined(); // an expired survey's button does nothing
    const rows = (await adminGet('/api/v1/feedback')).feedback.filter(
      (f: { customerId: string }) => f.customerId === id,
    );
    expect(rows.map((f: { score: number }) => f.score)).toEqual([5]);
  });

  it('closes the loop: a poor score opens a follow-up, and handling it tells the customer', async () => {
    const { user, send, id } = await newUser();
    await send({ text: '/feedback' });
    const [sorry] = await send({ text: '1' });
    expect(sorry?.text).toMatch(/很抱歉/);
    await send({ text: '等了一个小时' });
    const open = (await adminGet('/api/v1/followups?status=open')).followUps.find(
      (f: { customerId: string }) => f.customerId === id,
    );
    expect(open).toMatchObject({ status: 'open', feedback: { score: 1, comment: '等了一个小时' } });

    const handle = (note: string) =>
      app.server.inject({
        method: 'POST',
        url: `/api/v1/followups/${open.id}/handled`,
        headers: { ...admin, 'content-type': 'application/json' },
        payload: JSON.stringify({ note }),
      });
    expect((await handle('已为您退款并送上一张饮品券。')).json()).toEqual({ status: 'handled', notified: true });
    expect((await handle('again')).json()).toEqual({ status: 'handled', notified: false });
    const messages = (await messagesOf(user)).messages as Reply[];
    expect(messages.at(-1)?.text).toMatch(/处理结果：已为您退款/);
    expect(
      (
        await app.server.inject({
          method: 'POST',
          url: '/api/v1/followups/999999/handled',
          headers: { ...admin, 'content-type': 'application/json' },
          payload: '{"note":"x"}',
        })
      ).statusCode,
    ).toBe(404);
  });

  it('sends CSAT and NPS surveys and summarizes them', async () => {
    const before = await adminGet('/api/v1/feedback/summary');
    const people = await Promise.all([newUser(), newUser(), newUser()]);
    const scores = [10, 8, 3];
    for (const [i, p] of people.entries()) {
      const res = await app.server.inject({
        method: 'POST',
        url: `/api/v1/customers/${p.id}/surveys`,
        headers: { ...admin, 'content-type': 'application/json' },
        payload: JSON.stringify({ kind: 'nps', source: 'campaign' }),
      });
      expect(res.statusCode).toBe(200);
      const sent = (await messagesOf(p.user)).messages as Reply[];
      expect(sent.at(-1)?.buttons).toHaveLength(11);
      await p.send({ text: String(scores[i]) });
      await p.send({ payload: 'sv-skip' });
    }
    const after = await adminGet('/api/v1/feedback/summary');
    expect(after.nps.count - (before.nps.count ?? 0)).toBe(3);
    expect(after.nps.promoters - before.nps.promoters).toBe(1);
    expect(after.nps.passives - before.nps.passives).toBe(1);
    expect(after.nps.detractors - before.nps.detractors).toBe(1);
    expect(after.csat.count).toBeGreaterThan(0);
    expect(after.csat.average).toBeGreaterThan(0);
    const future = await adminGet(
      `/api/v1/feedback/summary?since=${encodeURIComponent(new Date(clock.now() + 3600_000).toISOString())}`,
    );
    expect(future).toEqual({
      csat: { count: 0, average: null, satisfiedShare: null },
      nps: { count: 0, promoters: 0, passives: 0, detractors: 0, score: null },
    });
    const bad = await app.server.inject({ url: '/api/v1/feedback/summary?since=soon', headers: admin });
    expect(bad.statusCode).toBe(400);
  });

  // Answers at a few shared instants, so that the order's tie-breaker (id) is paged over too.
  async function answersAt(customerId: string, kind: string, times: number[]) {
    for (const [i, at] of times.entries()) {
      await app.store.db.feedback.create({
        data: { customerId, channel: 'api', kind, score: i % 11, source: 'test', createdAt: new Date(at) },
      });
    }
  }

  it('pages answers and follow-ups by cursor: each once, newest first, while more are written', async () => {
    const db = app.store.db;
    const { id } = await newUser();
    const t = clock.now() - 3 * 86_400_000;
    await answersAt(id, 'nps', [t, t, t, t + 1000, t + 1000, t + 2000, t + 5000, t + 5000, t + 9000]);
    await answersAt(id, 'csat', [t, t + 1000, t + 1000, t + 4000]);
    for (const f of await db.feedback.findMany({ where: { customerId: id }, take: 7 }))
      await db.followUp.create({ data: { customerId: id, feedbackId: f.id, createdAt: f.createdAt } });
    const ids = (rows: { id: number }[]) => rows.map((r) => r.id);
    const newestFirst = [{ createdAt: 'desc' }, { id: 'desc' }] as const;

    const cases: { url: string; expected: () => Promise<{ id: number }[]>; key: 'feedback' | 'followUps' }[] = [
      {
        url: '/api/v1/feedback?limit=3',
        key: 'feedback',
        expected: () => db.feedback.findMany({ orderBy: [...newestFirst] }),
      },
      {
        url: `/api/v1/feedback?kind=nps&since=${new Date(t + 1000).toISOString()}&limit=2`,
        key: 'feedback',
        expected: () =>
          db.feedback.findMany({
            where: { kind: 'nps', createdAt: { gte: new Date(t + 1000) } },
            orderBy: [...newestFirst],
          }),
      },
      {
        url: '/api/v1/followups?limit=2',
        key: 'followUps',
        expected: () => db.followUp.findMany({ orderBy: [...newestFirst] }),
      },
      {
        url: '/api/v1/followups?status=open&limit=4',
        key: 'followUps',
        expected: () => db.followUp.findMany({ where: { status: 'open' }, orderBy: [...newestFirst] }),
      },
    ];
    for (const c of cases) {
      const expectedIds = ids(await c.expected());
      expect(expectedIds.length).toBeGreaterThan(4);
      await expectNewestFirstPaging({
        limit: Number(new URL(c.url, 'http://x').searchParams.get('limit')),
        read: async (cursor) => {
          const body = await adminGet(`${c.url}${cursor ? `&cursor=${cursor}` : ''}`);
          return { items: body[c.key], nextCursor: body.nextCursor };
        },
        expectedIds,
        write: async (createdAt) => {
          const f = await db.feedback.create({
            data: { customerId: id, channel: 'api', kind: 'nps', score: 3, source: 'test', createdAt },
          });
          await db.followUp.create({ data: { customerId: id, feedbackId: f.id, createdAt } });
        },
        later: new Date(clock.now() + 60_000),
      });
    }
    for (const url of ['/api/v1/feedback', '/api/v1/followups']) {
      await expectForgedCursorsRefused((cursor) =>
        app.server.inject({ url: `${url}?cursor=${cursor}`, headers: admin }),
      );
      await expectPagedInOpenApi(app.server, url);
    }
  });

  it('summarizes a window of answers as counted by hand', async () => {
    // A window of its own, after everything the other tests wrote.
    const since = clock.now() + 40 * 86_400_000;
    const { id } = await newUser();
    const other = await newUser();
    const at = (minutes: number) => since + minutes * 60_000;
    await answersAt(id, 'nps', [at(-1)]); // before the window: not counted
    for (const [kind, scores] of [
      ['csat', [5, 4, 3, 2, 1, 5]],
      ['feedback', [4]],
      ['nps', [10, 9, 8, 7, 6, 0, 10]],
    ] as const) {
      for (const [i, score] of scores.entries()) {
        await app.store.db.feedback.create({
          data: {
            customerId: i % 2 ? id : other.id,
            channel: 'api',
            kind,
            score,
            source: 'test',
            createdAt: new Date(at(i)),
          },
        });
      }
    }
    // A survey asked but never scored has no score: not counted.
    await app.store.db.feedback.create({
      data: { customerId: id, channel: 'api', kind: 'csat', score: null, source: 'test', createdAt: new Date(at(3)) },
    });
    const summary = await adminGet(
      `/api/v1/feedback/summary?since=${encodeURIComponent(new Date(since).toISOString())}`,
    );
    // CSAT 5+4+3+2+1+5+4 = 24 over 7 = 3.4286; 4–5: 4 of 7 = 0.5714.
    // NPS 10, 9, 10 promote; 8, 7 pass; 6, 0 detract: (3 − 2) / 7 = 14.3 %.
    expect(summary).toEqual({
      csat: { count: 7, average: 3.429, satisfiedShare: 0.571 },
      nps: { count: 7, promoters: 3, passives: 2, detractors: 2, score: 14 },
    });
  });

  it('summarizes the last 90 days when asked without `since`', async () => {
    const { id } = await newUser();
    const before = await adminGet('/api/v1/feedback/summary');
    await answersAt(id, 'nps', [clock.now() - 91 * 86_400_000]); // score 0, too old to count
    expect(await adminGet('/api/v1/feedback/summary')).toEqual(before);
    await answersAt(id, 'nps', [clock.now() - 89 * 86_400_000]);
    const after = await adminGet('/api/v1/feedback/summary');
    expect(after.nps.count).toBe(before.nps.count + 1);
    expect(after.nps.detractors).toBe(before.nps.detractors + 1);
  });
});
