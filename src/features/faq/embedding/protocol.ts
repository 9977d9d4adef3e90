// Messages between the main thread (worker-client.ts) and the embedding worker (worker.ts).

export interface WorkerStart {
  modelDir: string;
  threads: number;
  /** Texts per model call (see index.ts: 1 keeps a text's vector independent of its neighbours). */
  batchSize: number;
}

/** 'query' jobs jump ahead of 'bulk' ones: a customer's question never waits for a knowledge-base load. */
export type Priority = 'query' | 'bulk';

export type ToWorker = { type: 'embed'; id: number; texts: string[]; priority: Priority } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; dimensions: number; fingerprint: string; loadMs: number }
  | { type: 'failed'; message: string }
  /** `vectors` holds texts.length rows of `dimensions` floats; `runs` is the worker's model-call count so far. */
  | { type: 'result'; id: number; vectors: Float32Array; runs: number }
  | { type: 'error'; id: number; message: string; runs: number };
