// npm run backup -- <file>: a consistent copy of the database DATABASE_URL names, taken while
// Rapport runs (SQLite: VACUUM INTO; PostgreSQL: pg_dump --format=custom). See "Operating Rapport".
import 'dotenv/config';
import { resolve } from 'node:path';
import { parseEnv } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { BackupError, backupDatabase } from '../src/store/backup.js';

const file = process.argv[2];
if (!file || process.argv.length > 3) {
  console.error('usage: npm run backup -- <file>   (a new file; DATABASE_URL as for npm start)');
  process.exit(64);
}
try {
  const { DATABASE_URL } = parseEnv(process.env);
  const result = await backupDatabase(DATABASE_URL, resolve(file));
  const rows = result.rows
    ? `; ${Object.entries(result.rows)
        .map(([table, n]) => `${table} ${n}`)
        .join(', ')}`
    : '';
  console.log(`backup of the ${result.provider} database written to ${result.file} (${result.bytes} bytes${rows})`);
} catch (err) {
  if (err instanceof BackupError || err instanceof ConfigError) {
    console.error(`rapport backup: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
