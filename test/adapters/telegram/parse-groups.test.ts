// What group moderation reads from Telegram updates: joins (new_chat_members and chat_member), the
// message a reply answers, media, forwards, hidden text links, and the button's message; and
// member updates that cannot be read.
import { describe, expect, it } from 'vitest';
import { MalformedUpdate, parseUpdate } from '../../../adapters/telegram/index.js';
import { FAKE_BOT } from './fake-bot-api.js';

const bot = { id: FAKE_BOT.id, username: FAKE_BOT.username };
const chat = { id: -1001, type: 'supergroup', title: 'Bakery fans' };
const from = { id: 5, is_bot: false, first_name: 'Mei' };

describe('Telegram group updates for moderation', () => {
  it('new_chat_members: one joined message per member, bots left out', () => {
    const parsed = parseUpdate(
      {
        update_id: 1,
        message: {
          message_id: 9,
          date: 1_780_000_000,
          chat,
          from,
          new_chat_members: [
            from,
            { id: 6, is_bot: false, first_name: 'Lin' },
            { id: 7, is_bot: true, first_name: 'X' },
          ],
        },
      },
      bot,
    );
    expect(parsed.kind).toBe('joins');
    if (parsed.kind !== 'joins') return;
    expect(parsed.messages.map((m) => [m.sender.id, m.joined, m.platformMessageId])).toEqual([
      ['5', true, 'join:-1001:5:1780000000'],
      ['6', true, 'join:-1001:6:1780000000'],
    ]);
  });

  it('chat_member: a join when the member came from outside; promotions and leaving are not joins', () => {
    const update = (before: string, after: string) => ({
      update_id: 2,
      chat_member: {
        chat,
        from,
        date: 1_780_000_100,
        old_chat_member: { status: before, user: from },
        new_chat_member: { status: after, user: from },
      },
    });
    expect(parseUpdate(update('left', 'member'), bot).kind).toBe('joins');
    expect(parseUpdate(update('kicked', 'member'), bot).kind).toBe('joins');
    expect(parseUpdate(update('member', 'administrator'), bot).kind).toBe('ignored');
    expect(parseUpdate(update('member', 'left'), bot).kind).toBe('ignored');
    expect(parseUpdate(update('member', 'restricted'), bot).kind).toBe('ignored');
    expect(() => parseUpdate({ update_id: 3, chat_member: { chat } }, bot)).toThrow(MalformedUpdate);
    expect(() => parseUpdate({ update_id: 4, chat_member: 'x' }, bot)).toThrow(MalformedUpdate);
  });

  it('a reply names the message it answers; media, forwards and hidden links are marked', () => {
    const parsed = parseUpdate(
      {
        update_id: 5,
        message: {
          message_id: 10,
          date: 1_780_000_000,
          chat,
          from,
          caption: 'look',
          photo: [{ file_id: 'p', width: 1, height: 1 }],
          forward_origin: { type: 'user', date: 1, sender_user: { id: 9 } },
          caption_entities: [{ type: 'text_link', offset: 0, length: 4, url: 'https://spam.example.xyz' }],
          reply_to_message: {
            message_id: 8,
            date: 1_779_999_000,
            chat,
            from: { id: 6, first_name: 'Lin' },
            text: 'hi',
          },
        },
      },
      bot,
    );
    expect(parsed.kind).toBe('message');
    if (parsed.kind !== 'message') return;
    expect(parsed.message).toMatchObject({
      text: 'look',
      media: true,
      forwarded: true,
      urls: ['https://spam.example.xyz'],
      replyTo: { senderId: '6', senderName: 'Lin', messageId: 'msg:-1001:8', text: 'hi' },
      sentAt: new Date(1_780_000_000_000),
    });
  });

  it('a press of a button in a group names the message it was on', () => {
    const parsed = parseUpdate(
      {
        update_id: 6,
        callback_query: {
          id: 'cq',
          from,
          chat_instance: 'c',
          data: 'captcha:5',
          message: { message_id: 77, date: 1, chat },
        },
      },
      bot,
    );
    expect(parsed.kind).toBe('callback');
    if (parsed.kind === 'callback') expect(parsed.message.buttonMessageId).toBe('msg:-1001:77');
  });
});
