// Wires the parts together: store, engine, outbox dispatcher, adapters, HTTP server.
// Nothing here listens on a port or installs signal handlers; main.ts does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type ApiAdapter, apiRoutes, createApiAdapter, type MeView } from '../adapters/api/index.js';
import type { Slack } from '../adapters/slack/index.js';
import { SlackStaffChannel } from '../adapters/slack/render.js';
import { slackEventsOff } from '../adapters/slack/route.js';
import { createStaffWebhook } from '../adapters/staff-webhook/index.js';
import {
  createTelegramAdapter,
  TELEGRAM_CHANNEL,
  TelegramAdapter,
  telegramWebhookRoutes,
} from '../adapters/telegram/index.js';
import { WECHAT_CHANNEL } from '../adapters/wechat/channel.js';
import type { WechatAdapter } from '../adapters/wechat/index.js';
import { wechatQrRoutes } from '../adapters/wechat/routes.js';
import { resolveAdminToken } from './admin-token.js';
import { type Config, publicUrl } from './config.js';
import { AdminApi } from './console/admin-api.js';
import { consoleRoutes } from './console/routes.js';
import { StaffAccounts } from './console/staff.js';
import { staffAccountRoutes } from './console/staff-routes.js';
import { EmbeddingModels } from './embedding/models.js';
import { type ChannelAdapter, type MessageSender, NO_MODERATION } from './engine/channel.js';
import { Engine } from './engine/engine.js';
import { InboundReplay } from './engine/replay.js';
import { FEATURES, PIPELINE } from './features/index.js';
import { type AdminPlugin, buildServer } from './http/server.js';
import { jobRoutes } from './jobs/routes.js';
import { JobScheduler } from './jobs/scheduler.js';
import { commandMenus } from './kernel/commands.js';
import type { ChannelDirectory, Feature } from './kernel/feature.js';
import { type BuiltFeatures, buildFeatures, enabledFeatures } from './kernel/registry.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { outboxBacklog } from './outbox/backlog.js';
import { Dispatcher, type DispatcherOptions } from './outbox/dispatcher.js';
import { listChatMessages } from './outbox/store.js';
import { readOrCreateSecret } from './secret-file.js';
import type { StaffChannel } from './staff/channel.js';
import { listCustomerMessages, visitorPanel } from './store/chat-log.js';
import { openStore, type Store } from './store/index.js';
import { type Clock, systemClock } from './util/clock.js';
import { widgetRoutes } from './widget/routes.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export interface App {
  config: Config;
  store: Store;
  engine: Engine;
  dispatcher: Dispatcher;
  /** Prometheus metrics (GET /metrics); every scheduled job run is counted here. */
  metrics: Metrics;
  /** The scheduled jobs (started by start(); GET /api/v1/jobs). */
  jobs: JobScheduler;
  server: FastifyInstance;
  adapters: Map<string, ChannelAdapter>;
  api: ApiAdapter;
  /** The features that are on (src/features/index.ts), built by the registry. */
  features: BuiltFeatures;
  /** A feature's public API, undefined when it is switched off. */
  // biome-ignore lint/suspicious/noExplicitAny: any feature, whatever its settings type
  feature<A>(feature: Feature<any, A, any>): A | undefined;
  /** The admin routes each part brought ("POST /api/v1/…" by feature name, "jobs", "wechat"). */
  routes: Map<string, string[]>;
  /** Set when SLACK_BOT_TOKEN is. */
  slack: Slack | undefined;
  /** The Telegram channel: set when TELEGRAM_BOT_TOKEN is (or a test passed one in `adapters`). */
  telegram: TelegramAdapter | undefined;
  /** The WeChat channel: set when WECHATY_PUPPET is (or a test passed one in `adapters`). */
  wechat: WechatAdapter | undefined;
  adminToken: { token: string; generated: boolean; path?: string };
  migrationsApplied: string[];
  /** Starts the dispatcher and every adapter (the HTTP server is listened on by the caller). */
  start(): Promise<void>;
  /** Stops accepting, finishes in-flight work, closes the database. */
  stop(): Promise<void>;
}

export interface BuildOptions {
  logger: Logger;
  clock?: Clock;
  /** Extra adapters (tests plug protocol-level fakes in here). */
  adapters?: ChannelAdapter[];
  dispatcherPollMs?: number;
  /** Replaces the Slack receiver chosen from the settings (tests drive Socket Mode here). */
  slackReceiver?: import('@slack/bolt').Receiver;
}

export async function buildApp(config: Config, options: BuildOptions): Promise<App> {
  const { env, settings } = config;
  const { logger } = options;
  let migrationsApplied: string[] = [];
  const store = await openStore(env.DATABASE_URL, {
    logger: logger.child({ part: 'store' }),
    readConnections: env.DATABASE_READ_CONNECTIONS,
    onMigrated: (applied) => {
      migrationsApplied = applied;
    },
  });
  const adminToken = resolveAdminToken(env.ADMIN_TOKEN, env.DATA_DIR);
  // Each feature's RAPPORT_CONFIG section by its key; the rest are the engine's.
  const { business, texts: textOverrides, limits } = settings;
  const settingsOf = (key: string) => (settings as unknown as Record<string, unknown>)[key];

  // Group moderation reads every room message, not only those addressed to the bot.
  const moderationOn = enabledFeatures(FEATURES, settingsOf).some((f) => f.name === 'moderation');
  const api = createApiAdapter({ channelKey: env.API_CHANNEL_KEY });
  const adapters = new Map<string, ChannelAdapter>([[api.channel, api]]);
  if (env.TELEGRAM_BOT_TOKEN) {
    const telegram = createTelegramAdapter({
      token: env.TELEGRAM_BOT_TOKEN,
      apiRoot: env.TELEGRAM_API_ROOT,
      webhook: env.TELEGRAM_WEBHOOK_URL
        ? { url: env.TELEGRAM_WEBHOOK_URL, secret: env.TELEGRAM_WEBHOOK_SECRET as string }
        : undefined,
      logger: logger.child({ part: 'telegram' }),
      commands: commandMenus(enabledFeatures(FEATURES, settingsOf).flatMap((f) => f.commands ?? [])),
    });
    adapters.set(telegram.channel, telegram);
  }
  if (env.WECHATY_PUPPET) {
    // wechaty loads only when WeChat is on.
    const { createWechatAdapter } = await import('../adapters/wechat/index.js');
    const wechat = createWechatAdapter({
      puppet: env.WECHATY_PUPPET,
      name: join(env.DATA_DIR, 'wechaty'),
      settings: settings.wechat,
      timezone: env.BUSINESS_TIMEZONE,
      defaultLocale: env.DEFAULT_LOCALE,
      businessName: settings.business.name,
      logger: logger.child({ part: 'wechat' }),
      watchRooms: moderationOn,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    adapters.set(wechat.channel, wechat);
  }
  for (const extra of options.adapters ?? []) adapters.set(extra.channel, extra);
  const wechatAdapter = adapters.get(WECHAT_CHANNEL);
  const wechat = wechatAdapter && 'status' in wechatAdapter ? (wechatAdapter as WechatAdapter) : undefined;
  const telegramAdapter = adapters.get(TELEGRAM_CHANNEL);
  const telegram = telegramAdapter instanceof TelegramAdapter ? telegramAdapter : undefined;

  // What the outbox delivers through: the customer channels, and Slack for staff once it exists.
  const senders = new Map<string, MessageSender>(adapters);
  // Set once the moderation feature is built (the dispatcher exists before the features).
  let moderationFailed: NonNullable<DispatcherOptions['onModerationFailed']> = async () => {};
  const channels: ChannelDirectory = {
    moderation: (channel) => {
      const caps = adapters.get(channel)?.capabilities;
      return caps ? { ...caps.moderation, buttons: caps.buttons } : { ...NO_MODERATION, buttons: false };
    },
    groupAdmins: async (channel, chatId) => {
      const adapter = adapters.get(channel);
      if (!adapter?.groupAdmins) return [];
      return adapter.groupAdmins(chatId);
    },
  };
  const metrics = new Metrics(store.db, () => (options.clock ?? systemClock).now());
  const dispatcher = new Dispatcher({
    db: store.db,
    provider: store.provider,
    adapters: senders,
    logger: logger.child({ part: 'outbox' }),
    onSend: (channel, outcome) => metrics.send(channel, outcome),
    onModerationFailed: (row, error) => moderationFailed(row, error),
    quietHours: { hours: settings.outreach.quietHours, timezone: env.BUSINESS_TIMEZONE },
    ...(options.clock ? { clock: options.clock } : {}),
    maxAttempts: settings.outbox.maxAttempts,
    retryBaseMs: settings.outbox.retryBaseMs,
    retryMaxMs: settings.outbox.retryMaxMs,
    ...(options.dispatcherPollMs ? { pollMs: options.dispatcherPollMs } : {}),
  });

  const clock = options.clock ?? systemClock;
  const slackSettings = env.SLACK_BOT_TOKEN
    ? {
        botToken: env.SLACK_BOT_TOKEN,
        signingSecret: env.SLACK_SIGNING_SECRET,
        appToken: env.SLACK_APP_TOKEN,
        escalationChannel: env.SLACK_ESCALATION_CHANNEL as string,
        apiUrl: env.SLACK_API_URL,
      }
    : undefined;
  // Every place staff are told about tickets; each has its own outbox channel and sender.
  const staffWebhook = env.STAFF_WEBHOOK_URL
    ? createStaffWebhook({
        url: env.STAFF_WEBHOOK_URL,
        format: env.STAFF_WEBHOOK_FORMAT ?? 'json',
        secret: env.STAFF_WEBHOOK_SECRET,
        publicUrl: publicUrl(env),
        locale: env.DEFAULT_LOCALE,
        now: () => clock.now(),
      })
    : undefined;
  if (staffWebhook) senders.set(staffWebhook.sender.channel, staffWebhook.sender);
  const staffChannels: StaffChannel[] = [
    ...(slackSettings ? [new SlackStaffChannel(slackSettings.escalationChannel)] : []),
    ...(staffWebhook ? [staffWebhook.channel] : []),
  ];

  // The embedding models every feature shares (the FAQ ranks with them, escalation scores with them).
  const embeddings = new EmbeddingModels(join(env.DATA_DIR, 'embeddings'));
  // The features, in the order of src/features/index.ts; what they bring is wired below.
  const features = await buildFeatures(
    FEATURES,
    PIPELINE,
    {
      core: {
        business,
        limits,
        outbox: settings.outbox,
        wechat: settings.wechat,
        outreach: settings.outreach,
        widget: settings.widget,
      },
      env,
      db: store.db,
      reads: store.reads,
      provider: store.provider,
      embeddings,
      clock,
      logger,
      defaultLocale: env.DEFAULT_LOCALE,
      businessName: business.name,
      notify: () => dispatcher.notify(),
      staffChannels,
      channels,
    },
    settingsOf,
    textOverrides,
  );
  const texts = features.texts;
  moderationFailed = (row, error) => features.callRefused(row, error);
  const moderationDesk = features.moderationDesk();

  // Bolt loads only when Slack is on: a bot without it starts faster.
  const desk = features.staffDesk('slack');
  const slack =
    slackSettings && desk
      ? (await import('../adapters/slack/index.js')).createSlack({
          settings: slackSettings,
          desk,
          ...(moderationDesk ? { moderation: moderationDesk } : {}),
          logger: logger.child({ part: 'slack' }),
          ...(options.slackReceiver ? { receiver: options.slackReceiver } : {}),
          now: () => clock.now(),
        })
      : undefined;
  if (slack) senders.set(slack.sender.channel, slack.sender);

  const engine = new Engine({
    db: store.db,
    provider: store.provider,
    texts,
    businessName: settings.business.name,
    defaultLocale: env.DEFAULT_LOCALE,
    // The order of the pipeline: src/features/index.ts (PIPELINE).
    middleware: features.middleware,
    logger: logger.child({ part: 'engine' }),
    onQueued: () => dispatcher.notify(),
    outbox: dispatcher,
    onTurn: (info) => metrics.turn(info),
    ...(options.clock ? { clock: options.clock } : {}),
  });

  // Messages stored but never answered (a crash mid-turn): handled at start, then looked for regularly.
  const replay = new InboundReplay({
    db: store.db,
    provider: store.provider,
    engine,
    logger: logger.child({ part: 'replay' }),
    ...(options.clock ? { clock: options.clock } : {}),
  });

  // The scheduled jobs: node-cron times them in every instance, a database claim runs each due time once.
  const jobs = new JobScheduler({
    db: store.db,
    timezone: env.BUSINESS_TIMEZONE,
    logger: logger.child({ part: 'jobs' }),
    ...(options.clock ? { clock: options.clock } : {}),
    around: (name, run) => metrics.job(name, run),
    jobs: features.jobs,
  });

  // The staff console: staff accounts in the database, pages that use the admin API in-process.
  const staff = new StaffAccounts(store.db, clock);
  const consoleContext = {
    db: store.db,
    reads: store.reads,
    staff,
    clock,
    logger: logger.child({ part: 'console' }),
    timezone: env.BUSINESS_TIMEZONE,
    // Escalation's Tickets, read by shape: outside the features only the list names them.
    slaMinutes: (features.api('escalation') as { slaMinutes?: number } | undefined)?.slaMinutes,
  };

  const routes = new Map<string, string[]>();
  const server = await buildServer({
    logger,
    db: store.db,
    reads: store.reads,
    provider: store.provider,
    health: {
      ping: () => store.ping(),
      channels: () => channelStates(adapters),
      backlog: () => outboxBacklog(store.db, new Date(clock.now())),
      metrics: metrics.registry,
      metricsToken: env.METRICS_TOKEN,
    },
    adminToken: adminToken.token,
    version: pkg.version,
    trustProxy: env.TRUST_PROXY,
    apiChannelOrigins: settings.widget.allowedOrigins,
    channelRoutes: [
      (app) =>
        apiRoutes(app, {
          handler: engine,
          channelKey: env.API_CHANNEL_KEY,
          sessionSecret: env.API_SESSION_SECRET ?? readOrCreateSecret(env.DATA_DIR, 'session-secret').value,
          identitySecret: env.API_SESSION_SECRET,
          perIp: limits.perIp,
          now: () => clock.now(),
          history: (userId, after, limit) => listChatMessages(store.db, api.channel, userId, after, limit),
          customerMessages: (userId, after, limit) => listCustomerMessages(store.db, api.channel, userId, after, limit),
          me: (userId) =>
            visitorPanel(store.db, api.channel, userId, env.DEFAULT_LOCALE, features.panel) as Promise<MeView | null>,
          setOptedOut: async (userId, optedOut) => (await engine.setOptedOut(api.channel, userId, optedOut)) ?? null,
          waitForDelivery: (userId, ms) => api.waitForDelivery(userId, ms),
        }),
      (app) => widgetRoutes(app, { settings: settings.widget, businessName: settings.business.name }),
      slack?.routes ?? slackEventsOff,
      ...(telegram?.webhook ? [telegramWebhook(telegram, telegram.webhook)] : []),
    ],
    consoleRoutes: (app) => consoleRoutes(app, { ...consoleContext, api: new AdminApi(app, adminToken.token) }),
    adminRoutes: [
      { name: 'staff', plugin: (app) => staffAccountRoutes(app, { staff }) },
      { name: 'jobs', plugin: (app) => jobRoutes(app, { jobs }) },
      { name: 'wechat', plugin: (app) => wechatQrRoutes(app, { adapter: wechat }) },
      ...features.adminRoutes.map(({ feature, plugin }): AdminPlugin => ({ name: feature, plugin })),
    ],
    onAdminRoute: (name, route) => routes.set(name, [...(routes.get(name) ?? []), route]),
    profileExtras: (customerId) => features.profile(customerId),
    segmentWhere: (segmentId) => features.segmentWhere(segmentId),
  });

  let stopped: Promise<void> | undefined;
  return {
    config,
    store,
    engine,
    dispatcher,
    metrics,
    jobs,
    server,
    adapters,
    api,
    features,
    feature: <A>(f: { name: string }) => features.api(f.name) as A | undefined,
    routes,
    slack,
    telegram,
    wechat,
    adminToken,
    migrationsApplied,
    async start() {
      // Features first (the knowledge base's learned questions, file watching): ready before any message.
      await features.start();
      await replay.start();
      for (const adapter of adapters.values()) {
        await adapter.start(engine);
      }
      await slack?.start();
      dispatcher.start();
      jobs.start();
    },
    stop() {
      stopped ??= (async () => {
        // Stop receiving first (adapters, then HTTP), let the turns in progress commit,
        // then let the dispatcher finish the sends it started; the rest waits in the outbox.
        await features.stop();
        await embeddings.close();
        await jobs.stop();
        for (const adapter of adapters.values()) {
          await adapter
            .stop()
            .catch((err: unknown) => logger.error({ err, channel: adapter.channel }, 'adapter stop failed'));
        }
        await slack?.stop().catch((err: unknown) => logger.error({ err }, 'slack stop failed'));
        await server.close();
        await replay.stop();
        await engine.idle();
        await dispatcher.stop();
        for (const adapter of adapters.values()) {
          await adapter
            .close?.()
            .catch((err: unknown) => logger.error({ err, channel: adapter.channel }, 'adapter close failed'));
        }
        await store.close();
      })();
      return stopped;
    },
  };
}

/** Telegram's webhook route (TELEGRAM_WEBHOOK_URL), on the main HTTP server. */
function telegramWebhook(adapter: TelegramAdapter, webhook: { path: string; secret: string }) {
  return (app: FastifyInstance) => telegramWebhookRoutes(app, { adapter, path: webhook.path, secret: webhook.secret });
}

/** Each channel's state for GET /readyz: adapters that can tell report it, the others are "ok". */
function channelStates(adapters: ReadonlyMap<string, ChannelAdapter>): Record<string, string> {
  const states: Record<string, string> = {};
  for (const [channel, adapter] of adapters) {
    const status = 'status' in adapter && typeof adapter.status === 'function' ? adapter.status() : undefined;
    states[channel] =
      typeof status === 'string' ? status : typeof status?.status === 'string' ? String(status.status) : 'ok';
  }
  return states;
}
