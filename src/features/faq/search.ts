// BM25 over a knowledge base. Each entry is two documents: its questions with its tags, and
// its answer; it scores by the first plus a share of the second. Besides the score, each match
// says how much of the query it covers (IDF-weighted) and with how much evidence, which is what
// confidence is decided on: raw BM25 scores are not comparable from one query to the next.
import type { Locale } from '../../engine/i18n.js';
import { type Synonyms, tokenize } from './tokenize.js';

export interface KnowledgeEntry {
  id: string;
  questions: string[];
  answer: string;
  locale: Locale;
  tags: string[];
  /** The file it came from, for the admin API. */
  source: string;
  /** Ways of asking the knowledge base learned (customers' taps, staff): searched like `questions`. */
  learned?: readonly string[];
}

export interface Match {
  entry: KnowledgeEntry;
  score: number;
  /** Share (0–1) of the query's IDF weight found in this entry's questions or answer. */
  coverage: number;
  /**
   * The IDF weight of the query terms found in this entry, in units of the rarest possible
   * term: about how many distinctive words of the question this entry has. Comparable across
   * knowledge bases of different sizes, unlike raw IDF.
   */
  evidence: number;
}

interface Doc {
  entry: number;
  isAnswer: boolean;
  length: number;
}

const latinWord = /^[a-z]+$/;
/** Words shorter than this are not corrected: too many real words are one letter apart. */
const MIN_TYPO_LENGTH = 5;

function deletions(term: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < term.length; i++) out.push(term.slice(0, i) + term.slice(i + 1));
  return out;
}

/**
 * A single Chinese character mostly repeats what the bigrams around it say (拿铁 → 拿, 铁, 拿铁):
 * half weight. It still matters for typos (外买 ~ 外卖 share 外).
 */
const SINGLE_HAN_WEIGHT = 0.5;
const singleHan = /^\p{Script=Han}$/u;

/** How much a word the index does not know weighs, relative to the rarest word it knows. */
const UNKNOWN_WEIGHT = 0.5;

const K1 = 1.2;
const B = 0.75;
/** How much an answer's match adds to its entry's score, next to its questions'. */
const ANSWER_SHARE = 0.35;

export class KnowledgeIndex {
  private readonly docs: Doc[] = [];
  private readonly postings = new Map<string, { doc: number; tf: number }[]>();
  /** One-letter deletions of English terms → the terms: finds "deliverry" for "delivery". */
  private readonly nearby = new Map<string, string[]>();
  private readonly avgLength: number;
  private readonly maxIdf: number;
  // Per document and per entry, for search(); zero between searches.
  private readonly docEntry: Int32Array;
  private readonly docIsAnswer: Uint8Array;
  private readonly docNorm: Float64Array;
  private readonly docScore: Float64Array;
  private readonly entryQuestion: Float64Array;
  private readonly entryAnswer: Float64Array;
  private readonly entryCovered: Float64Array;
  private readonly entryLastTerm: Int32Array;

  constructor(
    readonly entries: readonly KnowledgeEntry[],
    private readonly synonyms: Synonyms,
  ) {
    let total = 0;
    entries.forEach((entry, e) => {
      // Two documents per entry: its questions with its tags (keywords), and its answer. One
      // document for all the questions beat one per question on the labelled set, as the words
      // of a paraphrase are often spread over several stored questions.
      const texts = [[...entry.questions, ...(entry.learned ?? []), ...entry.tags].join(' \n '), entry.answer];
      texts.forEach((text, i) => {
        const terms = tokenize(text, synonyms);
        const doc = this.docs.push({ entry: e, isAnswer: i === texts.length - 1, length: terms.length }) - 1;
        total += terms.length;
        const tf = new Map<string, number>();
        for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
        for (const [term, count] of tf) {
          const list = this.postings.get(term);
          if (list) list.push({ doc, tf: count });
          else this.postings.set(term, [{ doc, tf: count }]);
        }
      });
    });
    for (const term of this.postings.keys()) {
      if (!latinWord.test(term) || term.length < MIN_TYPO_LENGTH) continue;
      for (const variant of deletions(term)) {
        const list = this.nearby.get(variant);
        if (list) list.push(term);
        else this.nearby.set(variant, [term]);
      }
    }
    this.avgLength = this.docs.length ? total / this.docs.length : 1;
    this.maxIdf = this.idf(0);
    this.docEntry = Int32Array.from(this.docs, (d) => d.entry);
    this.docIsAnswer = Uint8Array.from(this.docs, (d) => (d.isAnswer ? 1 : 0));
    this.docNorm = Float64Array.from(this.docs, (d) => K1 * (1 - B + (B * d.length) / this.avgLength));
    this.docScore = new Float64Array(this.docs.length);
    this.entryQuestion = new Float64Array(entries.length);
    this.entryAnswer = new Float64Array(entries.length);
    this.entryCovered = new Float64Array(entries.length);
    this.entryLastTerm = new Int32Array(entries.length);
  }

  get size(): number {
    return this.entries.length;
  }

  /** A term the index does not know, replaced by the known term one typo away, if exactly one is. */
  private correct(term: string): string {
    if (this.postings.has(term) || !latinWord.test(term) || term.length < MIN_TYPO_LENGTH) return term;
    const candidates = new Set<string>([...(this.nearby.get(term) ?? [])]);
    for (const variant of deletions(term)) {
      // The known word may stand under its synonym group's term ("deliveri" → "deliv").
      const known = this.synonyms.canonical(variant);
      if (this.postings.has(known)) candidates.add(known);
      for (const t of this.nearby.get(variant) ?? []) candidates.add(t);
    }
    if (candidates.size === 0) return term;
    // Several candidates: the most common one, as a speller would.
    let best = term;
    let bestDf = 0;
    for (const c of candidates) {
      const df = this.postings.get(c)?.length ?? 0;
      if (df > bestDf) [best, bestDf] = [c, df];
    }
    return best;
  }

  private idf(df: number): number {
    const n = this.docs.length;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Entries for the text, best first; with a locale, that locale's entries when any match. */
  search(text: string, options: { locale?: Locale; limit?: number } = {}): Match[] {
    const terms = [...new Set(tokenize(text, this.synonyms).map((t) => this.correct(t)))];
    if (!terms.length || !this.docs.length) return [];
    const queryWeight = new Map<string, number>();
    let totalWeight = 0;
    for (const term of terms) {
      const df = this.postings.get(term)?.length ?? 0;
      // A word the knowledge base never uses counts against coverage: out-of-scope questions
      // are made of such words. Half as much as the rarest known word, because customers'
      // filler ("咋回事", "like", cross-word bigrams) is unknown too.
      const w = (df ? this.idf(df) : UNKNOWN_WEIGHT * this.maxIdf) * (singleHan.test(term) ? SINGLE_HAN_WEIGHT : 1);
      queryWeight.set(term, w);
      totalWeight += w;
    }

    // Typed arrays reused across searches: a 10,000-entry base has ~40,000 documents, and a
    // Map per query was most of the time spent (bench/eval-faq.ts measures it).
    const touchedDocs: number[] = [];
    const touchedEntries: number[] = [];
    terms.forEach((term, t) => {
      const list = this.postings.get(term);
      if (!list) return;
      const idf = queryWeight.get(term) ?? 0;
      for (const { doc, tf } of list) {
        if (this.docScore[doc] === 0) touchedDocs.push(doc);
        this.docScore[doc] =
          (this.docScore[doc] as number) + (idf * tf * (K1 + 1)) / (tf + (this.docNorm[doc] as number));
        const e = this.docEntry[doc] as number;
        if (this.entryLastTerm[e] !== t + 1) {
          if (this.entryLastTerm[e] === 0) touchedEntries.push(e);
          this.entryLastTerm[e] = t + 1;
          this.entryCovered[e] = (this.entryCovered[e] as number) + idf;
        }
      }
    });
    for (const doc of touchedDocs) {
      const e = this.docEntry[doc] as number;
      const s = this.docScore[doc] as number;
      if (this.docIsAnswer[doc]) this.entryAnswer[e] = (this.entryAnswer[e] as number) + ANSWER_SHARE * s;
      else this.entryQuestion[e] = Math.max(this.entryQuestion[e] as number, s);
      this.docScore[doc] = 0;
    }
    let matches: Match[] = [];
    for (const e of touchedEntries) {
      const covered = this.entryCovered[e] as number;
      matches.push({
        entry: this.entries[e] as KnowledgeEntry,
        score: (this.entryQuestion[e] as number) + (this.entryAnswer[e] as number),
        coverage: covered / totalWeight,
        evidence: covered / this.maxIdf,
      });
      this.entryQuestion[e] = 0;
      this.entryAnswer[e] = 0;
      this.entryCovered[e] = 0;
      this.entryLastTerm[e] = 0;
    }
    if (options.locale) {
      const same = matches.filter((m) => m.entry.locale === options.locale);
      if (same.length) matches = same;
    }
    matches.sort((a, b) => b.score - a.score || b.coverage - a.coverage);
    return matches.slice(0, options.limit ?? 5);
  }
}
