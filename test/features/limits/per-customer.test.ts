// limits.perCustomer on every channel: a flood is stored whole, answered up to the limit, told
// "slow down" once per window, and the rest runs nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { InboundMessage } from '../../../src/engine/types.js';
import { SlidingWindow } from '../../../src/features/limits/sliding-window.js';
import { RecordingChannel } from '../../fakes/channel.js';
import { FakeClock } from '../../fakes/clock.js';
import { testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const SLOW_ZH = '您发消息太快了，请稍等片刻再发。多出来的消息我们已经收到，但不会逐条回复。';
const LIMITS = 'loyalty:\n  rules:\n    welcome: 0\nlimits:\n  perCustomer:\n    messages: 3\n    seconds: 60\n';

describeOnEachDatabase('per-customer limit', (database) => {
  let app: App;
  const clock = new FakeClock(Date.parse('2026-12-01T02:00:00Z'));
  const other = new RecordingChannel('other');
  let seq = 0;

  beforeAll(async () => {
    app = await testApp(database().url, { clock, adapters: [other], yaml: LIMITS });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const message = (channel: string, user: string, text: string, extra: Partial<InboundMessage> = {}) =>
    app.engine.handleInbound({
      channel,
      chatId: user,
      chatType: 'private',
      sender: { id: user },
      text,
      mentioned: true,
      platformMessageId: `m${++seq}`,
      ...extra,
    });

  async function recordOf(channel: string, user: string) {
    const identity = await app.store.db.channelIdentity.findFirstOrThrow({ where: { channel, externalId: user } });
    const rows = await app.store.db.interaction.findMany({
      where: { customerId: identity.customerId },
      orderBy: { id: 'asc' },
    });
    return {
      inbound: rows.filter((r) => r.direction === 'in').map((r) => r.text),
      outbound: rows.filter((r) => r.direction === 'out').map((r) => r.text),
      limited: rows.filter((r) => r.kind === 'rate_limited').length,
    };
  }

  it('answers a flood up to the limit, says "slow down" once, stores the rest unanswered', async () => {
    // Sent at once, as a flood arrives; one chat's messages are still handled in order.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => message('api', 'flooder', i === 0 ? '/help' : `/lang zh ${i}`)),
    );
    const replies = results.map((r) => r.replies.map((m) => m.text));
    expect(replies.slice(0, 3).every((texts) => texts.length === 1 && texts[0] !== SLOW_ZH)).toBe(true);
    expect(replies[3]).toEqual([SLOW_ZH]);
    expect(replies.slice(4)).toEqual([[], [], [], [], [], []]);

    const record = await recordOf('api', 'flooder');
    expect(record.inbound).toHaveLength(10);
    expect(record.outbound).toHaveLength(4);
    expect(record.limited).toBe(1);
  });

  it('leaves other customers alone meanwhile', async () => {
    const res = await message('api', 'bystander', '/help');
    expect(res.replies).toHaveLength(1);
    expect(res.replies[0]?.text).not.toBe(SLOW_ZH);
  });

  it('answers again once the window has passed, and warns again in a new window', async () => {
    clock.advance(61_000);
    expect((await message('api', 'flooder', '/help')).replies).toHaveLength(1);
    await message('api', 'flooder', '/help');
    await message('api', 'flooder', '/help');
    expect((await message('api', 'flooder', '/help')).replies.map((r) => r.text)).toEqual([SLOW_ZH]);
    expect((await message('api', 'flooder', '/help')).replies).toEqual([]);
    const record = await recordOf('api', 'flooder');
    expect(record.inbound).toHaveLength(15);
    expect(record.limited).toBe(2);
  });

  it("works on any channel, in the customer's language", async () => {
    const texts = [];
    for (let i = 0; i < 5; i++) {
      const res = await message('other', 'en-user', 'hello there', { sender: { id: 'en-user', locale: 'en' } });
      texts.push(res.replies.map((r) => r.text));
    }
    expect(texts[3]).toEqual([
      "You're sending messages too fast: please wait a moment before sending more. We've received the extra ones, but won't answer each of them.",
    ]);
    expect(texts[4]).toEqual([]);
    const record = await recordOf('other', 'en-user');
    expect(record.inbound).toHaveLength(5);
    expect(record.limited).toBe(1);
  });

  it('in a group, counts chatter but warns only when the bot is addressed', async () => {
    const group = (text: string, mentioned: boolean) =>
      message('other', 'group-1', text, { chatType: 'group', sender: { id: 'chatty' }, mentioned });
    for (let i = 0; i < 3; i++) await group(`chatter ${i}`, false);
    const unaddressed = await group('more chatter', false);
    expect(unaddressed.replies).toEqual([]);
    const record = await recordOf('other', 'chatty');
    expect(record.inbound).toHaveLength(4);
    expect(record.limited).toBe(1);
  });
});

describe('SlidingWindow', () => {
  it('admits the limit within any window, warns once per window, drops the rest', () => {
    const window = new SlidingWindow({ limit: 2, windowMs: 1000 });
    expect([0, 100, 200, 300].map((t) => window.hit('a', t))).toEqual(['admit', 'admit', 'warn', 'drop']);
    // Slides: the hit at 0 leaves the window at 1000, the one at 100 at 1100.
    expect(window.hit('a', 1000)).toBe('admit');
    expect(window.hit('a', 1050)).toBe('drop');
    expect(window.hit('a', 1100)).toBe('admit');
    expect(window.hit('a', 1250)).toBe('warn');
  });

  it('forgets the least recently seen keys beyond maxKeys', () => {
    const window = new SlidingWindow({ limit: 1, windowMs: 60_000, maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd']) window.hit(key, 0);
    expect(window.size).toBe(3);
    // 'a' was evicted: it starts afresh; 'd' is remembered and over its limit.
    expect(window.hit('a', 1)).toBe('admit');
    expect(window.hit('d', 1)).toBe('warn');
  });
});
