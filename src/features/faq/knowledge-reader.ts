// Reads the knowledge files without holding the main thread. A large base (more than
// WORKER_ABOVE_BYTES of files) is parsed and tokenized in a worker thread (load-worker.ts): done
// on the main thread, reading 50,000 entries held it 18 s on the 2-core benchmark machine
// (npm run bench:faq-load), and no customer's message was answered meanwhile. The worker sends each file's entries in batches with their term
// ids, which are mapped here to the knowledge base's vocabulary: a few milliseconds per batch. A
// small base is read here, in slices (starting a worker costs more than reading it).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Locale } from '../../engine/i18n.js';
import { runSliced } from '../../util/sliced.js';
import { startWorker } from '../../util/ts-worker.js';
import { type LoadError, type ReadMessage, type ReadRequest, readSteps } from './knowledge-files.js';
import type { KnowledgeEntry } from './search.js';
import type { TermBlock, Vocabulary } from './terms.js';

/** Above this many bytes of files, a worker reads them. */
export const WORKER_ABOVE_BYTES = 64 * 1024;
/** Entries per message from the worker: unpacking 2,000 takes a few milliseconds. */
const WORKER_BATCH = 2000;

/**
 * What a file gave: its entries with their documents' term ids (blocks of two documents per entry,
 * in entry order) and the hash of its text; that it is as at its last good load; or its error.
 */
export type FileRead =
  | { file: string; entries: KnowledgeEntry[]; blocks: TermBlock[]; hash: string }
  | { file: string; unchanged: true }
  | { file: string; error: LoadError };

export interface ReadOptions {
  /** Where term ids go: the ids in the results are this vocabulary's. */
  vocabulary: Vocabulary;
  logger: Logger;
  /** Stops a worker under way (the knowledge base is closing); the read then rejects. */
  signal?: AbortSignal;
  /** The entry with this id at the last load: one that has not changed is used again. */
  previous?: (id: string) => KnowledgeEntry | undefined;
}

/** Each file's entries with their term ids, or its error; files in request order. */
export async function readKnowledgeFiles(
  request: Omit<ReadRequest, 'batch'>,
  options: ReadOptions,
): Promise<FileRead[]> {
  const bytes = request.files.reduce((sum, file) => sum + sizeOf(join(request.dir, file)), 0);
  const receiver = new Receiver(options.vocabulary, options.previous ?? (() => undefined));
  if (bytes > WORKER_ABOVE_BYTES) {
    const outcome = await readInWorker({ ...request, batch: WORKER_BATCH }, receiver, options.signal);
    if (outcome !== 'done') {
      // The worker never started (it sent nothing): read here, in slices, rather than not at all.
      options.logger.warn({ err: outcome }, 'knowledge: the loading worker did not start; reading the files here');
      await runSliced(readSteps({ ...request, batch: WORKER_BATCH }, (m) => receiver.take(m)));
    }
  } else {
    await runSliced(readSteps({ ...request, batch: WORKER_BATCH }, (m) => receiver.take(m)));
  }
  return request.files.map(
    (file) =>
      receiver.results.get(file) ?? {
        file,
        error: { file, message: `not read: ${receiver.stopped ?? 'the loading worker stopped'}` },
      },
  );
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // gone since it was listed: reading it reports that
  }
}

/** Resolves 'done', or with the error when the worker stopped before sending anything. */
function readInWorker(request: ReadRequest, receiver: Receiver, signal?: AbortSignal): Promise<'done' | Error> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = startWorker(import.meta.url, 'load-worker', { workerData: request });
    } catch (err) {
      resolve(err as Error);
      return;
    }
    let heard = false;
    let failure: Error | undefined;
    const onAbort = () => {
      void worker.terminate();
      reject(new Error('the knowledge base was closed while loading'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: ReadMessage) => {
      heard = true;
      receiver.take(message);
    });
    worker.on('error', (err) => {
      failure = err;
    });
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (receiver.done) resolve('done');
      else if (!heard) resolve(failure ?? new Error(`the loading worker exited (code ${code})`));
      else {
        // Part of the files arrived: the others keep their entries of the last good load.
        receiver.stopped = `the loading worker stopped (${failure?.message ?? `exit code ${code}`})`;
        resolve('done');
      }
    });
  });
}

/** Collects the messages of readSteps into files, mapping term ids to the vocabulary. */
class Receiver {
  readonly results = new Map<string, FileRead>();
  done = false;
  stopped: string | undefined;
  /** The reader's term id → the vocabulary's. */
  private readonly remap: number[] = [];
  private readonly partial = new Map<string, { entries: KnowledgeEntry[]; blocks: TermBlock[] }>();

  /**
   * One copy of each locale, file name and tag: each entry comes with copies of its own, and the
   * fewer objects 50,000 new entries keep alive, the shorter the garbage collector's pauses.
   */
  private readonly strings = new Map<string, string>();

  constructor(
    private readonly vocabulary: Vocabulary,
    private readonly previous: (id: string) => KnowledgeEntry | undefined,
  ) {}

  private one(text: string): string {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    this.strings.set(text, text);
    return text;
  }

  take(message: ReadMessage): void {
    switch (message.type) {
      case 'done':
        this.done = true;
        return;
      case 'error':
        this.results.set(message.file, { file: message.file, error: message.error });
        return;
      case 'unchanged':
        this.results.set(message.file, { file: message.file, unchanged: true });
        return;
    }
    for (const term of message.newTerms) this.remap.push(this.vocabulary.intern(term));
    const { ids } = message.block;
    for (let i = 0; i < ids.length; i++) ids[i] = this.remap[ids[i] as number] as number;
    const file = this.partial.get(message.file) ?? { entries: [], blocks: [] };
    for (const entry of message.entries) {
      // An entry as it was (a file rewritten by an export, or edited elsewhere) is the object the
      // knowledge base has already: the copy that came is garbage at once, cheap to collect.
      const before = this.previous(entry.id);
      if (before && sameEntry(before, entry)) {
        file.entries.push(before);
        continue;
      }
      entry.locale = this.one(entry.locale) as Locale;
      entry.source = this.one(entry.source);
      for (let i = 0; i < entry.tags.length; i++) entry.tags[i] = this.one(entry.tags[i] as string);
      file.entries.push(entry);
    }
    file.blocks.push(message.block);
    if (message.last) {
      this.partial.delete(message.file);
      this.results.set(message.file, { file: message.file, ...file, hash: message.hash });
    } else this.partial.set(message.file, file);
  }
}

function sameEntry(a: KnowledgeEntry, b: KnowledgeEntry): boolean {
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((s, i) => s === y[i]);
  return (
    a.id === b.id &&
    a.answer === b.answer &&
    a.locale === b.locale &&
    a.source === b.source &&
    same(a.questions, b.questions) &&
    same(a.tags, b.tags)
  );
}
