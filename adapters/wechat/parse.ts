// WeChat messages (what the adapter read from a wechaty Message) → the engine's InboundMessage.
// Pure: no network, no state. The adapter does the async reading (mentions, names) and passes the facts.
import { types } from 'wechaty';
import type { InboundMessage } from '../../src/engine/types.js';
import { isBlank, sanitizeText } from '../../src/util/text.js';
import { WECHAT_CHANNEL } from './channel.js';

export { WECHAT_CHANNEL };
/** WeChat publishes no limit; longer texts are sent as several messages of at most this many characters. */
export const MAX_TEXT_LENGTH = 2000;

/** What a wechaty message carries, read by the adapter. */
export interface MessageFacts {
  id: string;
  /** wechaty's `types.Message` value. */
  type: number;
  /** The text; in rooms with the mention of the bot already taken out. */
  text: string;
  /** Sent by the logged-in account itself (from another device, or the bot's own replies). */
  self: boolean;
  talker: { id: string; name?: string | undefined; official?: boolean };
  room?: { id: string } | undefined;
  /** In rooms: the message @-mentions the bot. */
  mentioned: boolean;
  /** Seconds since the message was sent. */
  ageSeconds: number;
}

export type Parsed = { kind: 'message'; message: InboundMessage } | { kind: 'ignored'; reason: string };

export interface ParseOptions {
  /** Older messages (a backlog a puppet replays after a reconnect) are ignored. */
  maxAgeSeconds: number;
  /** The payload of the numbered option a reply picks in this chat, if it is one. */
  option(chatId: string, text: string): string | undefined;
  /** Hand rooms' unaddressed messages on too (group moderation judges every message). */
  watchRooms?: boolean;
}

const T = types.Message;
/** What customers send besides text: the engine answers politely that it reads text only. */
const CONTENT_TYPES = new Set<number>([
  T.Attachment,
  T.Audio,
  T.Contact,
  T.ChatHistory,
  T.Emoticon,
  T.Image,
  T.Location,
  T.MiniProgram,
  T.Transfer,
  T.RedEnvelope,
  T.Url,
  T.Video,
  T.Post,
]);

export function parseMessage(f: MessageFacts, o: ParseOptions): Parsed {
  if (f.self) return { kind: 'ignored', reason: 'sent by the bot’s own account' };
  if (f.talker.official) return { kind: 'ignored', reason: 'from an official account' };
  if (f.ageSeconds > o.maxAgeSeconds) return { kind: 'ignored', reason: `older than ${o.maxAgeSeconds} s` };
  // In rooms the bot listens only when addressed (other members' talk is not the business's to
  // keep), unless it moderates them.
  if (f.room && !f.mentioned && !o.watchRooms) {
    return { kind: 'ignored', reason: 'room message without a mention of the bot' };
  }
  const chatId = f.room ? f.room.id : f.talker.id;
  // WeChat cannot be answered with a 400: text that cannot be stored is made storable here.
  const name = f.talker.name === undefined ? undefined : sanitizeText(f.talker.name).trim();
  const base = {
    channel: WECHAT_CHANNEL,
    chatId,
    chatType: f.room ? ('group' as const) : ('private' as const),
    sender: { id: f.talker.id, ...(name ? { name } : {}) },
    mentioned: !f.room || f.mentioned,
    platformMessageId: f.id,
  };
  if (f.type === T.Text) {
    const text = sanitizeText(f.text).trim();
    if (isBlank(text)) return { kind: 'ignored', reason: 'empty or invisible text' };
    const payload = o.option(chatId, text);
    // A numbered reply to the options the bot sent here is that button, pressed.
    return { kind: 'message', message: { ...base, ...(payload !== undefined ? { payload } : { text }) } };
  }
  if (CONTENT_TYPES.has(f.type)) {
    return { kind: 'message', message: { ...base, unsupported: true, ...(f.room ? { media: true } : {}) } };
  }
  // Recalled messages, group notes, system notices ("you added …") and unknown kinds.
  return { kind: 'ignored', reason: `message type ${T[f.type] ?? f.type}` };
}
