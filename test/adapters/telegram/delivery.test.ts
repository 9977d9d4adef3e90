// Sending to Telegram through the outbox: the dispatcher paces by the adapter's rules (1/s per chat,
// 20/min per group, 30/s overall) and acts on the adapter's error mapping (429 retry_after, 403
// unreachable, other 4xx permanent, 5xx retried); long texts go as several messages. Against a
// loopback Bot API, with a fake clock: nothing here waits for real time.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { TelegramAdapter } from '../../../adapters/telegram/index.js';
import type { App } from '../../../src/app.js';
import type { InboundMessage } from '../../../src/engine/types.js';
import { SendError } from '../../../src/errors.js';
import { FakeClock } from '../../fakes/clock.js';
import { silentLogger, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { FakeBotApi } from './fake-bot-api.js';

let seq = 0;
function inbound(chatId: number, text: string, chatType: 'private' | 'group' = 'private', sender = chatId) {
  return {
    channel: 'telegram',
    chatId: String(chatId),
    chatType,
    sender: { id: String(sender), name: 'Mei' },
    text,
    mentioned: true,
    platformMessageId: `msg:${chatId}:${++seq}`,
  } satisfies InboundMessage;
}

/** The most sends any window of `windowMs` holds. */
function maxInWindow(sends: { at: number }[], windowMs: number): number {
  const times = sends.map((s) => s.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describeOnEachDatabase('Telegram delivery through the outbox', (database) => {
  let app: App;
  let api: FakeBotApi;
  let adapter: TelegramAdapter;
  const clock = new FakeClock(Date.parse('2026-07-01T02:00:00Z'));
  let chat = 5000;
  /** When the dispatcher handed each message to the adapter, on the fake clock. */
  const dispatched: { chatId: string; at: number }[] = [];
  const dispatchedTo = (chatId: number) => dispatched.filter((d) => d.chatId === String(chatId));

  beforeAll(async () => {
    api = new FakeBotApi(() => clock.now());
    const apiRoot = await api.start();
    adapter = new TelegramAdapter({ token: '999:delivery-token', apiRoot, logger: silentLogger });
    const send = adapter.send.bind(adapter);
    adapter.send = (target, message) => {
      dispatched.push({ chatId: target.chatId, at: clock.now() });
      return send(target, message);
    };
    // Not started: the test runs the dispatcher itself (drain), receiving is not needed here.
    app = await testApp(database().url, { adapters: [adapter], clock });
  });
  afterEach(() => {
    api.failures.clear();
  });
  afterAll(async () => {
    await app?.stop();
    await api?.stop();
  });

  async function outboxOf(chatId: number) {
    return app.store.db.outbox.findMany({
      where: { channel: 'telegram', chatId: String(chatId) },
      orderBy: { id: 'asc' },
    });
  }

  it('declares Telegram’s limits as pacing rules', () => {
    expect(app.telegram).toBe(adapter);
    expect(adapter.capabilities.pacing).toEqual([
      { scope: 'chat', max: 1, windowMs: 1000 },
      { scope: 'group', max: 20, windowMs: 60_000 },
      { scope: 'channel', max: 30, windowMs: 1000 },
    ]);
  });

  it('sends at most one message a second to a chat', async () => {
    const id = ++chat;
    for (const text of ['/help', '/points', '/lang en']) await app.engine.handleInbound(inbound(id, text));
    await app.dispatcher.drain();
    const sends = api.sentTo(id);
    expect(sends).toHaveLength(3);
    expect(maxInWindow(dispatchedTo(id), 1000)).toBe(1);
    expect(sends.map((s) => s.body.text)).toEqual([
      expect.stringMatching(/我可以帮您/),
      expect.stringMatching(/当前积分/),
      expect.stringMatching(/English/),
    ]);
  });

  it('sends at most 20 messages a minute to a group', async () => {
    const group = -++chat;
    for (let i = 0; i < 22; i++) await app.engine.handleInbound(inbound(group, '/points', 'group', 7000 + i));
    await app.dispatcher.drain();
    expect(api.sentTo(group)).toHaveLength(22);
    expect(maxInWindow(dispatchedTo(group), 60_000)).toBe(20);
    expect(maxInWindow(dispatchedTo(group), 1000)).toBe(1);
  });

  it('sends at most 30 messages a second across chats', async () => {
    clock.advance(60_000); // the earlier tests' sends leave the window
    const first = chat + 1;
    for (let i = 0; i < 35; i++) await app.engine.handleInbound(inbound(++chat, '/points'));
    const before = dispatched.length;
    await app.dispatcher.drain();
    const sends = dispatched.slice(before);
    expect(new Set(sends.map((s) => Number(s.chatId)))).toEqual(
      new Set(Array.from({ length: 35 }, (_, i) => first + i)),
    );
    expect(maxInWindow(sends, 1000)).toBe(30);
  });

  it('429: waits for Telegram’s retry_after, then sends', async () => {
    const id = ++chat;
    api.fail('sendMessage', { status: 429, retryAfter: 7 });
    await app.engine.handleInbound(inbound(id, '/points'));
    await app.dispatcher.drain();
    const [row] = await outboxOf(id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/429/) });
    expect(row?.nextAttemptAt.getTime()).toBe(clock.now() + 7000);

    clock.advance(6999);
    await app.dispatcher.drain();
    expect(api.sentTo(id)).toHaveLength(1);
    clock.advance(1);
    await app.dispatcher.drain();
    expect(api.sentTo(id)).toHaveLength(2);
    expect((await outboxOf(id))[0]?.status).toBe('sent');
  });

  it('403 (blocked): the customer’s identity is marked unreachable and the message is not retried', async () => {
    const id = ++chat;
    api.fail('sendMessage', { status: 403, description: 'Forbidden: bot was blocked by the user' });
    await app.engine.handleInbound(inbound(id, '/points'));
    await app.dispatcher.drain();
    clock.advance(60 * 60_000);
    await app.dispatcher.drain();
    expect(api.sentTo(id)).toHaveLength(1);
    expect((await outboxOf(id))[0]).toMatchObject({ status: 'failed', attempts: 1 });
    const identity = await app.store.db.channelIdentity.findFirst({
      where: { channel: 'telegram', externalId: String(id) },
    });
    expect(identity?.reachable).toBe(false);
    const failed = await app.store.db.interaction.findFirst({
      where: { channel: 'telegram', kind: 'delivery_failed', customerId: identity?.customerId as string },
    });
    expect(failed?.payload).toMatchObject({ error: expect.stringMatching(/blocked/) });
  });

  it('other 4xx give up at once; 5xx and network failures are retried with backoff', async () => {
    const rejected = ++chat;
    api.fail('sendMessage', { status: 400, description: 'Bad Request: chat not found' });
    await app.engine.handleInbound(inbound(rejected, '/points'));
    await app.dispatcher.drain();
    expect((await outboxOf(rejected))[0]).toMatchObject({ status: 'failed', attempts: 1 });
    const identity = await app.store.db.channelIdentity.findFirst({
      where: { channel: 'telegram', externalId: String(rejected) },
    });
    expect(identity?.reachable).toBe(true);

    const flaky = ++chat;
    api.fail('sendMessage', { status: 502 });
    await app.engine.handleInbound(inbound(flaky, '/points'));
    await app.dispatcher.drain();
    const [row] = await outboxOf(flaky);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    clock.advance((row?.nextAttemptAt.getTime() ?? 0) - clock.now());
    await app.dispatcher.drain();
    expect((await outboxOf(flaky))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(api.sentTo(flaky)).toHaveLength(2);
  });

  it('maps errors to SendError: 429 retry-after, 403 unreachable, 400 permanent, 401/5xx/network retryable', async () => {
    const target = { chatId: '1', chatType: 'private' as const, outboxId: 1 };
    const cases = [
      [
        { status: 429, retryAfter: 3 },
        { retryAfterMs: 3000, permanent: false, unreachable: false },
      ],
      [{ status: 403, description: 'Forbidden: bot was kicked from the group chat' }, { unreachable: true }],
      [
        { status: 400, description: 'Bad Request: message text is empty' },
        { permanent: true, unreachable: false },
      ],
      [
        { status: 401, description: 'Unauthorized' },
        { permanent: false, unreachable: false },
      ],
      [{ status: 500 }, { permanent: false, unreachable: false, retryAfterMs: undefined }],
    ] as const;
    for (const [failure, expected] of cases) {
      api.fail('sendMessage', failure);
      const error = await adapter.send(target, { text: 'hi' }).catch((e: unknown) => e);
      expect(error, String(failure.status)).toBeInstanceOf(SendError);
      expect(error).toMatchObject(expected);
      expect((error as Error).message).not.toContain('delivery-token');
    }
    const offline = new TelegramAdapter({
      token: '999:delivery-token',
      apiRoot: 'http://127.0.0.1:9',
      logger: silentLogger,
    });
    const network = await offline.send(target, { text: 'hi' }).catch((e: unknown) => e);
    expect(network).toMatchObject({ permanent: false, unreachable: false });
    expect((network as Error).message).not.toContain('delivery-token');
  });

  it('splits a text over 4,096 characters, buttons on the last part; a retry continues with the part that failed', async () => {
    const id = ++chat;
    const paragraphs = Array.from({ length: 40 }, (_, i) => `${i + 1}. ${'我们的咖啡豆每周烘焙一次。'.repeat(20)}`);
    const text = paragraphs.join('\n\n');
    const message = { text, buttons: [{ label: '转人工', payload: 'handoff' }] };
    const target = { chatId: String(id), chatType: 'private' as const, outboxId: 424242 };

    api.fail('sendMessage', null, { status: 429, retryAfter: 2 });
    const error = await adapter.send(target, message).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryAfterMs: 2000 });
    await adapter.send(target, message);

    const sent = api.sentTo(id).map((c) => c.body as { text: string; reply_markup?: unknown });
    // Part 1, part 2 (rate limited), then part 2 again and part 3: part 1 is not sent twice.
    expect(sent).toHaveLength(4);
    expect(sent[1]?.text).toBe(sent[2]?.text);
    const delivered = [sent[0], sent[2], sent[3]];
    for (const part of delivered) expect(part?.text.length).toBeLessThanOrEqual(4096);
    expect(delivered.map((p) => p?.text).join('\n\n')).toBe(text);
    expect(delivered.map((p) => p?.reply_markup)).toEqual([
      undefined,
      undefined,
      { inline_keyboard: [[{ text: '转人工', callback_data: 'handoff' }]] },
    ]);
  });
});
