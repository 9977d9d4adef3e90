// Turns text into search terms, the same way for stored questions and customer messages.
// Chinese: ICU word segmentation (Intl.Segmenter) plus character bigrams, so words missing
// from ICU's dictionary (外卖 comes out as 外 + 卖) and typos still overlap. English:
// lower-cased, stop words dropped, Porter-stemmed. Synonyms map to one canonical term.
import { stemmer } from 'stemmer';

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const han = /\p{Script=Han}/u;
const latin = /^[\p{Script=Latin}\d][\p{Script=Latin}\d'’-]*$/u;

const englishStop = new Set(
  `a an and are as at be been but by can could did do does for from had has have how i i'm if in into is it its
  me my of on or our please so than that the their them then there these they this to too us was we were what
  when where which who why will with would you your u hi hello hey thanks thank just about any some get got`
    .split(/\s+/)
    .filter(Boolean),
);
const chineseStop = new Set(
  '的 了 吗 呢 吧 啊 呀 哦 嗯 我 你 您 他 她 它 们 是 在 有 和 与 就 都 也 还 要 想 请 问 请问 一下 这个 那个 这 那 个 么 什么 怎么 怎样 如何 可以 能 能不能 可不可以 会 吧 哈 嘛 一 下 给 把 被 让 从 到 对 很 好 你们 我们 您好 你好 谢谢'
    .split(/\s+/)
    .filter(Boolean),
);

/**
 * Synonym groups: every term of a group is searched as the group's first term. Chinese terms
 * and English phrases are replaced in the text before tokenizing (Chinese has no spaces to
 * find words by); single English words are matched by their stem. A group may mix languages.
 */
export class Synonyms {
  private readonly terms = new Map<string, string>();
  private readonly phrases: { probe: string; pattern: RegExp; replacement: string }[] = [];

  /** The groups as given: what a worker thread makes the same Synonyms from. */
  constructor(readonly groups: readonly (readonly string[])[] = []) {
    const phrases: { term: string; replacement: string }[] = [];
    for (const group of groups) {
      const head = group[0]?.normalize('NFKC').toLowerCase().trim();
      if (!head) continue;
      const canonical = han.test(head) || /\s/.test(head) ? head : stemmer(head);
      for (const raw of group) {
        const term = raw.normalize('NFKC').toLowerCase().trim();
        if (han.test(term) || /\s/.test(term)) phrases.push({ term, replacement: head });
        else this.terms.set(stemmer(term), canonical);
      }
    }
    // Longest first, so 无咖啡因 is replaced before 咖啡.
    phrases.sort((a, b) => b.term.length - a.term.length);
    for (const { term, replacement } of phrases) {
      if (term === replacement) continue;
      const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
      const pattern = han.test(term) ? new RegExp(escaped, 'gu') : new RegExp(`\\b${escaped}\\b`, 'gu');
      // Spaces around a Latin replacement keep it a word of its own inside Chinese text. The probe,
      // the phrase's first word, is in any text the pattern matches: most texts skip the regex.
      this.phrases.push({
        probe: term.split(/\s+/)[0] as string,
        pattern,
        replacement: han.test(replacement) ? replacement : ` ${replacement} `,
      });
    }
  }

  rewrite(text: string): string {
    let out = text;
    for (const { probe, pattern, replacement } of this.phrases) {
      if (out.includes(probe)) out = out.replace(pattern, replacement);
    }
    return out;
  }

  canonical(term: string): string {
    return this.terms.get(term) ?? term;
  }
}

export const noSynonyms = new Synonyms();

export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function tokenize(text: string, synonyms: Synonyms = noSynonyms): string[] {
  const normalized = synonyms.rewrite(normalizeText(text));
  const out: string[] = [];
  const add = (term: string) => out.push(synonyms.canonical(term));
  let hanRun = '';
  const flushRun = () => {
    // Character bigrams over a run of Chinese text.
    for (let i = 0; i + 1 < hanRun.length; i++) {
      const bigram = hanRun.slice(i, i + 2);
      if (!chineseStop.has(bigram)) add(bigram);
    }
    hanRun = '';
  };
  for (const { segment, isWordLike } of segmenter.segment(normalized)) {
    if (!isWordLike) {
      flushRun();
      continue;
    }
    if (han.test(segment)) {
      // A stop word breaks the run: bigrams across it ("围是", "是多") only add noise.
      if (chineseStop.has(segment)) {
        flushRun();
        continue;
      }
      hanRun += segment;
      // ICU's own words: two characters and more come in as bigrams already when they are
      // exactly two; longer words and meaningful single characters are added here.
      if (segment.length !== 2) add(segment);
      continue;
    }
    flushRun();
    if (!latin.test(segment)) {
      // Numbers of two digits and more ("30元", "2024"); a lone digit says nothing.
      if (/\d\d/.test(segment)) add(segment);
      continue;
    }
    const word = segment.replace(/[’']/g, "'").replace(/'s$/, '');
    if (englishStop.has(word) || /^\d$/.test(word)) continue;
    add(stemmer(word));
  }
  flushRun();
  return out;
}
