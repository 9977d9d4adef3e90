// Telegram updates → InboundMessage: chats, senders, commands addressed to us or to other bots,
// mentions and replies in groups, captions, stickers, buttons, ids, and what cannot be read.
import { describe, expect, it } from 'vitest';
import { MalformedUpdate, parseUpdate } from '../../../adapters/telegram/index.js';
import { parseCommand } from '../../../src/engine/context.js';
import { callbackUpdate, FAKE_BOT, textUpdate } from './fake-bot-api.js';

const bot = { id: FAKE_BOT.id, username: FAKE_BOT.username };

function message(update: unknown) {
  const parsed = parseUpdate(update, bot);
  if (parsed.kind !== 'message') throw new Error(`expected a message, got ${JSON.stringify(parsed)}`);
  return parsed.message;
}

const command = (text: string, extra: object = {}) => ({
  text,
  entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]?.length ?? 0 }],
  ...extra,
});

describe('Telegram updates → InboundMessage', () => {
  it('a private text: chat, sender name and language, update-unique id, addressed', () => {
    const update = textUpdate({
      user: 42,
      text: '  营业时间?  ',
      firstName: 'Mei',
      languageCode: 'zh-hans',
      messageId: 7,
    });
    update.message.from = { ...update.message.from, last_name: 'Chen' } as typeof update.message.from;
    expect(message(update)).toMatchObject({
      channel: 'telegram',
      chatId: '42',
      chatType: 'private',
      sender: { id: '42', name: 'Mei Chen', locale: 'zh-hans' },
      text: '营业时间?',
      mentioned: true,
      platformMessageId: 'msg:42:7',
    });
    expect(message(update).unsupported).toBeUndefined();
  });

  it('commands keep their text for the engine; /cmd@ourbot too', () => {
    const m = message(textUpdate({ user: 1, ...command('/birthday 08-15') }));
    expect(parseCommand(m.text)).toEqual({ name: 'birthday', args: ['08-15'] });
    const ours = message(textUpdate({ user: 1, chat: -5, type: 'supergroup', ...command('/points@RapportTestBot') }));
    expect(ours).toMatchObject({ chatType: 'group', mentioned: true });
    expect(parseCommand(ours.text)).toEqual({ name: 'points', args: [] });
  });

  it('in groups, a command for another bot is not ours: ignored', () => {
    const other = parseUpdate(textUpdate({ user: 1, chat: -5, type: 'group', ...command('/points@OtherBot') }), bot);
    expect(other).toEqual({ kind: 'ignored', reason: 'a command for @OtherBot' });
    // Without the entity (some clients, the emulator's plain messages) the text still tells.
    const plain = parseUpdate(textUpdate({ user: 1, chat: -5, type: 'group', text: '/help@OtherBot' }), bot);
    expect(plain.kind).toBe('ignored');
    // A bare /cmd in a group is for every bot, us included.
    expect(message(textUpdate({ user: 1, chat: -5, type: 'group', ...command('/help') }))).toMatchObject({
      mentioned: true,
    });
  });

  it('in groups, chatter is not addressed; a mention (stripped) or a reply to the bot is', () => {
    const quiet = message(textUpdate({ user: 1, chat: -5, type: 'group', text: 'morning all' }));
    expect(quiet).toMatchObject({ chatType: 'group', chatId: '-5', sender: { id: '1' }, mentioned: false });

    const text = '@rapporttestbot open today?';
    const mention = message(
      textUpdate({
        user: 1,
        chat: -5,
        type: 'group',
        text,
        entities: [{ type: 'mention', offset: 0, length: 15 }],
      }),
    );
    expect(mention).toMatchObject({ mentioned: true, text: 'open today?' });

    const someoneElse = message(
      textUpdate({
        user: 1,
        chat: -5,
        type: 'group',
        text: '@alice see you',
        entities: [{ type: 'mention', offset: 0, length: 6 }],
      }),
    );
    expect(someoneElse).toMatchObject({ mentioned: false, text: '@alice see you' });

    const textMention = message(
      textUpdate({
        user: 1,
        chat: -5,
        type: 'group',
        text: 'Rapport help',
        entities: [{ type: 'text_mention', offset: 0, length: 7, user: { id: FAKE_BOT.id } }],
      }),
    );
    expect(textMention.mentioned).toBe(true);

    const reply = message(textUpdate({ user: 1, chat: -5, type: 'group', text: 'yes please', replyToBot: true }));
    expect(reply.mentioned).toBe(true);
  });

  it('captions are text; stickers and photos without caption are unsupported; service messages ignored', () => {
    const base = textUpdate({ user: 3, text: 'x' });
    const { text: _t, ...rest } = base.message;
    expect(
      message({ ...base, message: { ...rest, photo: [{ file_id: 'p' }], caption: '这个蛋糕还有吗' } }),
    ).toMatchObject({
      text: '这个蛋糕还有吗',
    });
    const sticker = message({ ...base, message: { ...rest, sticker: { file_id: 's' } } });
    expect(sticker).toMatchObject({ unsupported: true, mentioned: true });
    expect(sticker.text).toBeUndefined();
    expect(message({ ...base, message: { ...rest, photo: [{ file_id: 'p' }] } }).unsupported).toBe(true);
    expect(parseUpdate({ ...base, message: { ...rest, new_chat_members: [{ id: 9 }] } }, bot).kind).toBe('ignored');
  });

  it('ignores bots (ourselves included), channel posts, edits and other update kinds', () => {
    const fromBot = textUpdate({ user: 1, text: 'hi' });
    fromBot.message.from = { ...fromBot.message.from, is_bot: true };
    expect(parseUpdate(fromBot, bot).kind).toBe('ignored');
    expect(parseUpdate({ update_id: 5, edited_message: textUpdate({ user: 1, text: 'x' }).message }, bot).kind).toBe(
      'ignored',
    );
    const channel = textUpdate({ user: 1, text: 'news' });
    expect(
      parseUpdate({ ...channel, message: { ...channel.message, chat: { id: -100, type: 'channel' } } }, bot).kind,
    ).toBe('ignored');
  });

  it('a button press: payload data, the chat of the message it was on, callback id as platform id', () => {
    const parsed = parseUpdate(callbackUpdate({ user: 8, data: 'faq:latte', id: 'cb-1', languageCode: 'en' }), bot);
    expect(parsed).toMatchObject({
      kind: 'callback',
      callbackQueryId: 'cb-1',
      data: 'faq:latte',
      message: {
        chatId: '8',
        chatType: 'private',
        sender: { id: '8', locale: 'en' },
        mentioned: true,
        platformMessageId: 'cb:cb-1',
      },
    });
    const inGroup = parseUpdate(callbackUpdate({ user: 8, chat: -5, data: 'x' }), bot);
    expect(inGroup).toMatchObject({ message: { chatId: '-5', chatType: 'group', sender: { id: '8' } } });
  });

  it('throws MalformedUpdate, with the update id, for what cannot be read', () => {
    for (const bad of [
      { update_id: 9, message: { text: 'no chat', message_id: 1 } },
      { update_id: 9, message: { chat: { id: 1, type: 'private' }, text: 'no sender', message_id: 1 } },
      { update_id: 9, message: { chat: { id: 1, type: 'private' }, from: { id: 1 }, text: 'no id' } },
      { update_id: 9, callback_query: { from: { id: 1 }, data: 'x' } },
      { update_id: 9, message: 'text' },
    ]) {
      expect(() => parseUpdate(bad, bot)).toThrow(MalformedUpdate);
      expect(() => parseUpdate(bad, bot)).toThrow(/update 9/);
    }
    expect(() => parseUpdate(null, bot)).toThrow(MalformedUpdate);
    expect(() => parseUpdate({ message: {} }, bot)).toThrow(/update_id/);
  });
});
