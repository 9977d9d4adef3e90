// Reloading a large knowledge base while customers are being answered: the files are read in a
// worker and the index is built in slices, so the event loop keeps turning; the old index answers
// until the new one replaces it whole; and the new one is the index a synchronous build of the same
// files gives, question for question.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../../../src/features/faq/knowledge-base.js';
import { type ReadMessage, readSteps } from '../../../src/features/faq/knowledge-files.js';
import { WORKER_ABOVE_BYTES } from '../../../src/features/faq/knowledge-reader.js';
import { type KnowledgeEntry, KnowledgeIndex, type Match } from '../../../src/features/faq/search.js';
import { Synonyms } from '../../../src/features/faq/tokenize.js';
import { runNow } from '../../../src/util/sliced.js';
import { silentLogger } from '../../helpers/app.js';
import { type GeneratedKnowledge, writeKnowledgeFiles } from '../../helpers/knowledge-files.js';

const synonyms = new Synonyms([
  ['delivery', 'shipping'],
  ['外卖', '配送'],
]);
const NEW_QUESTION = '月球穿梭机的票怎么预订？';

/** The entries of the files as a synchronous parse on this thread gives them, in file order. */
function parsedHere(dir: string, files: string[]): KnowledgeEntry[] {
  const entries: KnowledgeEntry[] = [];
  const send = (m: ReadMessage) => {
    if (m.type === 'entries') entries.push(...m.entries);
    if (m.type === 'error') throw new Error(`${m.file}: ${m.error.message}`);
  };
  runNow(readSteps({ dir, files, defaultLocale: 'zh-CN', synonyms: synonyms.groups, batch: 1e9, known: {} }, send));
  return entries;
}

const ranking = (matches: Match[]) => matches.map((m) => [m.entry.id, m.score, m.coverage, m.evidence]);

describe('reloading a large knowledge base', () => {
  let dir: string;
  let base: GeneratedKnowledge;
  let kb: KnowledgeBase;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-kb-large-'));
    base = writeKnowledgeFiles(dir, 3000, 1000);
    kb = new KnowledgeBase({ dir, synonyms, defaultLocale: 'zh-CN', logger: silentLogger });
    const report = await kb.load();
    expect(report).toMatchObject({ entries: 3000, errors: [] });
  });
  afterAll(() => {
    kb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is read in the loading worker: its files are over the size a worker reads', () => {
    const bytes = base.files.reduce((sum, f) => sum + readFileSync(join(dir, f)).length, 0);
    expect(bytes).toBeGreaterThan(WORKER_ABOVE_BYTES * 10);
  });

  it('lets the event loop run during a reload, answering from the old index until the new one is whole', async () => {
    const before = kb.current;
    expect(before.search(NEW_QUESTION).map((m) => m.entry.id)).not.toContain('moon-shuttle');
    writeFileSync(
      join(dir, 'zz-new.yaml'),
      `- id: moon-shuttle\n  questions: [${NEW_QUESTION}]\n  answer: 月球穿梭机的票在三号窗口预订。\n`,
    );
    for (const file of base.files) appendFileSync(join(dir, file), file.endsWith('.csv') ? '\n' : '\n# edited\n');

    let finished = false;
    const reload = kb.load().then((report) => {
      finished = true;
      return report;
    });
    // Callbacks scheduled after the reload started, each seeing what a customer's question would.
    const seen: { finished: boolean; sameIndex: boolean; found: string[] }[] = [];
    const look = () =>
      seen.push({
        finished,
        sameIndex: kb.current === before,
        found: kb.current.search(NEW_QUESTION).map((m) => m.entry.id),
      });
    setImmediate(look);
    const timer = setInterval(look, 1);
    const report = await reload;
    clearInterval(timer);

    expect(report).toMatchObject({ entries: 3001, errors: [] });
    const during = seen.filter((s) => !s.finished);
    expect(seen[0]?.finished).toBe(false); // the first callback ran before the reload finished
    expect(during.length).toBeGreaterThan(1);
    // Until the reload finished, the old index answered, and it never knew the new entry.
    for (const s of during)
      expect(s).toMatchObject({ sameIndex: true, found: expect.not.arrayContaining(['moon-shuttle']) });
    expect(kb.current).not.toBe(before);
    expect(kb.current.search(NEW_QUESTION)[0]?.entry.id).toBe('moon-shuttle');
  });

  it('builds the index a synchronous build of the same files gives: the same entries, the same rankings', () => {
    const files = [...base.files, 'zz-new.yaml'];
    const entries = parsedHere(dir, files);
    expect(kb.current.entries).toEqual(entries);
    const fresh = new KnowledgeIndex(entries, synonyms);
    const questions = [
      ...base.samples.map((s) => s.question),
      NEW_QUESTION,
      'how do i shipping refund', // a synonym
      'can i get a refnud for the delivry', // typos, corrected against the index's words
      '外卖多久能到',
    ];
    for (const q of questions) {
      for (const locale of [undefined, 'zh-CN', 'en'] as const) {
        expect(ranking(kb.current.search(q, { locale, limit: 10 })), q).toEqual(
          ranking(fresh.search(q, { locale, limit: 10 })),
        );
      }
    }
    // Not empty rankings: a stored question finds its own entry among the first ten.
    for (const { question, id } of base.samples) {
      expect(kb.current.search(question, { limit: 10 }).map((m) => m.entry.id)).toContain(id);
    }
  });

  it('takes learned questions given during a reload into the index that follows it', async () => {
    const [sample] = base.samples;
    if (!sample) throw new Error('no sample');
    const asked = '能不能用月饼礼盒兑换'; // words the generated base does not use
    appendFileSync(join(dir, base.files[0] as string), '\n# edited again\n');
    const reload = kb.load();
    const learned = kb.setLearned(new Map([[sample.id, [asked]]]));
    await Promise.all([reload, learned]);

    expect(kb.entry(sample.id)?.learned).toEqual([asked]);
    expect(kb.current.search(asked)[0]?.entry.id).toBe(sample.id);
    const entries = parsedHere(dir, [...base.files, 'zz-new.yaml']).map((e) =>
      e.id === sample.id ? { ...e, learned: [asked] } : e,
    );
    const fresh = new KnowledgeIndex(entries, synonyms);
    expect(ranking(kb.current.search(asked, { limit: 10 }))).toEqual(ranking(fresh.search(asked, { limit: 10 })));
    await kb.setLearned(new Map());
    expect(kb.current.search(asked).map((m) => m.entry.id)).not.toContain(sample.id);
  });

  it('reports a file broken in a large reload with its line, and keeps that file’s entries', async () => {
    const broken = base.files[1] as string;
    const kept = kb.current.entries.find((e) => e.source === broken);
    writeFileSync(join(dir, broken), `${readFileSync(join(dir, broken), 'utf8')}- id: [unclosed\n`);
    const report = await kb.load();
    expect(report.errors).toEqual([{ file: broken, line: expect.any(Number), message: expect.any(String) }]);
    expect(report.entries).toBe(3001);
    expect(kept && kb.entry(kept.id)).toEqual(kept);
  });
});

describe('closing a knowledge base while it loads', () => {
  it('stops the load: the knowledge base keeps what it had', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-kb-close-'));
    try {
      writeKnowledgeFiles(dir, 1500, 500);
      const kb = new KnowledgeBase({ dir, synonyms, defaultLocale: 'zh-CN', logger: silentLogger });
      const load = kb.load();
      await new Promise((resolve) => setImmediate(resolve)); // the worker is reading
      kb.close();
      const report = await load;
      expect(report.entries).toBe(0);
      expect(kb.current.size).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
