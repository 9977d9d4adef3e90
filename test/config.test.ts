import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseBusinessConfig, parseEnv } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { BusinessHours } from '../src/features/escalation/hours.js';

describe('environment', () => {
  it('has working defaults for a fresh machine', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATABASE_URL: 'file:./data/rapport.db',
      KNOWLEDGE_DIR: './knowledge',
      DEFAULT_LOCALE: 'zh-CN',
      BUSINESS_TIMEZONE: 'Asia/Shanghai',
    });
    expect(env.ADMIN_TOKEN).toBeUndefined();
    expect(env.API_CHANNEL_KEY).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['DEFAULT_LOCALE', 'fr'],
    ['BUSINESS_TIMEZONE', 'Mars/Olympus_Mons'],
    ['ADMIN_TOKEN', 'short'],
    ['LOG_LEVEL', 'loud'],
    ['OPENAI_TIMEOUT_MS', 'fast'],
    ['OPENAI_BASE_URL', 'not a url'],
  ])('names the bad variable %s=%s', (name, value) => {
    expect(() => parseEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => parseEnv({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it('accepts PostgreSQL URLs and treats empty optional secrets as unset', () => {
    const env = parseEnv({ DATABASE_URL: 'postgresql://u@db:5432/rapport', API_CHANNEL_KEY: '', DEFAULT_LOCALE: 'en' });
    expect(env.DATABASE_URL).toBe('postgresql://u@db:5432/rapport');
    expect(env.API_CHANNEL_KEY).toBeUndefined();
    expect(env.DEFAULT_LOCALE).toBe('en');
  });
});

describe('business settings (RAPPORT_CONFIG)', () => {
  it('loads the shipped rapport.config.yaml', () => {
    const config = loadConfig({ RAPPORT_CONFIG: 'rapport.config.yaml' });
    expect(config.settings.faq.synonyms.length).toBeGreaterThan(10);
    expect(parseBusinessConfig('', 'empty.yaml').faq.maxSuggestions).toBe(3);
    expect(config.settings.business.name.en).toBeTruthy();
    expect(config.settings.outbox.maxAttempts).toBeGreaterThan(0);
  });

  it('names the key that is wrong', () => {
    expect(() => parseBusinessConfig('outbox:\n  maxAttempts: lots\n', 'b.yaml')).toThrow(
      /b\.yaml[\s\S]*outbox\.maxAttempts/,
    );
    expect(() => parseBusinessConfig('texts:\n  en:\n    welcom: Hi\n', 'b.yaml')).toThrow(/texts\.en[\s\S]*welcom/);
    expect(() => parseBusinessConfig('business:\n  name:\n    en: X\n', 'b.yaml')).toThrow(/business\.name\.zh-CN/);
    expect(() => parseBusinessConfig('faq:\n  synonyms: [外卖, 配送]\n', 'b.yaml')).toThrow(/faq\.synonyms\.0/);
    expect(() => parseBusinessConfig('faq:\n  highCoverage: 2\n', 'b.yaml')).toThrow(/faq\.highCoverage/);
  });

  it('gives the line of broken YAML', () => {
    expect(() => parseBusinessConfig('texts:\n  en: [unclosed\n', 'b.yaml')).toThrow(
      /b\.yaml line \d+: not valid YAML/,
    );
  });

  it('uses defaults when the default file is absent, and refuses a missing explicit file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-config-'));
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect(loadConfig({}).configPath).toBeNull();
      expect(() => loadConfig({ RAPPORT_CONFIG: 'missing.yaml' })).toThrow(/RAPPORT_CONFIG: file not found/);
      writeFileSync('custom.yaml', 'texts:\n  en:\n    fallback: Ask me later\n');
      expect(loadConfig({ RAPPORT_CONFIG: 'custom.yaml' }).settings.texts.en?.fallback).toBe('Ask me later');
    } finally {
      process.chdir(cwd);
    }
  });

  it('refuses settings that cannot work together, naming the line and the key', () => {
    const tierless =
      'loyalty:\n  rewards:\n    - id: tea\n      name: { zh-CN: 茶, en: Tea }\n      cost: 10\n      tier: vip\n';
    expect(() => parseBusinessConfig(tierless, 'b.yaml')).toThrow(
      /loyalty\.rewards\.0\.tier: no tier "vip" .*\(line 6\)/,
    );
    const twice =
      'loyalty:\n  rewards:\n    - { id: tea, name: { zh-CN: 茶, en: Tea }, cost: 10 }\n    - { id: tea, name: { zh-CN: 茶, en: Tea }, cost: 20 }\n';
    expect(() => parseBusinessConfig(twice, 'b.yaml')).toThrow(
      /loyalty\.rewards\.1\.id: reward id "tea" is used twice \(line 4\)/,
    );
    expect(() =>
      parseBusinessConfig('escalation:\n  businessHours:\n    open: "09:00"\n    close: "09:00"\n', 'b.yaml'),
    ).toThrow(/escalation\.businessHours\.close: opening and closing time are the same \(line 4\)/);
    expect(() => parseBusinessConfig('escalation:\n  businessHours:\n    days: []\n', 'b.yaml')).toThrow(
      /businessHours\.days: staff work on no day of the week/,
    );
    const allClosed = `escalation:\n  businessHours:\n    days: [1]\n    perDay: { "1": closed }\n`;
    expect(() => parseBusinessConfig(allClosed, 'b.yaml')).toThrow(/no day of the week/);
    expect(() => parseBusinessConfig('escalation:\n  businessHours:\n    holidays: [2026-13-01]\n', 'b.yaml')).toThrow(
      /holidays\.0: a date such as 2026-10-01/,
    );
  });

  it('takes hours per weekday and holidays', () => {
    const settings = parseBusinessConfig(
      'escalation:\n  businessHours:\n    days: [1, 2, 3, 4, 5]\n    perDay:\n      "6": { open: "10:00", close: "16:00" }\n      "5": closed\n    holidays: ["2026-10-01"]\n',
      'b.yaml',
    );
    expect(settings.escalation.businessHours).toMatchObject({
      perDay: { '6': { open: '10:00', close: '16:00' }, '5': 'closed' },
      holidays: ['2026-10-01'],
    });
  });
});

describe('business hours', () => {
  // Asia/Shanghai is UTC+8 all year. 2026-09-30 is a Wednesday, 2026-10-01 a Thursday.
  const hours = new BusinessHours(
    {
      open: '09:00',
      close: '21:00',
      days: [1, 2, 3, 4, 5],
      perDay: { '6': { open: '10:00', close: '16:00' }, '5': 'closed', '7': { open: '20:00', close: '02:00' } },
      holidays: ['2026-10-01'],
    },
    'Asia/Shanghai',
  );
  const at = (local: string) => new Date(`${local}+08:00`);

  it('is open on a weekday in its hours, not on a holiday or a closed day', () => {
    expect(hours.isOpen(at('2026-09-30T10:00:00'))).toBe(true);
    expect(hours.isOpen(at('2026-09-30T21:00:00'))).toBe(false);
    expect(hours.isOpen(at('2026-10-01T10:00:00'))).toBe(false); // holiday
    expect(hours.isOpen(at('2026-10-02T10:00:00'))).toBe(false); // Friday: closed
    expect(hours.isOpen(at('2026-10-03T11:00:00'))).toBe(true); // Saturday 10–16
    expect(hours.isOpen(at('2026-10-03T17:00:00'))).toBe(false);
    expect(hours.isOpen(at('2026-10-04T23:00:00'))).toBe(true); // Sunday 20:00–02:00
    expect(hours.isOpen(at('2026-10-05T01:30:00'))).toBe(true); // Monday night belongs to Sunday
    expect(hours.isOpen(at('2026-10-05T02:30:00'))).toBe(false);
  });

  it('names the next opening across holidays and closed days', () => {
    expect(hours.nextOpening(at('2026-09-30T22:00:00'))).toEqual(at('2026-10-03T10:00:00'));
    expect(hours.nextOpening(at('2026-10-03T17:00:00'))).toEqual(at('2026-10-04T20:00:00'));
    const now = at('2026-09-30T10:00:00');
    expect(hours.nextOpening(now)).toBe(now);
  });
});
