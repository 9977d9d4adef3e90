// The feature list as the registry builds it today (README "Features"): the app is built on a
// throw-away SQLite database with default settings (every feature on), and asked what each
// feature registered. Used by `npm run docs:features` and by the README's drift test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { parseBusinessConfig, parseEnv } from '../src/config.js';
import { FEATURES } from '../src/features/index.js';
import { featureList } from '../src/kernel/feature-list.js';

export async function currentFeatureList(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-docs-'));
  const env = parseEnv({
    DATABASE_URL: `file:${join(dir, 'docs.db')}`,
    DATA_DIR: dir,
    KNOWLEDGE_DIR: join(dir, 'knowledge'),
  });
  const app = await buildApp(
    { env, settings: parseBusinessConfig('', 'defaults'), configPath: null },
    { logger: pino({ level: 'silent' }) },
  );
  try {
    return featureList(FEATURES, { routes: app.routes, jobs: app.features.jobs });
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
