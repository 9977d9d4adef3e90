// A knowledge base that learns: taps on "did you mean" suggestions become ways of asking once
// enough distinct customers agree; staff teach and forget them through the admin API; they
// survive reloads and leave with their entry.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { expectForgedCursorsRefused, expectPagedInOpenApi } from '../../helpers/paging.js';

type Reply = { text: string; buttons?: { label: string; payload: string }[] };

const fixture = join(import.meta.dirname, '../../fixtures/sparse-kb');
const RENTAL = '可以，城市车每天40元，公路车每天120元，需押身份证。';
const ASKED = '想租辆车骑一天';

describeOnEachDatabase('a knowledge base that learns', (database) => {
  let app: App;
  let dir: string;
  let seq = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-kb-'));
    cpSync(fixture, dir, { recursive: true });
    app = await testApp(database().url, { env: { KNOWLEDGE_DIR: dir } });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const customer = () => {
    const user = `learner-${++seq}`;
    return async (body: Record<string, unknown>) => {
      const res = await app.server.inject({
        method: 'POST',
        url: '/api/v1/messages',
        payload: { user: { id: user }, ...body },
      });
      expect(res.statusCode).toBe(200);
      return res.json().replies as Reply[];
    };
  };
  const learned = async () => (await app.server.inject({ url: '/api/v1/knowledge/learned', headers: admin })).json();
  const post = (payload: unknown) =>
    app.server.inject({ method: 'POST', url: '/api/v1/knowledge/learned', headers: admin, payload: payload as object });

  /** Asks, and taps the suggestion for `entryId`; returns what the question first got. */
  async function askAndTap(text: string, entryId: string, send = customer()) {
    await send({ text: '/start' });
    const [first] = await send({ text });
    const button = first?.buttons?.find((b) => b.payload === `faq:${entryId}`);
    if (button) {
      const [answer] = await send({ payload: button.payload });
      expect(answer?.text).toBe(RENTAL);
    }
    return first;
  }

  it('learns a question two customers tapped the same suggestion for, and answers the third outright', async () => {
    const one = customer();
    const first = await askAndTap(ASKED, 'rental', one);
    expect(first?.buttons?.map((b) => b.payload)).toContain('faq:rental');
    await askAndTap(ASKED, 'rental', one); // the same customer again counts once
    let list = await learned();
    expect(list.learned).toEqual([]);
    expect(list.candidates).toEqual([expect.objectContaining({ entryId: 'rental', question: ASKED, customers: 1 })]);

    // A second customer, with other punctuation, is the same question.
    await askAndTap('想租辆车骑一天！', 'rental');
    list = await learned();
    expect(list.candidates).toEqual([]);
    expect(list.learned).toEqual([
      expect.objectContaining({ entryId: 'rental', question: '想租辆车骑一天！', source: 'taps', customers: 2 }),
    ]);

    const send = customer();
    await send({ text: '/start' });
    const [answer] = await send({ text: ASKED });
    expect(answer?.text).toBe(RENTAL);
    expect(answer?.buttons ?? []).toEqual([]);
  });

  it('lets staff teach, list and forget ways of asking, used by the index at once', async () => {
    const question = '车胎扎了能修吗';
    const send = customer();
    await send({ text: '/start' });
    const [before] = await send({ text: question });
    expect(before?.text).not.toBe('补胎15元，换内胎45元起，一般20分钟修好。');

    const created = await post({ entryId: 'flat-tyre', question });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ entryId: 'flat-tyre', question, source: 'staff', customers: 0 });
    expect((await post({ entryId: 'flat-tyre', question: `${question}？` })).statusCode).toBe(200);
    expect((await post({ entryId: 'no-such-entry', question })).statusCode).toBe(404);
    expect((await post({ entryId: 'flat-tyre', question: '？！' })).statusCode).toBe(400);
    expect((await post({ entryId: 'flat-tyre' })).statusCode).toBe(400);

    const [after] = await send({ text: question });
    expect(after?.text).toBe('补胎15元，换内胎45元起，一般20分钟修好。');

    const id = created.json().id as number;
    const gone = await app.server.inject({ method: 'DELETE', url: `/api/v1/knowledge/learned/${id}`, headers: admin });
    expect(gone.statusCode).toBe(204);
    expect(
      (await app.server.inject({ method: 'DELETE', url: `/api/v1/knowledge/learned/${id}`, headers: admin }))
        .statusCode,
    ).toBe(404);
    const [forgotten] = await send({ text: question });
    expect(forgotten?.text).not.toBe('补胎15元，换内胎45元起，一般20分钟修好。');
  });

  it('keeps learned questions over a reload of the files, and drops those of a removed entry', async () => {
    expect((await post({ entryId: 'tune-up', question: '链子老是掉' })).statusCode).toBe(201);
    const reload = () => app.server.inject({ method: 'POST', url: '/api/v1/knowledge/reload', headers: admin });
    expect((await reload()).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 50)); // the refresh after a load runs on its own
    const send = customer();
    await send({ text: '/start' });
    const [kept] = await send({ text: ASKED });
    expect(kept?.text).toBe(RENTAL);

    // The business deletes the rental entry from its file.
    const file = join(dir, 'faq.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/- id: rental[\s\S]*?locale: zh-CN\n/, ''));
    expect((await reload()).json().counts.entries).toBe(5);
    await new Promise((r) => setTimeout(r, 50));
    const list = await learned();
    expect(list.learned.map((l: { entryId: string }) => l.entryId)).toEqual(['tune-up']);
  });

  it('pages learned questions and candidates together by cursor: each once, in order, while customers tap', async () => {
    const db = app.store.db;
    const entries = ['tune-up', 'flat-tyre', 'parking', 'opening-hours', 'trade-in'];
    for (const [i, entryId] of entries.entries())
      await db.learnedQuestion.create({
        data: { entryId, question: `学到的问法${i}`, normalized: `学到的问法${i}`, source: 'staff' },
      });
    // Candidates: groups of taps whose latest tap ties with another group's (the id breaks it),
    // and one group that is learned already (never a candidate).
    const t = Date.now() - 3_600_000;
    let tapper = 0;
    const tap = (entryId: string, normalized: string, at: number) =>
      db.questionTap.create({
        data: { entryId, normalized, question: normalized, customerId: `tapper-${++tapper}`, createdAt: new Date(at) },
      });
    const groups: [string, string, number[]][] = [
      ['parking', '能停车吗', [t, t + 5000]],
      ['parking', '有停车位吗', [t + 5000]],
      ['flat-tyre', '胎漏气了', [t + 1000, t + 2000, t + 2000]],
      ['tune-up', '保养多少钱', [t + 2000]],
      ['trade-in', '旧车能换新吗', [t + 3000]],
      ['opening-hours', '几点关门', [t + 1000]],
      ['opening-hours', '周末开吗', [t + 4000, t]],
      ['tune-up', '学到的问法0', [t + 6000]],
    ];
    for (const [entryId, normalized, times] of groups) for (const at of times) await tap(entryId, normalized, at);

    // What the pages must add up to, computed here from the rows.
    const learnedIds = (await db.learnedQuestion.findMany({ orderBy: { id: 'desc' } })).map((l) => l.id);
    const known = new Set((await db.learnedQuestion.findMany()).map((l) => `${l.entryId}|${l.normalized}`));
    const byGroup = new Map<string, { entryId: string; question: string; customers: number; at: number; id: number }>();
    for (const r of await db.questionTap.findMany()) {
      const k = `${r.entryId}|${r.normalized}`;
      if (known.has(k)) continue;
      const g = byGroup.get(k) ?? { entryId: r.entryId, question: '', customers: 0, at: 0, id: 0 };
      g.customers++;
      if (r.question > g.question) g.question = r.question; // the list shows the group's MAX(question)
      g.at = Math.max(g.at, r.createdAt.getTime());
      g.id = Math.max(g.id, r.id);
      byGroup.set(k, g);
    }
    const candidates = [...byGroup.values()]
      .sort((a, b) => b.at - a.at || b.id - a.id)
      .map((g) => ({
        entryId: g.entryId,
        question: g.question,
        customers: g.customers,
        lastAt: new Date(g.at).toISOString(),
      }));
    expect(candidates.length).toBeGreaterThanOrEqual(7);

    const seenLearned: number[] = [];
    const seenCandidates: unknown[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await app.server.inject({
        url: `/api/v1/knowledge/learned?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: admin,
      });
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.learned.length).toBeLessThanOrEqual(2);
      expect(page.candidates.length).toBeLessThanOrEqual(2);
      seenLearned.push(...page.learned.map((l: { id: number }) => l.id));
      seenCandidates.push(...page.candidates);
      cursor = page.nextCursor ?? undefined;
      pages++;
      // Meanwhile: staff teach one more, a customer taps a question of a later page again and
      // another asks something new. None of it is on later pages, nor moves what is.
      await db.learnedQuestion.create({
        data: { entryId: 'parking', question: `又一个${pages}`, normalized: `又一个${pages}`, source: 'staff' },
      });
      await tap('opening-hours', '几点关门', Date.now() + 60_000);
      await tap('trade-in', `新问题${pages}`, Date.now() + 60_000);
    } while (cursor && pages < 100);
    expect(pages).toBe(Math.ceil(Math.max(learnedIds.length, candidates.length) / 2));
    expect(seenLearned).toEqual(learnedIds);
    expect(seenCandidates).toEqual(candidates);

    await expectForgedCursorsRefused((c) =>
      app.server.inject({ url: `/api/v1/knowledge/learned?cursor=${c}`, headers: admin }),
    );
    await expectPagedInOpenApi(app.server, '/api/v1/knowledge/learned');
  });
});

describe('faq.learn.autoApproveAfter: 0', () => {
  let app: App;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-kb-staff-'));
    cpSync(fixture, dir, { recursive: true });
    app = await testApp(`file:${join(dir, 'db.sqlite')}`, {
      env: { KNOWLEDGE_DIR: dir },
      yaml: 'loyalty:\n  rules:\n    welcome: 0\nfaq:\n  learn:\n    autoApproveAfter: 0\n',
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('leaves every tap a candidate until staff approve it, and refuses a negative threshold', async () => {
    for (const user of ['s1', 's2', 's3']) {
      const send = (body: Record<string, unknown>) =>
        app.server.inject({ method: 'POST', url: '/api/v1/messages', payload: { user: { id: user }, ...body } });
      await send({ text: '/start' });
      const [first] = (await send({ text: ASKED })).json().replies as Reply[];
      expect(first?.buttons?.map((b) => b.payload)).toContain('faq:rental');
      await send({ payload: 'faq:rental' });
    }
    const list = (await app.server.inject({ url: '/api/v1/knowledge/learned', headers: admin })).json();
    expect(list.learned).toEqual([]);
    expect(list.candidates).toEqual([expect.objectContaining({ entryId: 'rental', question: ASKED, customers: 3 })]);

    const approved = await app.server.inject({
      method: 'POST',
      url: '/api/v1/knowledge/learned',
      headers: admin,
      payload: { entryId: 'rental', question: ASKED },
    });
    expect(approved.statusCode).toBe(201);
    const send = (body: Record<string, unknown>) =>
      app.server.inject({ method: 'POST', url: '/api/v1/messages', payload: { user: { id: 's4' }, ...body } });
    await send({ text: '/start' });
    const [answer] = (await send({ text: ASKED })).json().replies as Reply[];
    expect(answer?.text).toBe(RENTAL);

    const { parseBusinessConfig } = await import('../../../src/config.js');
    expect(() => parseBusinessConfig('faq:\n  learn:\n    autoApproveAfter: -1\n', 'x.yaml')).toThrow(
      /faq\.learn\.autoApproveAfter/,
    );
  });
});
