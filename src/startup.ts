// What can stop Rapport from starting, said in one line a person can act on (never a stack).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, errorMessage } from './errors.js';

/**
 * One Rapport per SQLite file: a second process on the same file would send every queued message
 * twice. The first writes its pid into "<file>.pid"; a second one refuses to start while that
 * process lives. A file left by a crash names a process that is gone, and is taken over.
 */
export function lockSqliteFile(databaseUrl: string): () => void {
  if (!databaseUrl.startsWith('file:')) return () => {};
  const path = `${resolve(databaseUrl.slice('file:'.length).split('?')[0] as string)}.pid`;
  mkdirSync(dirname(path), { recursive: true }); // a fresh install: the database's folder comes first
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new ConfigError(
          `DATABASE_URL: another Rapport (pid ${owner}) is running on ${databaseUrl}; stop it first (several instances need PostgreSQL)`,
        );
      }
      rmSync(path, { force: true }); // left by a process that is gone
    }
  }
  throw new ConfigError(`DATABASE_URL: could not lock ${databaseUrl} (${path})`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The one line printed when starting failed. */
export function startupFailure(err: unknown, o: { port: number; host: string; databaseUrl: string }): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return `port ${o.port} on ${o.host} is already in use (another program, or Rapport running already): stop it or set PORT`;
  }
  if (code === 'EACCES' && o.port < 1024) return `port ${o.port} needs root rights: use a port from 1024 up (PORT)`;
  // Prisma's messages span lines ("Please make sure your database server is running at …").
  const message =
    errorMessage(err)
      .split('\n')
      .find((line) => line.trim()) ?? 'unknown error';
  if (/database|connect|ECONNREFUSED|ENOTFOUND|authentication|password/i.test(message)) {
    return `the database at ${redact(o.databaseUrl)} cannot be used: ${message.trim()}`;
  }
  return message.trim();
}

/** postgresql://user:secret@host/db → postgresql://user:***@host/db */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
