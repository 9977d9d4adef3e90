// The embedding worker thread: owns the ONNX session and does all tokenizing and inference, so
// the main thread's event loop never waits on the model. Queries (single texts) are served before
// bulk work: a knowledge-base load is cut into model calls of `batchSize` texts and a query waits
// at most for the call under way. With batchSize > 1, queries that arrived together share a call
// and bulk texts are sorted by length so short ones are not padded to the longest.
import { parentPort, workerData } from 'node:worker_threads';
import { SentenceEncoder } from './model.js';
import type { FromWorker, ToWorker, WorkerStart } from './protocol.js';

interface BulkJob {
  id: number;
  texts: string[];
  order: number[]; // indices of texts, shortest first
  next: number; // position in order of the first text not yet embedded
  out: Float32Array;
}

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread (see worker-client.ts)');
const start = workerData as WorkerStart;

const queries: { id: number; text: string }[] = [];
const bulk: BulkJob[] = [];
let encoder: SentenceEncoder | undefined;
let busy = false;
let closing = false;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

async function runQueries(enc: SentenceEncoder): Promise<void> {
  const batch = queries.splice(0, start.batchSize);
  try {
    const vectors = await enc.embedBatch(batch.map((q) => q.text));
    const d = enc.dimensions;
    batch.forEach((q, i) => {
      const row = vectors.slice(i * d, (i + 1) * d);
      send({ type: 'result', id: q.id, vectors: row, runs: enc.runs }, [row.buffer]);
    });
  } catch (err) {
    for (const q of batch) send({ type: 'error', id: q.id, message: String(err), runs: enc.runs });
  }
}

async function runBulkChunk(enc: SentenceEncoder, job: BulkJob): Promise<void> {
  const indices = job.order.slice(job.next, job.next + start.batchSize);
  try {
    const vectors = await enc.embedBatch(indices.map((i) => job.texts[i] as string));
    const d = enc.dimensions;
    indices.forEach((textIndex, row) => {
      job.out.set(vectors.subarray(row * d, (row + 1) * d), textIndex * d);
    });
    job.next += indices.length;
    if (job.next >= job.order.length) {
      bulk.shift();
      send({ type: 'result', id: job.id, vectors: job.out, runs: enc.runs }, [job.out.buffer as ArrayBuffer]);
    }
  } catch (err) {
    bulk.shift();
    send({ type: 'error', id: job.id, message: String(err), runs: enc.runs });
  }
}

async function pump(): Promise<void> {
  if (busy || !encoder) return;
  busy = true;
  const enc = encoder;
  while (queries.length > 0 || bulk.length > 0) {
    // Awaiting the model yields to this thread's event loop, so queries posted meanwhile are
    // already queued when the next batch is chosen.
    const job = bulk[0];
    if (queries.length > 0) await runQueries(enc);
    else if (job) await runBulkChunk(enc, job);
  }
  busy = false;
  if (closing) await shutDown();
}

async function shutDown(): Promise<void> {
  const enc = encoder;
  encoder = undefined;
  await enc?.close();
  port?.close();
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'close') {
    closing = true;
    // Work not started is dropped: a stopping app does not wait for a knowledge base to be embedded
    // (SIGTERM must exit within seconds); only the model call under way finishes.
    const runs = encoder?.runs ?? 0;
    for (const job of bulk.splice(0)) send({ type: 'error', id: job.id, message: 'the embedder is closing', runs });
    for (const q of queries.splice(0)) send({ type: 'error', id: q.id, message: 'the embedder is closing', runs });
    if (!busy) void shutDown();
    return;
  }
  if (message.priority === 'query' && message.texts.length === 1) {
    queries.push({ id: message.id, text: message.texts[0] as string });
  } else {
    const order = message.texts.map((_, i) => i).sort((a, b) => lengthOf(message, a) - lengthOf(message, b));
    const out = new Float32Array(message.texts.length * (encoder?.dimensions ?? 0));
    bulk.push({ id: message.id, texts: message.texts, order, next: 0, out });
  }
  void pump();
});

function lengthOf(message: { texts: string[] }, i: number): number {
  return (message.texts[i] as string).length;
}

try {
  const began = performance.now();
  encoder = await SentenceEncoder.load(start.modelDir, { threads: start.threads });
  send({
    type: 'ready',
    dimensions: encoder.dimensions,
    fingerprint: encoder.fingerprint,
    loadMs: performance.now() - began,
  });
} catch (err) {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  port.close();
}
