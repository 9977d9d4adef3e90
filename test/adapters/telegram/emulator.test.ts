// The Telegram channel end to end: the real app (engine, outbox dispatcher, long polling) against
// the telegram-test-api Bot API emulator, customers talking through the emulator's clients.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { Emulator, eventually } from './emulator.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'knowledge');
// 2026-07-01 10:00 in Shanghai: within business hours, so a ticket's acknowledgement promises a time.
const OPEN = Date.parse('2026-07-01T02:00:00Z');
/** The emulator's getMe answers with this username. */
const BOT_USERNAME = 'TestNameBot';

describeOnEachDatabase('Telegram channel against the Bot API emulator', (database, provider) => {
  let app: App;
  let emulator: Emulator;
  let dir: string;
  const logs: Record<string, unknown>[] = [];
  let nextUser = 1000;
  const user = () => ++nextUser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-kb-'));
    cpSync(fixtures, dir, { recursive: true });
    const token = `${provider.name === 'sqlite' ? 111 : 222}:emulator-token`;
    emulator = await Emulator.start(token);
    const apiRoot = await emulator.listen();
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    app = await testApp(database().url, {
      env: { KNOWLEDGE_DIR: dir, TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: apiRoot },
      // A fake clock: the dispatcher's pacing (1 message/s per chat) waits without taking time.
      clock: new FakeClock(OPEN),
      logger,
      dispatcherPollMs: 50,
    });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function customer(externalId: number) {
    const res = await app.server.inject({
      url: `/api/v1/customers?channel=telegram&externalId=${externalId}`,
      headers: admin,
    });
    return (res.json().customers as { id: string; displayName: string | null }[])[0];
  }

  it('polls, registers the command menu (its failure on the emulator is only logged) and answers /start', async () => {
    expect(app.telegram?.mode).toBe('polling');
    expect(app.telegram?.username).toBe(BOT_USERNAME);
    const id = user();
    const client = emulator.client({ userId: id, firstName: 'Ada' });
    await client.sendCommand(client.makeCommand('/start', { from: { last_name: 'Lovelace', language_code: 'en' } }));
    const [welcome] = await emulator.waitForBotMessages(id, 1);
    // The customer's app language (language_code) picks English: "/start" itself tells none.
    expect(welcome?.text).toMatch(/^Hello, Ada Lovelace! Welcome/);
    expect(await customer(id)).toMatchObject({ displayName: 'Ada Lovelace' });

    expect(emulator.of('setMyCommands').map((c) => c.language_code ?? 'default')).toEqual(
      expect.arrayContaining(['default']),
    );
    expect(logs).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/command menu not registered/) }));
  });

  it('answers a question from the knowledge base, verbatim', async () => {
    const id = user();
    const client = emulator.client({ userId: id });
    await client.sendCommand(client.makeCommand('/help'));
    await client.sendMessage(client.makeMessage('外卖能送多远?'));
    const messages = await emulator.waitForBotMessages(id, 2);
    expect(messages.at(-1)?.text).toBe('外卖配送范围为门店周边5公里以内,满30元免配送费。');
  });

  it('/points answers with the balance', async () => {
    const id = user();
    const client = emulator.client({ userId: id });
    await client.sendCommand(client.makeCommand('/points'));
    const messages = await emulator.waitForBotMessages(id, 1);
    expect(messages.at(-1)?.text).toMatch(/当前积分：0/);
  });

  it('a complaint opens a ticket for that Telegram customer', async () => {
    const id = user();
    const client = emulator.client({ userId: id, firstName: '王' });
    await client.sendCommand(client.makeCommand('/help'));
    await client.sendMessage(client.makeMessage('你们的服务太差了，我要投诉'));
    const messages = await emulator.waitForBotMessages(id, 2);
    expect(messages.at(-1)?.text).toMatch(/人工客服/);

    const res = await app.server.inject({ url: '/api/v1/tickets', headers: admin });
    const ticket = (
      res.json().tickets as { customer: { identities: { channel: string; externalId: string }[] } }[]
    ).find((t) => t.customer.identities.some((i) => i.channel === 'telegram' && i.externalId === String(id)));
    expect(ticket).toMatchObject({
      status: 'open',
      reason: 'complaint',
      channel: 'telegram',
      chatId: String(id),
      customer: { identities: [{ channel: 'telegram', externalId: String(id) }] },
    });
  });

  it('renders "did you mean" as inline buttons; a press is answered and its payload handled', async () => {
    const id = user();
    const client = emulator.client({ userId: id });
    await client.sendCommand(client.makeCommand('/help'));
    await client.sendMessage(client.makeMessage('问下积分'));
    const messages = await emulator.waitForBotMessages(id, 2);
    const keyboard = messages.at(-1)?.reply_markup?.inline_keyboard ?? [];
    const data = keyboard.flat().map((b) => b.callback_data);
    expect(data).toContain('faq:points-redeem');

    await client.sendCallback(client.makeCallbackQuery('faq:points-redeem'));
    const after = await emulator.waitForBotMessages(id, 3);
    expect(after.at(-1)?.text).toBe('100积分可抵5元,在结账时选择使用积分即可。');
    await eventually(
      () => emulator.of('answerCallbackQuery'),
      (calls) => calls.length > 0,
      5000,
      'answerCallbackQuery',
    );
    const pressed = await app.store.db.interaction.findFirst({
      where: { channel: 'telegram', kind: 'button', direction: 'in', platformMessageId: { startsWith: 'cb:' } },
      orderBy: { id: 'desc' },
    });
    expect(pressed?.payload).toMatchObject({ button: 'faq:points-redeem' });
  });

  it('stickers and photos without a caption get the polite "text only" answer', async () => {
    const id = user();
    const client = emulator.client({ userId: id });
    await client.sendCommand(client.makeCommand('/help'));
    const { text: _text, ...sticker } = client.makeMessage('');
    await client.sendMessage({ ...sticker, sticker: { file_id: 'CAAC', emoji: '👍' } } as never);
    const messages = await emulator.waitForBotMessages(id, 2);
    expect(messages.at(-1)?.text).toMatch(/只能看懂文字/);
  });

  it('in a group answers only what addresses it: /cmd@OtherBot is ignored, /cmd@ourbot answered', async () => {
    const groupId = -(900_000 + user());
    const member = user();
    const client = emulator.client({ userId: member, chatId: groupId, type: 'group' });
    await client.sendCommand(client.makeCommand('/points@OtherBot'));
    await client.sendMessage(client.makeMessage('hi everyone, lunch at noon?'));
    await client.sendCommand(client.makeCommand(`/points@${BOT_USERNAME}`));
    // Updates of one chat are handled, and their replies sent, in order: once the last is answered,
    // an answer to the others would be there too.
    const messages = await emulator.waitForBotMessages(groupId, 1);
    expect(messages).toHaveLength(1);
    expect(messages.map((m) => m.text).join('\n')).toMatch(/当前积分/);
    expect(messages.map((m) => m.text).join('\n')).not.toMatch(/抱歉/);

    const inbound = await app.store.db.interaction.findMany({
      where: { channel: 'telegram', direction: 'in', platformMessageId: { startsWith: `msg:${groupId}:` } },
      orderBy: { id: 'asc' },
    });
    // The command for another bot was never handed over; the chatter was stored, unanswered.
    expect(inbound.map((i) => i.text)).toEqual(['hi everyone, lunch at noon?', `/points@${BOT_USERNAME}`]);
    expect(inbound[0]?.payload).toMatchObject({ group: true, mentioned: false });
  });

  it('logs a malformed update with its id and keeps polling', async () => {
    const id = user();
    const client = emulator.client({ userId: id });
    // No chat, no sender: nothing the adapter can hand to the engine.
    await client.sendMessage({ botToken: emulator.token, date: 0, text: 'broken' } as never);
    await client.sendCommand(client.makeCommand('/points'));
    const messages = await emulator.waitForBotMessages(id, 1);
    expect(messages.at(-1)?.text).toMatch(/当前积分/);
    const warning = logs.find((l) => typeof l.msg === 'string' && /skipped: cannot be read/.test(l.msg));
    expect(warning).toMatchObject({ level: 40, updateId: expect.any(Number), reason: expect.stringMatching(/chat/) });
  });
});
