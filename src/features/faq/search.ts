// BM25 over a knowledge base. Each entry is two documents: its questions with its tags, and
// its answer; it scores by the first plus a share of the second. Besides the score, each match
// says how much of the query it covers (IDF-weighted) and with how much evidence, which is what
// confidence is decided on: raw BM25 scores are not comparable from one query to the next.
import type { Locale } from '../../engine/i18n.js';
import { faultIn, runNow, type Steps } from '../../util/sliced.js';
import { type Documents, encodeEntries, type TermBlock, Vocabulary } from './terms.js';
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
/** Term occurrences indexed between two points where a sliced build may pause. */
const STEP_WORK = 2048;

/**
 * What an index is made of: postings as flat arrays (term id → a range of (document, tf) pairs,
 * documents ascending), the documents' lengths and BM25 length norms, the one-deletion variants of
 * its English words, and the arrays search() scores in. Document 2e is entry e's questions, 2e + 1
 * its answer.
 */
interface IndexParts {
  vocabulary: Vocabulary;
  df: Int32Array;
  postingStart: Int32Array;
  postingDoc: Int32Array;
  postingTf: Int32Array;
  docNorm: Float64Array;
  nearby: Map<string, string[]>;
  termsUsed: number;
  // Per document and per entry, for search(); zero between searches.
  docScore: Float64Array;
  entryQuestion: Float64Array;
  entryAnswer: Float64Array;
  entryCovered: Float64Array;
  entryLastTerm: Int32Array;
}

/** Builds the parts from the entries' term ids, pausing every few thousand terms (see util/sliced.ts). */
function* indexSteps(
  entries: readonly KnowledgeEntry[],
  documents: Documents,
  vocabulary: Vocabulary,
): Steps<IndexParts> {
  const termCount = vocabulary.size;
  const docCount = entries.length * 2;
  const { blocks, block, slot } = documents;
  // Document d's term ids: ids[from .. to) of its block.
  let ids: Int32Array = new Int32Array(0);
  let from = 0;
  let to = 0;
  const locate = (d: number) => {
    const b = blocks[block[d] as number] as TermBlock;
    const k = slot[d] as number;
    ids = b.ids;
    from = k === 0 ? 0 : (b.ends[k - 1] as number);
    to = b.ends[k] as number;
  };
  // Document frequencies, and the terms in the order they are first used (which the typo
  // correction's ties go by).
  const df = new Int32Array(termCount);
  const lastDoc = new Int32Array(termCount).fill(-1);
  const docLength = new Int32Array(docCount);
  const firstUsed: number[] = [];
  let totalLength = 0;
  let work = 0;
  for (let doc = 0; doc < docCount; doc++) {
    locate(doc);
    docLength[doc] = to - from;
    totalLength += to - from;
    for (let i = from; i < to; i++) {
      const id = ids[i] as number;
      if (lastDoc[id] === doc) continue;
      lastDoc[id] = doc;
      if ((df[id] as number) === 0) firstUsed.push(id);
      df[id] = (df[id] as number) + 1;
    }
    work += to - from;
    if (work >= STEP_WORK) {
      work = 0;
      yield;
    }
  }
  const postingStart = new Int32Array(termCount + 1);
  for (let id = 0; id < termCount; id++) postingStart[id + 1] = (postingStart[id] as number) + (df[id] as number);
  const postings = postingStart[termCount] as number;
  // Written in term order, not in memory order: their pages are faulted in first, in slices.
  const postingDoc = yield* faultIn(new Int32Array(postings));
  const postingTf = yield* faultIn(new Int32Array(postings));
  const next = postingStart.slice(0, termCount);
  const tf = lastDoc.fill(0); // reused: occurrences in the current document
  for (let doc = 0; doc < docCount; doc++) {
    locate(doc);
    for (let i = from; i < to; i++) tf[ids[i] as number] = (tf[ids[i] as number] as number) + 1;
    for (let i = from; i < to; i++) {
      const id = ids[i] as number;
      const count = tf[id] as number;
      if (count === 0) continue; // a repeat, already posted
      const p = next[id] as number;
      next[id] = p + 1;
      postingDoc[p] = doc;
      postingTf[p] = count;
      tf[id] = 0;
    }
    work += to - from;
    if (work >= STEP_WORK) {
      work = 0;
      yield;
    }
  }
  const avgLength = docCount ? totalLength / docCount : 1;
  const docNorm = new Float64Array(docCount);
  for (let doc = 0; doc < docCount; doc++) {
    docNorm[doc] = K1 * (1 - B + (B * (docLength[doc] as number)) / avgLength);
    if ((doc & 4095) === 4095) yield;
  }
  const nearby = new Map<string, string[]>();
  for (const id of firstUsed) {
    const term = vocabulary.terms[id] as string;
    if (term.length < MIN_TYPO_LENGTH || !latinWord.test(term)) continue;
    for (const variant of deletions(term)) {
      const list = nearby.get(variant);
      if (list) list.push(term);
      else nearby.set(variant, [term]);
    }
    if (++work >= STEP_WORK / 8) {
      work = 0;
      yield;
    }
  }
  return {
    vocabulary,
    df,
    postingStart,
    postingDoc,
    postingTf,
    docNorm,
    nearby,
    termsUsed: firstUsed.length,
    docScore: yield* faultIn(new Float64Array(docCount)),
    entryQuestion: yield* faultIn(new Float64Array(entries.length)),
    entryAnswer: yield* faultIn(new Float64Array(entries.length)),
    entryCovered: yield* faultIn(new Float64Array(entries.length)),
    entryLastTerm: yield* faultIn(new Int32Array(entries.length)),
  };
}

export class KnowledgeIndex {
  private readonly parts: IndexParts;
  /** Term ids from the vocabulary at build time (it may grow since, for a later index). */
  private readonly termCount: number;
  private readonly docCount: number;
  private readonly maxIdf: number;

  /**
   * Indexes the entries at once, tokenizing them here: tests, benchmarks, a small base. A large
   * base is tokenized by the loading worker and built in slices by KnowledgeIndex.steps.
   */
  constructor(entries: readonly KnowledgeEntry[], synonyms: Synonyms);
  constructor(entries: readonly KnowledgeEntry[], synonyms: Synonyms, parts: IndexParts);
  constructor(
    readonly entries: readonly KnowledgeEntry[],
    private readonly synonyms: Synonyms,
    parts?: IndexParts,
  ) {
    if (!parts) {
      const vocabulary = new Vocabulary();
      const blocks = [runNow(encodeEntries(entries, synonyms, vocabulary))];
      const docs = entries.length * 2;
      const documents = { blocks, block: new Int32Array(docs), slot: Int32Array.from({ length: docs }, (_, d) => d) };
      parts = runNow(indexSteps(entries, documents, vocabulary));
    }
    this.parts = parts;
    this.termCount = parts.df.length;
    this.docCount = parts.docNorm.length;
    this.maxIdf = this.idf(0);
  }

  /**
   * Builds an index of the entries from their documents' term ids (documents 2i and 2i + 1 are
   * entries[i]'s questions and answer, ids of `vocabulary`), as steps to run with runSliced (or
   * runNow): the same index as the constructor's for the same entries.
   */
  static *steps(
    entries: readonly KnowledgeEntry[],
    documents: Documents,
    vocabulary: Vocabulary,
    synonyms: Synonyms,
  ): Steps<KnowledgeIndex> {
    if (documents.block.length !== entries.length * 2) throw new Error('two documents per entry');
    const parts = yield* indexSteps(entries, documents, vocabulary);
    return new KnowledgeIndex(entries, synonyms, parts);
  }

  get size(): number {
    return this.entries.length;
  }

  /** How many distinct terms the documents use. */
  get termsUsed(): number {
    return this.parts.termsUsed;
  }

  /** The id of a term this index's documents use, if they use it. */
  private termId(term: string): number | undefined {
    const id = this.parts.vocabulary.id(term);
    return id !== undefined && id < this.termCount && (this.parts.df[id] as number) > 0 ? id : undefined;
  }

  private df(term: string): number {
    const id = this.termId(term);
    return id === undefined ? 0 : (this.parts.df[id] as number);
  }

  /** A term the index does not know, replaced by the known term one typo away, if exactly one is. */
  private correct(term: string): string {
    if (this.termId(term) !== undefined || !latinWord.test(term) || term.length < MIN_TYPO_LENGTH) return term;
    const { nearby } = this.parts;
    const candidates = new Set<string>([...(nearby.get(term) ?? [])]);
    for (const variant of deletions(term)) {
      // The known word may stand under its synonym group's term ("deliveri" → "deliv").
      const known = this.synonyms.canonical(variant);
      if (this.termId(known) !== undefined) candidates.add(known);
      for (const t of nearby.get(variant) ?? []) candidates.add(t);
    }
    if (candidates.size === 0) return term;
    // Several candidates: the most common one, as a speller would.
    let best = term;
    let bestDf = 0;
    for (const c of candidates) {
      const df = this.df(c);
      if (df > bestDf) [best, bestDf] = [c, df];
    }
    return best;
  }

  private idf(df: number): number {
    const n = this.docCount;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Entries for the text, best first; with a locale, that locale's entries when any match. */
  search(text: string, options: { locale?: Locale; limit?: number } = {}): Match[] {
    const terms = [...new Set(tokenize(text, this.synonyms).map((t) => this.correct(t)))];
    if (!terms.length || !this.docCount) return [];
    const queryWeight = new Map<string, number>();
    let totalWeight = 0;
    for (const term of terms) {
      const df = this.df(term);
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
    const { postingStart, postingDoc, postingTf, docNorm, docScore } = this.parts;
    const { entryQuestion, entryAnswer, entryCovered, entryLastTerm } = this.parts;
    terms.forEach((term, t) => {
      const id = this.termId(term);
      if (id === undefined) return;
      const idf = queryWeight.get(term) ?? 0;
      const end = postingStart[id + 1] as number;
      for (let p = postingStart[id] as number; p < end; p++) {
        const doc = postingDoc[p] as number;
        const tf = postingTf[p] as number;
        if (docScore[doc] === 0) touchedDocs.push(doc);
        docScore[doc] = (docScore[doc] as number) + (idf * tf * (K1 + 1)) / (tf + (docNorm[doc] as number));
        const e = doc >> 1;
        if (entryLastTerm[e] !== t + 1) {
          if (entryLastTerm[e] === 0) touchedEntries.push(e);
          entryLastTerm[e] = t + 1;
          entryCovered[e] = (entryCovered[e] as number) + idf;
        }
      }
    });
    for (const doc of touchedDocs) {
      const e = doc >> 1;
      const s = docScore[doc] as number;
      if (doc & 1) entryAnswer[e] = (entryAnswer[e] as number) + ANSWER_SHARE * s;
      else entryQuestion[e] = Math.max(entryQuestion[e] as number, s);
      docScore[doc] = 0;
    }
    let matches: Match[] = [];
    for (const e of touchedEntries) {
      const covered = entryCovered[e] as number;
      matches.push({
        entry: this.entries[e] as KnowledgeEntry,
        score: (entryQuestion[e] as number) + (entryAnswer[e] as number),
        coverage: covered / totalWeight,
        evidence: covered / this.maxIdf,
      });
      entryQuestion[e] = 0;
      entryAnswer[e] = 0;
      entryCovered[e] = 0;
      entryLastTerm[e] = 0;
    }
    if (options.locale) {
      const same = matches.filter((m) => m.entry.locale === options.locale);
      if (same.length) matches = same;
    }
    matches.sort((a, b) => b.score - a.score || b.coverage - a.coverage);
    return matches.slice(0, options.limit ?? 5);
  }
}
