// The only file that listens: loads the settings, builds the app, starts it, handles signals.
import 'dotenv/config';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { FEATURES } from './features/index.js';
import { createLogger, stdoutLog } from './logger.js';
import { lockSqliteFile, startupFailure } from './startup.js';

const SHUTDOWN_LIMIT_MS = 10_000;
const LOG_FLUSH_MS = 500;

// A reader of stdout or stderr that went away (a closed pipe) must not crash or stop Rapport:
// what console.* writes there is then lost, as log lines are (see LogWriter).
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
    const unlock = lockSqliteFile(config.env.DATABASE_URL);
    process.on('exit', unlock);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`rapport: ${err.message}`);
      process.exit(78);
    }
    throw err;
  }
  const { env } = config;
  const logger = createLogger(env.LOG_LEVEL);
  const app = await buildApp(config, { logger });
  logger.info(
    { provider: app.store.provider, applied: app.migrationsApplied },
    `database ready (${app.store.provider}${app.migrationsApplied.length ? `, applied ${app.migrationsApplied.length} migration(s)` : ''})`,
  );
  if (config.configPath) logger.info(`business settings from ${config.configPath}`);
  if (app.adminToken.generated) {
    // Printed once, on the start that created it; it stays in the data directory.
    console.log(`\n  Admin API token (saved in ${app.adminToken.path}):\n  ${app.adminToken.token}\n`);
  }

  const address = await app.server.listen({ port: env.PORT, host: env.HOST });
  await app.start();
  const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '[::1]');
  logger.info(`web chat at ${url}/`);
  logger.info(`API channel at ${url}/api/v1/messages`);
  if (env.API_CHANNEL_KEY) {
    logger.info(
      'API channel: calls need API_CHANNEL_KEY, a session token (POST /api/v1/sessions) or an identity signature',
    );
  } else {
    // Quick start: anyone who reaches the port may post and read as any user id.
    logger.warn(
      'API channel is OPEN: anyone who reaches this port can post and read as any user; set API_CHANNEL_KEY to close it (browsers then use sessions, the web chat does so already)',
    );
  }
  logger.info(`admin API and OpenAPI docs at ${url}/api/docs`);
  const staffAccounts = await app.store.db.staff.count();
  logger.info(
    `staff console at ${url}/console${staffAccounts ? '' : ' (no staff account yet: npm run staff -- add --email you@example.com --name You --role owner)'}`,
  );
  logger.info(
    `health at ${url}/healthz, readiness at ${url}/readyz, metrics at ${url}/metrics (${env.METRICS_TOKEN ? 'METRICS_TOKEN required' : 'this machine only; set METRICS_TOKEN to read them remotely'})`,
  );
  for (const channel of app.adapters.keys()) logger.info(`channel ${channel} started`);
  if (app.slack) {
    logger.info(
      app.slack.mode === 'events'
        ? `Slack: tickets to ${env.SLACK_ESCALATION_CHANNEL}, events at ${url}/slack/events`
        : `Slack: tickets to ${env.SLACK_ESCALATION_CHANNEL}, Socket Mode`,
    );
  } else {
    logger.info('Slack: off (set SLACK_BOT_TOKEN); tickets are handled through the admin API');
  }
  logger.info(
    app.telegram
      ? `Telegram: ${app.telegram.describe()}`
      : 'Telegram: off (set TELEGRAM_BOT_TOKEN to chat with customers on Telegram)',
  );
  logger.info(
    app.wechat
      ? `WeChat: ${app.wechat.describe()}`
      : 'WeChat: off (set WECHATY_PUPPET to chat with customers on WeChat)',
  );
  const off = FEATURES.map((f) => f.name).filter((name) => !app.features.names.includes(name));
  logger.info(
    `features: ${app.features.names.join(', ')}${off.length ? `; switched off (enabled: false): ${off.join(', ')}` : ''}`,
  );

  // The app times its jobs (src/jobs/scheduler.ts); GET /api/v1/jobs shows them and their runs.
  logger.info(
    `scheduled: ${app.jobs.jobs.map((j) => `${j.name} (${j.schedule}, ${j.timezone ?? env.BUSINESS_TIMEZONE})`).join(', ')}`,
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping`);
    // Log lines are written asynchronously: give them a moment to reach stdout, never more.
    const exit = (code: number) => void stdoutLog.flush(LOG_FLUSH_MS).then(() => process.exit(code));
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting anyway');
      exit(1);
    }, SHUTDOWN_LIMIT_MS - LOG_FLUSH_MS);
    force.unref();
    app.stop().then(
      () => {
        clearTimeout(force);
        logger.info('stopped');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(force);
        logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  const env = process.env;
  console.error(
    `rapport: failed to start: ${startupFailure(err, {
      port: Number(env.PORT ?? 3000),
      host: env.HOST ?? '127.0.0.1',
      databaseUrl: env.DATABASE_URL ?? 'file:./data/rapport.db',
    })}`,
  );
  process.exit(1);
});
