// A real server process under concurrent load is killed with SIGKILL and started again. Every
// message the server acknowledged, and every one a client had in flight and sends again with its
// messageId, must end up stored once and answered once; the replies the dead process had queued
// are delivered by the new one. Run alone with `npm run test:crash`; it is part of `npm test` too.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

const root = join(import.meta.dirname, '..', '..');
const tsx = import.meta.resolve('tsx');
const CLIENTS = 40;
/** How long the load runs before the kill. */
const LOAD_MS = 2500;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Server {
  child: ChildProcess;
  url: string;
}

async function startServer(databaseUrl: string, dir: string): Promise<Server> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    LOG_LEVEL: 'info',
    CI: '1',
    DATABASE_URL: databaseUrl,
    DATA_DIR: join(dir, 'data'),
    KNOWLEDGE_DIR: join(root, 'knowledge'),
    RAPPORT_CONFIG: join(dir, 'rapport.config.yaml'),
  };
  for (const k of ['ADMIN_TOKEN', 'API_CHANNEL_KEY', 'OPENAI_API_KEY', 'SLACK_BOT_TOKEN', 'TELEGRAM_BOT_TOKEN']) {
    delete env[k];
  }
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/main.ts')], { cwd: dir, env });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${out}`)), 60_000);
    const read = (d: Buffer) => {
      out += d;
      const m = out.match(/web chat at (http:\/\/[^\s"/]+)\//);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
  return { child, url };
}

interface Sent {
  userId: string;
  messageId: string;
  /** Replies the server acknowledged the message with; undefined while unacknowledged. */
  replies?: number;
  duplicate?: boolean;
}

async function post(url: string, m: Sent): Promise<{ replies: unknown[]; duplicate?: boolean }> {
  const res = await fetch(`${url}/api/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { id: m.userId }, text: '/points', messageId: m.messageId }),
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as { replies: unknown[]; duplicate?: boolean };
}

/** One client: sends messages one after another until the server dies; returns all it sent. */
async function client(url: string, userId: string, stop: { killed: boolean }): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let n = 0; !stop.killed; n++) {
    const m: Sent = { userId, messageId: `${userId}-${n}` };
    sent.push(m);
    try {
      const body = await post(url, m);
      m.replies = body.replies.length;
      m.duplicate = body.duplicate === true;
    } catch {
      return sent; // the server is gone: this one is in flight, unacknowledged
    }
  }
  return sent;
}

describeOnEachDatabase('kill -9 under load', (database) => {
  it('answers every acknowledged and every resent message once after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-crash-'));
    dirs.push(dir);
    // Clients send faster than a customer may: lift the per-customer limit for this test.
    writeFileSync(
      join(dir, 'rapport.config.yaml'),
      'loyalty:\n  rules:\n    welcome: 0\nlimits:\n  perCustomer:\n    messages: 100000\n    seconds: 60\n',
    );
    const first = await startServer(database().url, dir);
    const stop = { killed: false };
    const clients = Array.from({ length: CLIENTS }, (_, i) => client(first.url, `load-${i}`, stop));
    await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
    stop.killed = true;
    const died = new Promise((resolve) => first.child.on('exit', resolve));
    first.child.kill('SIGKILL');
    await died;
    const sent = (await Promise.all(clients)).flat();
    const acknowledged = sent.filter((m) => m.replies !== undefined);
    const inFlight = sent.filter((m) => m.replies === undefined);
    expect(acknowledged.length).toBeGreaterThan(CLIENTS);

    // What the dead process left: messages stored but never answered, replies never sent.
    const before = await openStore(database().url, { migrate: false });
    const unhandled = await before.db.interaction.count({ where: { direction: 'in', handledAt: null } });
    const unsent = await before.db.outbox.count({ where: { status: { not: 'sent' } } });
    await before.close();

    // The restart replays what was stored but not answered (before it says it is up); then the
    // clients send again what they never got an answer for, with the same messageId.
    const second = await startServer(database().url, dir);
    try {
      const store = await openStore(database().url, { migrate: false });
      expect(await store.db.interaction.count({ where: { direction: 'in', handledAt: null } })).toBe(0);
      for (const m of inFlight) {
        const body = await post(second.url, m);
        m.replies = body.replies.length;
        m.duplicate = body.duplicate === true;
      }
      console.info(
        `kill -9 after ${acknowledged.length} acknowledged messages: ${inFlight.length} in flight, ${unhandled} stored but unanswered, ${unsent} replies unsent`,
      );
      // Every reply queued, by either process, is delivered: the dead one's leases run out.
      try {
        await expect
          .poll(() => store.db.outbox.count({ where: { status: { not: 'sent' } } }), { timeout: 45_000, interval: 500 })
          .toBe(0);
        const inbound = await store.db.interaction.findMany({
          where: { direction: 'in', channel: 'api' },
          select: { platformMessageId: true, handledAt: true, customerId: true },
        });
        const byId = new Map(inbound.map((r) => [r.platformMessageId, r]));
        // Stored once (the unique key) and handled, for every message a client sent.
        for (const m of sent) expect(byId.get(m.messageId)?.handledAt, m.messageId).toBeInstanceOf(Date);
        expect(inbound.every((r) => r.handledAt !== null)).toBe(true);

        // Answered once: "/points" gets one reply per turn, so each customer has exactly as many
        // replies (logged and queued) as messages.
        const replies = await store.db.interaction.groupBy({
          by: ['customerId'],
          where: { direction: 'out', channel: 'api' },
          _count: { _all: true },
        });
        const queued = await store.db.outbox.groupBy({
          by: ['chatId'],
          where: { channel: 'api' },
          _count: { _all: true },
        });
        const messages = new Map<string, number>();
        for (const r of inbound) messages.set(r.customerId as string, (messages.get(r.customerId as string) ?? 0) + 1);
        expect(acknowledged.filter((m) => !m.duplicate).every((m) => m.replies === 1)).toBe(true);
        expect(replies).toHaveLength(CLIENTS);
        for (const r of replies) expect(r._count._all).toBe(messages.get(r.customerId as string));
        expect(queued.reduce((n, q) => n + q._count._all, 0)).toBe(inbound.length);
        expect(inbound.length).toBe(sent.length);
      } finally {
        await store.close();
      }
    } finally {
      const exited = new Promise((resolve) => second.child.on('exit', resolve));
      second.child.kill('SIGKILL');
      await exited;
    }
  }, 150_000);
});
