// Buttons on WeChat: personal accounts cannot send buttons, so they become numbered options under
// the text ("回复 1–3 选择" / "Reply 1–3 to choose"). The adapter remembers, per chat, the options it
// sent last, and a reply with just that number ("1", "１", "1.", "一") is that button pressed.
import type { Button, OutboundMessage } from '../../src/engine/types.js';

export interface RenderedOptions {
  text: string;
  /** Reply number → payload; empty when the message has no buttons. */
  keys: Map<number, string>;
}

const HAN = /\p{Script=Han}/u;
const CHINESE_DIGITS = '零一二三四五六七八九十';

/**
 * Numbers the buttons 1…n under the text. Buttons whose labels are already distinct numbers (a
 * 1–5 or 0–10 rating) keep them: the reply is the label itself, and no list is needed.
 */
export function renderOptions(message: OutboundMessage): RenderedOptions {
  const buttons = message.buttons ?? [];
  const keys = new Map<number, string>();
  if (!buttons.length) return { text: message.text, keys };
  const chinese = HAN.test(message.text);
  const numeric = numericLabels(buttons);
  const lines: string[] = [];
  if (numeric) {
    buttons.forEach((b, i) => {
      keys.set(numeric[i] as number, b.payload);
    });
  } else {
    buttons.forEach((b, i) => {
      keys.set(i + 1, b.payload);
      lines.push(`${i + 1}. ${b.label}`);
    });
  }
  const numbers = [...keys.keys()];
  const first = numbers[0] as number;
  const last = numbers[numbers.length - 1] as number;
  const contiguous = numbers.every((n, i) => n === first + i);
  const range =
    numbers.length === 1 ? String(first) : contiguous ? `${first}–${last}` : numbers.join(chinese ? '、' : ', ');
  lines.push(chinese ? `回复 ${range} 选择` : `Reply ${range} to choose`);
  return { text: `${message.text}\n\n${lines.join('\n')}`, keys };
}

function numericLabels(buttons: Button[]): number[] | undefined {
  const numbers = buttons.map((b) => (/^\d{1,2}$/.test(b.label.trim()) ? Number(b.label.trim()) : Number.NaN));
  if (numbers.some(Number.isNaN) || new Set(numbers).size !== numbers.length) return undefined;
  return numbers;
}

/** "1", "１", "1.", "1。", "(1)", "#1", "一" → 1; anything else → undefined. */
export function optionNumber(text: string): number | undefined {
  const t = text.normalize('NFKC').trim();
  const digits = t.match(/^[#(]?\s*(\d{1,2})\s*[.)、。,，!]?$/);
  if (digits?.[1]) return Number(digits[1]);
  if (t.length === 1 && CHINESE_DIGITS.includes(t)) return CHINESE_DIGITS.indexOf(t);
  return undefined;
}

export interface OptionMemoryOptions {
  /** How long options stay valid (default 24 h). */
  ttlMs?: number;
  /** How many chats are remembered; the least recently used are forgotten first (default 10,000). */
  capacity?: number;
  now: () => number;
}

/** The options last sent to each chat: bounded in size and in time. */
export class OptionMemory {
  private readonly chats = new Map<string, { keys: Map<number, string>; at: number }>();
  private readonly ttlMs: number;
  private readonly capacity: number;

  constructor(private readonly o: OptionMemoryOptions) {
    this.ttlMs = o.ttlMs ?? 24 * 3_600_000;
    this.capacity = o.capacity ?? 10_000;
  }

  get size(): number {
    return this.chats.size;
  }

  /** A message with buttons replaces the chat's options; one without leaves them. */
  remember(chatId: string, keys: Map<number, string>): void {
    if (!keys.size) return;
    this.chats.delete(chatId);
    this.chats.set(chatId, { keys, at: this.o.now() });
    while (this.chats.size > this.capacity) this.chats.delete(this.chats.keys().next().value as string);
  }

  /** The payload a numbered reply picks, while the options are fresh. */
  resolve(chatId: string, text: string): string | undefined {
    const entry = this.chats.get(chatId);
    if (!entry) return undefined;
    if (this.o.now() - entry.at > this.ttlMs) {
      this.chats.delete(chatId);
      return undefined;
    }
    const n = optionNumber(text);
    return n === undefined ? undefined : entry.keys.get(n);
  }
}
