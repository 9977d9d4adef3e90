// The knowledge base as sentence embeddings (./embedding): each entry's questions (its learned
// ones too) and its answer as vectors, and how similar an entry looks to a question it does not
// answer, per language — measured on this knowledge base itself, so that the same thresholds mean
// the same on any business's FAQ (a Chinese-first model scores English text compressed and high).
// An index may hold one language only (a model for English texts): then it holds each entry's
// texts in that language, and the entries with none are not in it.

import type { Embedder } from '../../embedding/index.js';
import type { VectorTable } from '../../embedding/table.js';
import { detectLocale, type Locale, locales } from '../../engine/i18n.js';
import type { KnowledgeEntry } from './search.js';

/** An answer is worded unlike a question: its similarity counts a little less. */
const ANSWER_WEIGHT = 0.9;
/**
 * Where the thresholds sit in the distribution of "similarity to an entry that is not the
 * answer" (each stored question against every other entry): answering on agreement needs more
 * than 60 % of those, showing an entry (or answering on words alone) more than 25 %. Chosen on
 * one sparse evaluation set (bench/faq-sparse/dental-clinic; with the English model, 2026-12-02:
 * the grid 0.5–0.8 × 0.2–0.5, the most answered right with wrong ≤ 0.05 and out-of-scope buttons
 * near 0.30) and reported on the others as held out.
 */
export const ANSWER_QUANTILE = 0.6;
export const SUGGEST_QUANTILE = 0.25;

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

/** One entry's texts as vectors (the answer's row weighted less), in the table's row order. */
interface EntryRows {
  entry: KnowledgeEntry;
  vectors: Float32Array[];
  weights: number[];
  /** How many of the first rows are the entry's own stored questions (calibration probes). */
  probes: number;
}

export class SemanticIndex {
  /** Set by build(), once the knowledge base has measured itself. */
  calibration: Readonly<Record<Locale, Calibration>> = { 'zh-CN': NEVER, en: NEVER };
  private readonly position: ReadonlyMap<string, number>;
  private closed = false;

  private constructor(
    readonly entries: readonly KnowledgeEntry[],
    private readonly embedder: Embedder,
    /** The vectors' table in the embedding worker (none for an empty knowledge base). */
    private readonly table: number | undefined,
    /** Memory the vectors take (in the worker). */
    readonly bytes: number,
  ) {
    this.position = new Map(entries.map((e, i) => [e.id, i]));
  }

  /**
   * Embeds every entry (through the embedder's disk cache), hands the vectors to the embedding
   * worker, and calibrates on the base's own questions. With `language`, only the texts in that
   * language: an entry's own when it is written in it, and learned questions asked in it.
   */
  static async build(
    embedder: Embedder,
    entries: readonly KnowledgeEntry[],
    language?: Locale,
  ): Promise<SemanticIndex> {
    const wanted = entries.map((entry) => textsOf(entry, language));
    const all = await embedder.embedMany(wanted.flatMap((w) => w.texts));
    let at = 0;
    const rows: EntryRows[] = [];
    entries.forEach((entry, e) => {
      const { texts, weights, probes } = wanted[e] as Texts;
      const vectors = all.slice(at, at + texts.length);
      at += texts.length;
      if (texts.length > 0) rows.push({ entry, vectors, weights, probes });
    });
    const held = rows.map((r) => r.entry);
    if (held.length === 0) return new SemanticIndex(held, embedder, undefined, 0);
    const table = tableOf(rows, embedder.dimensions);
    const bytes = table.matrix.byteLength; // before the arrays move to the worker
    const index = new SemanticIndex(held, embedder, embedder.addTable(table), bytes);
    index.calibration = await index.calibrate(probesOf(rows));
    return index;
  }

  /** How similar the question is to each entry (embedded and scored in the worker). */
  async similarities(text: string): Promise<Similarities> {
    if (this.table === undefined) return new Similarities(this.entries, new Float32Array(0), this.position);
    if (this.closed) throw new Error('the semantic index was replaced');
    const scores = await this.embedder.score(this.table, text);
    return new Similarities(this.entries, scores, this.position);
  }

  /** Frees the worker's copy of the vectors; queries already sent are still answered. */
  close(): void {
    if (this.closed || this.table === undefined) return;
    this.closed = true;
    this.embedder.dropTable(this.table);
  }

  /**
   * Per language: how similar stored questions are to the most similar entry that is not their
   * own. At most PROBES questions per language (evenly spread): each costs a pass over every
   * vector, so a 10,000-entry base is measured in seconds, not in the hours all its questions
   * would take; the worker does it a few probes at a time, between customers' queries.
   */
  private async calibrate(probes: Record<Locale, Probe[]>): Promise<Record<Locale, Calibration>> {
    const list = locales.flatMap((locale) => probes[locale]);
    const rows = new Float32Array(list.length * this.embedder.dimensions);
    list.forEach((p, i) => {
      rows.set(p.vector, i * this.embedder.dimensions);
    });
    const best = await this.embedder.bestOthers(
      this.table as number,
      rows,
      Int32Array.from(list, (p) => p.entry),
    );
    const measured: Record<Locale, number[]> = { 'zh-CN': [], en: [] };
    list.forEach((p, i) => {
      const other = best[i] as number;
      if (other > -1) measured[p.locale].push(other); // -1: the only entry, nothing to compare with
    });
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
}

/** A question's similarity to every entry of a semantic index. */
export class Similarities {
  constructor(
    private readonly entries: readonly KnowledgeEntry[],
    private readonly scores: Float32Array,
    private readonly position: ReadonlyMap<string, number>,
  ) {}

  /** The similarity to one entry; undefined for an entry the index does not hold (no text in its language). */
  of(id: string): number | undefined {
    const i = this.position.get(id);
    return i === undefined ? undefined : (this.scores[i] as number);
  }

  /** The n most similar entries, most similar first (one pass: no sort of the whole base). */
  top(n: number): { entry: KnowledgeEntry; score: number }[] {
    const best: number[] = []; // entry positions, most similar first
    const { scores } = this;
    for (let i = 0; i < scores.length; i++) {
      const score = scores[i] as number;
      if (best.length === n && score <= (scores[best[n - 1] as number] as number)) continue;
      let at = best.length;
      while (at > 0 && score > (scores[best[at - 1] as number] as number)) at--;
      best.splice(at, 0, i);
      if (best.length > n) best.pop();
    }
    return best.map((i) => ({ entry: this.entries[i] as KnowledgeEntry, score: scores[i] as number }));
  }
}

interface Probe {
  entry: number;
  locale: Locale;
  vector: Float32Array;
}

interface Texts {
  texts: string[];
  weights: number[];
  probes: number;
}

/** The entry's texts an index holds: stored questions first (the probes), learned ones, the answer. */
function textsOf(entry: KnowledgeEntry, language: Locale | undefined): Texts {
  const own = !language || entry.locale === language;
  const stored = own ? entry.questions : [];
  const learned = (entry.learned ?? []).filter((q) => !language || (detectLocale(q) ?? entry.locale) === language);
  const texts = [...stored, ...learned, ...(own ? [entry.answer] : [])];
  return {
    texts,
    weights: texts.map((_, i) => (own && i === texts.length - 1 ? ANSWER_WEIGHT : 1)),
    probes: stored.length,
  };
}

/** Up to PROBES stored questions (not learned ones) per language, evenly spread. */
function probesOf(rows: readonly EntryRows[]): Record<Locale, Probe[]> {
  const byLocale: Record<Locale, Probe[]> = { 'zh-CN': [], en: [] };
  rows.forEach((r, e) => {
    for (const vector of r.vectors.slice(0, r.probes))
      byLocale[r.entry.locale].push({ entry: e, locale: r.entry.locale, vector });
  });
  return { 'zh-CN': spread(byLocale['zh-CN'], PROBES), en: spread(byLocale.en, PROBES) };
}

/** Every vector in one contiguous array, entry after entry. */
function tableOf(rows: readonly EntryRows[], dimensions: number): VectorTable {
  const rowStart = new Int32Array(rows.length + 1);
  rows.forEach((r, e) => {
    rowStart[e + 1] = (rowStart[e] as number) + r.vectors.length;
  });
  const total = rowStart[rows.length] as number;
  const matrix = new Float32Array(total * dimensions);
  const rowWeight = new Float32Array(total);
  rows.forEach((r, e) => {
    r.vectors.forEach((vector, k) => {
      const row = (rowStart[e] as number) + k;
      matrix.set(vector, row * dimensions);
      rowWeight[row] = r.weights[k] as number;
    });
  });
  return { dimensions, rowStart, matrix, rowWeight };
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
