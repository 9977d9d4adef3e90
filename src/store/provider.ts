// DATABASE_URL decides the provider: file:… is embedded SQLite, postgres(ql)://… is PostgreSQL.
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { DatabaseProvider } from './schema-engine.js';

export function providerOf(url: string): DatabaseProvider {
  if (url.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  throw new Error(
    `DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL), got "${url.split(':')[0]}:…"`,
  );
}

/** The SQLite file path of a file: URL, resolved against the working directory. */
export function sqlitePath(url: string): string {
  const raw = url.slice('file:'.length).split('?')[0] ?? '';
  if (raw === ':memory:') return raw;
  return isAbsolute(raw) ? raw : resolve(raw);
}

export function adapterFactory(url: string): PrismaBetterSqlite3 | PrismaPg {
  if (providerOf(url) === 'sqlite') {
    const path = sqlitePath(url);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    return new PrismaBetterSqlite3({ url: path, timeout: 5000 });
  }
  return new PrismaPg({ connectionString: url, max: 10 });
}

/**
 * The admin API's reads on PostgreSQL (searches, lists, reports): a pool of their own, of
 * DATABASE_READ_CONNECTIONS (default 1). The server shares its cores with the bot's own statements;
 * with one connection, staff's reads take one core at most and wait for each other (as on SQLite,
 * whose read worker runs one at a time), never a customer's message for a connection.
 */
export function readAdapterFactory(url: string, connections: number): PrismaPg {
  return new PrismaPg({ connectionString: url, max: connections, application_name: 'rapport-reads' });
}
