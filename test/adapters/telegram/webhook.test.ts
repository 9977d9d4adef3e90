// Receiving by webhook on the main HTTP port: the secret header is checked on every request,
// Telegram's redeliveries are handled once, unreadable updates are acknowledged (and logged) so
// Telegram does not resend them forever, and long button payloads survive the 64-byte limit.
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_HEADER, TelegramAdapter, telegramWebhookRoutes } from '../../../adapters/telegram/index.js';
import type { App } from '../../../src/app.js';
import type { InboundMessage } from '../../../src/engine/types.js';
import { FakeClock } from '../../fakes/clock.js';
import { silentLogger, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { eventually } from './emulator.js';
import { callbackUpdate, FakeBotApi, textUpdate } from './fake-bot-api.js';

const SECRET = 'webhook-secret_0123456789';
const PATH = '/telegram/webhook';

describeOnEachDatabase('Telegram webhook', (database) => {
  let app: App;
  let api: FakeBotApi;
  const logs: Record<string, unknown>[] = [];
  let nextUser = 300;
  const user = () => ++nextUser;

  beforeAll(async () => {
    const clock = new FakeClock(Date.parse('2026-07-01T02:00:00Z'));
    api = new FakeBotApi(() => clock.now());
    const apiRoot = await api.start();
    app = await testApp(database().url, {
      env: {
        TELEGRAM_BOT_TOKEN: '777:webhook-token',
        TELEGRAM_API_ROOT: apiRoot,
        TELEGRAM_WEBHOOK_URL: `https://bot.example.com${PATH}`,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
      },
      clock,
      logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) }),
      dispatcherPollMs: 50,
    });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    await api?.stop();
  });

  /** Posts as Telegram does; `secret: null` leaves the header out. */
  const post = (update: unknown, secret: string | null = SECRET) =>
    app.server.inject({
      method: 'POST',
      url: PATH,
      headers: secret === null ? {} : { [SECRET_HEADER]: secret },
      payload: update as object,
    });

  /** /help as a customer in this language gets it (through the API channel: the same engine). */
  const helpOf = async (locale: 'en' | 'zh-CN') =>
    (
      await app.server.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({
          user: { id: `help-${locale}`, locale },
          text: `/lang ${locale === 'en' ? 'en' : 'zh'}`,
        }),
      })
    ).json() &&
    ((
      await app.server.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ user: { id: `help-${locale}` }, text: '/help' }),
      })
    ).json().replies[0].text as string);
  const inboundOf = (platformMessageId: string) =>
    app.store.db.interaction.findMany({ where: { channel: 'telegram', direction: 'in', platformMessageId } });

  it('sets the webhook with its secret, and the command menu in English and Chinese', async () => {
    expect(app.telegram?.mode).toBe('webhook');
    await eventually(
      () => api.of('setWebhook'),
      (calls) => calls.length > 0,
      5000,
      'setWebhook',
    );
    expect(api.of('setWebhook')[0]).toEqual({
      url: `https://bot.example.com${PATH}`,
      secret_token: SECRET,
      allowed_updates: ['message', 'callback_query', 'chat_member'],
    });
    expect(api.of('getUpdates')).toEqual([]);
    const menus = api.of('setMyCommands');
    expect(menus.map((m) => m.language_code)).toEqual([undefined, 'zh']);
    expect(menus[0]?.commands).toContainEqual({ command: 'points', description: 'your points and tier' });
    expect(menus[1]?.commands).toContainEqual({ command: 'points', description: '查看积分和会员等级' });
    // The menu and /help come from one list: every command of the menu is in /help, in both languages.
    for (const [menu, locale] of [
      [menus[0], 'en'],
      [menus[1], 'zh-CN'],
    ] as const) {
      const help = await helpOf(locale);
      for (const { command } of (menu?.commands ?? []) as { command: string }[]) expect(help).toContain(`/${command}`);
    }
    expect(((menus[1]?.commands ?? []) as { command: string }[]).map((c) => c.command)).toEqual(
      expect.arrayContaining(['link', 'birthday', 'invite', 'human']),
    );
  });

  it('handles an update with the right secret: 200, stored, answered', async () => {
    const id = user();
    const res = await post(textUpdate({ user: id, text: '/points', messageId: 1 }));
    expect(res.statusCode).toBe(200);
    expect(await inboundOf(`msg:${id}:1`)).toHaveLength(1);
    const [sent] = await eventually(
      () => api.sentTo(id),
      (s) => s.length === 1,
      5000,
      'the reply',
    );
    expect(sent?.body.text).toMatch(/当前积分/);
  });

  it('401 with a wrong or missing secret, before anything is read or stored', async () => {
    const id = user();
    for (const secret of ['wrong-secret', null, `${SECRET}x`, '']) {
      const res = await post(textUpdate({ user: id, text: '/points', messageId: 2 }), secret);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        error: { code: 'UNAUTHORIZED', message: 'missing or wrong X-Telegram-Bot-Api-Secret-Token' },
      });
    }
    // Not even the body is parsed first: broken JSON with a bad secret is still a 401.
    const broken = await app.server.inject({
      method: 'POST',
      url: PATH,
      headers: { 'content-type': 'application/json' },
      payload: '{"update_id":',
    });
    expect(broken.statusCode).toBe(401);
    expect(await inboundOf(`msg:${id}:2`)).toEqual([]);
    expect(await app.store.db.channelIdentity.count({ where: { channel: 'telegram', externalId: String(id) } })).toBe(
      0,
    );
  });

  it('a redelivered update is handled once', async () => {
    const id = user();
    const update = textUpdate({ user: id, text: '/points', messageId: 5 });
    expect((await post(update)).statusCode).toBe(200);
    expect((await post(update)).statusCode).toBe(200);
    expect((await post(textUpdate({ user: id, text: '/lang en', messageId: 6 }))).statusCode).toBe(200);
    // Replies of one chat go out in order: once the last is there, a second /points answer would be too.
    const sent = await eventually(
      () => api.sentTo(id),
      (s) => s.some((c) => /English/.test(String(c.body.text))),
      5000,
      'the /lang reply',
    );
    expect(sent.map((c) => c.body.text)).toEqual([expect.stringMatching(/当前积分/), expect.stringMatching(/English/)]);
    expect(await inboundOf(`msg:${id}:5`)).toHaveLength(1);
  });

  it('acknowledges an unreadable update (Telegram would resend it forever) and logs it with its id', async () => {
    const res = await post({ update_id: 987_654, message: { message_id: 3, text: 'no chat, no sender' } });
    expect(res.statusCode).toBe(200);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 40, updateId: 987_654, msg: expect.stringMatching(/987654 skipped/) }),
    );
  });

  it('a long button payload is mapped into callback_data and comes back whole when pressed', async () => {
    const id = user();
    const payload = `faq:${'咖啡豆的烘焙日期和保质期'.repeat(4)}`;
    expect(Buffer.byteLength(payload)).toBeGreaterThan(64);
    await app.telegram?.send(
      { chatId: String(id), chatType: 'private', outboxId: 1 },
      { text: 'Which one?', buttons: [{ label: '烘焙日期', payload }] },
    );
    const markup = api.sentTo(id)[0]?.body.reply_markup as { inline_keyboard: { callback_data: string }[][] };
    const data = markup.inline_keyboard[0]?.[0]?.callback_data as string;
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);

    expect((await post(callbackUpdate({ user: id, data, id: `press-${id}` }))).statusCode).toBe(200);
    const [pressed] = await inboundOf(`cb:press-${id}`);
    expect(pressed).toMatchObject({ kind: 'button', payload: expect.objectContaining({ button: payload }) });
    expect(api.of('answerCallbackQuery')).toContainEqual({ callback_query_id: `press-${id}` });

    // A mapped button this process no longer knows (say, after a restart): told, not guessed.
    const stale = `#${'A'.repeat(43)}`;
    await post(callbackUpdate({ user: id, data: stale, id: `stale-${id}`, languageCode: 'zh-hans' }));
    expect(await inboundOf(`cb:stale-${id}`)).toEqual([]);
    expect(api.of('answerCallbackQuery')).toContainEqual({
      callback_query_id: `stale-${id}`,
      text: '这个按钮已失效，请重新发送指令。',
    });
  });
});

describe('Telegram webhook route, adapter side', () => {
  it('answers 500 when the engine failed (Telegram sends it again) and 503 once the adapter stopped', async () => {
    const api = new FakeBotApi();
    const apiRoot = await api.start();
    const adapter = new TelegramAdapter({
      token: '778:route-token',
      apiRoot,
      webhook: { url: `https://bot.example.com${PATH}`, secret: SECRET },
      logger: silentLogger,
    });
    const seen: InboundMessage[] = [];
    let failNext = true;
    await adapter.start({
      handleInbound: async (m) => {
        if (failNext) {
          failNext = false;
          throw new Error('database unavailable');
        }
        seen.push(m);
        return { duplicate: false, replies: [] };
      },
    });
    const server = Fastify();
    await server.register(telegramWebhookRoutes, { adapter, path: PATH, secret: SECRET });
    const post = (update: unknown) =>
      server.inject({ method: 'POST', url: PATH, headers: { [SECRET_HEADER]: SECRET }, payload: update as object });
    try {
      const update = textUpdate({ user: 1, text: 'hello' });
      expect((await post(update)).statusCode).toBe(500);
      expect((await post(update)).statusCode).toBe(200);
      expect(seen.map((m) => m.text)).toEqual(['hello']);
      await adapter.stop();
      expect((await post(textUpdate({ user: 1, text: 'later' }))).statusCode).toBe(503);
    } finally {
      await server.close();
      await api.stop();
    }
  });
});
