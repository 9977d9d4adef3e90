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
