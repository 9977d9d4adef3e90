// Builds the real app for a test, on a given database, with a silent logger.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type App, type BuildOptions, buildApp } from '../../src/app.js';
import { type Config, parseBusinessConfig, parseEnv } from '../../src/config.js';
import type { Feature } from '../../src/kernel/feature.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Welcome points add a reply and ledger events; tests of other features leave them out. */
const testDefaults = 'loyalty:\n  rules:\n    welcome: 0\n';

/**
 * Quiet hours and the frequency cap would make a test's marketing depend on the hour it runs at
 * and on the tests before it: off unless the test's YAML sets `outreach` itself.
 */
function withoutManners(yaml: string): string {
  if (/^outreach:/m.test(yaml)) return yaml;
  return `${yaml.endsWith('\n') || !yaml ? yaml : `${yaml}\n`}outreach:\n  quietHours: false\n  frequencyCap: false\n`;
}

export function testConfig(databaseUrl: string, env: Record<string, string> = {}, yaml = testDefaults): Config {
  return {
    env: parseEnv({
      DATABASE_URL: databaseUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'rapport-data-')),
      ADMIN_TOKEN,
      DEFAULT_LOCALE: 'zh-CN',
      // The embedding model loads in a worker (~0.5 s): on for the tests about it only.
      EMBEDDING_MODEL_DIR: '',
      ...env,
    }),
    settings: parseBusinessConfig(withoutManners(yaml), 'test.yaml'),
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

/** A feature's public API in a built app; fails the test when the feature is off. */
// biome-ignore lint/suspicious/noExplicitAny: any feature, whatever its settings type
export function featureApi<A>(app: App, feature: Feature<any, A, any>): A {
  const api = app.feature(feature);
  if (api === undefined) throw new Error(`feature ${feature.name} is off`);
  return api;
}

/** Runs a scheduled job's work at once, as its schedule would (without the run's claim). */
export async function runJob(app: App, name: string): Promise<number> {
  const job = app.jobs.jobs.find((j) => j.name === name);
  if (!job) throw new Error(`no job ${name}`);
  return job.run(new Date());
}
