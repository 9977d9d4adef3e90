// The knowledge base as sentence embeddings (./embedding): each entry's questions (its learned
// ones too) and its answer as vectors, and how similar an entry looks to a question it does not
// answer, per language — measured on this knowledge base itself, so that the same thresholds mean
// the same on any business's FAQ (a Chinese-first model scores English text compressed and high).
import type { Locale } from '../../engine/i18n.js';
import { cosine, type Embedder } from './embedding/index.js';
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
  private constructor(
    readonly entries: readonly KnowledgeEntry[],
    private readonly vectors: readonly Vectors[],
    readonly calibration: Readonly<Record<Locale, Calibration>>,
  ) {}

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

  /** Each entry's similarity to the query vector, in `entries` order. */
  scores(query: Float32Array): Float64Array {
    return Float64Array.from(this.vectors, (v) => entryScore(query, v));
  }
}

function entryScore(query: Float32Array, v: Vectors, skip?: Float32Array): number {
  let best = cosine(query, v.answer) * ANSWER_WEIGHT;
  for (const q of v.questions) if (q !== skip) best = Math.max(best, cosine(query, q));
  return best;
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
