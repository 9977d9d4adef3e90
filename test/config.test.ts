import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseBusinessConfig, parseEnv } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

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
});
