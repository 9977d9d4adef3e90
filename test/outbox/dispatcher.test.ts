import { afterEach, expect, it, vi } from 'vitest';
import type { App } from '../../src/app.js';
import type { InboundMessage } from '../../src/engine/types.js';
import { SendError } from '../../src/errors.js';
import { Dispatcher } from '../../src/outbox/dispatcher.js';
import { openStore } from '../../src/store/index.js';
import { RecordingChannel } from '../fakes/channel.js';
import { FakeClock } from '../fakes/clock.js';
import { silentLogger, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

let seq = 0;
function msg(channel: string, chatId: string, text: string, chatType: 'private' | 'group' = 'private'): InboundMessage {
  return { channel, chatId, chatType, sender: { id: chatId }, text, mentioned: true, platformMessageId: `d-${++seq}` };
}

describeOnEachDatabase('outbox', (database) => {
  const started: App[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((a) => a.stop()));
  });
  async function track(app: Promise<App>): Promise<App> {
    started.push(await app);
    return started.at(-1) as App;
  }

  /** An app whose dispatcher only runs when the test says so, with a fake channel and clock. */
  async function setup(channelName: string, pacing: ConstructorParameters<typeof RecordingChannel>[1] = []) {
    const clock = new FakeClock();
    const channel = new RecordingChannel(channelName, pacing, () => clock.now());
    const app = await track(testApp(database().url, { adapters: [channel], clock }));
    return { app, channel, clock };
  }

  it('sends a reply that was queued before a crash after the restart', async () => {
    const first = await setup('crashy');
    await first.app.engine.handleInbound(msg('crashy', 'c1', '/help'));
    await first.app.engine.handleInbound(msg('crashy', 'c1', '/lang en'));
    // The process dies before its dispatcher ran: close the database without sending anything.
    await first.app.store.close();
    expect(first.channel.delivered).toHaveLength(0);

    const second = await setup('crashy');
    await second.app.dispatcher.drain();
    expect(second.channel.delivered.map((d) => d.message.text)).toEqual([
      expect.stringMatching(/帮/),
      expect.stringMatching(/English/),
    ]);
    const pending = await second.app.store.db.outbox.count({ where: { channel: 'crashy', status: { not: 'sent' } } });
    expect(pending).toBe(0);
  });

  it('takes over messages whose sender died mid-send once the lease expires', async () => {
    const { app, channel, clock } = await setup('lease');
    await app.engine.handleInbound(msg('lease', 'l1', '/help'));
    // Another instance claimed it and crashed: status "sending" with a lease.
    await app.store.db.outbox.updateMany({
      where: { channel: 'lease' },
      data: { status: 'sending', leaseOwner: 'dead-instance', nextAttemptAt: new Date(clock.now() + 60_000) },
    });
    await app.dispatcher.drain();
    expect(channel.delivered).toHaveLength(0);
    clock.advance(61_000);
    await app.dispatcher.drain();
    expect(channel.delivered).toHaveLength(1);
  });

  it('paces one chat to one message a second without holding up other chats', async () => {
    const { app, channel, clock } = await setup('paced', [{ scope: 'chat', max: 1, windowMs: 1000 }]);
    const start = clock.now();
    for (const text of ['/help', '/lang en', '/help']) await app.engine.handleInbound(msg('paced', 'p1', text));
    await app.engine.handleInbound(msg('paced', 'p2', '/help'));
    await app.dispatcher.drain();
    const p1 = channel.delivered.filter((d) => d.target.chatId === 'p1');
    const p2 = channel.delivered.filter((d) => d.target.chatId === 'p2');
    expect(p1.map((d) => d.at - start)).toEqual([0, 1000, 2000]);
    expect(p2.map((d) => d.at - start)).toEqual([0]);
  });

  it('applies a per-group limit only to groups and a channel-wide limit to all chats', async () => {
    const rules = [
      { scope: 'group' as const, max: 2, windowMs: 60_000 },
      { scope: 'channel' as const, max: 100, windowMs: 1000 },
    ];
    const { app, channel, clock } = await setup('grouped', rules);
    const start = clock.now();
    for (let i = 0; i < 3; i++) await app.engine.handleInbound(msg('grouped', 'g1', '/help', 'group'));
    for (let i = 0; i < 3; i++) await app.engine.handleInbound(msg('grouped', 'dm', '/help'));
    await app.dispatcher.drain();
    const times = (chatId: string) =>
      channel.delivered.filter((d) => d.target.chatId === chatId).map((d) => d.at - start);
    expect(times('g1')).toEqual([0, 0, 60_000]);
    expect(times('dm')).toEqual([0, 0, 0]);
  });

  it('retries with backoff, honours retry-after, keeps the chat in order, and gives up after the limit', async () => {
    const { app, channel, clock } = await setup('flaky');
    const start = clock.now();
    channel.failures.push(new SendError('HTTP 429', { retryAfterMs: 7000 }), new SendError('network down'));
    await app.engine.handleInbound(msg('flaky', 'f1', '/help'));
    await app.engine.handleInbound(msg('flaky', 'f1', '/lang en'));
    await app.dispatcher.drain();
    expect(channel.delivered).toHaveLength(0);
    const waiting = await app.store.db.outbox.findMany({ where: { channel: 'flaky' }, orderBy: { id: 'asc' } });
    expect(waiting.map((w) => w.status)).toEqual(['pending', 'pending']);
    expect(waiting[0]?.attempts).toBe(1);
    expect(waiting[0]?.nextAttemptAt.getTime()).toBe(start + 7000);

    clock.advance(7000);
    await app.dispatcher.drain();
    const retried = await app.store.db.outbox.findFirstOrThrow({
      where: { channel: 'flaky' },
      orderBy: { id: 'asc' },
    });
    expect(retried.attempts).toBe(2);
    const delay = retried.nextAttemptAt.getTime() - clock.now();
    // Second attempt: base 2 s doubled once, ±20 % jitter.
    expect(delay).toBeGreaterThanOrEqual(3200);
    expect(delay).toBeLessThanOrEqual(4800);
    expect(channel.delivered).toHaveLength(0);

    clock.advance(delay);
    await app.dispatcher.drain();
    expect(channel.delivered.map((d) => d.message.text)).toEqual([
      expect.stringMatching(/帮/),
      expect.stringMatching(/English/),
    ]);
  });

  it('marks a message failed after the last attempt and logs it for the customer', async () => {
    const clock = new FakeClock();
    const channel = new RecordingChannel('doomed', [], () => clock.now());
    const app = await track(
      testApp(database().url, { adapters: [channel], clock, yaml: 'outbox: { maxAttempts: 2 }' }),
    );
    channel.failures.push(new SendError('boom'), new SendError('boom again'));
    await app.engine.handleInbound(msg('doomed', 'x1', '/help'));
    await app.dispatcher.drain();
    clock.advance(60_000);
    await app.dispatcher.drain();
    const row = await app.store.db.outbox.findFirstOrThrow({ where: { channel: 'doomed' } });
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(2);
    expect(row.lastError).toBe('boom again');
    const logged = await app.store.db.interaction.findFirst({
      where: { channel: 'doomed', kind: 'delivery_failed' },
    });
    expect(logged?.customerId).toBe(row.customerId);
  });

  it('stops at once for a blocked recipient and marks the identity unreachable', async () => {
    const { app, channel } = await setup('blocked');
    channel.failures.push(new SendError('Forbidden: bot was blocked by the user', { unreachable: true }));
    await app.engine.handleInbound(msg('blocked', 'b1', '/help'));
    await app.dispatcher.drain();
    const row = await app.store.db.outbox.findFirstOrThrow({ where: { channel: 'blocked' } });
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(1);
    const identity = await app.store.db.channelIdentity.findUniqueOrThrow({
      where: { channel_externalId: { channel: 'blocked', externalId: 'b1' } },
    });
    expect(identity.reachable).toBe(false);
  });

  it('does not send a message twice when two dispatchers share the database', async () => {
    const { app, channel } = await setup('shared');
    for (let i = 0; i < 30; i++) await app.engine.handleInbound(msg('shared', `s${i}`, '/help'));
    const other = new Dispatcher({
      db: app.store.db,
      provider: app.store.provider,
      adapters: app.adapters,
      logger: silentLogger,
    });
    await Promise.all([app.dispatcher.drain(), other.drain()]);
    expect(channel.delivered).toHaveLength(30);
    expect(new Set(channel.delivered.map((d) => d.target.outboxId)).size).toBe(30);
  });

  it('holds no more of a channel-paced backlog than its pace sends in half a lease, and goes on with other channels', async () => {
    const clock = new FakeClock();
    // One message a minute for the whole channel: half a lease sends none, so one claim (5 rows) is its maximum in flight.
    const slow = new RecordingChannel('trickle', [{ scope: 'channel', max: 1, windowMs: 60_000 }], () => clock.now());
    const fast = new RecordingChannel('flood', [], () => clock.now());
    const app = await track(testApp(database().url, { adapters: [slow, fast], clock }));
    for (let i = 0; i < 20; i++) await app.engine.handleInbound(msg('trickle', `t${i}`, '/help'));
    const dispatcher = new Dispatcher({
      db: app.store.db,
      provider: app.store.provider,
      adapters: app.adapters,
      logger: silentLogger,
      // Waiting for the pace lasts until the dispatcher stops.
      clock: { now: () => clock.now(), sleep: () => new Promise<void>(() => {}) },
      batchSize: 5,
      leaseMs: 15_000,
    });
    const count = (channel: string, status: string) => app.store.db.outbox.count({ where: { channel, status } });
    const backlog = await count('trickle', 'pending');
    expect(backlog).toBeGreaterThanOrEqual(20);
    try {
      expect(await dispatcher.tick()).toBe(5);
      expect(await dispatcher.tick()).toBe(0);
      // The first goes at once; the other four wait for the pace. Below its maximum, the channel
      // is claimed for again (one claim more at most), then no more.
      await expect.poll(() => count('trickle', 'sent')).toBe(1);
      // The sent mark is in the database a moment before the lane counts the message done.
      await expect.poll(() => dispatcher.tick()).toBe(5);
      expect(await dispatcher.tick()).toBe(0);
      expect(await dispatcher.tick()).toBe(0);
      expect(await count('trickle', 'sending')).toBe(9);
      expect(await count('trickle', 'pending')).toBe(backlog - 10);
      // Another channel's messages are claimed meanwhile.
      for (let i = 0; i < 3; i++) await app.engine.handleInbound(msg('flood', `f${i}`, '/help'));
      const flood = await count('flood', 'pending');
      expect(flood).toBeGreaterThanOrEqual(3);
      expect(await dispatcher.tick()).toBe(Math.min(flood, 5));
      await expect.poll(() => count('flood', 'sent')).toBe(Math.min(flood, 5));
      expect(await count('trickle', 'sending')).toBe(9);
    } finally {
      await dispatcher.stop();
    }
    expect(slow.delivered).toHaveLength(1);
  });

  it('stops promptly while a chat waits for its pace, leaving the rest for the next start', async () => {
    const channel = new RecordingChannel('slow', [{ scope: 'chat', max: 1, windowMs: 60_000 }]);
    const app = await track(testApp(database().url, { adapters: [channel], dispatcherPollMs: 50 }));
    for (const text of ['/help', '/lang en', '/help']) await app.engine.handleInbound(msg('slow', 'w1', text));
    await app.start();
    await expect.poll(() => channel.delivered.length, { timeout: 5000 }).toBe(1);
    // Waiting out the pace would take a minute, past the test's time limit.
    await app.stop();
    // Read through a store of its own: the stopped app's client would silently reconnect.
    const store = await openStore(database().url);
    const rows = await store.db.outbox.findMany({ where: { channel: 'slow' }, orderBy: { id: 'asc' } });
    await store.close();
    expect(rows.map((r) => r.status)).toEqual(['sent', 'pending', 'pending']);
  });

  it('sends in the background once started, and finishes its sends on stop', async () => {
    const channel = new RecordingChannel('live');
    const app = await track(testApp(database().url, { adapters: [channel], dispatcherPollMs: 50 }));
    await app.start();
    await app.engine.handleInbound(msg('live', 'v1', '/help'));
    await expect.poll(() => channel.delivered.length, { timeout: 5000 }).toBe(1);
  });

  it('sends the replies a turn commit claimed (PostgreSQL) with no claim of their own, each chat in order', async () => {
    const channel = new RecordingChannel('handed');
    // A poll a minute apart: only the commit's hand-over or a wake-up sends anything within the test.
    const app = await track(testApp(database().url, { adapters: [channel], dispatcherPollMs: 60_000 }));
    await app.engine.handleInbound(msg('handed', 'h2', '/help'));
    await app.start();
    await expect.poll(() => channel.delivered.length, { timeout: 5000 }).toBe(1);

    const ticks = vi.spyOn(app.dispatcher, 'tick');
    await app.engine.handleInbound(msg('handed', 'h1', '/help'));
    await app.engine.handleInbound(msg('handed', 'h2', '/lang en'));
    await app.engine.handleInbound(msg('handed', 'h2', '/help'));
    await expect.poll(() => channel.delivered.length, { timeout: 5000 }).toBe(4);
    const texts = (chatId: string) =>
      channel.delivered.filter((d) => d.target.chatId === chatId).map((d) => d.message.text);
    expect(texts('h2')).toEqual([
      expect.stringMatching(/帮/),
      expect.stringMatching(/English/),
      expect.stringMatching(/help/i),
    ]);
    expect(texts('h1')).toEqual([expect.stringMatching(/帮/)]);
    await expect
      .poll(() => app.store.db.outbox.count({ where: { channel: 'handed', status: { not: 'sent' } } }), {
        timeout: 5000,
      })
      .toBe(0);
    // PostgreSQL hands a chat with nothing open straight over; SQLite's dispatcher claims as before.
    if (app.store.provider === 'postgresql') expect(ticks).not.toHaveBeenCalled();
    else expect(ticks).toHaveBeenCalled();
  });

  it('gives back replies handed over after it stopped', async () => {
    const { app } = await setup('late');
    await app.engine.handleInbound(msg('late', 'g1', '/help'));
    const [row] = await app.store.db.outbox.findMany({ where: { channel: 'late' } });
    await app.store.db.outbox.update({
      where: { id: row?.id as number },
      data: { status: 'sending', leaseOwner: app.dispatcher.owner, nextAttemptAt: new Date(Date.now() + 60_000) },
    });
    expect(app.dispatcher.lease()).toBeNull();
    app.dispatcher.adopt([
      {
        id: row?.id as number,
        channel: 'late',
        chatId: 'g1',
        chatType: 'private',
        customerId: 'x',
        message: { text: 'x' },
      },
    ]);
    await expect
      .poll(async () => (await app.store.db.outbox.findUnique({ where: { id: row?.id as number } }))?.status, {
        timeout: 5000,
      })
      .toBe('pending');
  });

  it('renews the leases of a live sender, and another instance takes over within 15 s once they stop', async () => {
    const { app, clock } = await setup('renew');
    // A channel whose first send hangs: instance A is alive but busy with this chat.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = new RecordingChannel('renew', [], () => clock.now());
    const hangingSend = slow.send.bind(slow);
    slow.send = async (target, message) => {
      await gate;
      await hangingSend(target, message);
    };
    const instance = (channel: RecordingChannel) =>
      new Dispatcher({
        db: app.store.db,
        provider: app.store.provider,
        adapters: new Map([['renew', channel]]),
        logger: silentLogger,
        clock,
      });
    await app.engine.handleInbound(msg('renew', 'r1', '/help'));
    await app.engine.handleInbound(msg('renew', 'r1', '/lang en'));
    const a = instance(slow);
    expect(await a.tick()).toBe(2);

    const other = new RecordingChannel('renew', [], () => clock.now());
    const b = instance(other);
    // 20 s pass with a renewal in between: A still holds both messages.
    clock.advance(10_000);
    await a.renewLeases();
    clock.advance(10_000);
    expect(await b.tick()).toBe(0);
    // A stops renewing (it died): within 15 s of its last renewal B takes the chat over, in order.
    clock.advance(5_001);
    await b.drain();
    expect(other.delivered.map((d) => d.message.text)).toEqual([
      expect.stringMatching(/帮/),
      expect.stringMatching(/English/),
    ]);
    release();
    await a.settle();
  });
});
