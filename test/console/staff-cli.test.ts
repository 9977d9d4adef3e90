// `npm run staff -- add` while the bot runs on the same SQLite file (the README's order: start it,
// then add the first owner), and on a database the bot never started on.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { sqliteDatabase } from '../helpers/databases.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const staff = (url: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/staff.ts', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, DATA_DIR: join(url.slice(5), '..') },
  });

describe('npm run staff', () => {
  const database = sqliteDatabase();
  let app: App;

  beforeAll(async () => {
    app = await testApp(database.url);
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    await database.drop();
  });

  it('adds an owner while the bot runs, whose one-time password signs in', async () => {
    const { stdout } = await staff(
      database.url,
      'add',
      '--email',
      'Owner@Clinic.example',
      '--name',
      'Dr Wu',
      '--role',
      'owner',
    );
    const password = /one-time password: (\S+)/.exec(stdout)?.[1] ?? '';
    expect(password).toHaveLength(16);
    const login = await app.server.inject({
      method: 'POST',
      url: '/console/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email: 'owner@clinic.example', password }).toString(),
    });
    expect(login.statusCode).toBe(303);
    expect((await staff(database.url, 'list')).stdout).toContain('owner  owner@clinic.example  Dr Wu');
  });

  it('says what is wrong, without a stack trace, for a bad role or a database the bot never started on', async () => {
    const bad = await staff(database.url, 'add', '--email', 'a@b.c', '--name', 'A', '--role', 'boss').catch((e) => e);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--role must be owner or agent');
    const empty = sqliteDatabase();
    const fresh = await staff(empty.url, 'list').catch((e) => e);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain('start Rapport once');
    expect(fresh.stderr).not.toMatch(/\n\s+at /);
    await empty.drop();
  });
});
