// The database behind Rapport: one Prisma client for the provider DATABASE_URL selects.
import type { Logger } from 'pino';
import { attachDirect, DirectPg } from './direct-pg.js';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.js';
import { Prisma, PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { migrate } from './migrate.js';
import { adapterFactory, providerOf, readAdapterFactory, sqlitePath } from './provider.js';
import { ReadWorker } from './reads.js';
import type { DatabaseProvider } from './schema-engine.js';

// Both generated clients have the same models and methods; the code is written against one type.
export type Db = SqliteClient;
export type Tx = Prisma.TransactionClient;
export { Prisma };

export interface Store {
  db: Db;
  provider: DatabaseProvider;
  /**
   * The client for the admin API's reads (searches, lists, reports): on SQLite a read-only
   * connection in a worker thread, so they never hold the thread that handles messages (reads.ts);
   * on PostgreSQL a pool of its own, of `readConnections` (provider.ts).
   */
  reads: Db;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  onMigrated?: (applied: string[]) => void;
  /** Where the read worker reports that it failed. */
  logger?: Logger;
  /** PostgreSQL: connections of the admin reads' own pool (DATABASE_READ_CONNECTIONS, default 1). */
  readConnections?: number;
}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const provider = providerOf(url);
  if (options.migrate !== false) {
    const applied = await migrate(url);
    options.onMigrated?.(applied);
  }
  const adapter = adapterFactory(url);
  const db =
    provider === 'sqlite'
      ? new SqliteClient({ adapter })
      : (new PostgresClient({ adapter }) as unknown as SqliteClient);
  if (provider === 'sqlite') {
    // WAL lets readers run beside the writer; NORMAL syncs at checkpoints, so a committed
    // row survives a crash of the process (not of the machine's power).
    await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await db.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
    await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  }
  const path = provider === 'sqlite' ? sqlitePath(url) : ':memory:';
  // While the read worker runs it checkpoints the WAL; otherwise the main connection does, every 1,000 pages.
  const checkpointing = (byWorker: boolean) =>
    db.$queryRawUnsafe(`PRAGMA wal_autocheckpoint = ${byWorker ? 0 : 1000}`).then(() => undefined);
  const reader = path === ':memory:' ? undefined : new ReadWorker(path, options.logger, checkpointing);
  const direct = provider === 'postgresql' ? new DirectPg(url, options.logger) : undefined;
  if (direct) attachDirect(db, direct);
  const pgReads =
    provider === 'postgresql'
      ? (new PostgresClient({
          adapter: readAdapterFactory(url, options.readConnections ?? 1),
        }) as unknown as SqliteClient)
      : undefined;
  return {
    db,
    provider,
    reads: reader?.db ?? pgReads ?? db,
    async ping() {
      try {
        await db.$queryRawUnsafe('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await reader?.close();
      await direct?.close();
      await pgReads?.$disconnect();
      await db.$disconnect();
    },
  };
}

/** True for Prisma's "unique constraint failed": the row exists already (a repeat, a race lost). */
export const isUniqueViolation = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
