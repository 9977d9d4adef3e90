// Wires the parts together: store, engine, outbox dispatcher, adapters, HTTP server.
// Nothing here listens on a port or installs signal handlers; main.ts does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type ApiAdapter, apiRoutes, createApiAdapter } from '../adapters/api/index.js';
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
import type { ChannelAdapter, MessageSender } from './engine/channel.js';
import { builtinCommands, fallback } from './engine/commands.js';
import { Engine } from './engine/engine.js';
import { buildTexts } from './engine/i18n.js';
import { InboundReplay } from './engine/replay.js';
import { ALL_COMMANDS } from './features/commands.js';
import { customerContext, staffCustomer } from './features/escalation/context.js';
import { BusinessHours } from './features/escalation/hours.js';
import { escalationMiddleware } from './features/escalation/middleware.js';
import { ticketRoutes } from './features/escalation/routes.js';
import { staffDesk } from './features/escalation/staff-desk.js';
import { Tickets } from './features/escalation/tickets.js';
import { KnowledgeBase } from './features/faq/knowledge-base.js';
import { faqMiddleware } from './features/faq/middleware.js';
import { knowledgeRoutes } from './features/faq/routes.js';
import { Synonyms } from './features/faq/tokenize.js';
import { feedbackMiddleware } from './features/feedback/middleware.js';
import { feedbackRoutes } from './features/feedback/routes.js';
import { Surveys } from './features/feedback/surveys.js';
import { perCustomerLimit } from './features/limits/middleware.js';
import { linkCommand } from './features/linking/middleware.js';
import { linkingRoutes } from './features/linking/routes.js';
import { birthdayCommand, runBirthdays } from './features/loyalty/birthdays.js';
import { loyaltyCommands, welcomePoints } from './features/loyalty/middleware.js';
import { rewardsCommands } from './features/loyalty/redeem-middleware.js';
import { RedemptionCodes } from './features/loyalty/redemption-codes.js';
import { redemptionRoutes } from './features/loyalty/redemption-routes.js';
import { referralCommands } from './features/loyalty/referral-middleware.js';
import { Referrals } from './features/loyalty/referrals.js';
import { Rewards } from './features/loyalty/rewards.js';
import { loyaltyRoutes } from './features/loyalty/routes.js';
import { Loyalty } from './features/loyalty/service.js';
import { buildServer } from './http/server.js';
import { jobRoutes } from './jobs/routes.js';
import { JobScheduler } from './jobs/scheduler.js';
import { commandMenus, helpText } from './kernel/commands.js';
import { createOpenAiClient } from './llm/client.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { outboxBacklog } from './outbox/backlog.js';
import { Dispatcher } from './outbox/dispatcher.js';
import { listChatMessages } from './outbox/store.js';
import { readOrCreateSecret } from './secret-file.js';
import { openStore, type Store } from './store/index.js';
import { type Clock, systemClock } from './util/clock.js';

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
  knowledge: KnowledgeBase;
  loyalty: Loyalty;
  tickets: Tickets;
  /** Set when SLACK_BOT_TOKEN is. */
  slack: Slack | undefined;
  /** The Telegram channel: set when TELEGRAM_BOT_TOKEN is (or a test passed one in `adapters`). */
  telegram: TelegramAdapter | undefined;
  /** The WeChat channel: set when WECHATY_PUPPET is (or a test passed one in `adapters`). */
  wechat: WechatAdapter | undefined;
  /** The daily birthday job (scheduled by main.ts). */
  runBirthdays(): Promise<number>;
  /** Reminds staff of unclaimed tickets (scheduled every minute by main.ts). */
  runTicketReminders(): Promise<number>;
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
    onMigrated: (applied) => {
      migrationsApplied = applied;
    },
  });
  const adminToken = resolveAdminToken(env.ADMIN_TOKEN, env.DATA_DIR);

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
      commands: commandMenus(ALL_COMMANDS),
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
  const metrics = new Metrics(store.db, () => (options.clock ?? systemClock).now());
  const dispatcher = new Dispatcher({
    db: store.db,
    adapters: senders,
    logger: logger.child({ part: 'outbox' }),
    onSend: (channel, outcome) => metrics.send(channel, outcome),
    ...(options.clock ? { clock: options.clock } : {}),
    maxAttempts: settings.outbox.maxAttempts,
    retryBaseMs: settings.outbox.retryBaseMs,
    retryMaxMs: settings.outbox.retryMaxMs,
    ...(options.dispatcherPollMs ? { pollMs: options.dispatcherPollMs } : {}),
  });

  const knowledge = new KnowledgeBase({
    dir: env.KNOWLEDGE_DIR,
    synonyms: new Synonyms(settings.faq.synonyms),
    defaultLocale: env.DEFAULT_LOCALE,
    logger: logger.child({ part: 'knowledge' }),
  });
  knowledge.load();
  const llm = env.OPENAI_API_KEY
    ? createOpenAiClient({
        apiKey: env.OPENAI_API_KEY,
        baseURL: env.OPENAI_BASE_URL,
        model: env.OPENAI_MODEL,
        timeoutMs: env.OPENAI_TIMEOUT_MS,
      })
    : undefined;
  const faq = faqMiddleware({
    knowledge,
    llm,
    logger: logger.child({ part: 'faq' }),
    modelEntries: settings.faq.modelEntries,
    thresholds: {
      high: settings.faq.highCoverage,
      highEvidence: settings.faq.highEvidence,
      margin: settings.faq.margin,
      middle: settings.faq.middleCoverage,
      middleEvidence: settings.faq.middleEvidence,
      maxSuggestions: settings.faq.maxSuggestions,
    },
  });

  const loyalty = new Loyalty(store.db, settings.loyalty, env.BUSINESS_TIMEZONE, options.clock ?? systemClock);
  const rewards = new Rewards(store.db, store.provider, loyalty, options.clock ?? systemClock);
  const surveys = new Surveys(
    store.db,
    store.provider,
    loyalty,
    options.clock ?? systemClock,
    settings.surveys.expiryHours,
  );
  // /help lists every command (src/features/commands.ts) unless the business wrote its own.
  const texts = buildTexts({
    'zh-CN': { help: helpText(ALL_COMMANDS, 'zh-CN'), ...settings.texts['zh-CN'] },
    en: { help: helpText(ALL_COMMANDS, 'en'), ...settings.texts.en },
  });
  const referrals = new Referrals(store.db, store.provider, loyalty, options.clock ?? systemClock);
  // What features need to send messages of their own (congratulations, wishes, follow-ups).
  const outreach = {
    db: store.db,
    provider: store.provider,
    texts,
    defaultLocale: env.DEFAULT_LOCALE,
    clock: options.clock ?? systemClock,
    onQueued: () => dispatcher.notify(),
  };

  const clock = options.clock ?? systemClock;
  const escalation = settings.escalation;
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
  const staffChannels = [
    ...(slackSettings ? [new SlackStaffChannel(slackSettings.escalationChannel)] : []),
    ...(staffWebhook ? [staffWebhook.channel] : []),
  ];
  const tickets = new Tickets({
    ...outreach,
    surveys,
    context: (customerId) => customerContext(store.db, loyalty, customerId, escalation.recentMessages),
    customer: (customerId) => staffCustomer(store.db, customerId),
    staff: staffChannels,
    sla: {
      minutes: escalation.slaMinutes,
      repeatMinutes: escalation.reminderRepeatMinutes,
      staffGroup: escalation.staffGroup,
    },
  });
  // Bolt loads only when Slack is on: a bot without it starts faster.
  const slack = slackSettings
    ? (await import('../adapters/slack/index.js')).createSlack({
        settings: slackSettings,
        desk: staffDesk(tickets, 'slack'),
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
    // The order of the pipeline, in one place. Later features slot in before the fallback.
    middleware: [
      // First: a flooding customer's extra messages run nothing else.
      perCustomerLimit(settings.limits.perCustomer, clock),
      welcomePoints(loyalty),
      feedbackMiddleware(surveys),
      escalationMiddleware({
        db: store.db,
        tickets,
        clock,
        hours: new BusinessHours(escalation.businessHours, env.BUSINESS_TIMEZONE),
        replyWithinMinutes: escalation.replyWithinMinutes,
        reopenMinutes: escalation.reopenMinutes,
      }),
      builtinCommands,
      linkCommand({ db: store.db, clock }),
      loyaltyCommands(loyalty),
      birthdayCommand(store.db, loyalty),
      rewardsCommands(rewards),
      referralCommands({ ...outreach, referrals, rules: settings.loyalty.rules }),
      faq,
      fallback,
    ],
    logger: logger.child({ part: 'engine' }),
    onQueued: () => dispatcher.notify(),
    onTurn: (info) => metrics.turn(info),
    ...(options.clock ? { clock: options.clock } : {}),
  });

  // Messages stored but never answered (a crash mid-turn): handled at start, then looked for regularly.
  const replay = new InboundReplay({
    db: store.db,
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
    jobs: [
      { name: 'points-expiry', schedule: '15 3 * * *', run: () => loyalty.expireDue() },
      { name: 'birthdays', schedule: '0 9 * * *', run: () => runBirthdays({ ...outreach, loyalty }) },
      { name: 'ticket-reminders', schedule: '* * * * *', run: () => tickets.remindOverdue() },
    ],
  });

  const server = await buildServer({
    logger,
    db: store.db,
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
    channelRoutes: [
      {
        plugin: apiRoutes as never,
        options: {
          handler: engine,
          channelKey: env.API_CHANNEL_KEY,
          sessionSecret: env.API_SESSION_SECRET ?? readOrCreateSecret(env.DATA_DIR, 'session-secret').value,
          identitySecret: env.API_SESSION_SECRET,
          perIp: settings.limits.perIp,
          now: () => clock.now(),
          history: (userId: string, after: number, limit: number) =>
            listChatMessages(store.db, api.channel, userId, after, limit),
          waitForDelivery: (userId: string, ms: number) => api.waitForDelivery(userId, ms),
        },
      },
      { plugin: (slack?.routes ?? slackEventsOff) as never, options: {} },
      ...(telegram?.webhook
        ? [
            {
              plugin: telegramWebhookRoutes as never,
              options: { adapter: telegram, path: telegram.webhook.path, secret: telegram.webhook.secret },
            },
          ]
        : []),
    ],
    adminRoutes: [
      { plugin: jobRoutes as never, options: { jobs } },
      { plugin: knowledgeRoutes as never, options: { db: store.db, knowledge, timezone: env.BUSINESS_TIMEZONE } },
      {
        plugin: loyaltyRoutes as never,
        options: { ...outreach, loyalty, referrals },
      },
      {
        plugin: redemptionRoutes as never,
        options: { codes: new RedemptionCodes(store.db, loyalty, options.clock ?? systemClock) },
      },
      { plugin: ticketRoutes as never, options: { db: store.db, tickets, recentMessages: escalation.recentMessages } },
      { plugin: wechatQrRoutes as never, options: { adapter: wechat } },
      { plugin: linkingRoutes as never, options: { db: store.db, clock } },
      {
        plugin: feedbackRoutes as never,
        options: { db: store.db, surveys, texts, defaultLocale: env.DEFAULT_LOCALE, timezone: env.BUSINESS_TIMEZONE },
      },
    ],
    profileExtras: async (customerId) => {
      const summary = await loyalty.summary(customerId);
      return { points: { balance: summary.balance, tier: summary.tier.id, tierName: summary.tier.name } };
    },
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
    knowledge,
    loyalty,
    tickets,
    slack,
    telegram,
    wechat,
    runBirthdays: () => runBirthdays({ ...outreach, loyalty }),
    runTicketReminders: () => tickets.remindOverdue(),
    adminToken,
    migrationsApplied,
    async start() {
      await replay.start();
      for (const adapter of adapters.values()) {
        await adapter.start(engine);
      }
      await slack?.start();
      dispatcher.start();
      jobs.start();
      knowledge.watch();
    },
    stop() {
      stopped ??= (async () => {
        // Stop receiving first (adapters, then HTTP), let the turns in progress commit,
        // then let the dispatcher finish the sends it started; the rest waits in the outbox.
        knowledge.close();
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
