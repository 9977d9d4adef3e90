// Main-thread side of the embedding worker: starts it, sends texts, matches replies to requests.

import type { Worker } from 'node:worker_threads';
import { startWorker } from '../util/ts-worker.js';
import type { FromWorker, Priority, ToWorker, WorkerStart } from './protocol.js';
import type { VectorTable } from './table.js';

const startTimeoutMs = 60_000;
const closeTimeoutMs = 5_000;

export type WorkerStartResult = { ok: true; worker: EmbeddingWorker } | { ok: false; message: string };

/** The worker thread of worker.ts (see startWorker for TypeScript). */
function newWorker(options: WorkerStart): Worker {
  return startWorker(import.meta.url, 'worker', { workerData: options });
}

type Result = Extract<FromWorker, { type: 'result' }>;

export class EmbeddingWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private nextTable = 1;
  private failure: Error | undefined;
  private exited: Promise<void>;
  /** Model calls (session.run) the worker has made, as it last reported. */
  runs = 0;
  /** Texts sent through the model. */
  textsEmbedded = 0;

  private constructor(
    private readonly worker: Worker,
    readonly dimensions: number,
    readonly fingerprint: string,
    readonly loadMs: number,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.fail(err));
    worker.once('exit', (code) => this.fail(new Error(`the embedding worker stopped (exit code ${code})`)));
    worker.unref(); // held only while requests are pending (see request)
  }

  static start(options: WorkerStart): Promise<WorkerStartResult> {
    let worker: Worker;
    try {
      worker = newWorker(options);
    } catch (err) {
      return Promise.resolve({ ok: false, message: String(err) });
    }
    return new Promise((resolve) => {
      const done = (result: WorkerStartResult) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(result);
      };
      const timer = setTimeout(() => {
        void worker.terminate();
        done({ ok: false, message: `the model did not load within ${startTimeoutMs / 1000} s` });
      }, startTimeoutMs);
      const onMessage = (m: FromWorker) => {
        if (m.type === 'ready') {
          done({ ok: true, worker: new EmbeddingWorker(worker, m.dimensions, m.fingerprint, m.loadMs) });
        } else if (m.type === 'failed') done({ ok: false, message: m.message });
      };
      const onError = (err: Error) => done({ ok: false, message: err.message });
      const onExit = (code: number) => done({ ok: false, message: `the embedding worker exited (code ${code})` });
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  /** Embeds texts in the worker: texts.length rows of `dimensions` floats, in order. */
  async request(texts: readonly string[], priority: Priority): Promise<Float32Array> {
    const { vectors } = await this.send((id) => ({ type: 'embed', id, texts: [...texts], priority }));
    this.textsEmbedded += vectors.length / this.dimensions;
    return vectors;
  }

  /** Hands a table of vectors to the worker (its arrays move there: unusable here afterwards). */
  addTable(vectors: VectorTable): number {
    const table = this.nextTable++;
    if (!this.failure) {
      const message: ToWorker = { type: 'table', table, vectors };
      this.worker.postMessage(
        message,
        [vectors.matrix, vectors.rowStart, vectors.rowWeight].map((a) => a.buffer as ArrayBuffer),
      );
    }
    return table;
  }

  dropTable(table: number): void {
    if (!this.failure) this.worker.postMessage({ type: 'dropTable', table } satisfies ToWorker);
  }

  /** A query's vector (embedded in the worker unless given) and its score for each entry of the table. */
  async score(
    table: number,
    text: string,
    vector?: Float32Array,
  ): Promise<{ vector: Float32Array; scores: Float32Array }> {
    const r = await this.send((id) => ({ type: 'score', id, table, text, vector }));
    if (!vector) this.textsEmbedded++;
    return { vector: r.vectors, scores: r.scores ?? new Float32Array(0) };
  }

  /** For each probe row, the best score of an entry of the table other than its owner. */
  async probe(table: number, probes: Float32Array, owners: Int32Array): Promise<Float32Array> {
    const r = await this.send((id) => ({ type: 'probe', id, table, probes, owners }));
    return r.vectors;
  }

  private send(message: (id: number) => ToWorker): Promise<Result> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref(); // keep the process alive until the reply
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(message(id));
    });
  }

  async close(): Promise<void> {
    if (!this.failure) {
      this.worker.postMessage({ type: 'close' } satisfies ToWorker);
      const timer = setTimeout(() => void this.worker.terminate(), closeTimeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.fail(new Error('the embedder is closed'));
  }

  private onMessage(m: FromWorker): void {
    if (m.type !== 'result' && m.type !== 'error') return;
    this.runs = m.runs;
    const waiter = this.pending.get(m.id);
    if (!waiter) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.type === 'result') {
      waiter.resolve(m);
    } else {
      waiter.reject(new Error(`embedding failed: ${m.message}`));
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
  }
}
