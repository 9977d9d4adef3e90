// The read worker thread (see reads.ts): its own read-only connection to the SQLite file, serving
// the admin API's reads so that a slow one never holds the main thread, where every customer's
// message is handled and written.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { Prisma, PrismaClient } from './generated/sqlite/client.js';
import type { ReadReply, ReadRequest, ReadWorkerStart } from './read-protocol.js';

const port = parentPort;
if (!port) throw new Error('read-worker.ts runs as a worker thread (see reads.ts)');
const { path } = workerData as ReadWorkerStart;

/**
 * Customers first: on Linux a nice value belongs to a thread, so this lowers only this worker's.
 * With the cores busy the scheduler gives the main thread (every customer's message) the CPU before
 * a staff member's search or report; with cores idle the reads run at full speed. Elsewhere a nice
 * value is the whole process's, so it is left alone.
 */
const READ_WORKER_NICE = 10;
if (process.platform === 'linux') {
  try {
    setPriority(READ_WORKER_NICE);
  } catch {
    // Refused (a sandbox): the reads share the cores evenly, as they did before.
  }
}

// readonly: the worker can never write; the main connection has made the file WAL, so this
// connection reads beside the writer without blocking it.
const db = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: path, readonly: true, timeout: 5000 }) });
// Searches and reports read rows all over the file: mapped into memory they cost no system call
// each, and a larger page cache keeps the indexes they walk (both per connection, nothing persists).
await db.$queryRawUnsafe('PRAGMA mmap_size = 1073741824');
await db.$queryRawUnsafe('PRAGMA cache_size = -65536');

async function serve(request: ReadRequest): Promise<unknown> {
  if (request.op === 'raw') return db.$queryRaw(new Prisma.Sql(request.strings, request.values));
  const model = (db as unknown as Record<string, Record<string, (args: unknown) => Promise<unknown>>>)[request.model];
  const method = model?.[request.method];
  if (!method) throw new Error(`no ${request.model}.${request.method} to read with`);
  return method.call(model, request.args);
}

port.on('message', (request: ReadRequest) => {
  serve(request).then(
    (result) => port.postMessage({ id: request.id, ok: true, result } satisfies ReadReply),
    (err: unknown) => {
      const e = err as { message?: unknown; code?: unknown; name?: unknown };
      port.postMessage({
        id: request.id,
        ok: false,
        error: {
          message: String(e?.message ?? err),
          ...(typeof e?.code === 'string' ? { code: e.code } : {}),
          ...(typeof e?.name === 'string' ? { name: e.name } : {}),
        },
      } satisfies ReadReply);
    },
  );
});
// Checkpoints, too: while this worker runs the main connection leaves them (reads.ts tells it), and
// this thread moves the WAL into the database file every second on a connection of its own. After a
// long read has held the WAL back, a checkpoint copies much of it and syncs the file: at a million
// customers that took seconds in the middle of a commit on the main thread (npm run bench:data).
const checkpointer = new Database(path, { timeout: 5000 });
setInterval(() => {
  try {
    checkpointer.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy for a moment (another checkpoint, a backup): the next second tries again.
  }
}, 1000);
port.postMessage({ ready: true });
