// The real entry point as a user runs it: a fresh directory, no settings, then a signal.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const tsx = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'rapport-main-'));

interface Running {
  child: ChildProcess;
  output: () => string;
  url: string;
}

async function start(): Promise<Running> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'info', CI: '1' };
  for (const k of ['DATABASE_URL', 'ADMIN_TOKEN', 'API_CHANNEL_KEY', 'RAPPORT_CONFIG', 'DATA_DIR']) delete env[k];
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/main.ts')], { cwd: dir, env });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = out.match(/web chat at (http:\/\/[^\s"/]+)\//);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
  return { child, output: () => out, url };
}

function stop(r: Running, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
  const began = Date.now();
  return new Promise((resolve) => {
    r.child.on('exit', (code) => resolve({ code, ms: Date.now() - began }));
    r.child.kill(signal);
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start on a fresh directory', () => {
  it('creates the data directory, migrates, serves the chat, prints the admin token once, and stops on a signal', async () => {
    const first = await start();
    expect(existsSync(join(dir, 'data', 'rapport.db'))).toBe(true);
    const token = readFileSync(join(dir, 'data', 'admin-token'), 'utf8').trim();
    expect(first.output()).toContain(token);
    expect(first.output()).toMatch(/applied [1-9]\d* migration/);
    // No API_CHANNEL_KEY: the log says the channel is open and how to close it.
    expect(first.output()).toMatch(/API channel is OPEN.*set API_CHANNEL_KEY to close it/);

    const res = await fetch(`${first.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { id: 'fresh' }, text: '/start' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { replies: { text: string }[] };
    expect(body.replies[0]?.text).toMatch(/欢迎/);
    expect((await fetch(`${first.url}/`)).status).toBe(200);
    const customers = await fetch(`${first.url}/api/v1/customers`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await customers.json()) as { customers: unknown[] }).customers).toHaveLength(1);

    const stopped = await stop(first, 'SIGTERM');
    expect(stopped.code).toBe(0);
    expect(first.output()).toMatch(/SIGTERM: stopping/);

    // A second start finds the database and the token: no migration, no token printed.
    const second = await start();
    expect(second.output()).not.toContain(token);
    expect(second.output()).not.toMatch(/applied \d+ migration/);
    const history = await fetch(`${second.url}/api/v1/messages?userId=fresh`);
    expect(((await history.json()) as { messages: unknown[] }).messages).toHaveLength(1);
    const again = await stop(second, 'SIGINT');
    expect(again.code).toBe(0);
  }, 90_000);

  it('reads settings from a .env file in the working directory', async () => {
    writeFileSync(join(dir, '.env'), 'API_CHANNEL_KEY=key-from-dotenv\n');
    try {
      const running = await start();
      const post = (headers: Record<string, string>) =>
        fetch(`${running.url}/api/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ user: { id: 'dotenv' }, text: '/help' }),
        });
      expect((await post({})).status).toBe(401);
      expect(running.output()).not.toMatch(/API channel is OPEN/);
      expect(running.output()).toMatch(/calls need API_CHANNEL_KEY, a session token/);
      expect((await post({ authorization: 'Bearer key-from-dotenv' })).status).toBe(200);
      expect((await stop(running, 'SIGTERM')).code).toBe(0);
    } finally {
      rmSync(join(dir, '.env'));
    }
  }, 60_000);

  it('refuses to start with a bad setting and names it', async () => {
    const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/main.ts')], {
      cwd: dir,
      env: { ...process.env, PORT: 'not-a-port', CI: '1' },
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(err).toMatch(/PORT:/);
    expect(err).not.toMatch(/\n\s+at /);
  }, 30_000);

  /** Runs the entry point to its end: exit code and what it printed on stderr. */
  async function failedStart(env: Record<string, string>): Promise<{ code: unknown; err: string }> {
    const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/main.ts')], {
      cwd: dir,
      env: { ...process.env, PORT: '0', CI: '1', LOG_LEVEL: 'warn', ...env },
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    return { code, err };
  }
  const oneLine = (err: string) =>
    err
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('rapport:'));

  it('says in one line when the database cannot be reached, the port is taken or KNOWLEDGE_DIR is a file', async () => {
    const db = await failedStart({ DATABASE_URL: 'postgresql://rapport:secret@127.0.0.1:1/nowhere' });
    expect(db.code).toBe(1);
    expect(oneLine(db.err)).toEqual([
      expect.stringMatching(
        /^rapport: failed to start: the database at postgresql:\/\/rapport:\*\*\*@127\.0\.0\.1:1\/nowhere cannot be used/,
      ),
    ]);
    expect(db.err).not.toMatch(/\n\s+at |secret/);

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as AddressInfo).port);
    try {
      const busy = await failedStart({ PORT: port });
      expect(busy.code).toBe(1);
      expect(busy.err).toMatch(new RegExp(`rapport: failed to start: port ${port} on 127.0.0.1 is already in use`));
      expect(busy.err).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }

    writeFileSync(join(dir, 'not-a-folder'), 'x');
    const kb = await failedStart({ KNOWLEDGE_DIR: 'not-a-folder' });
    expect(kb.code).toBe(78);
    expect(kb.err).toMatch(/KNOWLEDGE_DIR: .*not-a-folder is a file/);
  }, 60_000);

  it('refuses a second instance on the same SQLite file, and starts after a crash of the first', async () => {
    const first = await start();
    const second = await failedStart({});
    expect(second.code).toBe(78);
    expect(second.err).toMatch(new RegExp(`another Rapport \\(pid ${first.child.pid}\\) is running`));
    // A crashed first instance leaves its pid file behind: the next start takes it over.
    const killed = new Promise((resolve) => first.child.on('exit', resolve));
    first.child.kill('SIGKILL');
    await killed;
    const third = await start();
    expect((await fetch(`${third.url}/healthz`)).status).toBe(200);
    expect((await stop(third, 'SIGTERM')).code).toBe(0);
  }, 90_000);
});
