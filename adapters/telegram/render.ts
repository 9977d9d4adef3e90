// The engine's OutboundMessage → Telegram sendMessage calls: long texts split, buttons as an inline
// keyboard, payloads fitted into callback_data. And the command menu the bot registers.
//
// Texts are sent as plain text, with no parse_mode: Telegram shows them as written, so nothing needs
// escaping (a customer's name or a knowledge-base answer with "*", "_" or "<" is shown as is).
import { createHash } from 'node:crypto';
import type { OutboundMessage } from '../../src/engine/types.js';
import { splitText } from '../../src/util/split-text.js';
import { MAX_TEXT_LENGTH } from './parse.js';

/** Telegram's limit for callback_data, in bytes. */
export const MAX_CALLBACK_DATA_BYTES = 64;
const MAPPED_PREFIX = '#';

/**
 * Button payloads ↔ callback_data. A payload of up to 64 bytes travels as it is. A longer one (or
 * one that starts with "#") travels as "#" + its SHA-256 (44 bytes), and the payload is kept here,
 * in memory, for the most recent `capacity` of them. A press on a mapped button whose payload is
 * no longer known (the process restarted, or it was evicted) decodes to undefined: the adapter
 * tells the customer the button expired instead of guessing.
 */
export class CallbackData {
  private readonly mapped = new Map<string, string>();

  constructor(readonly capacity = 10_000) {}

  encode(payload: string): string {
    if (
      payload !== '' &&
      !payload.startsWith(MAPPED_PREFIX) &&
      Buffer.byteLength(payload, 'utf8') <= MAX_CALLBACK_DATA_BYTES
    ) {
      return payload;
    }
    const key = MAPPED_PREFIX + createHash('sha256').update(payload, 'utf8').digest('base64url');
    this.remember(key, payload);
    return key;
  }

  decode(data: string): string | undefined {
    if (!data.startsWith(MAPPED_PREFIX)) return data;
    const payload = this.mapped.get(data);
    if (payload !== undefined) this.remember(data, payload);
    return payload;
  }

  get size(): number {
    return this.mapped.size;
  }

  /** Least recently used first: a Map keeps insertion order, so re-inserting refreshes. */
  private remember(key: string, payload: string): void {
    this.mapped.delete(key);
    this.mapped.set(key, payload);
    while (this.mapped.size > this.capacity) {
      const oldest = this.mapped.keys().next().value as string;
      this.mapped.delete(oldest);
    }
  }
}

export interface InlineButton {
  text: string;
  callback_data: string;
}

export interface SendMessagePart {
  text: string;
  reply_markup?: { inline_keyboard: InlineButton[][] };
}

/** Short labels (ratings 1–5, 0–10) share rows; longer ones get a row each. */
function keyboard(buttons: InlineButton[]): InlineButton[][] {
  const short = buttons.every((b) => [...b.text].length <= 4);
  if (!short) return buttons.map((b) => [b]);
  const perRow = buttons.length <= 6 ? buttons.length : Math.ceil(buttons.length / 2);
  const rows: InlineButton[][] = [];
  for (let i = 0; i < buttons.length; i += perRow) rows.push(buttons.slice(i, i + perRow));
  return rows;
}

/** One sendMessage per part; the buttons go on the last part. */
export function renderMessage(message: OutboundMessage, data: CallbackData): SendMessagePart[] {
  // Telegram refuses an empty text; the engine does not send one, but a button row needs a line.
  const parts = splitText(message.text.trim() ? message.text : '…', MAX_TEXT_LENGTH);
  const out: SendMessagePart[] = parts.map((text) => ({ text }));
  if (message.buttons?.length) {
    const buttons = message.buttons.map((b) => ({ text: b.label || b.payload, callback_data: data.encode(b.payload) }));
    (out[out.length - 1] as SendMessagePart).reply_markup = { inline_keyboard: keyboard(buttons) };
  }
  return out;
}

export interface BotCommand {
  command: string;
  description: string;
}

/** The menu Telegram shows behind "/": English by default, Chinese for clients set to Chinese. */
export const COMMAND_MENU: { en: BotCommand[]; zh: BotCommand[] } = {
  en: [
    { command: 'start', description: 'Start / welcome' },
    { command: 'help', description: 'What I can do' },
    { command: 'points', description: 'Points balance and tier' },
    { command: 'checkin', description: 'Daily check-in for points' },
    { command: 'rewards', description: 'Rewards you can redeem' },
    { command: 'history', description: 'Latest points entries' },
    { command: 'feedback', description: 'Rate us or make a suggestion' },
    { command: 'invite', description: 'Your referral code' },
    { command: 'human', description: 'Talk to a person' },
    { command: 'lang', description: 'Language: /lang zh or /lang en' },
    { command: 'stop', description: 'No more proactive messages' },
  ],
  zh: [
    { command: 'start', description: '开始 / 欢迎' },
    { command: 'help', description: '我能做什么' },
    { command: 'points', description: '积分余额和会员等级' },
    { command: 'checkin', description: '每日签到领积分' },
    { command: 'rewards', description: '可兑换的奖励' },
    { command: 'history', description: '最近的积分记录' },
    { command: 'feedback', description: '评价或提建议' },
    { command: 'invite', description: '我的邀请码' },
    { command: 'human', description: '转人工客服' },
    { command: 'lang', description: '语言：/lang zh 或 /lang en' },
    { command: 'stop', description: '不再接收主动消息' },
  ],
};
