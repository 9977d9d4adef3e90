// Applies pending migrations from prisma/<provider>/migrations at start-up, offline,
// through Prisma's WASM schema engine and the same driver adapter the app uses.
// The history lives in Prisma's own _prisma_migrations table, so `prisma migrate
// deploy` (where the native engine can be downloaded) sees the same state.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { adapterFactory, providerOf } from './provider.js';
import { type DatabaseProvider, loadSchemaEngine } from './schema-engine.js';

const prismaDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'prisma');

export function migrationsList(provider: DatabaseProvider) {
  const baseDir = join(prismaDir, provider, 'migrations');
  const lockPath = join(baseDir, 'migration_lock.toml');
  const dirs = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: readFileSync(join(baseDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

// PostgreSQL serializes concurrent runs with Prisma's advisory lock; two SQLite connections
// migrating one file at once deadlock instead, so runs in this process go one at a time.
const running = new KeyedMutex();

/** Applies what is pending; returns the names of the migrations it applied. */
export function migrate(databaseUrl: string): Promise<string[]> {
  return running.run(databaseUrl, () => applyPending(databaseUrl));
}

async function applyPending(databaseUrl: string): Promise<string[]> {
  const provider = providerOf(databaseUrl);
  const { factory, dispose } = trackConnections(adapterFactory(databaseUrl));
  const engine = await loadSchemaEngine(provider, bindMigrationAwareSqlAdapterFactory(factory));
  try {
    const out = await engine.applyMigrations({
      migrationsList: migrationsList(provider),
      filters: { externalTables: [], externalEnums: [] },
    });
    return out.appliedMigrationNames;
  } finally {
    engine.free();
    await dispose();
  }
}

// free() releases the engine but not the connections it opened; an open SQLite
// connection would hold its lock until garbage collection.
function trackConnections(inner: ReturnType<typeof adapterFactory>) {
  const opened: { dispose(): Promise<void> }[] = [];
  const factory = {
    provider: inner.provider as 'sqlite' | 'postgres',
    adapterName: inner.adapterName,
    connect: async () => remember(await inner.connect()),
    connectToShadowDb: async () => remember(await inner.connectToShadowDb()),
  };
  function remember<T extends { dispose(): Promise<void> }>(adapter: T): T {
    opened.push(adapter);
    return adapter;
  }
  return { factory, dispose: () => Promise.all(opened.map((a) => a.dispose())).then(() => undefined) };
}
