// OutboundMessage → sendMessage parts: splitting at 4,096, buttons on the last part, payloads
// fitted into Telegram's 64-byte callback_data.
import { describe, expect, it } from 'vitest';
import { CallbackData, renderMessage } from '../../../adapters/telegram/index.js';
import { splitText } from '../../../src/util/split-text.js';

describe('splitting long texts', () => {
  it('keeps a text of 4,096 characters whole and splits a longer one at paragraph boundaries', () => {
    expect(splitText('a'.repeat(4096), 4096)).toEqual(['a'.repeat(4096)]);
    const paragraphs = Array.from({ length: 30 }, (_, i) => `${i}: ${'咖啡'.repeat(150)}`);
    const parts = splitText(paragraphs.join('\n\n'), 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    // Nothing lost, nothing cut inside a paragraph.
    expect(parts.join('\n\n')).toBe(paragraphs.join('\n\n'));
  });

  it('cuts text without breaks at the limit, never inside a surrogate pair', () => {
    const emoji = '😀'.repeat(3000); // 6,000 UTF-16 code units
    const parts = splitText(emoji, 4096);
    expect(parts.join('')).toBe(emoji);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(4096);
      expect(part.endsWith('\ud83d')).toBe(false);
    }
  });
});

describe('callback data', () => {
  it('sends short payloads as they are and maps long ones to 44 bytes, back again', () => {
    const data = new CallbackData();
    expect(data.encode('faq:opening-hours')).toBe('faq:opening-hours');
    const long = `faq:${'配送范围'.repeat(10)}`; // 124 bytes
    const encoded = data.encode(long);
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(64);
    expect(encoded).toMatch(/^#/);
    expect(data.encode(long)).toBe(encoded);
    expect(data.decode(encoded)).toBe(long);
    expect(data.decode('faq:opening-hours')).toBe('faq:opening-hours');
  });

  it('maps payloads that look mapped, and forgets the least recently used beyond its capacity', () => {
    const data = new CallbackData(2);
    const hashy = data.encode('#not-a-hash');
    expect(hashy).not.toBe('#not-a-hash');
    expect(data.decode(hashy)).toBe('#not-a-hash');
    const a = data.encode('a'.repeat(65));
    data.decode(hashy); // used again: a is now the oldest
    const b = data.encode('b'.repeat(65));
    expect(data.size).toBe(2);
    expect(data.decode(a)).toBeUndefined();
    expect(data.decode(b)).toBe('b'.repeat(65));
    expect(data.decode('#unknown')).toBeUndefined();
  });
});

describe('rendering', () => {
  it('plain text (no parse mode), buttons as an inline keyboard on the last part only', () => {
    const data = new CallbackData();
    const parts = renderMessage(
      {
        text: `${'*bold* <b>x</b> _y_ '.repeat(300)}`,
        buttons: [
          { label: 'Latte', payload: 'faq:latte' },
          { label: 'Mocha', payload: 'faq:mocha' },
        ],
      },
      data,
    );
    expect(parts.length).toBe(2);
    expect(parts[0]).not.toHaveProperty('parse_mode');
    expect(parts[0]?.text).toContain('*bold* <b>x</b> _y_');
    expect(parts[0]?.reply_markup).toBeUndefined();
    expect(parts[1]?.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: 'Latte', callback_data: 'faq:latte' }],
        [{ text: 'Mocha', callback_data: 'faq:mocha' }],
      ],
    });
  });

  it('puts short labels (ratings) on shared rows', () => {
    const buttons = Array.from({ length: 11 }, (_, n) => ({ label: String(n), payload: `survey:1:${n}` }));
    const [part] = renderMessage({ text: 'How likely…?', buttons }, new CallbackData());
    expect(part?.reply_markup?.inline_keyboard.map((row) => row.length)).toEqual([6, 5]);
  });
});
