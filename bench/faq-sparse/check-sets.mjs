// Checks the sparse FAQ sets against the rules they were written to (parse, ids, 1-2 questions per entry,
// no tags, every expect names an entry) and prints the counts quoted in README.md.
// Run from the repository root: node bench/faq-sparse/check-sets.mjs
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('.', import.meta.url).pathname;
const cjk = /[\u4e00-\u9fff]/;
const latinWord = /[A-Za-z]{2,}/;
// Half-width punctuation that should be full-width in Chinese text; a colon between digits (9:00) is a time.
const halfWidthInChinese = /[,!?;()]|(?<!\d):|:(?!\d)/;

// zh: Chinese only; en: no Chinese; mixed: Chinese with English words (code-switching customers).
const language = (text) => (!cjk.test(text) ? 'en' : latinWord.test(text) ? 'mixed' : 'zh');

let failures = 0;
const fail = (set, message) => {
  failures++;
  console.error(`${set}: ${message}`);
};

// A set is a folder holding knowledge/faq.yaml and questions.yaml.
const sets = readdirSync(root).filter((name) => existsSync(join(root, name, 'knowledge/faq.yaml')));
for (const set of sets) {
  const entries = parse(readFileSync(join(root, set, 'knowledge/faq.yaml'), 'utf8'));
  const questions = parse(readFileSync(join(root, set, 'questions.yaml'), 'utf8'));
  const ids = new Set();
  const locales = {};
  for (const entry of entries) {
    if (ids.has(entry.id)) fail(set, `duplicate id ${entry.id}`);
    ids.add(entry.id);
    if (!Array.isArray(entry.questions) || entry.questions.length < 1 || entry.questions.length > 2)
      fail(set, `${entry.id} must have one or two questions`);
    if (!entry.answer) fail(set, `${entry.id} has no answer`);
    if (entry.tags !== undefined) fail(set, `${entry.id} has tags`);
    if (entry.locale !== 'zh-CN' && entry.locale !== 'en') fail(set, `${entry.id} locale ${entry.locale}`);
    locales[entry.locale] = (locales[entry.locale] ?? 0) + 1;
    if (entry.locale === 'zh-CN')
      for (const text of [...entry.questions, entry.answer])
        if (halfWidthInChinese.test(text)) fail(set, `${entry.id} half-width punctuation: ${text}`);
  }
  const inScope = { zh: 0, en: 0, mixed: 0 };
  const outOfScope = { zh: 0, en: 0, mixed: 0 };
  const covered = new Set();
  const seen = new Set();
  for (const { q, expect } of questions) {
    if (typeof q !== 'string' || !q.trim()) fail(set, 'a question without text');
    if (seen.has(q)) fail(set, `duplicate question ${q}`);
    seen.add(q);
    if (expect === null) outOfScope[language(q)]++;
    else if (!ids.has(expect)) fail(set, `unknown expect ${expect} for "${q}"`);
    else {
      inScope[language(q)]++;
      covered.add(expect);
    }
  }
  const total = (counts) => counts.zh + counts.en + counts.mixed;
  console.log(
    `${set}: ${entries.length} entries (zh-CN ${locales['zh-CN'] ?? 0}, en ${locales.en ?? 0}); ` +
      `${total(inScope)} in-scope (zh ${inScope.zh}, en ${inScope.en}, mixed ${inScope.mixed}) covering ${covered.size}/${entries.length} entries; ` +
      `${total(outOfScope)} out-of-scope (zh ${outOfScope.zh}, en ${outOfScope.en}, mixed ${outOfScope.mixed})`,
  );
}
if (failures > 0) process.exit(1);
