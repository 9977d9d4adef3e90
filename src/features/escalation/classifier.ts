// The escalation scorer's learned part: logistic regression over a message's sentence embedding
// (standardized), its hashed character n-grams (text-features.ts) and what the rules said. Trained
// at build time by `npm run train:escalation` on the labelled sets in bench/escalation/ and shipped
// as models/escalation/classifier.json; nothing is learned at run time (taught examples act by
// nearest neighbour, see examples.ts).
import { HASH_BITS } from './text-features.js';

/** One example as the classifier sees it. */
export interface Example {
  /** The embedding, or an empty array for a classifier without one. */
  vector: ArrayLike<number>;
  grams: Map<number, number>;
  rules: readonly number[];
}

/** A trained classifier for one language, as stored. */
export interface LanguageClassifier {
  /** The embedding model it was trained on (Embedder.model), or null: n-grams and rules only. */
  model: string | null;
  /** Per-dimension mean and standard deviation of the training vectors. */
  mean: number[];
  scale: number[];
  dense: number[];
  /** The n-gram weights, as base64 of a little-endian Float32Array of 2^HASH_BITS. */
  sparse: string;
  rules: number[];
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
}

/** Ready to score: the stored classifier with its n-gram weights decoded. */
export class Classifier {
  private readonly sparse: Float32Array;

  constructor(readonly stored: LanguageClassifier) {
    const bytes = Buffer.from(stored.sparse, 'base64');
    this.sparse = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    if (this.sparse.length !== 1 << HASH_BITS)
      throw new Error('escalation classifier: n-gram weights of the wrong size');
  }

  probability(x: Example): number {
    const c = this.stored;
    let z = c.bias;
    if (x.vector.length > 0) {
      if (x.vector.length !== c.dense.length) throw new Error('escalation classifier: embedding of the wrong size');
      for (let j = 0; j < c.dense.length; j++) {
        z += (c.dense[j] as number) * (((x.vector[j] as number) - (c.mean[j] as number)) / (c.scale[j] as number));
      }
    }
    for (const [k, v] of x.grams) z += (this.sparse[k] as number) * v;
    x.rules.forEach((v, j) => {
      z += (c.rules[j] ?? 0) * v;
    });
    return 1 / (1 + Math.exp(-z));
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

/**
 * Logistic regression by full-batch Adam, each class weighted to half the loss (the sets are
 * roughly balanced, the weighting keeps a skewed one from moving the threshold).
 */
/** The training vectors as a neighbour memory (int8: a quarter of the size, the same neighbours). */
export function neighbourMemory(
  vectors: readonly ArrayLike<number>[],
  labels: readonly boolean[],
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
  };
}

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
  const r = examples[0]?.rules.length ?? 0;
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
  const size = d + (1 << HASH_BITS) + r + 1; // dense, sparse, rules, bias
  const w = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const grad = new Float64Array(size);
  const sparseAt = d;
  const rulesAt = d + (1 << HASH_BITS);
  const biasAt = size - 1;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const x = examples[i] as Example;
      const s = standardized[i] as Float64Array;
      let z = w[biasAt] as number;
      for (let j = 0; j < d; j++) z += (w[j] as number) * (s[j] as number);
      for (const [k, val] of x.grams) z += (w[sparseAt + k] as number) * val;
      for (let j = 0; j < r; j++) z += (w[rulesAt + j] as number) * (x.rules[j] as number);
      const err = ((1 / (1 + Math.exp(-z)) - (labels[i] ? 1 : 0)) * weightOf(labels[i] as boolean)) / n;
      for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + err * (s[j] as number);
      for (const [k, val] of x.grams) grad[sparseAt + k] = (grad[sparseAt + k] as number) + err * val;
      for (let j = 0; j < r; j++) grad[rulesAt + j] = (grad[rulesAt + j] as number) + err * (x.rules[j] as number);
      grad[biasAt] = (grad[biasAt] as number) + err;
    }
    for (let j = 0; j < rulesAt; j++) grad[j] = (grad[j] as number) + (j < d ? l2Dense : l2Sparse) * (w[j] as number);
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
  const sparse = Float32Array.from(w.subarray(sparseAt, rulesAt));
  return {
    model,
    mean: mean.map(round),
    scale,
    dense: Array.from(w.subarray(0, d), round),
    sparse: Buffer.from(sparse.buffer).toString('base64'),
    rules: Array.from(w.subarray(rulesAt, biasAt), round),
    bias: round(w[biasAt] as number),
    threshold: 0.5,
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
