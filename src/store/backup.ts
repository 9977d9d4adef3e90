// Consistent copies of the database while Rapport runs: SQLite through VACUUM INTO on a connection
// of its own (a read transaction: the bot keeps writing meanwhile), PostgreSQL through pg_dump.
// The copy is written beside the target under a temporary name and renamed once complete, so a
// failed backup never leaves a file that looks like one.
import { execFile } from 'node:child_process';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { providerOf, sqlitePath } from './provider.js';

export interface BackupResult {
  provider: 'sqlite' | 'postgresql';
  file: string;
  bytes: number;
  /** Rows in a few central tables of the copy (SQLite; read back from the copy itself). */
  rows?: Record<string, number>;
}

export class BackupError extends Error {}

/** The pg_dump command line for a database URL (also what the README documents). */
export function pgDumpArgs(url: string, file: string): string[] {
  return ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`, `--dbname=${url}`];
}

/**
 * DATABASE_URL as libpq takes it: the password moves to PGPASSWORD (a command line is visible to
 * every user of the machine), and Prisma's ?schema= (unknown to libpq) becomes --schema.
 */
function libpqConnection(url: string): { url: string; env: NodeJS.ProcessEnv; schema?: string } {
  const parsed = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  parsed.password = '';
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return { url: parsed.toString(), env, ...(schema ? { schema } : {}) };
}

export async function backupDatabase(url: string, file: string): Promise<BackupResult> {
  if (existsSync(file)) throw new BackupError(`${file} exists already; choose a new file name`);
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  try {
    const result = providerOf(url) === 'sqlite' ? backupSqlite(url, partial) : await backupPostgres(url, partial);
    renameSync(partial, file);
    return { ...result, file, bytes: statSync(file).size };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}

function backupSqlite(url: string, target: string): Omit<BackupResult, 'file' | 'bytes'> {
  const source = sqlitePath(url);
  if (source === ':memory:' || !existsSync(source)) throw new BackupError(`no SQLite database at ${source}`);
  const db = new Database(source, { fileMustExist: true, timeout: 10_000 });
  try {
    db.prepare('VACUUM INTO ?').run(target);
  } finally {
    db.close();
  }
  // Read the copy back: it must open, pass SQLite's check and hold the tables.
  const copy = new Database(target, { readonly: true, fileMustExist: true });
  try {
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`the copy failed SQLite's quick_check: ${String(check)}`);
    const rows: Record<string, number> = {};
    for (const table of ['Customer', 'Interaction', 'Outbox', 'PointsEntry', 'Ticket']) {
      rows[table] = (copy.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
    }
    return { provider: 'sqlite', rows };
  } finally {
    copy.close();
  }
}

async function backupPostgres(url: string, target: string): Promise<Omit<BackupResult, 'file' | 'bytes'>> {
  const connection = libpqConnection(url);
  const args = [...pgDumpArgs(connection.url, target), ...(connection.schema ? [`--schema=${connection.schema}`] : [])];
  try {
    await promisify(execFile)('pg_dump', args, { env: connection.env, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new BackupError(
        `pg_dump is not installed here. Install the PostgreSQL client tools (the server's major version or newer), or run on a machine that has them:\n  pg_dump ${pgDumpArgs('"$DATABASE_URL"', target.replace(/\.partial$/, '')).join(' ')}`,
      );
    }
    throw new BackupError(`pg_dump failed: ${(e.stderr ?? e.message).trim()}`);
  }
  return { provider: 'postgresql' };
}
