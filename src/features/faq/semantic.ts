// The knowledge base as sentence embeddings (./embedding): each entry's questions (its learned
// ones too) and its answer as vectors, and how similar an entry looks to a question it does not
// answer, per language — measured on this knowledge base itself, so that the same thresholds mean
// the same on any business's FAQ (a Chinese-first model scores English text compressed and high).
import type { Locale } from '../../engine/i18n.js';
import type { Embedder } from './embedding/index.js';
import type { KnowledgeEntry } from './search.js';

/** An answer is worded unlike a question: its similarity counts a little less. */
const ANSWER_WEIGHT = 0.9;
/**
 * Where the thresholds sit in the distribution of "similarity to an entry that is not the
 * answer" (each stored question against every other entry): answering on agreement needs more
 * than 80 % of those, showing an entry (or answering on words alone) more than 20 %. Chosen on
 * one sparse evaluation set (bench/faq-sparse/dental-clinic) and reported on the others as held out.
 */
export const ANSWER_QUANTILE = 0.8;
export const SUGGEST_QUANTILE = 0.2;

export interface Calibration {
  /** Entry similarity from which the entry may be answered outright. */
  answerAt: number;
  /** Entry similarity from which it may be offered as a suggestion. */
  suggestAt: number;
  /** How many stored questions measured it. */
  probes: number;
}

interface Vectors {
  questions: Float32Array[];
  answer: Float32Array;
}

export class SemanticIndex {
  /** Every vector in one contiguous array (rows of `dimensions`), the answer first in each entry's rows. */
  private readonly matrix: Float32Array;
  /** Where each entry's rows start; entry e owns rows rowStart[e] … rowStart[e + 1] - 1. */
  private readonly rowStart: Int32Array;
  private readonly dimensions: number;
  /**
   * Scores of recent queries: the embedder hands out the same vector object for a question asked
   * again (its query cache), so a repeated question costs nothing here either.
   */
  private readonly recent = new WeakMap<Float32Array, Float64Array>();

  private constructor(
    readonly entries: readonly KnowledgeEntry[],
    vectors: readonly Vectors[],
    readonly calibration: Readonly<Record<Locale, Calibration>>,
  ) {
    this.dimensions = vectors[0]?.answer.length ?? 0;
    this.rowStart = new Int32Array(vectors.length + 1);
    vectors.forEach((v, e) => {
      this.rowStart[e + 1] = (this.rowStart[e] as number) + 1 + v.questions.length;
    });
    this.matrix = new Float32Array((this.rowStart[vectors.length] as number) * this.dimensions);
    vectors.forEach((v, e) => {
      let row = this.rowStart[e] as number;
      for (const vector of [v.answer, ...v.questions]) this.matrix.set(vector, row++ * this.dimensions);
    });
  }

  /** Embeds every entry (through the embedder's disk cache) and calibrates on its own questions. */
  static async build(embedder: Embedder, entries: readonly KnowledgeEntry[]): Promise<SemanticIndex> {
    const texts: string[] = [];
    for (const e of entries) texts.push(...e.questions, ...(e.learned ?? []), e.answer);
    const all = await embedder.embedMany(texts);
    let at = 0;
    const vectors = entries.map((e) => {
      const questions = all.slice(at, at + e.questions.length + (e.learned?.length ?? 0));
      at += questions.length;
      const answer = all[at++] as Float32Array;
      return { questions, answer };
    });
    return new SemanticIndex(entries, vectors, calibrate(entries, vectors));
  }

  /**
   * Each entry's similarity to the query vector, in `entries` order: the best of its questions,
   * or its answer (weighted), in one pass over contiguous memory (about 1 ms for 512 vectors on the
   * 2-core test machine). The array is shared with later calls for the same query: do not modify it.
   */
  scores(query: Float32Array): Float64Array {
    const known = this.recent.get(query);
    if (known) return known;
    const { matrix, rowStart, dimensions: d } = this;
    const out = new Float64Array(this.entries.length);
    for (let e = 0; e < out.length; e++) {
      let best = -Infinity;
      const end = rowStart[e + 1] as number;
      for (let row = rowStart[e] as number; row < end; row++) {
        let sum = 0;
        const base = row * d;
        for (let i = 0; i < d; i++) sum += (query[i] as number) * (matrix[base + i] as number);
        best = Math.max(best, row === rowStart[e] ? sum * ANSWER_WEIGHT : sum);
      }
      out[e] = best;
    }
    this.recent.set(query, out);
    return out;
  }
}

function entryScore(query: Float32Array, v: Vectors): number {
  let best = dot(query, v.answer) * ANSWER_WEIGHT;
  for (const q of v.questions) best = Math.max(best, dot(query, q));
  return best;
}

/** The embedder's vectors are L2-normalized: their dot product is their cosine, at a third of the work. */
function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Per language: how similar each stored question is to the most similar entry that is not its own. */
function calibrate(entries: readonly KnowledgeEntry[], vectors: readonly Vectors[]): Record<Locale, Calibration> {
  const byLocale: Record<Locale, number[]> = { 'zh-CN': [], en: [] };
  entries.forEach((entry, e) => {
    const own = vectors[e] as Vectors;
    for (const q of own.questions.slice(0, entry.questions.length)) {
      let other = -1;
      vectors.forEach((v, j) => {
        if (j !== e) other = Math.max(other, entryScore(q, v));
      });
      if (other > -1) byLocale[entry.locale].push(other);
    }
  });
  const everyone = [...byLocale['zh-CN'], ...byLocale.en];
  const of = (values: number[]): Calibration => {
    // A language with too few questions to measure borrows the whole knowledge base's figures.
    const sample = values.length >= 5 ? values : everyone;
    return {
      answerAt: quantile(sample, ANSWER_QUANTILE),
      suggestAt: quantile(sample, SUGGEST_QUANTILE),
      probes: sample.length,
    };
  };
  return { 'zh-CN': of(byLocale['zh-CN']), en: of(byLocale.en) };
}

function quantile(values: readonly number[], q: number): number {
  if (!values.length) return 1; // nothing to compare with: never confident
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
