// The knowledge base's own calibration: per language, how similar each stored question is to the
// nearest entry that is not its own, so the answer and suggestion levels fit this knowledge base.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Embedder, loadEmbedder } from '../../../src/features/faq/embedding/index.js';
import { KnowledgeBase } from '../../../src/features/faq/knowledge-base.js';
import { SemanticIndex } from '../../../src/features/faq/semantic.js';
import { noSynonyms } from '../../../src/features/faq/tokenize.js';

const MODEL = join(import.meta.dirname, '../../../models/bge-small-zh-v1.5');

function knowledge(dir: string) {
  const kb = new KnowledgeBase({
    dir,
    synonyms: noSynonyms,
    defaultLocale: 'zh-CN',
    logger: pino({ level: 'silent' }),
  });
  kb.load();
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
    const index = await SemanticIndex.build(embedder, knowledge('knowledge').current.entries);
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
    const kb = knowledge(join(import.meta.dirname, '../../fixtures/sparse-kb'));
    const index = await SemanticIndex.build(embedder, kb.current.entries);
    expect(index.calibration.en.probes).toBe(6); // 2 English questions: all 6 measure it
    expect(index.calibration['zh-CN'].probes).toBe(6);
    const scores = index.scores(await embedder.embed('想租辆车骑一天'));
    const best = index.entries[scores.indexOf(Math.max(...scores))];
    expect(best?.id).toBe('rental');
  });

  it('is never confident on an empty knowledge base', async () => {
    const index = await SemanticIndex.build(embedder, []);
    expect(index.calibration['zh-CN']).toEqual({ answerAt: 1, suggestAt: 1, probes: 0 });
  });
});
