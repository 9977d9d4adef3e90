// Telegram updates → the engine's InboundMessage. Pure: no network, no state. Updates are read
// defensively (they come from the network): one that cannot be read throws MalformedUpdate.
import type { InboundMessage } from '../../src/engine/types.js';
import { isBlank, sanitizeText } from '../../src/util/text.js';

export const TELEGRAM_CHANNEL = 'telegram';
/** Telegram's limit for one message's text, in UTF-16 code units. */
export const MAX_TEXT_LENGTH = 4096;
/** The updates the bot asks for (polling and webhook alike). */
/** chat_member tells of joins in groups where the bot is an admin (moderation's newcomers). */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'chat_member'] as const;

export interface BotIdentity {
  id: number;
  username: string;
}

/** An update that cannot be read (no chat, no sender, no ids): logged with its id and skipped. */
export class MalformedUpdate extends Error {
  constructor(
    readonly updateId: number | undefined,
    reason: string,
  ) {
    super(`malformed Telegram update${updateId === undefined ? '' : ` ${updateId}`}: ${reason}`);
    this.name = 'MalformedUpdate';
  }
}

export type Parsed =
  | { kind: 'message'; message: InboundMessage }
  /** A pressed inline button: `data` is the raw callback_data (the adapter maps it back to a payload). */
  | { kind: 'callback'; callbackQueryId: string; data: string | undefined; message: InboundMessage }
  /** Members who joined a group (each an InboundMessage with `joined`). */
  | { kind: 'joins'; messages: InboundMessage[] }
  | { kind: 'ignored'; reason: string };

/** What customers send besides text: the engine answers politely that it reads text only. */
const CONTENT_KINDS = [
  'sticker',
  'photo',
  'video',
  'animation',
  'audio',
  'voice',
  'video_note',
  'document',
  'location',
  'venue',
  'contact',
  'poll',
  'dice',
  'game',
  'story',
  'paid_media',
] as const;

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number | string {
  return (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && value !== '');
}

export function updateIdOf(update: unknown): number | undefined {
  return isObj(update) && typeof update.update_id === 'number' ? update.update_id : undefined;
}

/** The chat an update belongs to (updates of one chat are handled one after another). */
export function chatKeyOf(update: unknown): string {
  if (isObj(update)) {
    const message = isObj(update.message) ? update.message : undefined;
    if (message && isObj(message.chat) && isId(message.chat.id)) return String(message.chat.id);
    const member = isObj(update.chat_member) ? update.chat_member : undefined;
    if (member && isObj(member.chat) && isId(member.chat.id)) return String(member.chat.id);
    const callback = isObj(update.callback_query) ? update.callback_query : undefined;
    if (callback) {
      const chat = isObj(callback.message) && isObj(callback.message.chat) ? callback.message.chat : undefined;
      if (chat && isId(chat.id)) return String(chat.id);
      if (isObj(callback.from) && isId(callback.from.id)) return String(callback.from.id);
    }
  }
  return `update:${updateIdOf(update) ?? 'unknown'}`;
}

interface Entity {
  type: string;
  offset: number;
  length: number;
  user?: { id?: unknown };
  url?: unknown;
}

function entitiesOf(value: unknown): Entity[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (e): e is Entity =>
      isObj(e) && typeof e.type === 'string' && Number.isInteger(e.offset) && Number.isInteger(e.length),
  );
}

/** Telegram usernames: 5–32 letters, digits and underscores. */
const USERNAME = /^[A-Za-z0-9_]{5,32}$/;

function sender(from: Obj): InboundMessage['sender'] {
  const name = sanitizeText(
    [from.first_name, from.last_name].filter((p): p is string => typeof p === 'string' && p.trim() !== '').join(' '),
  ).trim();
  return {
    id: String(from.id),
    ...(name ? { name } : {}),
    ...(typeof from.username === 'string' && USERNAME.test(from.username) ? { username: from.username } : {}),
    ...(typeof from.language_code === 'string' && from.language_code
      ? { locale: sanitizeText(from.language_code) }
      : {}),
  };
}

function chatTypeOf(chat: Obj): 'private' | 'group' | undefined {
  if (chat.type === 'private') return 'private';
  if (chat.type === 'group' || chat.type === 'supergroup') return 'group';
  return undefined; // channels
}

/** The command a text starts with and the bot it names: "/points@RapportBot 3" → RapportBot. */
function leadingCommand(text: string): { target: string | undefined } | undefined {
  const match = /^\/[A-Za-z]\w{0,31}(?:@(\w+))?(?:\s|$)/.exec(text);
  return match ? { target: match[1] } : undefined;
}

function isOurs(target: string, bot: BotIdentity): boolean {
  return target.toLowerCase() === bot.username.toLowerCase();
}

/** Reads one update. Bots' messages, channel posts, edits and service messages are ignored. */
export function parseUpdate(update: unknown, bot: BotIdentity): Parsed {
  if (!isObj(update) || typeof update.update_id !== 'number') {
    throw new MalformedUpdate(undefined, 'not an object with a numeric update_id');
  }
  const updateId = update.update_id;
  if (update.message !== undefined) return parseMessage(updateId, update.message, bot, update);
  if (update.callback_query !== undefined) return parseCallback(updateId, update.callback_query, update);
  if (update.chat_member !== undefined) return parseChatMember(updateId, update.chat_member, update);
  const kind = Object.keys(update).find((k) => k !== 'update_id') ?? 'empty';
  return { kind: 'ignored', reason: `${kind} updates are not handled` };
}

function parseMessage(updateId: number, message: unknown, bot: BotIdentity, raw: Obj): Parsed {
  if (!isObj(message)) throw new MalformedUpdate(updateId, 'message is not an object');
  const { chat, from } = message;
  if (!isObj(chat) || !isId(chat.id)) throw new MalformedUpdate(updateId, 'message without chat id');
  if (!Number.isInteger(message.message_id)) throw new MalformedUpdate(updateId, 'message without message_id');
  const chatType = chatTypeOf(chat);
  if (!chatType) return { kind: 'ignored', reason: `messages in ${String(chat.type)} chats are not handled` };
  if (!isObj(from) || !isId(from.id)) throw new MalformedUpdate(updateId, 'message without sender');
  // Ourselves, other bots, and anonymous group admins (who write as GroupAnonymousBot).
  if (from.is_bot === true) return { kind: 'ignored', reason: 'sent by a bot' };

  if (Array.isArray(message.new_chat_members) && chatType === 'group') {
    return joins(String(chat.id), message.new_chat_members, message.date, raw);
  }

  const rawText = typeof message.text === 'string' ? message.text : undefined;
  const caption = typeof message.caption === 'string' ? message.caption : undefined;
  const body = rawText ?? caption;
  const entities = entitiesOf(rawText !== undefined ? message.entities : message.caption_entities);
  const hasContent = CONTENT_KINDS.some((k) => message[k] !== undefined);
  if (body === undefined && !hasContent) {
    return { kind: 'ignored', reason: 'service message (members, pins, titles…)' };
  }

  let mentioned = chatType === 'private';
  let text = body;
  if (body !== undefined) {
    const command = leadingCommand(body);
    if (command?.target && !isOurs(command.target, bot)) {
      if (chatType === 'group') return { kind: 'ignored', reason: `a command for @${command.target}` };
    }
    const spans: Entity[] = [];
    for (const e of entities) {
      const piece = body.slice(e.offset, e.offset + e.length);
      if (e.type === 'bot_command') {
        const at = piece.indexOf('@');
        if (at < 0 || isOurs(piece.slice(at + 1), bot)) mentioned = true;
      } else if (e.type === 'mention' && isOurs(piece.replace(/^@/, ''), bot)) {
        mentioned = true;
        spans.push(e);
      } else if (e.type === 'text_mention' && isObj(e.user) && String(e.user.id) === String(bot.id)) {
        mentioned = true;
      }
    }
    // "@RapportBot when do you open?" → "when do you open?" (unless the mention is all there is).
    if (spans.length) {
      let stripped = body;
      for (const e of [...spans].sort((a, b) => b.offset - a.offset)) {
        stripped = stripped.slice(0, e.offset) + stripped.slice(e.offset + e.length);
      }
      stripped = stripped.replace(/\s+/g, ' ').trim();
      if (stripped) text = stripped;
    }
  }
  const replyTo = message.reply_to_message;
  if (isObj(replyTo) && isObj(replyTo.from) && String(replyTo.from.id) === String(bot.id)) mentioned = true;
  const urls = entities.flatMap((e) => (e.type === 'text_link' && typeof e.url === 'string' ? [e.url] : []));
  const forwarded = ['forward_origin', 'forward_from', 'forward_from_chat', 'forward_sender_name'].some(
    (k) => message[k] !== undefined,
  );

  // Text that cannot be stored is made storable here: Telegram cannot be answered with a 400.
  const clean = text === undefined ? undefined : sanitizeText(text).trim();
  const trimmed = clean && !isBlank(clean) ? clean : undefined;
  if (!trimmed && !hasContent) return { kind: 'ignored', reason: 'empty or invisible text' };
  return {
    kind: 'message',
    message: {
      channel: TELEGRAM_CHANNEL,
      chatId: String(chat.id),
      chatType,
      sender: sender(from),
      ...(trimmed ? { text: trimmed } : {}),
      mentioned,
      platformMessageId: `msg:${chat.id}:${message.message_id}`,
      ...(!trimmed ? { unsupported: true } : {}),
      ...(hasContent ? { media: true } : {}),
      ...(forwarded ? { forwarded: true } : {}),
      ...(urls.length ? { urls } : {}),
      ...(chatType === 'group' ? replyOf(String(chat.id), replyTo) : {}),
      ...sentAtOf(message.date),
      raw,
    },
  };
}

/** The message a group message answers: whose it is, its id and text (admins' /warn, /ban, /report). */
function replyOf(chatId: string, replyTo: unknown): Pick<InboundMessage, 'replyTo'> {
  if (!isObj(replyTo) || !isObj(replyTo.from) || !isId(replyTo.from.id) || !Number.isInteger(replyTo.message_id)) {
    return {};
  }
  const who = sender(replyTo.from);
  const text =
    typeof replyTo.text === 'string' ? replyTo.text : typeof replyTo.caption === 'string' ? replyTo.caption : '';
  const clean = sanitizeText(text).trim();
  return {
    replyTo: {
      senderId: who.id,
      ...(who.name ? { senderName: who.name } : {}),
      ...(who.username ? { senderUsername: who.username } : {}),
      messageId: `msg:${chatId}:${replyTo.message_id}`,
      ...(clean ? { text: clean } : {}),
      ...(typeof replyTo.date === 'number' ? { sentAt: new Date(replyTo.date * 1000) } : {}),
    },
  };
}

function sentAtOf(date: unknown): Pick<InboundMessage, 'sentAt'> {
  return typeof date === 'number' && Number.isFinite(date) && date > 0 ? { sentAt: new Date(date * 1000) } : {};
}

/** Members who joined (bots left out): one message each, its id naming the join. */
function joins(chatId: string, members: unknown[], date: unknown, raw: Obj): Parsed {
  const messages = members.flatMap((m): InboundMessage[] => {
    if (!isObj(m) || !isId(m.id) || m.is_bot === true) return [];
    return [
      {
        channel: TELEGRAM_CHANNEL,
        chatId,
        chatType: 'group',
        sender: sender(m),
        mentioned: false,
        joined: true,
        platformMessageId: `join:${chatId}:${m.id}:${typeof date === 'number' ? date : 0}`,
        ...sentAtOf(date),
        raw,
      },
    ];
  });
  return messages.length ? { kind: 'joins', messages } : { kind: 'ignored', reason: 'bots joined' };
}

const OUTSIDE = new Set(['left', 'kicked']);
const INSIDE = new Set(['member', 'restricted']);

/** A chat_member update: a join when the member went from outside the group to inside it. */
function parseChatMember(updateId: number, update: unknown, raw: Obj): Parsed {
  if (!isObj(update) || !isObj(update.chat) || !isId(update.chat.id)) {
    throw new MalformedUpdate(updateId, 'chat_member without chat');
  }
  const before = isObj(update.old_chat_member) ? update.old_chat_member : undefined;
  const after = isObj(update.new_chat_member) ? update.new_chat_member : undefined;
  if (!before || !after || !isObj(after.user)) throw new MalformedUpdate(updateId, 'chat_member without members');
  if (chatTypeOf(update.chat) !== 'group') return { kind: 'ignored', reason: 'a member change outside a group' };
  const joined =
    OUTSIDE.has(String(before.status)) &&
    INSIDE.has(String(after.status)) &&
    (after.status !== 'restricted' || after.is_member !== false);
  if (!joined) return { kind: 'ignored', reason: 'a member change that is not a join' };
  return joins(String(update.chat.id), [after.user], update.date, raw);
}

function parseCallback(updateId: number, query: unknown, raw: Obj): Parsed {
  if (!isObj(query) || typeof query.id !== 'string' || !query.id) {
    throw new MalformedUpdate(updateId, 'callback_query without id');
  }
  const { from } = query;
  if (!isObj(from) || !isId(from.id)) throw new MalformedUpdate(updateId, 'callback_query without sender');
  // The button's message tells the chat; a button on an inline-mode message has none: the presser's own chat.
  const chat = isObj(query.message) && isObj(query.message.chat) ? query.message.chat : undefined;
  const chatType = chat ? chatTypeOf(chat) : 'private';
  if (!chatType) return { kind: 'ignored', reason: `buttons in ${String(chat?.type)} chats are not handled` };
  const chatId = chat && isId(chat.id) ? String(chat.id) : String(from.id);
  return {
    kind: 'callback',
    callbackQueryId: query.id,
    data: typeof query.data === 'string' && query.data !== '' ? query.data : undefined,
    message: {
      channel: TELEGRAM_CHANNEL,
      chatId,
      chatType,
      sender: sender(from),
      mentioned: true,
      platformMessageId: `cb:${query.id}`,
      ...(chat && isObj(query.message) && Number.isInteger(query.message.message_id)
        ? { buttonMessageId: `msg:${chatId}:${query.message.message_id}` }
        : {}),
      raw,
    },
  };
}
