// The WeChat adapter's pure parts: reading messages, numbered options, pacing and the daily cap.
import { describe, expect, it } from 'vitest';
import { types } from 'wechaty';
import {
  type MessageFacts,
  msUntilNextDay,
  OptionMemory,
  optionNumber,
  parseMessage,
  renderOptions,
  SendPacer,
} from '../../../adapters/wechat/index.js';
import { SendError } from '../../../src/errors.js';
import { splitText } from '../../../src/util/split-text.js';
import { FakeClock } from '../../fakes/clock.js';

const facts = (over: Partial<MessageFacts> = {}): MessageFacts => ({
  id: 'm1',
  type: types.Message.Text,
  text: '营业时间是几点?',
  self: false,
  talker: { id: 'wxid_alice', name: 'Alice' },
  mentioned: false,
  ageSeconds: 1,
  ...over,
});
const noOptions = { maxAgeSeconds: 3600, option: () => undefined };

describe('parseMessage', () => {
  it('a private text: chat = the talker, message id kept', () => {
    expect(parseMessage(facts(), noOptions)).toEqual({
      kind: 'message',
      message: {
        channel: 'wechat',
        chatId: 'wxid_alice',
        chatType: 'private',
        sender: { id: 'wxid_alice', name: 'Alice' },
        text: '营业时间是几点?',
        mentioned: true,
        platformMessageId: 'm1',
      },
    });
  });

  it('rooms: only when mentioned; chat = the room', () => {
    const room = { id: 'r1@chatroom' };
    expect(parseMessage(facts({ room }), noOptions).kind).toBe('ignored');
    const parsed = parseMessage(facts({ room, mentioned: true, text: '几点开门' }), noOptions);
    expect(parsed).toMatchObject({
      kind: 'message',
      message: {
        chatId: 'r1@chatroom',
        chatType: 'group',
        mentioned: true,
        text: '几点开门',
        sender: { id: 'wxid_alice' },
      },
    });
  });

  it('ignores its own messages, official accounts, old backlog, empty text and system notices', () => {
    expect(parseMessage(facts({ self: true }), noOptions).kind).toBe('ignored');
    expect(parseMessage(facts({ talker: { id: 'gh_1', official: true } }), noOptions).kind).toBe('ignored');
    expect(parseMessage(facts({ ageSeconds: 7200 }), noOptions).kind).toBe('ignored');
    expect(parseMessage(facts({ text: '  ' }), noOptions).kind).toBe('ignored');
    expect(parseMessage(facts({ type: types.Message.Recalled }), noOptions).kind).toBe('ignored');
    expect(parseMessage(facts({ type: types.Message.Unknown }), noOptions).kind).toBe('ignored');
  });

  it('photos, voice, stickers, files reach the engine as unsupported', () => {
    for (const type of [types.Message.Image, types.Message.Audio, types.Message.Emoticon, types.Message.Attachment]) {
      const parsed = parseMessage(facts({ type, text: '' }), noOptions);
      expect(parsed).toMatchObject({ kind: 'message', message: { unsupported: true } });
      expect(parsed.kind === 'message' && parsed.message.text).toBeFalsy();
    }
  });

  it('a numbered reply becomes the option’s payload', () => {
    const parsed = parseMessage(facts({ text: '2' }), {
      maxAgeSeconds: 3600,
      option: (chatId, text) => (chatId === 'wxid_alice' && text === '2' ? 'faq:wifi' : undefined),
    });
    expect(parsed).toMatchObject({ kind: 'message', message: { payload: 'faq:wifi' } });
    expect(parsed.kind === 'message' && 'text' in parsed.message).toBe(false);
  });
});

describe('numbered options', () => {
  it('numbers the buttons under the text, in the text’s language', () => {
    const zh = renderOptions({
      text: '您是想问哪一个?',
      buttons: [
        { label: '积分怎么兑换?', payload: 'faq:points-redeem' },
        { label: '积分会过期吗?', payload: 'faq:points-expiry' },
      ],
    });
    expect(zh.text).toBe('您是想问哪一个?\n\n1. 积分怎么兑换?\n2. 积分会过期吗?\n回复 1–2 选择');
    expect([...zh.keys]).toEqual([
      [1, 'faq:points-redeem'],
      [2, 'faq:points-expiry'],
    ]);
    const en = renderOptions({
      text: 'Sorry, I do not know.',
      buttons: [{ label: 'Talk to a person', payload: 'handoff' }],
    });
    expect(en.text).toBe('Sorry, I do not know.\n\n1. Talk to a person\nReply 1 to choose');
    expect(renderOptions({ text: 'plain' })).toEqual({ text: 'plain', keys: new Map() });
  });

  it('ratings keep their own numbers: a 0–10 reply is the score, not the eleventh option', () => {
    const buttons = Array.from({ length: 11 }, (_, n) => ({ label: String(n), payload: `sv:1:${n}` }));
    const nps = renderOptions({ text: '您有多大可能向朋友推荐我们?', buttons });
    expect(nps.text).toBe('您有多大可能向朋友推荐我们?\n\n回复 0–10 选择');
    expect(nps.keys.get(10)).toBe('sv:1:10');
    expect(nps.keys.get(0)).toBe('sv:1:0');
  });

  it('reads "1", full-width "１", "1.", "1。", "(1)", "#1" and "一"; nothing else', () => {
    for (const t of ['1', '１', '1.', '１．', '1。', ' 1 ', '(1)', '（1）', '#1', '一'])
      expect(optionNumber(t)).toBe(1);
    expect(optionNumber('10')).toBe(10);
    for (const t of ['1 杯拿铁', 'one', '', '123', '1.5']) expect(optionNumber(t)).toBeUndefined();
  });

  it('remembers the last options per chat, for a day, for a bounded number of chats', () => {
    const clock = new FakeClock(0);
    const memory = new OptionMemory({ now: () => clock.now(), capacity: 2 });
    memory.remember('a', new Map([[1, 'p1']]));
    memory.remember('a', new Map()); // a message without buttons leaves them
    expect(memory.resolve('a', '１')).toBe('p1');
    expect(memory.resolve('a', '2')).toBeUndefined();
    expect(memory.resolve('b', '1')).toBeUndefined();
    memory.remember('b', new Map([[1, 'q1']]));
    memory.remember('c', new Map([[1, 'r1']]));
    expect(memory.size).toBe(2);
    expect(memory.resolve('a', '1')).toBeUndefined(); // the oldest chat was forgotten
    clock.advance(24 * 3_600_000 + 1);
    expect(memory.resolve('c', '1')).toBeUndefined();
  });
});

describe('pacing and the daily cap', () => {
  it('spaces sends by the interval plus jitter', async () => {
    const clock = new FakeClock(Date.parse('2026-07-01T02:00:00Z'));
    const pacer = new SendPacer({
      minIntervalMs: 1000,
      jitterMs: 1000,
      dailyCap: 100,
      timezone: 'Asia/Shanghai',
      clock,
      random: () => 0.25,
    });
    const at: number[] = [];
    await Promise.all([1, 2, 3].map(() => pacer.run(1, async () => void at.push(clock.now()))));
    await pacer.run(2, async () => void at.push(clock.now()));
    expect(at.slice(1).map((t, i) => t - (at[i] as number))).toEqual([1250, 1250, 1250, 1250]);
    expect(pacer.sentToday).toBe(5);
  });

  it('over the cap: SendError with retryAfterMs until midnight in the business time zone', async () => {
    // 23:00 in Shanghai.
    const clock = new FakeClock(Date.parse('2026-07-01T15:00:00Z'));
    const pacer = new SendPacer({ minIntervalMs: 1000, jitterMs: 0, dailyCap: 2, timezone: 'Asia/Shanghai', clock });
    await pacer.run(2, async () => {});
    const err = await pacer.run(1, async () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendError);
    expect(err).toMatchObject({ permanent: false, unreachable: false });
    expect((err as SendError).retryAfterMs).toBe(3_600_000 - 1000);
    clock.advance(3_600_000);
    await pacer.run(1, async () => {});
    expect(pacer.sentToday).toBe(1);
  });

  it('midnight across daylight-saving changes', () => {
    // 2026-03-08 is 23 hours long in New York; 2026-11-01 is 25 hours long.
    expect(msUntilNextDay(Date.parse('2026-03-08T05:00:00Z'), 'America/New_York')).toBe(23 * 3_600_000);
    expect(msUntilNextDay(Date.parse('2026-11-01T04:00:00Z'), 'America/New_York')).toBe(25 * 3_600_000);
    expect(msUntilNextDay(Date.parse('2026-07-01T16:00:00Z'), 'Asia/Shanghai')).toBe(24 * 3_600_000);
    expect(msUntilNextDay(Date.parse('2026-07-01T15:59:59.500Z'), 'Asia/Shanghai')).toBe(500);
  });

  it('splits long texts at line breaks', () => {
    const text = `${'a'.repeat(1500)}\n${'b'.repeat(1500)}`;
    expect(splitText(text, 2000)).toEqual(['a'.repeat(1500), 'b'.repeat(1500)]);
    expect(splitText('short', 2000)).toEqual(['short']);
    expect(splitText('x'.repeat(4500), 2000).map((p) => p.length)).toEqual([2000, 2000, 500]);
  });
});
