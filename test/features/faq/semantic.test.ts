// The knowledge base's own calibration: per language, how similar each stored question is to the
// nearest entry that is not its own, so the answer and suggestion levels fit this knowledge base.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine, type Embedder, loadEmbedder } from '../../../src/embedding/index.js';
import { bestOtherScore, entryScores } from '../../../src/embedding/table.js';
import { KnowledgeBase } from '../../../src/features/faq/knowledge-base.js';
import { SemanticIndex } from '../../../src/features/faq/semantic.js';
import { noSynonyms } from '../../../src/features/faq/tokenize.js';

const MODEL = join(import.meta.dirname, '../../../models/bge-small-zh-v1.5');

async function knowledge(dir: string) {
  const kb = new KnowledgeBase({
    dir,
    synonyms: noSynonyms,
    defaultLocale: 'zh-CN',
    logger: pino({ level: 'silent' }),
  });
  await kb.load();
  return kb;
}

describe('semantic index', () => {
  let embedder: Embedder;
  beforeAll(async () => {
    const loaded = await loadEmbedder({ modelDir: MODEL, cacheDir: mkdtempSync(join(tmpdir(), 'rapport-emb-')) });
    if (!loaded.ok) throw new Error(loaded.reason);
    embedder = loaded.embedder;
  });
  afterAll(async () => {
    await embedder?.close();
  });

  it('calibrates per language on the demo base, the answer level above the suggestion level', async () => {
    const index = await SemanticIndex.build(embedder, (await knowledge('knowledge')).current.entries);
    for (const locale of ['zh-CN', 'en'] as const) {
      const c = index.calibration[locale];
      expect(c.probes).toBeGreaterThan(50); // its own language's stored questions
      expect(c.answerAt).toBeGreaterThan(c.suggestAt);
      expect(c.suggestAt).toBeGreaterThan(0.3);
      expect(c.answerAt).toBeLessThan(1);
    }
    // A Chinese-first model scores English closer together: the levels differ by language.
    expect(index.calibration.en.answerAt).not.toBe(index.calibration['zh-CN'].answerAt);
  });

  it('borrows the whole base’s figures for a language with too few questions, and ranks a paraphrase first', async () => {
    const kb = await knowledge(join(import.meta.dirname, '../../fixtures/sparse-kb'));
    const index = await SemanticIndex.build(embedder, kb.current.entries);
    expect(index.calibration.en.probes).toBe(6); // 2 English questions: all 6 measure it
    expect(index.calibration['zh-CN'].probes).toBe(6);
    const similarity = await index.similarities('想租辆车骑一天');
    expect(similarity.top(1)[0]?.entry.id).toBe('rental');
  });

  it('is never confident on an empty knowledge base', async () => {
    const index = await SemanticIndex.build(embedder, []);
    expect(index.calibration['zh-CN']).toEqual({ answerAt: 1, suggestAt: 1, probes: 0 });
  });

  it('scores a question in the worker exactly as the vectors say: each entry its best question, or its answer × 0.9', async () => {
    const kb = await knowledge(join(import.meta.dirname, '../../fixtures/sparse-kb'));
    const index = await SemanticIndex.build(embedder, kb.current.entries);
    const question = 'Can I park my car near the shop?';
    const similarity = await index.similarities(question);
    const [query] = await embedder.embedMany([question]);
    for (const entry of kb.current.entries) {
      const [answer, ...questions] = await embedder.embedMany([entry.answer, ...entry.questions]);
      const expected = Math.max(
        cosine(query as Float32Array, answer as Float32Array) * 0.9,
        ...questions.map((v) => cosine(query as Float32Array, v)),
      );
      expect(similarity.of(entry.id)).toBeCloseTo(expected, 4);
    }
    expect(similarity.of('no-such-entry')).toBeUndefined();
    expect(similarity.top(2).map((x) => x.entry.id)[0]).toBe('parking');
    index.close();
  });

  it('for one language holds each entry’s texts in it: English entries, and English questions learned for others', async () => {
    const kb = await knowledge(join(import.meta.dirname, '../../fixtures/sparse-kb'));
    const entries = kb.current.entries.map((e) =>
      e.id === 'rental' ? { ...e, learned: ['can I hire a bike for a day', '能租山地车吗'] } : e,
    );
    const index = await SemanticIndex.build(embedder, entries, 'en');
    expect(index.entries.map((e) => e.id).sort()).toEqual(['parking', 'rental', 'trade-in']);
    expect(index.bytes).toBe(5 * 512 * 4); // 2 English entries × (question + answer) + 1 learned question
    const similarity = await index.similarities('could I rent a bicycle for the day?');
    expect(similarity.top(1)[0]?.entry.id).toBe('rental');
    expect(similarity.of('flat-tyre')).toBeUndefined(); // no English text: left to words
    index.close();
  });

  it('answers the questions already sent to a replaced index and refuses new ones', async () => {
    const kb = await knowledge(join(import.meta.dirname, '../../fixtures/sparse-kb'));
    const index = await SemanticIndex.build(embedder, kb.current.entries);
    const inFlight = index.similarities('补个胎要多少钱');
    index.close();
    expect((await inFlight).top(1)[0]?.entry.id).toBe('flat-tyre');
    await expect(index.similarities('补胎')).rejects.toThrow(/replaced/);
    // The worker carries on with other tables.
    const next = await SemanticIndex.build(embedder, kb.current.entries);
    expect((await next.similarities('补个胎要多少钱')).top(1)[0]?.entry.id).toBe('flat-tyre');
    next.close();
  });
});

describe('vector table', () => {
  // Two entries of 2-dimensional rows: entry 0 = answer (1,0) and question (0,1); entry 1 = answer (0.6,0.8).
  const table = {
    dimensions: 2,
    rowStart: Int32Array.from([0, 2, 3]),
    matrix: Float32Array.from([1, 0, 0, 1, 0.6, 0.8]),
    rowWeight: Float32Array.from([0.5, 1, 0.5]),
  };

  it('scores each entry by its best row, the first (the answer) weighted', () => {
    expect([...entryScores(table, Float32Array.from([1, 0]))]).toEqual([0.5, expect.closeTo(0.3, 6)]);
    expect([...entryScores(table, Float32Array.from([0, 1]))]).toEqual([1, expect.closeTo(0.4, 6)]);
  });

  it('gives the best score of another entry, -1 when there is none', () => {
    expect(bestOtherScore(table, Float32Array.from([0, 1]), 0)).toBeCloseTo(0.4, 6);
    expect(bestOtherScore(table, Float32Array.from([0, 1]), 1)).toBe(1);
    const single = { ...table, rowStart: Int32Array.from([0, 2]), rowWeight: Float32Array.from([0.5, 1]) };
    expect(bestOtherScore(single, Float32Array.from([0, 1]), 0)).toBe(-1);
  });
});
