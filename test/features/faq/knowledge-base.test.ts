import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../../../src/features/faq/knowledge-base.js';
import { Synonyms } from '../../../src/features/faq/tokenize.js';
import { silentLogger } from '../../helpers/app.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'knowledge');
const made: KnowledgeBase[] = [];
afterEach(() => {
  for (const kb of made.splice(0)) kb.close();
});

function knowledgeIn(dir: string) {
  const kb = new KnowledgeBase({ dir, synonyms: new Synonyms(), defaultLocale: 'zh-CN', logger: silentLogger });
  made.push(kb);
  return kb;
}

function copyOfFixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-kb-'));
  cpSync(fixtures, dir, { recursive: true });
  return dir;
}

describe('knowledge base files', () => {
  it('loads YAML and CSV entries with locales, tags and sources', async () => {
    const kb = knowledgeIn(fixtures);
    const report = await kb.load();
    expect(report.errors).toEqual([]);
    expect(report.entries).toBe(9);
    expect(report.byLocale).toEqual({ 'zh-CN': 6, en: 3 });
    expect(kb.entry('opening-hours')?.locale).toBe('zh-CN'); // detected: no locale given
    expect(kb.entry('opening-hours-en')?.locale).toBe('en');
    // Later CSV rows with the same id add ways of asking.
    expect(kb.entry('oat-milk-en')).toMatchObject({
      questions: ['Do you have oat milk?', 'Is there dairy-free milk?'],
      tags: ['menu'],
      source: 'more.csv',
    });
    const generated = kb.current.entries.find((e) => e.source === 'more.csv' && e.locale === 'zh-CN');
    expect(generated?.id).toMatch(/^more-[0-9a-f]{8}$/);
    // The id of a CSV row without one comes from its question: the same on every load.
    await kb.load();
    expect(kb.current.entries.find((e) => e.source === 'more.csv' && e.locale === 'zh-CN')?.id).toBe(generated?.id);
  });

  it('ships a demo knowledge base that loads without errors, in both languages', async () => {
    const kb = knowledgeIn(join(import.meta.dirname, '..', '..', '..', 'knowledge'));
    const report = await kb.load();
    expect(report.errors).toEqual([]);
    expect(report.entries).toBeGreaterThanOrEqual(30);
    expect(report.byLocale['zh-CN']).toBeGreaterThan(10);
    expect(report.byLocale.en).toBeGreaterThan(10);
  });

  it('reports a broken file with its name and line, keeps its last good entries, loads the others', async () => {
    const dir = copyOfFixtures();
    try {
      const kb = knowledgeIn(dir);
      await kb.load();
      writeFileSync(join(dir, 'shop.yaml'), '- id: x\n  questions: [a\n  answer: b\n');
      writeFileSync(join(dir, 'new.yaml'), '- id: new-entry\n  questions: [新问题]\n  answer: 新答案\n');
      const report = await kb.load();
      expect(report.errors).toHaveLength(1);
      expect(report.errors[0]).toMatchObject({ file: 'shop.yaml', line: expect.any(Number) });
      expect(kb.entry('delivery-range')?.answer).toMatch(/5公里/); // the broken file's entries stay
      expect(kb.entry('new-entry')?.answer).toBe('新答案'); // the other files load
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['an entry without answer', '- id: a\n  questions: [q]\n- id: b\n  questions: [q2]\n', /entry 1: answer/, 1],
    [
      'a second entry without questions',
      '- id: a\n  questions: [q]\n  answer: x\n- id: b\n  answer: y\n',
      /entry 2: needs questions/,
      4,
    ],
    ['an unknown locale', '- id: a\n  questions: [q]\n  answer: x\n  locale: fr\n', /locale "fr"/, 1],
    ['an unknown key', '- id: a\n  questions: [q]\n  answer: x\n  answr: y\n', /answr/, 1],
    ['a map instead of a list', 'id: a\nanswer: x\n', /expected a list/, 1],
  ])('names the line of %s', async (_name, text, message, line) => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-kb-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), text);
      const report = await knowledgeIn(dir).load();
      expect(report.errors).toEqual([{ file: 'bad.yaml', line, message: expect.stringMatching(message) }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a CSV without the question and answer columns, and duplicate ids across files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-kb-'));
    try {
      writeFileSync(join(dir, 'a.yaml'), '- id: same\n  questions: [q]\n  answer: first\n');
      writeFileSync(join(dir, 'b.yaml'), '- id: same\n  questions: [q]\n  answer: second\n');
      writeFileSync(join(dir, 'c.csv'), 'q,a\nx,y\n');
      writeFileSync(join(dir, 'd.csv'), 'question,answer,id\nq1,a1,dup\nq2,other answer,dup\n');
      const kb = knowledgeIn(dir);
      const report = await kb.load();
      expect(kb.entry('same')?.answer).toBe('first');
      expect(report.errors).toEqual([
        { file: 'c.csv', line: 1, message: expect.stringMatching(/question,answer/) },
        { file: 'd.csv', line: 3, message: expect.stringMatching(/another answer/) },
        { file: 'b.yaml', message: expect.stringMatching(/"same" is used in a.yaml/) },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reloads by itself when a file changes', async () => {
    const dir = copyOfFixtures();
    try {
      const kb = knowledgeIn(dir);
      await kb.load();
      kb.watch(20);
      const file = join(dir, 'shop.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('满30元免配送费', '满50元免配送费'));
      await expect.poll(() => kb.entry('delivery-range')?.answer, { timeout: 5000 }).toMatch(/满50元/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
