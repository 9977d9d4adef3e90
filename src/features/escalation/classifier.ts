// The escalation scorer's learned part: logistic regression over a message's sentence embedding
// (standardized), its hashed character n-grams (text-features.ts) and its length. Trained
// at build time by `npm run train:escalation` on the labelled sets in bench/escalation/ and shipped
// as models/escalation/classifier.json; nothing is learned at run time (taught examples act by
// nearest neighbour, see examples.ts).
import { entryScores, type VectorTable } from '../../embedding/table.js';
import { HASH_BITS } from './text-features.js';

/** One example as the classifier sees it. */
export interface Example {
  /** The embedding, or an empty array for a classifier without one. */
  vector: ArrayLike<number>;
  grams: Map<number, number>;
  /** The message's shape (text-features.ts shapeOf): how long it is. */
  shape: readonly number[];
}

/** A trained classifier for one language, as stored. */
export interface LanguageClassifier {
  /** The embedding model it was trained on (Embedder.model), or null: n-grams and shape only. */
  model: string | null;
  /** Per-dimension mean and standard deviation of the training vectors. */
  mean: number[];
  scale: number[];
  dense: number[];
  /** The n-gram weights, as base64 of a little-endian Float32Array of 2^HASH_BITS. */
  sparse: string;
  shape: number[];
  bias: number;
  /** Probability at or above which a message escalates (chosen on the validation set). */
  threshold: number;
  /**
   * The training messages' vectors, for a nearest-neighbour vote blended into the probability:
   * the share of the `k` most similar that escalate, weighted `weight` (the rest is the regression).
   */
  memory?: NeighbourMemory;
}

export interface NeighbourMemory {
  k: number;
  weight: number;
  /** base64 of Int8Array rows (vector × 127), one row per training message. */
  vectors: string;
  /** base64 of one byte per row: 1 escalate, 0 not. */
  labels: string;
  /** base64 of one byte per row: the row's reason, an index into REASONS (0: none given). */
  reasons?: string;
}

/** The reasons a labelled message can give, as stored in a neighbour memory (index 0: none). */
export const REASONS = ['', 'human', 'complaint', 'safety', 'money', 'legal', 'public'] as const;
export type StoredReason = Exclude<(typeof REASONS)[number], ''>;

/** Ready to score: the stored classifier with its n-gram weights decoded. */
export class Classifier {
  private readonly sparse: Float32Array;
  private readonly neighbours: { table: VectorTable; labels: Uint8Array; reasons: Uint8Array } | undefined;

  constructor(readonly stored: LanguageClassifier) {
    const bytes = Buffer.from(stored.sparse, 'base64');
    // A copy: a small Buffer is a slice of a shared pool, not aligned for a Float32Array view.
    this.sparse = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    if (this.sparse.length !== 1 << HASH_BITS)
      throw new Error('escalation classifier: n-gram weights of the wrong size');
    if (stored.memory) {
      const q = Buffer.from(stored.memory.vectors, 'base64');
      const rows = new Float32Array(q.length);
      for (let i = 0; i < q.length; i++) rows[i] = q.readInt8(i) / 127;
      const labels = new Uint8Array(Buffer.from(stored.memory.labels, 'base64'));
      if (rows.length !== labels.length * stored.dense.length)
        throw new Error('escalation classifier: neighbour memory of the wrong size');
      const reasons = stored.memory.reasons
        ? new Uint8Array(Buffer.from(stored.memory.reasons, 'base64'))
        : new Uint8Array(labels.length);
      // One entry per training message, so an entry's score is that message's similarity.
      const n = labels.length;
      const table = {
        dimensions: stored.dense.length,
        rowStart: Int32Array.from({ length: n + 1 }, (_, i) => i),
        matrix: rows,
        rowWeight: new Float32Array(n).fill(1),
      };
      this.neighbours = { table, labels, reasons };
    }
  }

  /**
   * A copy of the neighbour memory as a vector table, for the embedding worker: there the
   * similarities are computed beside the embedding (Embedder.embedAndScore), off the main thread.
   * On it they took 1.5–2 ms a message: a third of the thread's time at 200 messages/s on a million
   * customers, half of it in `npm run bench`'s closed loop (CPU profiles, 2026-12-04).
   */
  neighbourTable(): VectorTable | undefined {
    const t = this.neighbours?.table;
    if (!t) return undefined;
    return {
      dimensions: t.dimensions,
      rowStart: t.rowStart.slice(),
      matrix: t.matrix.slice(),
      rowWeight: t.rowWeight.slice(),
    };
  }

  probability(x: Example): number {
    return this.score(x).probability;
  }

  /**
   * The probability, and the reason most of the similar training messages that escalate gave.
   * `similarities` are the vector's dot products with the neighbour table's rows, when already
   * computed (in the embedding worker); otherwise they are computed here.
   */
  score(x: Example, similarities?: Float32Array): { probability: number; reason?: StoredReason } {
    const regression = this.regression(x);
    const memory = this.stored.memory;
    if (!memory || !this.neighbours || x.vector.length === 0) return { probability: regression };
    const sims = similarities ?? entryScores(this.neighbours.table, Float32Array.from(x.vector));
    if (sims.length !== this.neighbours.labels.length)
      throw new Error('escalation classifier: similarities for another neighbour memory');
    const { share, reason } = this.vote(sims, memory.k);
    return { probability: (1 - memory.weight) * regression + memory.weight * share, ...(reason ? { reason } : {}) };
  }

  private regression(x: Example): number {
    const c = this.stored;
    let z = c.bias;
    if (x.vector.length > 0) {
      if (x.vector.length !== c.dense.length) throw new Error('escalation classifier: embedding of the wrong size');
      for (let j = 0; j < c.dense.length; j++) {
        z += (c.dense[j] as number) * (((x.vector[j] as number) - (c.mean[j] as number)) / (c.scale[j] as number));
      }
    }
    for (const [k, v] of x.grams) z += (this.sparse[k] as number) * v;
    x.shape.forEach((v, j) => {
      z += (c.shape[j] ?? 0) * v;
    });
    return 1 / (1 + Math.exp(-z));
  }

  /** The share of the k most similar training messages that escalate, and their commonest reason. */
  private vote(similarities: Float32Array, k: number): { share: number; reason?: StoredReason } {
    const { labels, reasons } = this.neighbours as { labels: Uint8Array; reasons: Uint8Array };
    // A fixed-size, insertion-sorted top k.
    const topSim = new Float32Array(k).fill(Number.NEGATIVE_INFINITY);
    const topRow = new Int32Array(k).fill(-1);
    for (let r = 0; r < similarities.length; r++) {
      const sim = similarities[r] as number;
      if (sim <= (topSim[k - 1] as number)) continue;
      let i = k - 1;
      while (i > 0 && (topSim[i - 1] as number) < sim) {
        topSim[i] = topSim[i - 1] as number;
        topRow[i] = topRow[i - 1] as number;
        i--;
      }
      topSim[i] = sim;
      topRow[i] = r;
    }
    const counts = new Map<number, number>();
    let escalating = 0;
    let found = 0;
    for (const row of topRow) {
      if (row < 0) continue;
      found++;
      if (!labels[row]) continue;
      escalating++;
      const why = reasons[row] as number;
      if (why) counts.set(why, (counts.get(why) ?? 0) + 1);
    }
    const top = [...counts].sort((a, b) => b[1] - a[1])[0];
    return { share: escalating / Math.max(1, found), ...(top ? { reason: REASONS[top[0]] as StoredReason } : {}) };
  }
}

export interface TrainOptions {
  /** L2 penalty on the embedding's weights (512 dense dimensions overfit without a strong one)… */
  l2Dense?: number;
  /** …and on the n-grams' (each sparse and rare: a weak one). */
  l2Sparse?: number;
  epochs?: number;
  learningRate?: number;
}

/** The training vectors as a neighbour memory (int8: a quarter of the size, the same neighbours). */
export function neighbourMemory(
  vectors: readonly ArrayLike<number>[],
  labels: readonly boolean[],
  reasons: readonly (string | undefined)[],
  k: number,
  weight: number,
): NeighbourMemory {
  const d = vectors[0]?.length ?? 0;
  const q = new Int8Array(vectors.length * d);
  vectors.forEach((v, r) => {
    for (let j = 0; j < d; j++) q[r * d + j] = Math.max(-127, Math.min(127, Math.round((v[j] as number) * 127)));
  });
  return {
    k,
    weight,
    vectors: Buffer.from(q.buffer).toString('base64'),
    labels: Buffer.from(Uint8Array.from(labels, (l) => (l ? 1 : 0))).toString('base64'),
    reasons: Buffer.from(
      Uint8Array.from(reasons, (why) => Math.max(0, REASONS.indexOf((why ?? '') as (typeof REASONS)[number]))),
    ).toString('base64'),
  };
}

/**
 * Logistic regression by full-batch Adam, each class weighted to half the loss (the sets are
 * roughly balanced, the weighting keeps a skewed one from moving the threshold).
 */
export function train(
  examples: readonly Example[],
  labels: readonly boolean[],
  model: string | null,
  o: TrainOptions = {},
): LanguageClassifier {
  const l2Dense = o.l2Dense ?? 0.01;
  const l2Sparse = o.l2Sparse ?? 1e-4;
  const epochs = o.epochs ?? 300;
  const lr = o.learningRate ?? 0.01;
  const n = examples.length;
  const d = examples[0]?.vector.length ?? 0;
  const r = examples[0]?.shape.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const x of examples) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (x.vector[j] as number) / n;
  for (const x of examples)
    for (let j = 0; j < d; j++)
      scale[j] = (scale[j] as number) + ((x.vector[j] as number) - (mean[j] as number)) ** 2 / n;
  // A dimension that hardly varies (some quantized models have a few) is left unscaled.
  for (let j = 0; j < d; j++)
    scale[j] = Math.sqrt(scale[j] as number) > 1e-4 ? round(Math.sqrt(scale[j] as number)) : 1;
  const standardized = examples.map((x) =>
    Float64Array.from({ length: d }, (_, j) => ((x.vector[j] as number) - (mean[j] as number)) / (scale[j] as number)),
  );

  const positives = labels.filter(Boolean).length;
  const weightOf = (y: boolean) => (y ? n / (2 * Math.max(1, positives)) : n / (2 * Math.max(1, n - positives)));
  const size = d + (1 << HASH_BITS) + r + 1; // dense, sparse, shape, bias
  const w = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const grad = new Float64Array(size);
  const sparseAt = d;
  const shapeAt = d + (1 << HASH_BITS);
  const biasAt = size - 1;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const x = examples[i] as Example;
      const s = standardized[i] as Float64Array;
      let z = w[biasAt] as number;
      for (let j = 0; j < d; j++) z += (w[j] as number) * (s[j] as number);
      for (const [k, val] of x.grams) z += (w[sparseAt + k] as number) * val;
      for (let j = 0; j < r; j++) z += (w[shapeAt + j] as number) * (x.shape[j] as number);
      const err = ((1 / (1 + Math.exp(-z)) - (labels[i] ? 1 : 0)) * weightOf(labels[i] as boolean)) / n;
      for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + err * (s[j] as number);
      for (const [k, val] of x.grams) grad[sparseAt + k] = (grad[sparseAt + k] as number) + err * val;
      for (let j = 0; j < r; j++) grad[shapeAt + j] = (grad[shapeAt + j] as number) + err * (x.shape[j] as number);
      grad[biasAt] = (grad[biasAt] as number) + err;
    }
    for (let j = 0; j < shapeAt; j++) grad[j] = (grad[j] as number) + (j < d ? l2Dense : l2Sparse) * (w[j] as number);
    // Adam.
    const b1 = 0.9;
    const b2 = 0.999;
    for (let j = 0; j < size; j++) {
      const g = grad[j] as number;
      m[j] = b1 * (m[j] as number) + (1 - b1) * g;
      v[j] = b2 * (v[j] as number) + (1 - b2) * g * g;
      const mh = (m[j] as number) / (1 - b1 ** epoch);
      const vh = (v[j] as number) / (1 - b2 ** epoch);
      w[j] = (w[j] as number) - (lr * mh) / (Math.sqrt(vh) + 1e-8);
    }
  }
  const sparse = Float32Array.from(w.subarray(sparseAt, shapeAt));
  return {
    model,
    mean: mean.map(round),
    scale,
    dense: Array.from(w.subarray(0, d), round),
    sparse: Buffer.from(sparse.buffer).toString('base64'),
    shape: Array.from(w.subarray(shapeAt, biasAt), round),
    bias: round(w[biasAt] as number),
    threshold: 0.5,
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
