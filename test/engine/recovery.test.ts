// A process that dies between storing a message and committing its turn: the message is
// answered after the restart (replay) or when the client delivers it again, and only once.
import { afterAll, afterEach, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { FakeOpenAi } from '../fakes/openai.js';
import { testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

// The dead instances' model calls are released only after every database is gone: a "dead"
// instance must not come back to life mid-test (Prisma reconnects lazily after a disconnect).
const deadInstances: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const release of deadInstances.splice(0)) await release();
});

describeOnEachDatabase('recovery', (database) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  const post = (app: App, userId: string, messageId: string) =>
    app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: userId }, text: '营业时间是几点？', messageId }),
    });

  /** Two messages stored by an instance that then dies mid-turn (its model call never returns). */
  async function crashMidTurn(tag: string): Promise<void> {
    const model = new FakeOpenAi();
    model.reply = () => ({ delayMs: 600_000, content: '{}' });
    const baseURL = await model.start();
    const doomed = await testApp(database().url, {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: baseURL, OPENAI_TIMEOUT_MS: '300000' },
    });
    // Their requests never complete: the process "dies" below.
    const hanging = [post(doomed, `${tag}-a`, `${tag}-a-1`), post(doomed, `${tag}-b`, `${tag}-b-1`)];
    await expect.poll(() => model.requests.length, { timeout: 10_000 }).toBe(2);
    // kill -9: the database connection goes, nothing after intake commits.
    await doomed.store.close();
    deadInstances.push(async () => {
      await model.stop();
      await Promise.allSettled(hanging);
    });
  }

  const turnsOf = async (app: App, externalId: string) => {
    const customer = { identities: { some: { channel: 'api', externalId } } };
    return {
      inbound: await app.store.db.interaction.findMany({ where: { direction: 'in', customer } }),
      outbound: await app.store.db.interaction.count({ where: { direction: 'out', customer } }),
      outbox: await app.store.db.outbox.count({ where: { channel: 'api', chatId: externalId } }),
    };
  };

  it('answers the stored messages on redelivery and at restart, each exactly once', async () => {
    await crashMidTurn('crash');
    const app = await testApp(database().url);
    cleanups.push(() => app.stop());
    const stored = await app.store.db.interaction.findMany({ where: { direction: 'in', handledAt: null } });
    expect(stored.map((r) => r.platformMessageId).sort()).toEqual(['crash-a-1', 'crash-b-1']);
    expect(await app.store.db.outbox.count()).toBe(0);

    // The client of crash-b retries with the same messageId before the restart replays it.
    const retry = await post(app, 'crash-b', 'crash-b-1');
    expect(retry.statusCode).toBe(200);
    expect(retry.json().duplicate).toBeUndefined();
    expect(retry.json().replies.length).toBeGreaterThan(0);
    const replies = retry.json().replies.length;

    // Starting replays what is left: crash-a's message is answered without any client action.
    await app.start();
    const a = await turnsOf(app, 'crash-a');
    expect(a.inbound).toHaveLength(1);
    expect(a.inbound[0]?.handledAt).toBeInstanceOf(Date);
    expect(a.outbox).toBeGreaterThan(0);
    expect(a.outbound).toBe(a.outbox);

    // Handled now: further repeats are duplicates, and nothing was answered twice.
    for (const [user, id] of [
      ['crash-a', 'crash-a-1'],
      ['crash-b', 'crash-b-1'],
    ] as const) {
      const again = await post(app, user, id);
      expect(again.json()).toEqual({ replies: [], duplicate: true });
    }
    const b = await turnsOf(app, 'crash-b');
    expect(b.outbox).toBe(replies);
    expect(b.outbound).toBe(replies);
    await app.engine.idle();
    expect(await app.store.db.interaction.count({ where: { direction: 'in', handledAt: null } })).toBe(0);
  });

  it('replays in a running instance what another instance left behind, after a grace period', async () => {
    await crashMidTurn('other');
    const app = await testApp(database().url);
    cleanups.push(() => app.stop());
    const { InboundReplay } = await import('../../src/engine/replay.js');
    const { silentLogger } = await import('../helpers/app.js');
    const replay = new InboundReplay({
      db: app.store.db,
      provider: app.store.provider,
      engine: app.engine,
      logger: silentLogger,
    });
    // Young messages may be mid-turn in their instance: left alone.
    expect(await replay.run(60_000)).toBe(0);
    expect(await replay.run(0)).toBe(2);
    expect(await app.store.db.interaction.count({ where: { direction: 'in', handledAt: null } })).toBe(0);
    expect((await turnsOf(app, 'other-a')).outbox).toBeGreaterThan(0);
    // A second pass finds nothing: each message was answered once.
    expect(await replay.run(0)).toBe(0);
  });
});
