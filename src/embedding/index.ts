// Public entry of the FAQ's offline sentence embeddings (Chinese and English, CPU, no network).
// The model runs in a worker thread (worker.ts); knowledge-base vectors are cached on disk
// (cache.ts); recent queries in memory. Queries are never written to disk: they are customers'
// words, unbounded in number, and cheap to embed again.
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { EmbeddingCache } from './cache.js';
import { missingModelFiles, onnxFileOf } from './model.js';
import type { VectorTable } from './table.js';
import { EmbeddingWorker } from './worker-client.js';

/** Vectors returned are L2-normalized and may be shared with the embedder's caches: do not modify them. */
export interface Embedder {
  readonly model: string; // e.g. 'bge-small-zh-v1.5-int8'
  readonly dimensions: number;
  /** Many texts (a knowledge base at load): cached on disk, computed in the worker in batches. */
  embedMany(texts: readonly string[]): Promise<Float32Array[]>;
  /** One query, in the worker (an in-memory LRU of recent queries is welcome). */
  embed(text: string): Promise<Float32Array>;
  /**
   * Keeps a knowledge base's vectors in the worker, where queries are scored against them, and
   * returns the table's number. The arrays move to the worker: do not use them afterwards.
   */
  addTable(vectors: VectorTable): number;
  /** Forgets a table (once the queries already sent for it are answered). */
  dropTable(table: number): void;
  /** A query's score for each entry of a table, embedded and scored in the worker. */
  score(table: number, text: string): Promise<Float32Array>;
  /** The same, with the query's vector. */
  embedAndScore(table: number, text: string): Promise<{ vector: Float32Array; scores: Float32Array }>;
  /** For each probe row (of `dimensions` floats), the best score of an entry other than its owner. */
  bestOthers(table: number, probes: Float32Array, owners: Int32Array): Promise<Float32Array>;
  close(): Promise<void>;
  /** Counters for logs, metrics and tests. */
  stats(): EmbedderStats;
}

export interface EmbedderStats {
  /** Model calls (ONNX session runs) in the worker. */
  modelRuns: number;
  /** Texts that went through the model. */
  textsEmbedded: number;
  /** embedMany texts served from the disk cache / computed. */
  diskHits: number;
  diskMisses: number;
  /** embed() calls answered from the in-memory query cache. */
  queryCacheHits: number;
  /** Disk cache failures (the embedder carries on without it) and the last one's message. */
  cacheErrors: number;
  lastCacheError: string | undefined;
  /** Time the worker took to load the model. */
  loadMs: number;
}

export type EmbedderLoad = { ok: true; embedder: Embedder } | { ok: false; reason: string };

export interface EmbedderOptions {
  modelDir: string;
  /** Where knowledge-base vectors are kept between restarts (Rapport: DATA_DIR/embeddings). */
  cacheDir: string;
  /**
   * ONNX Runtime threads. Default 1: a short text is too small a job to split (measured on 2 cores:
   * p50 5.0 ms a query with 1 thread, 9.3 ms with 2), and the other cores stay with the event loop.
   */
  threads?: number;
  /**
   * Texts per model call. Default 1, because the int8 model quantizes activations with one scale per
   * call: in a batch of 32 a text's vector moves (cosine 0.996 to itself alone), so the same question
   * would score differently as a query, in a knowledge base, or next to another customer's query.
   * Batches of 32 embed a knowledge base faster (bench/embedding.ts on 2 cores: 213 against 149 texts/s),
   * which the disk cache makes a once-per-edit cost.
   */
  batchSize?: number;
  /** Recent queries kept in memory; 0 turns the query cache off. Default 1,000 (about 2 MB). */
  queryCacheSize?: number;
  /** Knowledge-base packs kept on disk (see cache.ts). Default 8. */
  maxCachedSets?: number;
}

/** Never throws: a missing or broken model is an `ok: false` with one sentence for the start-up log. */
export async function loadEmbedder(o: EmbedderOptions): Promise<EmbedderLoad> {
  const shown = pathForLog(o.modelDir);
  const fallback = 'answering with lexical search only';
  const missing = missingModelFiles(o.modelDir);
  if (missing.length > 0) {
    return { ok: false, reason: `no embedding model in ${shown} (${missing.join(', ')} missing): ${fallback}` };
  }
  const started = await EmbeddingWorker.start({
    modelDir: resolve(o.modelDir),
    threads: o.threads ?? 1,
    batchSize: Math.max(1, Math.floor(o.batchSize ?? 1)),
  });
  if (!started.ok) {
    return {
      ok: false,
      reason: `the embedding model in ${shown} could not load (${oneLine(started.message)}): ${fallback}`,
    };
  }
  const model = `${basename(resolve(o.modelDir))}-${onnxFileOf(o.modelDir)?.precision}`;
  return { ok: true, embedder: new WorkerEmbedder(model, started.worker, o) };
}

/** Cosine similarity; for the embedder's L2-normalized vectors this is their dot product. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`cosine of vectors of different sizes (${a.length}, ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

class WorkerEmbedder implements Embedder {
  readonly dimensions: number;
  private readonly cache: EmbeddingCache;
  private readonly recent = new Map<string, Float32Array>(); // insertion order = recency
  private readonly recentMax: number;
  private diskHits = 0;
  private diskMisses = 0;
  private queryCacheHits = 0;

  constructor(
    readonly model: string,
    private readonly worker: EmbeddingWorker,
    o: EmbedderOptions,
  ) {
    this.dimensions = worker.dimensions;
    this.cache = new EmbeddingCache(o.cacheDir, `${model}-${worker.fingerprint}`, worker.dimensions, o.maxCachedSets);
    this.recentMax = o.queryCacheSize ?? 1000;
  }

  async embedMany(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const keys = texts.map((t) => this.cache.key(t));
    const { found } = await this.cache.lookup(keys);
    const todo = new Map<string, string>(); // key → text, each distinct missing text once
    keys.forEach((k, i) => {
      if (!found.has(k)) todo.set(k, texts[i] as string);
    });
    this.diskHits += texts.length - keys.filter((k) => todo.has(k)).length;
    this.diskMisses += keys.filter((k) => todo.has(k)).length;
    if (todo.size > 0) {
      const rows = await this.worker.request([...todo.values()], 'bulk');
      let i = 0;
      for (const k of todo.keys()) {
        found.set(k, rows.subarray(i * this.dimensions, (i + 1) * this.dimensions));
        i++;
      }
    }
    const vectors = keys.map((k) => found.get(k) as Float32Array);
    if (todo.size > 0) await this.cache.store(keys, vectors);
    return vectors;
  }

  async embed(text: string): Promise<Float32Array> {
    const hit = this.recentVector(text);
    if (hit) return hit;
    const vector = await this.worker.request([text], 'query');
    this.remember(text, vector);
    return vector;
  }

  addTable(vectors: VectorTable): number {
    return this.worker.addTable(vectors);
  }

  dropTable(table: number): void {
    this.worker.dropTable(table);
  }

  async score(table: number, text: string): Promise<Float32Array> {
    return (await this.embedAndScore(table, text)).scores;
  }

  async embedAndScore(table: number, text: string): Promise<{ vector: Float32Array; scores: Float32Array }> {
    const hit = this.recentVector(text);
    const { vector, scores } = await this.worker.score(table, text, hit);
    if (hit) return { vector: hit, scores };
    this.remember(text, vector);
    return { vector, scores };
  }

  bestOthers(table: number, probes: Float32Array, owners: Int32Array): Promise<Float32Array> {
    return this.worker.probe(table, probes, owners);
  }

  private recentVector(text: string): Float32Array | undefined {
    const hit = this.recent.get(text);
    if (!hit) return undefined;
    this.queryCacheHits++;
    this.recent.delete(text);
    this.recent.set(text, hit);
    return hit;
  }

  private remember(text: string, vector: Float32Array): void {
    if (this.recentMax === 0) return;
    this.recent.set(text, vector);
    if (this.recent.size > this.recentMax) this.recent.delete(this.recent.keys().next().value as string);
  }

  close(): Promise<void> {
    this.recent.clear();
    return this.worker.close();
  }

  stats(): EmbedderStats {
    return {
      modelRuns: this.worker.runs,
      textsEmbedded: this.worker.textsEmbedded,
      diskHits: this.diskHits,
      diskMisses: this.diskMisses,
      queryCacheHits: this.queryCacheHits,
      cacheErrors: this.cache.errors,
      lastCacheError: this.cache.lastError,
      loadMs: this.worker.loadMs,
    };
  }
}

function pathForLog(dir: string): string {
  const rel = relative(process.cwd(), resolve(dir));
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? resolve(dir) : `./${rel}`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 200);
}
