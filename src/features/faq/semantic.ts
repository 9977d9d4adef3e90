// The knowledge base as sentence embeddings (./embedding): each entry's questions (its learned
// ones too) and its answer as vectors, and how similar an entry looks to a question it does not
// answer, per language — measured on this knowledge base itself, so that the same thresholds mean
// the same on any business's FAQ (a Chinese-first model scores English text compressed and high).
import { type Locale, locales } from '../../engine/i18n.js';
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

/** Questions per language a knowledge base measures itself with (see calibrate). */
const PROBES = 100;

export interface Calibration {
  /** Entry similarity from which the entry may be answered outright. */
  answerAt: number;
  /** Entry similarity from which it may be offered as a suggestion. */
  suggestAt: number;
  /** How many stored questions measured it. */
  probes: number;
}

/** Nothing to compare with: never confident. */
const NEVER: Calibration = { answerAt: 1, suggestAt: 1, probes: 0 };

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

  /** Set by build(), once the knowledge base has measured itself. */
  calibration: Readonly<Record<Locale, Calibration>> = { 'zh-CN': NEVER, en: NEVER };

  private constructor(
    readonly entries: readonly KnowledgeEntry[],
    vectors: readonly Vectors[],
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
    const index = new SemanticIndex(entries, vectors);
    index.calibration = await index.calibrate(vectors);
    return index;
  }

  /**
   * Per language: how similar stored questions are to the most similar entry that is not their
   * own. At most PROBES questions per language (evenly spread), yielding to the event loop
   * between them: each costs a pass over every vector, so a 10,000-entry base is measured in
   * seconds without holding up messages, not in the hours all its questions would take.
   */
  private async calibrate(vectors: readonly Vectors[]): Promise<Record<Locale, Calibration>> {
    const byLocale: Record<Locale, { entry: number; vector: Float32Array }[]> = { 'zh-CN': [], en: [] };
    this.entries.forEach((entry, e) => {
      for (const vector of (vectors[e] as Vectors).questions.slice(0, entry.questions.length)) {
        byLocale[entry.locale].push({ entry: e, vector });
      }
    });
    const measured: Record<Locale, number[]> = { 'zh-CN': [], en: [] };
    for (const locale of locales) {
      for (const probe of spread(byLocale[locale], PROBES)) {
        const scores = this.scores(probe.vector);
        let other = -1;
        scores.forEach((score, e) => {
          if (e !== probe.entry) other = Math.max(other, score);
        });
        if (other > -1) measured[locale].push(other);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const everyone = [...measured['zh-CN'], ...measured.en];
    const of = (values: number[]): Calibration => {
      // A language with too few questions to measure borrows the whole knowledge base's figures.
      const sample = values.length >= 5 ? values : everyone;
      if (!sample.length) return NEVER;
      return {
        answerAt: quantile(sample, ANSWER_QUANTILE),
        suggestAt: quantile(sample, SUGGEST_QUANTILE),
        probes: sample.length,
      };
    };
    return { 'zh-CN': of(measured['zh-CN']), en: of(measured.en) };
  }

  /** Memory the vectors take. */
  get bytes(): number {
    return this.matrix.byteLength;
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

/** At most `n` items, evenly spread over the list (the same ones every time). */
function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)] as T);
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
