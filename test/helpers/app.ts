// Builds the real app for a test, on a given database, with a silent logger.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type App, type BuildOptions, buildApp } from '../../src/app.js';
import { type Config, parseBusinessConfig, parseEnv } from '../../src/config.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Welcome points add a reply and ledger events; tests of other features leave them out. */
const testDefaults = 'loyalty:\n  rules:\n    welcome: 0\n';

export function testConfig(databaseUrl: string, env: Record<string, string> = {}, yaml = testDefaults): Config {
  return {
    env: parseEnv({
      DATABASE_URL: databaseUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'rapport-data-')),
      ADMIN_TOKEN,
      DEFAULT_LOCALE: 'zh-CN',
      ...env,
    }),
    settings: parseBusinessConfig(yaml, 'test.yaml'),
    configPath: null,
  };
}

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function testApp(
  databaseUrl: string,
  options: { env?: Record<string, string>; yaml?: string } & Partial<BuildOptions> = {},
): Promise<App> {
  const { env, yaml, ...build } = options;
  return buildApp(testConfig(databaseUrl, env, yaml), { logger: silentLogger, ...build });
}

export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
