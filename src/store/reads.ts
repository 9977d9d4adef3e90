// Where the admin API reads. better-sqlite3 runs every query on the thread that calls it, so on
// SQLite a search or report of a second held every customer's message for that second. Reads go to
// a worker thread with its own read-only connection instead (read-worker.ts), through the same
// Prisma API: `reads.customer.findMany(…)`, `reads.$queryRaw\`…\``. On PostgreSQL queries already
// run in the server: reads are a Prisma client with a pool of its own (provider.ts,
// readAdapterFactory); an in-memory SQLite database has no file to share, so it reads on the main
// connection.
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startWorker } from '../util/ts-worker.js';
import { Prisma } from './generated/sqlite/client.js';
import type { Db } from './index.js';
import type { ReadReply, ReadRequest } from './read-protocol.js';

/** The Prisma methods that only read; anything else is refused before it reaches the worker. */
const readMethods = new Set([
  'findMany',
  'findFirst',
  'findFirstOrThrow',
  'findUnique',
  'findUniqueOrThrow',
  'count',
  'aggregate',
  'groupBy',
]);
const startTimeoutMs = 30_000;

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

export class ReadWorker {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** The client the admin API reads through: the same API as Db, for reads only. */
  readonly db: Db;

  constructor(
    private readonly path: string,
    private readonly logger?: Logger,
    /** Told when the worker starts and stops: while it runs, it checkpoints the WAL (read-worker.ts). */
    private readonly onRunning?: (running: boolean) => Promise<void>,
  ) {
    this.db = readClient((request) => this.call(request));
  }

  private call(request: DistributiveOmit<ReadRequest, 'id'>): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return this.started().then(
      (worker) =>
        new Promise((resolve, reject) => {
          const id = this.nextId++;
          this.pending.set(id, { resolve, reject });
          if (this.pending.size === 1) worker.ref();
          worker.postMessage({ ...request, id });
        }),
    );
  }

  /** The worker starts with the first read (most processes never read through the admin API). */
  private started(): Promise<Worker> {
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      const worker = startWorker(import.meta.url, 'read-worker', { workerData: { path: this.path } });
      const timer = setTimeout(
        () => fail(new Error(`the read worker did not start within ${startTimeoutMs / 1000} s`)),
        startTimeoutMs,
      );
      const fail = (err: Error) => {
        clearTimeout(timer);
        void worker.terminate();
        this.starting = undefined; // the next read tries again
        reject(err);
      };
      worker.once('error', fail);
      worker.once('message', () => {
        clearTimeout(timer);
        worker.off('error', fail);
        worker.on('message', (reply: ReadReply) => this.settle(reply));
        worker.on('error', (err) => this.failAll(err));
        worker.on('exit', (code) => {
          this.worker = undefined;
          this.starting = undefined;
          if (this.closed) return;
          this.failAll(new Error(`the read worker stopped (exit code ${code})`));
          void this.onRunning?.(false).catch(() => {});
        });
        worker.unref();
        this.worker = worker;
        (this.onRunning?.(true) ?? Promise.resolve()).then(
          () => resolve(worker),
          () => resolve(worker),
        );
      });
    });
    return this.starting;
  }

  private settle(reply: ReadReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(Object.assign(new Error(reply.error.message), reply.error));
  }

  private failAll(err: Error): void {
    this.logger?.error({ err }, 'store: the read worker failed; its reads fail and the next one restarts it');
    this.rejectPending(err);
  }

  private rejectPending(err: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    this.rejectPending(new Error('the store is closed'));
    await worker?.terminate();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A Db-shaped proxy whose model reads and $queryRaw become requests. */
function readClient(call: (request: DistributiveOmit<ReadRequest, 'id'>) => Promise<unknown>): Db {
  const queryRaw = (query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => {
    const sql = query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
    return call({ op: 'raw', strings: [...sql.strings], values: sql.values });
  };
  const models = new Map<string, object>();
  const model = (name: string) =>
    new Proxy(
      {},
      {
        get(_, method) {
          if (typeof method !== 'string' || !readMethods.has(method)) {
            throw new Error(`reads: ${name}.${String(method)} is not a read (write through the main client)`);
          }
          return (args: unknown) => call({ op: 'model', model: name, method, args: args ?? {} });
        },
      },
    );
  return new Proxy({} as Db, {
    get(_, property) {
      if (property === '$queryRaw') return queryRaw;
      // Not a thenable, not a model: `await reads` and inspection must not turn into requests.
      if (typeof property !== 'string' || property === 'then' || property.startsWith('$')) return undefined;
      let m = models.get(property);
      if (!m) {
        m = model(property);
        models.set(property, m);
      }
      return m;
    },
  });
}
