// The Telegram channel against the adapter contract: updates arrive through the real webhook route,
// sends go to a loopback Bot API.
import Fastify from 'fastify';
import { SECRET_HEADER, TelegramAdapter, telegramWebhookRoutes } from '../../../adapters/telegram/index.js';
import type { InboundMessage } from '../../../src/engine/types.js';
import { silentLogger } from '../../helpers/app.js';
import { adapterContract, type Failure, type ModerationRecord } from '../contract.js';
import { type BotApiFailure, callbackUpdate, FAKE_BOT, FakeBotApi, textUpdate } from './fake-bot-api.js';

const PATH = '/telegram/webhook';
const SECRET = 'contract-secret';

adapterContract('telegram', async () => {
  const api = new FakeBotApi();
  const apiRoot = await api.start();
  const adapter = new TelegramAdapter({
    token: '555:contract-token',
    apiRoot,
    webhook: { url: `https://bot.example.com${PATH}`, secret: SECRET },
    logger: silentLogger,
  });
  const received: InboundMessage[] = [];
  await adapter.start({
    handleInbound: async (m) => {
      received.push(m);
      return { duplicate: false, replies: [] };
    },
  });
  const server = Fastify();
  await server.register(telegramWebhookRoutes, { adapter, path: PATH, secret: SECRET });

  // The contract names users, groups and messages; Telegram numbers them.
  const numbers = new Map<string, number>();
  const numberOf = (name: string, sign = 1) => {
    if (!numbers.has(name)) numbers.set(name, sign * (1000 + numbers.size));
    return numbers.get(name) as number;
  };
  let outboxId = 0;

  const post = async (update: unknown) => {
    const before = received.length;
    const res = await server.inject({
      method: 'POST',
      url: PATH,
      headers: { [SECRET_HEADER]: SECRET },
      payload: update as object,
    });
    if (res.statusCode !== 200) throw new Error(`POST ${PATH}: ${res.statusCode} ${res.body}`);
    return received.slice(before);
  };

  const failures: Record<Failure, BotApiFailure> = {
    rate_limited: { status: 429, retryAfter: 5 },
    blocked: { status: 403, description: 'Forbidden: bot was blocked by the user' },
    rejected: { status: 400, description: 'Bad Request: message text is empty' },
    unavailable: { status: 502 },
  };

  return {
    adapter,
    deliver: async (event) => {
      switch (event.kind) {
        case 'text':
          return post(textUpdate({ user: numberOf(event.user), text: event.text, messageId: numberOf(event.id) }));
        case 'command': {
          const text = `/${event.command}${event.args ? ` ${event.args}` : ''}`;
          const entities = [{ type: 'bot_command', offset: 0, length: event.command.length + 1 }];
          return post(textUpdate({ user: numberOf(event.user), text, entities }));
        }
        case 'button': {
          const user = numberOf(event.user);
          const markup = api.sentTo(user).at(-1)?.body.reply_markup as
            | { inline_keyboard: { text: string; callback_data: string }[][] }
            | undefined;
          const button = markup?.inline_keyboard.flat().find((b) => b.text === event.label);
          return post(callbackUpdate({ user, data: button?.callback_data ?? 'missing' }));
        }
        case 'group': {
          const mention = `@${FAKE_BOT.username}`;
          return post(
            textUpdate({
              user: numberOf(event.user),
              chat: numberOf(event.group, -1),
              type: 'supergroup',
              text: event.mentioned ? `${mention} ${event.text}` : event.text,
              ...(event.mentioned ? { entities: [{ type: 'mention', offset: 0, length: mention.length }] } : {}),
            }),
          );
        }
      }
    },
    show: async (user, message) => {
      const chatId = numberOf(user);
      await adapter.send({ chatId: String(chatId), chatType: 'private', outboxId: ++outboxId }, message);
      const body = api.sentTo(chatId).at(-1)?.body as {
        text: string;
        reply_markup?: { inline_keyboard: { text: string }[][] };
      };
      return { text: body.text, choices: (body.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text) };
    },
    failNext: (failure) => api.fail('sendMessage', failures[failure]),
    moderation: {
      group: async () => {
        const [m] = await post(
          textUpdate({
            user: numberOf('u-unruly'),
            chat: numberOf('g-moderated', -1),
            type: 'supergroup',
            text: `@${FAKE_BOT.username} buy followers here`,
            entities: [{ type: 'mention', offset: 0, length: FAKE_BOT.username.length + 1 }],
          }),
        );
        if (!m?.platformMessageId) throw new Error('the group message was not handed over');
        return { chatId: m.chatId, userId: m.sender.id, platformMessageId: m.platformMessageId };
      },
      // The Bot API calls as moderation actions.
      performed: () =>
        api.calls.flatMap(({ method, body }, i): ModerationRecord[] => {
          const chatId = String(body.chat_id);
          const permissions = body.permissions as { can_send_messages?: boolean } | undefined;
          if (method === 'deleteMessage') {
            return [{ action: 'deleteMessage', chatId, target: `msg:${chatId}:${body.message_id}` }];
          }
          if (method === 'restrictChatMember') {
            const action = permissions?.can_send_messages ? 'unrestrictMember' : 'restrictMember';
            return [{ action, chatId, target: String(body.user_id) }];
          }
          // A ban with an end followed by its unban is a removal; a ban without one, a ban.
          if (method === 'banChatMember' && body.until_date === undefined) {
            return [{ action: 'banMember', chatId, target: String(body.user_id) }];
          }
          const banned = api.calls[i - 1];
          const kick =
            banned?.method === 'banChatMember' &&
            banned.body.until_date !== undefined &&
            banned.body.user_id === body.user_id;
          if (method === 'unbanChatMember' && body.only_if_banned === true) {
            const action = kick ? 'removeMember' : 'unbanMember';
            return [{ action, chatId, target: String(body.user_id) }];
          }
          return [];
        }),
    },
    close: async () => {
      await adapter.stop();
      await server.close();
      await api.stop();
    },
  };
});
