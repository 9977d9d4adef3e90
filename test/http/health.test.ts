// Liveness, readiness and metrics through the real app on each database.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { parseEnv } from '../../src/config.js';
import { SendError } from '../../src/errors.js';
import { Metrics } from '../../src/metrics.js';
import { RecordingChannel } from '../fakes/channel.js';
import { FakeClock } from '../fakes/clock.js';
import { testApp } from '../helpers/app.js';
import { describeOnEachDatabase, sqliteDatabase } from '../helpers/databases.js';

/** The value of one sample of the Prometheus text, or undefined when it is absent. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

const post = (app: App, userId: string, text: string) =>
  app.server.inject({
    method: 'POST',
    url: '/api/v1/messages',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ user: { id: userId }, text }),
  });

describeOnEachDatabase('health, readiness and metrics', (database, provider) => {
  const clock = new FakeClock(Date.parse('2026-11-02T10:00:00Z'));
  const fake = new RecordingChannel('fake');
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, { clock, adapters: [fake] });
  });
  afterAll(async () => {
    await app.stop().catch(() => {});
  });

  it('GET /readyz: database ok, each channel, and the outbox backlog with its oldest message', async () => {
    const empty = await app.server.inject('/readyz');
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({
      database: 'ok',
      channels: { api: 'ok', fake: 'ok' },
      outbox: { pending: 0, oldestPendingSeconds: 0 },
    });

    expect((await post(app, 'ready-1', '/start')).statusCode).toBe(200);
    clock.advance(90_000);
    expect((await post(app, 'ready-2', '/help')).statusCode).toBe(200);
    const queued = await app.store.db.outbox.count({ where: { status: 'pending' } });
    expect(queued).toBeGreaterThanOrEqual(2);
    const res = await app.server.inject('/readyz');
    expect(res.json().outbox).toEqual({ pending: queued, oldestPendingSeconds: 90 });
  });

  it('GET /metrics counts turns, FAQ bands, sends and failures, and reads the backlog and open tickets', async () => {
    await app.dispatcher.drain();
    const before = (await app.server.inject('/metrics')).body;
    const delta = (text: string, name: string) => (sample(text, name) ?? 0) - (sample(before, name) ?? 0);
    await post(app, 'metrics-1', 'do you sell spaceships on mars tomorrow');
    await post(app, 'metrics-1', '/human');
    fake.failures.push(new SendError('platform down'), new SendError('blocked', { unreachable: true }));
    for (const id of ['f-1', 'f-2']) {
      await app.engine.handleInbound({
        channel: 'fake',
        chatId: id,
        chatType: 'private',
        sender: { id },
        text: '/help',
        mentioned: false,
      });
    }
    await app.dispatcher.drain();

    const res = await app.server.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(delta(text, 'rapport_inbound_messages_total{channel="api"}')).toBe(2);
    expect(delta(text, 'rapport_inbound_messages_total{channel="fake"}')).toBe(2);
    expect(delta(text, 'rapport_turn_duration_seconds_count{channel="api"}')).toBe(2);
    // The question's band, as the FAQ logged it: answered, suggested or unknown.
    const faqEvent = await app.store.db.interaction.findFirst({
      where: { kind: { startsWith: 'faq_' } },
      orderBy: { id: 'desc' },
    });
    const band = { faq_answered: 'answered', faq_suggested: 'suggested', faq_unanswered: 'unknown' }[
      faqEvent?.kind as 'faq_answered'
    ];
    expect(delta(text, `rapport_faq_answers_total{band="${band}"}`)).toBe(1);
    expect(delta(text, 'rapport_send_failures_total{channel="fake",outcome="unreachable"}')).toBe(1);
    expect(delta(text, 'rapport_send_failures_total{channel="fake",outcome="retry"}')).toBe(1);
    // The retried message waits for its backoff: the one unsent message the backlog shows.
    expect(sample(text, 'rapport_outbox_pending')).toBe(1);
    const sentApi = await app.store.db.outbox.count({ where: { channel: 'api', status: 'sent' } });
    expect(sentApi).toBeGreaterThan(0);
    expect(sample(text, 'rapport_outbound_messages_total{channel="api"}')).toBe(sentApi);
    // "/human" opened a ticket nobody claimed yet.
    expect(sample(text, 'rapport_tickets_open{status="open"}')).toBe(1);
    expect(sample(text, 'rapport_tickets_open{status="claimed"}')).toBe(0);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('GET /metrics answers only local, unproxied clients while METRICS_TOKEN is unset', async () => {
    const proxied = await app.server.inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.statusCode).toBe(403);
    expect(proxied.json().error.code).toBe('FORBIDDEN');
    const remote = await app.server.inject({ url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(remote.statusCode).toBe(403);
  });

  it(`GET /healthz stays 200 and /readyz answers 503 when the database is gone (${provider.name})`, async () => {
    const own = provider.name === 'sqlite' ? sqliteDatabase() : await provider.create();
    const down = await testApp(own.url);
    try {
      if (provider.name === 'sqlite') {
        await down.store.close();
        // A closed Prisma client reconnects on demand; make the file unusable instead.
        const { rmSync, mkdirSync } = await import('node:fs');
        const path = own.url.slice('file:'.length);
        for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
        mkdirSync(path);
      } else {
        await own.drop(); // terminates the app's connections; reconnecting finds no database
      }
      const live = await down.server.inject('/healthz');
      expect(live.statusCode).toBe(200);
      expect(live.json()).toEqual({ status: 'ok' });
      const ready = await down.server.inject('/readyz');
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({
        database: 'unavailable',
        channels: { api: 'ok' },
        outbox: { pending: null, oldestPendingSeconds: null },
      });
    } finally {
      await down.stop().catch(() => {});
      await own.drop();
    }
  });
});

describe('METRICS_TOKEN', () => {
  it('must be at least 16 characters: a shorter one stops the start, named', () => {
    expect(() => parseEnv({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(parseEnv({ METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined();
  });

  it('needs Authorization: Bearer <METRICS_TOKEN> from everyone, local or not', async () => {
    const database = sqliteDatabase();
    const app = await testApp(database.url, { env: { METRICS_TOKEN: 'metrics-secret-0123456789' } });
    try {
      const none = await app.server.inject('/metrics');
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe('UNAUTHORIZED');
      const wrong = await app.server.inject({ url: '/metrics', headers: { authorization: 'Bearer nope' } });
      expect(wrong.statusCode).toBe(401);
      const ok = await app.server.inject({
        url: '/metrics',
        remoteAddress: '203.0.113.9',
        headers: { authorization: 'Bearer metrics-secret-0123456789', 'x-forwarded-for': '203.0.113.9' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('rapport_outbox_pending 0');
    } finally {
      await app.stop();
      await database.drop();
    }
  });
});

describe('Telegram in /readyz', () => {
  it('reports failing while the Bot API cannot be reached, and stopped after stop', async () => {
    const database = sqliteDatabase();
    // Nothing listens on port 9 of this machine: every Bot API call fails at once.
    const app = await testApp(database.url, {
      env: { TELEGRAM_BOT_TOKEN: '123456:test-token', TELEGRAM_API_ROOT: 'http://127.0.0.1:9' },
    });
    try {
      await app.start();
      let state: string | undefined;
      for (let i = 0; i < 100 && state !== 'failing'; i++) {
        state = (await app.server.inject('/readyz')).json().channels.telegram;
        if (state !== 'failing') await new Promise((r) => setTimeout(r, 50));
      }
      expect(state).toBe('failing');
      // The database answers: the instance is ready although a channel fails.
      expect((await app.server.inject('/readyz')).statusCode).toBe(200);
      await app.telegram?.stop();
      expect(app.telegram?.status()).toBe('stopped');
    } finally {
      await app.stop();
      await database.drop();
    }
  });
});

describe('request log', () => {
  it('logs method, route, status and ms at info, never the query string or a token', async () => {
    const database = sqliteDatabase();
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).trim().split('\n')) lines.push(JSON.parse(line));
        done();
      },
    });
    const app = await testApp(database.url, { logger: pino({ level: 'info' }, sink) });
    try {
      await app.server.inject({
        url: '/api/v1/messages?userId=secret-user&wait=0',
        headers: { authorization: 'Bearer some-secret-token' },
      });
      const entry = lines.find((l) => l.msg === 'request');
      expect(entry).toMatchObject({ method: 'GET', route: '/api/v1/messages', status: expect.any(Number) });
      expect(typeof entry?.ms).toBe('number');
      const all = JSON.stringify(lines);
      expect(all).not.toContain('secret-user');
      expect(all).not.toContain('some-secret-token');
    } finally {
      await app.stop();
      await database.drop();
    }
  });
});

describe('Metrics.job', () => {
  it('counts scheduled job runs by job and outcome and passes failures on', async () => {
    const database = sqliteDatabase();
    const app = await testApp(database.url);
    try {
      const metrics = new Metrics(app.store.db);
      expect(await metrics.job('birthdays', async () => 3)).toBe(3);
      await expect(metrics.job('birthdays', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      const text = await metrics.registry.metrics();
      expect(sample(text, 'rapport_job_runs_total{job="birthdays",outcome="ok"}')).toBe(1);
      expect(sample(text, 'rapport_job_runs_total{job="birthdays",outcome="failed"}')).toBe(1);
    } finally {
      await app.stop();
      await database.drop();
    }
  });
});
