// The TELEGRAM_* variables: validated at start, errors name the variable.
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';

const TOKEN = '123456789:AAE-test_token';

describe('Telegram settings', () => {
  it('is off by default; a token turns it on with long polling', () => {
    expect(parseEnv({}).TELEGRAM_BOT_TOKEN).toBeUndefined();
    expect(parseEnv({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_URL: '' })).toMatchObject({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_URL: undefined,
    });
  });

  it('takes a webhook URL with its secret, and an API root', () => {
    const env = parseEnv({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram/webhook',
      TELEGRAM_WEBHOOK_SECRET: 's3cret_-value',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:8081',
    });
    expect(env).toMatchObject({
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram/webhook',
      TELEGRAM_WEBHOOK_SECRET: 's3cret_-value',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:8081',
    });
  });

  it.each([
    [{ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg' }, 'TELEGRAM_WEBHOOK_SECRET'],
    [{ TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg', TELEGRAM_WEBHOOK_SECRET: 'x' }, 'TELEGRAM_BOT_TOKEN'],
    [{ TELEGRAM_API_ROOT: 'http://127.0.0.1:8081' }, 'TELEGRAM_BOT_TOKEN'],
    [{ TELEGRAM_BOT_TOKEN: 'not a token' }, 'TELEGRAM_BOT_TOKEN'],
    [{ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_URL: 'bot.example.com/tg' }, 'TELEGRAM_WEBHOOK_URL'],
    [{ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_URL: 'ftp://bot.example.com/tg' }, 'TELEGRAM_WEBHOOK_URL'],
    [
      {
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg',
        TELEGRAM_WEBHOOK_SECRET: 'has spaces',
      },
      'TELEGRAM_WEBHOOK_SECRET',
    ],
    [{ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: 'localhost' }, 'TELEGRAM_API_ROOT'],
  ])('rejects %o naming %s', (env, name) => {
    expect(() => parseEnv(env)).toThrow(ConfigError);
    expect(() => parseEnv(env)).toThrow(new RegExp(`${name}:`));
  });
});
