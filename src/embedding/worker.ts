// The embedding worker thread: owns the ONNX session and does all tokenizing and inference, so
// the main thread's event loop never waits on the model. It also keeps the knowledge base's vectors
// (tables, see table.ts) and scores queries against them here, for the same reason. Queries are
// served before bulk work: a knowledge-base load is cut into model calls of `batchSize` texts (a
// calibration into a few probes at a time) and a query waits at most for the step under way. With
// batchSize > 1, queries that arrived together share a call and bulk texts are sorted by length so
// short ones are not padded to the longest.
import { parentPort, workerData } from 'node:worker_threads';
import { SentenceEncoder } from './model.js';
import type { FromWorker, ToWorker, WorkerStart } from './protocol.js';
import { bestOtherScore, entryScores, type VectorTable } from './table.js';

interface Query {
  id: number;
  text: string;
  /** Score against this table after embedding (a 'score' job). */
  table?: number;
  /** Already embedded (the main thread's query cache): only scored. */
  vector?: Float32Array;
}

interface EmbedJob {
  kind: 'embed';
  id: number;
  texts: string[];
  order: number[]; // indices of texts, shortest first
  next: number; // position in order of the first text not yet embedded
  out: Float32Array;
}

interface ProbeJob {
  kind: 'probe';
  id: number;
  table: number;
  probes: Float32Array;
  owners: Int32Array;
  next: number;
  out: Float32Array;
}

/** Probes per step: a few milliseconds on a large table, so a query does not wait long behind one. */
const PROBES_PER_STEP = 4;

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread (see worker-client.ts)');
const start = workerData as WorkerStart;

const queries: Query[] = [];
const bulk: (EmbedJob | ProbeJob)[] = [];
const tables = new Map<number, VectorTable>();
/** Tables dropped by the main thread, forgotten when no queued job needs them any more. */
const retired = new Set<number>();
let encoder: SentenceEncoder | undefined;
let busy = false;
let closing = false;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

async function runQueries(enc: SentenceEncoder): Promise<void> {
  const batch = queries.splice(0, start.batchSize);
  try {
    const toEmbed = batch.filter((q) => !q.vector);
    const vectors = toEmbed.length ? await enc.embedBatch(toEmbed.map((q) => q.text)) : new Float32Array(0);
    const d = enc.dimensions;
    toEmbed.forEach((q, i) => {
      q.vector = vectors.slice(i * d, (i + 1) * d);
    });
  } catch (err) {
    for (const q of batch) send({ type: 'error', id: q.id, message: String(err), runs: enc.runs });
    return;
  }
  for (const q of batch) answerQuery(q, q.vector as Float32Array, enc.runs);
}

function answerQuery(q: Query, vector: Float32Array, runs: number): void {
  if (q.table === undefined) {
    send({ type: 'result', id: q.id, vectors: vector, runs }, [vector.buffer as ArrayBuffer]);
    return;
  }
  const table = tables.get(q.table);
  if (!table) {
    send({ type: 'error', id: q.id, message: `no vector table ${q.table}`, runs });
    return;
  }
  const scores = entryScores(table, vector);
  send({ type: 'result', id: q.id, vectors: vector, scores, runs }, [
    vector.buffer as ArrayBuffer,
    scores.buffer as ArrayBuffer,
  ]);
}

async function runBulkStep(enc: SentenceEncoder, job: EmbedJob | ProbeJob): Promise<void> {
  try {
    const done = job.kind === 'embed' ? await embedChunk(enc, job) : probeChunk(job);
    if (!done) return;
    bulk.shift();
    send({ type: 'result', id: job.id, vectors: job.out, runs: enc.runs }, [job.out.buffer as ArrayBuffer]);
  } catch (err) {
    bulk.shift();
    send({ type: 'error', id: job.id, message: String(err), runs: enc.runs });
  }
}

/** Embeds the next batch of the job's texts; true when all are done. */
async function embedChunk(enc: SentenceEncoder, job: EmbedJob): Promise<boolean> {
  const indices = job.order.slice(job.next, job.next + start.batchSize);
  const vectors = await enc.embedBatch(indices.map((i) => job.texts[i] as string));
  const d = enc.dimensions;
  indices.forEach((textIndex, row) => {
    job.out.set(vectors.subarray(row * d, (row + 1) * d), textIndex * d);
  });
  job.next += indices.length;
  return job.next >= job.order.length;
}

/** Scores the next few probes; true when all are done. */
function probeChunk(job: ProbeJob): boolean {
  const table = tables.get(job.table);
  if (!table) throw new Error(`no vector table ${job.table}`);
  const d = table.dimensions;
  const end = Math.min(job.out.length, job.next + PROBES_PER_STEP);
  for (; job.next < end; job.next++) {
    const probe = job.probes.subarray(job.next * d, (job.next + 1) * d);
    job.out[job.next] = bestOtherScore(table, probe, job.owners[job.next] as number);
  }
  return job.next >= job.out.length;
}

function forgetRetiredTables(): void {
  for (const table of retired) {
    const needed = queries.some((q) => q.table === table) || bulk.some((j) => j.kind === 'probe' && j.table === table);
    if (!needed) {
      tables.delete(table);
      retired.delete(table);
    }
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
    else if (job) await runBulkStep(enc, job);
    // A probe step has no await: let messages that arrived meanwhile (queries) in first.
    if (job?.kind === 'probe') await new Promise((resolve) => setImmediate(resolve));
  }
  busy = false;
  forgetRetiredTables();
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
  switch (message.type) {
    case 'table':
      tables.set(message.table, message.vectors);
      retired.delete(message.table);
      return;
    case 'dropTable':
      retired.add(message.table);
      if (!busy) forgetRetiredTables();
      return;
    case 'score':
      queries.push({ id: message.id, text: message.text, table: message.table, vector: message.vector });
      break;
    case 'probe': {
      const { id, table, probes, owners } = message;
      bulk.push({ kind: 'probe', id, table, probes, owners, next: 0, out: new Float32Array(owners.length) });
      break;
    }
    case 'embed':
      if (message.priority === 'query' && message.texts.length === 1) {
        queries.push({ id: message.id, text: message.texts[0] as string });
      } else {
        const order = message.texts.map((_, i) => i).sort((a, b) => lengthOf(message, a) - lengthOf(message, b));
        const out = new Float32Array(message.texts.length * (encoder?.dimensions ?? 0));
        bulk.push({ kind: 'embed', id: message.id, texts: message.texts, order, next: 0, out });
      }
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
