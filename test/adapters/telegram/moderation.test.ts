// Telegram moderation against a loopback Bot API that records calls and refuses the way Telegram does
// (telegram-test-api has no restrictChatMember/banChatMember): what is sent, and what refusals become.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../../adapters/telegram/index.js';
import { ModerationError } from '../../../src/errors.js';
import { type BotApiFailure, FakeBotApi } from './fake-bot-api.js';

const NOW = Date.parse('2026-07-01T02:00:00Z');
const HOUR = 3_600_000;
const GROUP = '-1001234';
const USER = '777';
const TOKEN = '555:moderation-token';

const logged: { level: number; msg: string }[] = [];
const logger = pino(
  { level: 'warn' },
  { write: (line: string) => logged.push(JSON.parse(line) as { level: number; msg: string }) },
);

/** The coded error a call failed with (or undefined when it did not fail). */
function failure(promise: Promise<unknown>): Promise<ModerationError | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => {
      expect(e).toBeInstanceOf(ModerationError);
      return e as ModerationError;
    },
  );
}

describe('Telegram moderation', () => {
  const api = new FakeBotApi(() => NOW);
  let adapter: TelegramAdapter;

  beforeAll(async () => {
    const apiRoot = await api.start();
    adapter = new TelegramAdapter({
      token: TOKEN,
      apiRoot,
      webhook: { url: 'https://bot.example.com/telegram/webhook', secret: 'moderation-secret' },
      logger,
      now: () => NOW,
    });
    // getMe tells the adapter its own id (asked when a deletion is refused).
    await adapter.start({ handleInbound: async () => ({ duplicate: false, replies: [] }) });
  });
  afterEach(() => {
    api.calls.length = 0;
    api.failures.clear();
    api.results.clear();
    logged.length = 0;
  });
  afterAll(async () => {
    await adapter.stop();
    await api.stop();
  });

  const moderationCalls = () => api.calls.filter((c) => !['getMe', 'setMyCommands', 'setWebhook'].includes(c.method));

  describe('deleteMessage', () => {
    it('deletes the message named by its platform id in that chat', async () => {
      await adapter.deleteMessage(GROUP, `msg:${GROUP}:42`);
      expect(api.of('deleteMessage')).toEqual([{ chat_id: Number(GROUP), message_id: 42 }]);
    });

    it('refuses an id of another chat or another kind, asking Telegram nothing', async () => {
      for (const id of ['msg:-1009999:42', 'cb:123', `msg:${GROUP}:abc`, '42']) {
        expect((await failure(adapter.deleteMessage(GROUP, id)))?.code, id).toBe('ADAPTER_INVALID');
      }
      expect(moderationCalls()).toEqual([]);
    });

    it('refuses a message known to be over 48 h old, and deletes one just under', async () => {
      const old = new Date(NOW - 48 * HOUR - 1000);
      expect((await failure(adapter.deleteMessage(GROUP, `msg:${GROUP}:1`, old)))?.code).toBe('ADAPTER_TOO_OLD');
      expect(moderationCalls()).toEqual([]);
      await adapter.deleteMessage(GROUP, `msg:${GROUP}:2`, new Date(NOW - 47 * HOUR));
      expect(api.of('deleteMessage')).toEqual([{ chat_id: Number(GROUP), message_id: 2 }]);
    });

    it('reads "message can\'t be deleted" of a recent message as missing rights', async () => {
      api.fail('deleteMessage', { status: 400, description: "Bad Request: message can't be deleted" });
      const error = await failure(adapter.deleteMessage(GROUP, `msg:${GROUP}:3`, new Date(NOW - HOUR)));
      expect(error?.code).toBe('ADAPTER_FORBIDDEN');
      expect(api.of('getChatMember')).toEqual([]);
    });

    it("asks for the bot's rights when the age is unknown: an admin who may delete means too old", async () => {
      api.fail('deleteMessage', { status: 400, description: "Bad Request: message can't be deleted" });
      api.results.set('getChatMember', { status: 'administrator', can_delete_messages: true, user: { id: 4242 } });
      expect((await failure(adapter.deleteMessage(GROUP, `msg:${GROUP}:4`)))?.code).toBe('ADAPTER_TOO_OLD');
      expect(api.of('getChatMember')).toEqual([{ chat_id: GROUP, user_id: 4242 }]);

      api.fail('deleteMessage', { status: 400, description: "Bad Request: message can't be deleted" });
      api.results.set('getChatMember', { status: 'member', user: { id: 4242 } });
      expect((await failure(adapter.deleteMessage(GROUP, `msg:${GROUP}:5`)))?.code).toBe('ADAPTER_FORBIDDEN');
    });

    it('reports a message already gone as not found', async () => {
      api.fail('deleteMessage', { status: 400, description: 'Bad Request: message to delete not found' });
      expect((await failure(adapter.deleteMessage(GROUP, `msg:${GROUP}:6`)))?.code).toBe('ADAPTER_NOT_FOUND');
    });
  });

  describe('restrictMember and unrestrictMember', () => {
    const permissions = (allowed: boolean) =>
      expect.objectContaining({
        can_send_messages: allowed,
        can_send_photos: allowed,
        can_send_other_messages: allowed,
      });

    it('forbids everything until the given time, each permission on its own', async () => {
      await adapter.restrictMember(GROUP, USER, NOW + HOUR);
      const [body] = api.of('restrictChatMember');
      expect(body).toMatchObject({
        chat_id: Number(GROUP),
        user_id: Number(USER),
        use_independent_chat_permissions: true,
        until_date: (NOW + HOUR) / 1000,
        permissions: permissions(false),
      });
      expect(Object.values(body?.permissions as object).every((v) => v === false)).toBe(true);
    });

    it('lengthens a restriction under 30 s (Telegram would make it forever) and sends none beyond 366 days', async () => {
      await adapter.restrictMember(GROUP, USER, NOW + 10_000);
      await adapter.restrictMember(GROUP, USER, NOW - 5_000);
      await adapter.restrictMember(GROUP, USER, NOW + 367 * 24 * HOUR);
      await adapter.restrictMember(GROUP, USER, undefined);
      const untils = api.of('restrictChatMember').map((b) => b.until_date);
      expect(untils).toEqual([(NOW + 35_000) / 1000, (NOW + 35_000) / 1000, undefined, undefined]);
    });

    it('lifts a restriction by allowing every permission', async () => {
      await adapter.unrestrictMember(GROUP, USER);
      const [body] = api.of('restrictChatMember');
      expect(body).toMatchObject({ chat_id: Number(GROUP), user_id: Number(USER), permissions: permissions(true) });
      expect(body).not.toHaveProperty('until_date');
      expect(Object.values(body?.permissions as object).every((v) => v === true)).toBe(true);
    });

    it('refuses a user id Telegram cannot have issued, asking Telegram nothing', async () => {
      expect((await failure(adapter.restrictMember(GROUP, 'mei', NOW + HOUR)))?.code).toBe('ADAPTER_INVALID');
      expect((await failure(adapter.unrestrictMember('my-group', USER)))?.code).toBe('ADAPTER_INVALID');
      expect(moderationCalls()).toEqual([]);
    });

    it("maps Telegram's refusals to coded errors", async () => {
      const cases: [BotApiFailure, string][] = [
        [
          { status: 400, description: 'Bad Request: not enough rights to restrict/unrestrict chat member' },
          'ADAPTER_FORBIDDEN',
        ],
        [{ status: 403, description: 'Forbidden: bot was kicked from the supergroup chat' }, 'ADAPTER_FORBIDDEN'],
        [{ status: 400, description: 'Bad Request: user is an administrator of the chat' }, 'ADAPTER_FORBIDDEN'],
        [{ status: 400, description: 'Bad Request: method is available only for supergroups' }, 'ADAPTER_UNSUPPORTED'],
        [{ status: 400, description: 'Bad Request: PARTICIPANT_ID_INVALID' }, 'ADAPTER_NOT_FOUND'],
        [{ status: 400, description: 'Bad Request: chat not found' }, 'ADAPTER_NOT_FOUND'],
        [{ status: 400, description: 'Bad Request: invalid user_id specified' }, 'ADAPTER_INVALID'],
        [{ status: 401, description: 'Unauthorized' }, 'ADAPTER_UNAVAILABLE'],
        [{ status: 502 }, 'ADAPTER_UNAVAILABLE'],
      ];
      for (const [refusal, code] of cases) {
        api.fail('restrictChatMember', refusal);
        const error = await failure(adapter.restrictMember(GROUP, USER, NOW + HOUR));
        expect(error?.code, JSON.stringify(refusal)).toBe(code);
        expect(error?.message).not.toContain(TOKEN);
      }
    });

    it("waits Telegram's retry_after on 429", async () => {
      api.fail('restrictChatMember', { status: 429, retryAfter: 7 });
      const error = await failure(adapter.unrestrictMember(GROUP, USER));
      expect(error).toMatchObject({ code: 'ADAPTER_UNAVAILABLE', retryAfterMs: 7000 });
    });
  });

  describe('removeMember', () => {
    it('bans for a minute without deleting their messages, then unbans at once so they may rejoin', async () => {
      await adapter.removeMember(GROUP, USER);
      expect(moderationCalls().map((c) => [c.method, c.body])).toEqual([
        [
          'banChatMember',
          { chat_id: Number(GROUP), user_id: Number(USER), until_date: (NOW + 60_000) / 1000, revoke_messages: false },
        ],
        ['unbanChatMember', { chat_id: Number(GROUP), user_id: Number(USER), only_if_banned: true }],
      ]);
    });

    it('stops at a refused ban: nothing removed, nothing unbanned', async () => {
      api.fail('banChatMember', {
        status: 400,
        description: 'Bad Request: not enough rights to restrict/unrestrict chat member',
      });
      expect((await failure(adapter.removeMember(GROUP, USER)))?.code).toBe('ADAPTER_FORBIDDEN');
      expect(api.of('unbanChatMember')).toEqual([]);
    });

    it('counts a removal whose unban failed as done (the short ban lapses), and says so in the log', async () => {
      api.fail('unbanChatMember', { status: 502 });
      await adapter.removeMember(GROUP, USER);
      expect(api.of('banChatMember')).toHaveLength(1);
      expect(logged.map((l) => l.msg)).toContainEqual(
        expect.stringMatching(/unbanChatMember failed: they may rejoin in 60 s/),
      );
    });
  });

  it('reports an unreachable Bot API as unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const offline = new TelegramAdapter({ token: TOKEN, apiRoot: `http://127.0.0.1:${port}`, logger, now: () => NOW });
    const error = await failure(offline.removeMember(GROUP, USER));
    expect(error?.code).toBe('ADAPTER_UNAVAILABLE');
  });
});
