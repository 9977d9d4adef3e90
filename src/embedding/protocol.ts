// Messages between the main thread (worker-client.ts) and the embedding worker (worker.ts).
import type { VectorTable } from './table.js';

export interface WorkerStart {
  modelDir: string;
  threads: number;
  /** Texts per model call (see index.ts: 1 keeps a text's vector independent of its neighbours). */
  batchSize: number;
}

/** 'query' jobs jump ahead of 'bulk' ones: a customer's question never waits for a knowledge-base load. */
export type Priority = 'query' | 'bulk';

export type ToWorker =
  | { type: 'embed'; id: number; texts: string[]; priority: Priority }
  /** Keep a table of vectors (its arrays are transferred) under the number `table`. */
  | { type: 'table'; table: number; vectors: VectorTable }
  /** Forget a table once the jobs queued for it are done. */
  | { type: 'dropTable'; table: number }
  /** A query's scores against a table: from its text (embedded first) or from its vector. */
  | { type: 'score'; id: number; table: number; text: string; vector?: Float32Array }
  /** For each probe row, the best score of an entry other than its owner (bulk priority). */
  | { type: 'probe'; id: number; table: number; probes: Float32Array; owners: Int32Array }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; dimensions: number; fingerprint: string; loadMs: number }
  | { type: 'failed'; message: string }
  /**
   * `vectors` holds texts.length rows of `dimensions` floats (a score job: the query's vector, and
   * `scores` one per entry of the table; a probe job: one best score per probe); `runs` is the
   * worker's model-call count so far.
   */
  | { type: 'result'; id: number; vectors: Float32Array; scores?: Float32Array; runs: number }
  | { type: 'error'; id: number; message: string; runs: number };
