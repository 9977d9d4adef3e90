// npm run backup -- <file>, run as an operator runs it, while the bot has the database open and writes.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openStore } from '../../src/store/index.js';
import { testApp } from '../helpers/app.js';
import { describeOnEachDatabase, postgresDatabase, type TestDatabase } from '../helpers/databases.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rapport-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npmBackup(databaseUrl: string, file: string): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DOTENV_CONFIG_PATH: join(dir, 'no.env'),
    npm_config_update_notifier: 'false',
  };
  const child = spawn('npm', ['run', '--silent', 'backup', '--', file], { cwd: root, env });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describeOnEachDatabase('npm run backup while the bot writes', (database, provider) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url);
  });
  afterAll(async () => {
    await app.stop();
  });

  it('writes a consistent copy that opens as a Rapport database and holds the rows', async () => {
    let writing = true;
    let posted = 0;
    const writer = async (w: number) => {
      for (let n = 0; writing; n++) {
        const res = await app.server.inject({
          method: 'POST',
          url: '/api/v1/messages',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ user: { id: `backup-${w}-${n % 5}` }, text: `message ${n}` }),
        });
        expect(res.statusCode).toBe(200);
        posted++;
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(writer));
    while (posted < 20) await new Promise((r) => setTimeout(r, 20));

    const file = join(dir, `${provider.name}.backup`);
    const backup = await npmBackup(database().url, file);
    const postedDuringBackup = posted;
    writing = false;
    await writers;
    expect(backup.out).toMatch(/backup of the (sqlite|postgresql) database written to/);
    expect(backup.code).toBe(0);
    expect(postedDuringBackup).toBeGreaterThan(20); // the bot went on writing while the copy was taken

    const live = {
      customers: await app.store.db.customer.count(),
      interactions: await app.store.db.interaction.count(),
    };
    let restored: TestDatabase | undefined;
    let copyUrl: string;
    if (provider.name === 'sqlite') {
      const copy = new Database(file, { readonly: true });
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      copy.close();
      copyUrl = `file:${file}`;
    } else {
      // Restore into a database of its own, as the README says.
      restored = await postgresDatabase();
      await promisify(execFile)('pg_restore', ['--no-owner', '--no-privileges', `--dbname=${restored.url}`, file]);
      copyUrl = restored.url;
    }
    try {
      // The copy is a complete Rapport database: every migration recorded, nothing left to apply.
      const store = await openStore(copyUrl, { onMigrated: (applied) => expect(applied).toEqual([]) });
      try {
        const customers = await store.db.customer.count();
        const interactions = await store.db.interaction.count();
        expect(customers).toBeGreaterThan(0);
        expect(customers).toBeLessThanOrEqual(live.customers);
        expect(interactions).toBeGreaterThan(20);
        expect(interactions).toBeLessThanOrEqual(live.interactions);
        // Consistent: every stored message's customer is in the copy too.
        const ids = (await store.db.interaction.groupBy({ by: ['customerId'] }))
          .map((g) => g.customerId)
          .filter((id): id is string => id !== null);
        expect(await store.db.customer.count({ where: { id: { in: ids } } })).toBe(ids.length);
      } finally {
        await store.close();
      }
    } finally {
      await restored?.drop();
    }
  }, 120_000);

  it('refuses to overwrite an existing file and says so', async () => {
    const file = join(dir, `${provider.name}.exists`);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'an earlier backup');
    const result = await npmBackup(database().url, file);
    expect(result.code).toBe(1);
    expect(result.out).toContain('exists already');
    expect(readFileSync(file, 'utf8')).toBe('an earlier backup');
    expect(statSync(file).size).toBe('an earlier backup'.length);
  }, 60_000);
});
