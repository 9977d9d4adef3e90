import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { faqFeature } from '../../../src/features/faq/index.js';
import { admin, featureApi, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { expectForgedCursorsRefused, expectPagedInOpenApi, readAllPages } from '../../helpers/paging.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'knowledge');

interface Reply {
  text: string;
  buttons?: { label: string; payload: string }[];
}

describeOnEachDatabase('FAQ through the API channel', (database) => {
  let app: App;
  let dir: string;
  let seq = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-kb-'));
    cpSync(fixtures, dir, { recursive: true });
    app = await testApp(database().url, { env: { KNOWLEDGE_DIR: dir } });
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends as a returning customer (the first message of a new one also gets the welcome). */
  async function ask(body: { text?: string; payload?: string }, user = `faq-user-${++seq}`): Promise<Reply[]> {
    await app.engine.handleInbound({
      channel: 'api',
      chatId: user,
      chatType: 'private',
      sender: { id: user },
      text: '/help',
      mentioned: true,
    });
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user }, ...body }),
    });
    expect(res.statusCode).toBe(200);
    return res.json().replies;
  }

  it('answers a question with the entry’s answer verbatim, in Chinese and in English', async () => {
    expect((await ask({ text: '外卖能送多远?' }))[0]?.text).toBe('外卖配送范围为门店周边5公里以内,满30元免配送费。');
    expect((await ask({ text: 'how far do u deliver' }))[0]?.text).toBe(
      'We deliver within 5 km of each store; delivery is free on orders over 30 yuan.',
    );
    expect((await ask({ text: '有燕麦奶吗' }))[0]?.text).toBe('有的,燕麦奶和椰奶加3元。');
  });

  it('offers "did you mean" buttons when several entries fit, and a button answers its entry', async () => {
    const [reply] = await ask({ text: '问下积分' });
    expect(reply?.text).toMatch(/哪一个/);
    const payloads = reply?.buttons?.map((b) => b.payload) ?? [];
    expect(payloads.length).toBeGreaterThanOrEqual(2);
    expect(payloads.length).toBeLessThanOrEqual(3);
    expect(payloads).toEqual(expect.arrayContaining(['faq:points-redeem']));
    const [answer] = await ask({ payload: 'faq:points-redeem' });
    expect(answer?.text).toBe('100积分可抵5元,在结账时选择使用积分即可。');
  });

  it('says plainly when it does not know, offers a person, and records the question', async () => {
    for (const text of ['明天上海会下雨吗?', '明天上海会下雨吗', 'Who won the football game last night?']) {
      const [reply] = await ask({ text });
      expect(reply?.text).toMatch(/回答不了|don't know/);
      expect(reply?.buttons).toEqual([{ label: expect.any(String), payload: 'handoff' }]);
    }
    const [handoff] = await ask({ payload: 'handoff' });
    expect(handoff?.text).toMatch(/人工/);

    const res = await app.server.inject({ url: '/api/v1/knowledge/unanswered', headers: admin });
    expect(res.statusCode).toBe(200);
    const { questions } = res.json();
    expect(questions[0]).toMatchObject({ question: 'who won the football game last night', count: 1 });
    expect(questions[1]).toMatchObject({ question: '明天上海会下雨吗', count: 2 });
    expect(Date.parse(questions[0].lastAskedAt)).toBeGreaterThanOrEqual(Date.parse(questions[1].lastAskedAt));
    const since = await app.server.inject({
      url: `/api/v1/knowledge/unanswered?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      headers: admin,
    });
    expect(since.json()).toEqual({ questions: [], nextCursor: null });
    const bad = await app.server.inject({ url: '/api/v1/knowledge/unanswered?since=yesterday', headers: admin });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('BAD_REQUEST');
  });

  it('never answers out-of-scope questions with an entry', async () => {
    const answers = new Set(featureApi(app, faqFeature).current.entries.map((e) => e.answer));
    for (const text of [
      '1+1等于几',
      'tell me a joke',
      '帮我订一张去北京的机票',
      'what is the weather in Paris',
      '你是机器人吗',
    ]) {
      const replies = await ask({ text });
      expect(
        replies.filter((r) => answers.has(r.text)),
        text,
      ).toEqual([]);
      expect(replies.at(-1)?.text, text).toMatch(/回答不了|don't know|有什么可以帮您|How can I help/);
    }
  });

  it('in a group, answers only when addressed', async () => {
    const group = (text: string, mentioned: boolean) =>
      app.engine.handleInbound({
        channel: 'api',
        chatId: 'faq-group',
        chatType: 'group',
        sender: { id: `member-${++seq}` },
        text,
        mentioned,
      });
    expect((await group('你们几点开门?', false)).replies).toEqual([]);
    const asked = await group('你们几点开门?', true);
    expect(asked.replies.at(-1)?.text).toMatch(/7:30/);
  });

  it('lists the knowledge base and reloads it on request, keeping the old entries of a broken file', async () => {
    const list = await app.server.inject({ url: '/api/v1/knowledge', headers: admin });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ counts: { entries: 9, byLocale: { 'zh-CN': 6, en: 3 } }, errors: [] });
    expect(list.json().entries.map((e: { id: string }) => e.id)).toContain('delivery-range');
    expect(list.json().nextCursor).toBeNull();

    // Paged by cursor in id order: every entry once.
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await app.server.inject({ url: `/api/v1/knowledge?${query}`, headers: admin })).json();
      sizes.push(page.entries.length);
      ids.push(...page.entries.map((e: { id: string }) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([4, 4, 1]);
    expect(ids).toEqual([...list.json().entries.map((e: { id: string }) => e.id)].sort());
    const forged = await app.server.inject({ url: '/api/v1/knowledge?cursor=not-a-cursor', headers: admin });
    expect(forged.statusCode).toBe(400);

    const file = join(dir, 'shop.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('周末8:30-22:00', '周末9:00-22:00'));
    writeFileSync(join(dir, 'broken.yaml'), '- id: broken\n  answer: [\n');
    const reload = await app.server.inject({ method: 'POST', url: '/api/v1/knowledge/reload', headers: admin });
    expect(reload.statusCode).toBe(200);
    expect(reload.json().errors).toEqual([
      { file: 'broken.yaml', line: expect.any(Number), message: expect.any(String) },
    ]);
    expect((await ask({ text: '营业时间' }))[0]?.text).toMatch(/周末9:00/);

    for (const url of ['/api/v1/knowledge', '/api/v1/knowledge/unanswered']) {
      expect((await app.server.inject({ url })).statusCode).toBe(401);
    }
    expect((await app.server.inject({ method: 'POST', url: '/api/v1/knowledge/reload' })).statusCode).toBe(401);
  });

  it('pages the unanswered report by cursor over the last 90 days: each question once, with its count', async () => {
    const db = app.store.db;
    const customer = await db.customer.create({ data: {} });
    const asked = (text: string, at: number) =>
      db.interaction.create({
        data: {
          customerId: customer.id,
          channel: 'api',
          direction: 'event',
          kind: 'faq_unanswered',
          text,
          createdAt: new Date(at),
        },
      });
    const t = Date.now() - 3_600_000;
    const day = 86_400_000;
    // Latest askings that tie (the newest row breaks the tie), questions asked several times.
    for (const [text, times] of [
      ['能开发票吗', [t - 5 * day, t]],
      ['有儿童座椅吗', [t]],
      ['可以寄存行李吗', [t - 1000, t - 2000, t - 60 * day]],
      ['能带宠物吗', [t - 3000]],
      ['周一休息吗', [t - 80 * day]],
      ['有充电宝吗', [t - 3000]],
      ['可以刷医保卡吗', [t - 91 * day]], // outside the default window
    ] as const)
      for (const at of times) await asked(text, at);

    const expectedSince = async (since: number) => {
      const rows = await db.interaction.findMany({
        where: { kind: 'faq_unanswered', createdAt: { gte: new Date(since), lte: new Date() } },
      });
      const groups = new Map<string, { question: string; count: number; at: number; id: number }>();
      for (const r of rows) {
        const g = groups.get(r.text ?? '') ?? { question: r.text ?? '', count: 0, at: 0, id: 0 };
        g.count++;
        g.at = Math.max(g.at, r.createdAt.getTime());
        g.id = Math.max(g.id, r.id);
        groups.set(g.question, g);
      }
      return [...groups.values()]
        .sort((a, b) => b.at - a.at || b.id - a.id)
        .map((g) => ({
          question: g.question,
          count: g.count,
          lastAskedAt: new Date(g.at).toISOString(),
          variants: [],
        }));
    };
    const expected = await expectedSince(Date.now() - 90 * day + 60_000);
    expect(expected.map((q) => q.question)).not.toContain('可以刷医保卡吗');
    const { items, pages } = await readAllPages(
      2,
      async (cursor) => {
        const res = await app.server.inject({
          url: `/api/v1/knowledge/unanswered?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          headers: admin,
        });
        expect(res.statusCode).toBe(200);
        return { items: res.json().questions, nextCursor: res.json().nextCursor };
      },
      async (page) => {
        // Meanwhile a question of a later page is asked again, and a new one: later pages keep
        // the first page's window, so neither moves, adds or disappears.
        await asked('周一休息吗', Date.now() + 1000);
        await asked(`新问题${page}`, Date.now() + 1000);
      },
    );
    expect(pages).toBeGreaterThan(2);
    expect(items).toEqual(expected);

    // An explicit `since` reaches back further.
    const since = new Date(t - 100 * day).toISOString();
    const longer = await app.server.inject({
      url: `/api/v1/knowledge/unanswered?limit=1000&since=${encodeURIComponent(since)}`,
      headers: admin,
    });
    const old = longer.json().questions.find((q: { question: string }) => q.question === '可以刷医保卡吗');
    expect(old).toMatchObject({ count: 1, lastAskedAt: new Date(t - 91 * day).toISOString() });
    expect(longer.json().nextCursor).toBeNull();

    await expectForgedCursorsRefused((c) =>
      app.server.inject({ url: `/api/v1/knowledge/unanswered?cursor=${c}`, headers: admin }),
    );
    await expectPagedInOpenApi(app.server, '/api/v1/knowledge/unanswered');
  });
});
