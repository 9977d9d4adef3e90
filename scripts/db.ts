// Developer commands for the data layer, offline (no Prisma engine download):
//   tsx scripts/db.ts generate          render both schemas, generate both clients
//   tsx scripts/db.ts migration <name>  write the next migration for both providers, then generate
// The migration is the difference between the committed per-provider schema (the state
// the existing migrations produce) and the schema rendered from prisma/models.prisma.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { adapterFactory } from '../src/store/provider.js';
import { loadSchemaEngine } from '../src/store/schema-engine.js';
import { migrationsDir, type Provider, providers, renderSchema, root, schemaPath, writeSchema } from './schema.js';

function generate(): void {
  const cli = join(root, 'node_modules', 'prisma', 'build', 'index.js');
  for (const provider of providers) {
    if (!existsSync(schemaPath(provider))) writeSchema(provider, renderSchema(provider));
    execFileSync(process.execPath, [cli, 'generate', '--schema', schemaPath(provider)], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        // `generate` only checks that an engine file exists; it never runs it.
        PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        CHECKPOINT_DISABLE: '1',
      },
    });
  }
  console.log('generated Prisma clients for', providers.join(' and '));
}

async function diff(provider: Provider, from: string | null, to: string): Promise<string> {
  // The engine wants a connection even for a diff between two schema texts: an in-memory
  // SQLite database, or the local PostgreSQL server (DIFF_DATABASE_URL to choose another).
  const url =
    provider === 'sqlite'
      ? 'file::memory:'
      : (process.env.DIFF_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const engine = await loadSchemaEngine(provider, bindMigrationAwareSqlAdapterFactory(adapterFactory(url)));
  const result = await engine.diff({
    from:
      from === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: from }] },
    to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: to }] },
    script: true,
    exitCode: null,
    filters: { externalTables: [], externalEnums: [] },
  });
  engine.free();
  return result.stdout ?? '';
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function migration(name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error('migration name: use lower-case letters, digits and _');
  const stamp = timestamp();
  for (const provider of providers) {
    const previous = existsSync(schemaPath(provider)) ? readFileSync(schemaPath(provider), 'utf8') : null;
    const next = renderSchema(provider);
    const sql = await diff(provider, previous, next);
    writeSchema(provider, next);
    if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
      console.log(`${provider}: schema unchanged, no migration`);
      continue;
    }
    const dir = join(migrationsDir(provider), `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'migration.sql'), sql);
    const lock = join(migrationsDir(provider), 'migration_lock.toml');
    writeFileSync(lock, `# Written by scripts/db.ts\nprovider = "${provider}"\n`);
    console.log(`${provider}: wrote ${dir}`);
  }
  generate();
}

const [command, arg] = process.argv.slice(2);
if (command === 'generate') generate();
else if (command === 'migration' && arg) await migration(arg);
else {
  console.error('usage: tsx scripts/db.ts generate | migration <name>');
  process.exit(2);
}
