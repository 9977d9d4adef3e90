import { describe, expect, it } from 'vitest';
import { compose } from '../../src/engine/composer.js';
import { parseCommand } from '../../src/engine/context.js';
import { buildTexts, detectLocale, format, normalizeLocale } from '../../src/engine/i18n.js';

describe('compose', () => {
  it('runs middleware in order and stops where next() is not called', async () => {
    const seen: string[] = [];
    await compose<string[]>([
      async (ctx, next) => {
        ctx.push('a');
        await next();
        ctx.push('a-after');
      },
      (ctx) => {
        ctx.push('b');
      },
      (ctx) => {
        ctx.push('never');
      },
    ])(seen);
    expect(seen).toEqual(['a', 'b', 'a-after']);
  });

  it('refuses next() called twice', async () => {
    const run = compose<object>([
      async (_ctx, next) => {
        await next();
        await next();
      },
    ]);
    await expect(run({})).rejects.toThrow(/twice/);
  });
});

describe('parseCommand', () => {
  it.each([
    ['/start', { name: 'start', args: [] }],
    ['/Lang@RapportBot  en ', { name: 'lang', args: ['en'] }],
    ['  /redeem  coffee 2', { name: 'redeem', args: ['coffee', '2'] }],
    ['/unsubscribe', { name: 'stop', args: [] }],
    ['/Unsubscribe@RapportBot', { name: 'stop', args: [] }],
    ['退订', { name: 'stop', args: [] }],
  ])('parses %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each(['hello', '/', '/ start', '//x', '/中文', 'a /start', undefined])('ignores %j', (text) => {
    expect(parseCommand(text)).toBeUndefined();
  });
});

describe('i18n', () => {
  it('detects Chinese by Han characters and English by Latin words', () => {
    expect(detectLocale('外卖能送到哪里')).toBe('zh-CN');
    expect(detectLocale('我想问 VIP 的事')).toBe('zh-CN');
    expect(detectLocale('Where do you deliver?')).toBe('en');
    expect(detectLocale('12345 ???')).toBeUndefined();
    expect(detectLocale('/start')).toBeUndefined();
  });

  it('normalizes the ways people name a language', () => {
    expect(normalizeLocale('zh')).toBe('zh-CN');
    expect(normalizeLocale('zh-Hans')).toBe('zh-CN');
    expect(normalizeLocale('中文')).toBe('zh-CN');
    expect(normalizeLocale('EN')).toBe('en');
    expect(normalizeLocale('en-GB')).toBe('en');
    expect(normalizeLocale('fr')).toBeUndefined();
    expect(normalizeLocale('')).toBeUndefined();
  });

  it('has every text in both languages and takes overrides', () => {
    const texts = buildTexts({ en: { fallback: 'Custom {business}' } });
    expect(Object.keys(texts['zh-CN']).sort()).toEqual(Object.keys(texts.en).sort());
    expect(format(texts.en.fallback, { business: 'Shop' })).toBe('Custom Shop');
    expect(texts['zh-CN'].fallback).toMatch(/抱歉/);
  });
});
