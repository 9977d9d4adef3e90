// Settings: environment variables (read once, validated) and the business's YAML file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { locales, textKeysOf } from './engine/i18n.js';
import { ConfigError } from './errors.js';
import { FEATURES, type FeatureSettings, occasionsSettings } from './features/index.js';
import { clockTime, localized } from './kernel/settings.js';

const timezone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not an IANA time zone such as Asia/Shanghai' },
);

const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/**
 * TRUST_PROXY: unset or "false" = trust no proxy; "true" = trust every hop; a number = trust that many hops;
 * otherwise a comma-separated list of proxy addresses or CIDR ranges (Fastify's trustProxy).
 */
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): boolean | number | string[] => {
    const value = (v ?? '').trim();
    if (value === '' || value === 'false') return false;
    if (value === 'true') return true;
    if (/^\d{1,2}$/.test(value)) return Number(value);
    const list = value.split(',').map((a) => a.trim());
    const bad = list.find((a) => !isProxyAddress(a));
    if (bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${bad}" is not an IP address or CIDR range (use true, a hop count, or addresses such as 127.0.0.1,10.0.0.0/8)`,
      });
      return z.NEVER;
    }
    return list;
  });

function isProxyAddress(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  if (rest.length || !address || !isIP(address)) return false;
  if (bits === undefined) return true;
  const max = isIP(address) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .default('file:./data/rapport.db')
    .refine((u) => u.startsWith('file:') || /^postgres(ql)?:\/\//.test(u), {
      message: 'use file:PATH for SQLite or postgresql://… for PostgreSQL',
    }),
  /** PostgreSQL: connections of the admin reads' own pool (src/store/provider.ts). */
  DATABASE_READ_CONNECTIONS: z.coerce.number().int().min(1).max(50).default(1),
  DATA_DIR: z.string().min(1).default('./data'),
  ADMIN_TOKEN: optionalSecret.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  KNOWLEDGE_DIR: z.string().min(1).default('./knowledge'),
  /** The sentence-embedding model the FAQ ranks with besides words; empty = lexical search only. */
  EMBEDDING_MODEL_DIR: z.string().default('./models/bge-small-zh-v1.5'),
  /** The model that ranks English questions against English texts; empty = the main model does. */
  EMBEDDING_MODEL_DIR_EN: z.string().default('./models/all-MiniLM-L6-v2'),
  /** The escalation scorer (npm run train:escalation); empty = the rules alone decide. */
  ESCALATION_CLASSIFIER: z.string().default('./models/escalation/classifier.json'),
  DEFAULT_LOCALE: z.enum(locales).default('zh-CN'),
  BUSINESS_TIMEZONE: timezone.default('Asia/Shanghai'),
  API_CHANNEL_KEY: optionalSecret,
  /** Signs visitor session tokens and verifies {"user":{"id"},"signature"}; unset = a generated secret in DATA_DIR (no signatures). */
  API_SESSION_SECRET: optionalSecret.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  /** Behind a reverse proxy: whose X-Forwarded-For to believe, so request.ip is the client's (per-IP limits). */
  TRUST_PROXY: trustProxy,
  RAPPORT_CONFIG: z.string().optional(),
  OPENAI_API_KEY: optionalSecret,
  OPENAI_BASE_URL: z
    .string()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  OPENAI_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  SLACK_BOT_TOKEN: optionalSecret,
  SLACK_SIGNING_SECRET: optionalSecret,
  SLACK_APP_TOKEN: optionalSecret,
  SLACK_ESCALATION_CHANNEL: optionalSecret,
  SLACK_API_URL: z
    .string()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Where staff reach Rapport (links in staff posts); unset = http://HOST:PORT. */
  PUBLIC_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), {
      message: 'an http:// or https:// address, such as https://rapport.example.com',
    })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Ticket events are posted here (STAFF_WEBHOOK_FORMAT says how). */
  STAFF_WEBHOOK_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), { message: 'the group bot’s or your server’s http(s):// webhook address' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  STAFF_WEBHOOK_FORMAT: z
    .enum(['json', 'wecom', 'feishu', 'dingtalk'], { message: 'one of json, wecom, feishu, dingtalk' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Feishu's and DingTalk's signing secret (and the json format's HMAC key). */
  STAFF_WEBHOOK_SECRET: optionalSecret,
  TELEGRAM_BOT_TOKEN: optionalSecret.refine((v) => v === undefined || /^\d+:[\w-]+$/.test(v), {
    message: 'a bot token from @BotFather looks like 123456789:AAE…',
  }),
  TELEGRAM_WEBHOOK_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), {
      message: 'the https:// URL Telegram posts updates to (http:// only for a local emulator)',
    })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  TELEGRAM_WEBHOOK_SECRET: optionalSecret.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
    message: '1–256 characters A-Z, a-z, 0-9, _ and - (what Telegram accepts as secret_token)',
  }),
  TELEGRAM_API_ROOT: z
    .string()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** WeChat is on when set: the puppet's npm name (wechaty reads its other WECHATY_* variables itself). */
  WECHATY_PUPPET: z
    .string()
    .regex(/^(@[\w.-]+\/)?[\w.-]+$/, { message: 'the npm name of a Wechaty puppet, such as wechaty-puppet-service' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** GET /metrics needs it as a bearer token; unset = metrics only for clients on this machine. */
  METRICS_TOKEN: optionalSecret.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
});

export type Env = z.infer<typeof envSchema>;

/** The sections no feature owns; each feature's own section comes from its declaration (src/features). */
const coreSchema = z
  .object({
    business: z
      .object({
        name: z.object({ 'zh-CN': z.string().min(1), en: z.string().min(1) }).strict(),
      })
      .strict()
      .default({ name: { 'zh-CN': '我们的店', en: 'our shop' } }),
    wechat: z
      .object({
        /** Accept friend requests by themselves… */
        acceptFriends: z.boolean().default(true),
        /** …only those whose greeting contains this word (case-insensitive), when set. */
        friendKeyword: z.string().min(1).optional(),
        /** Sent to a new friend; {name}, {business}. */
        greeting: localized.default({
          'zh-CN':
            '你好{name}！我是{business}的在线助手，可以回答营业时间、外卖、会员积分等问题。发送 /help 查看全部功能。',
          en: "Hi {name}! I'm the online assistant of {business}: ask me about opening hours, delivery or points. Send /help to see everything I can do.",
        }),
        /** Sent to a room when members join; {name}, {room}, {business}; false = none. */
        roomWelcome: z.union([localized, z.literal(false)]).default({
          'zh-CN': '欢迎{name}加入「{room}」！有问题请 @我，我是{business}的在线助手。',
          en: 'Welcome to {room}, {name}! @-mention me with any question: I am the assistant of {business}.',
        }),
        /** At least this long between two sends of the account (≥ 1 s)… */
        minIntervalMs: z.number().int().min(1000).max(600_000).default(1000),
        /** …plus a random pause up to this long. */
        jitterMs: z.number().int().min(0).max(600_000).default(1000),
        /** Sends a calendar day (BUSINESS_TIMEZONE) at most; further messages wait for the next day. */
        dailyCap: z.number().int().min(1).max(100_000).default(500),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        /** Requests per IP address on the API channel (browsers, sessions, signatures; the key is exempt). */
        perIp: z
          .object({
            requests: z.number().int().min(1).max(1_000_000).default(120),
            seconds: z.number().int().min(1).max(86_400).default(60),
          })
          .strict()
          .prefault({}),
        /** Messages per customer on every channel; beyond it, one "slow down" and no answers. */
        perCustomer: z
          .object({
            messages: z.number().int().min(1).max(100_000).default(60),
            seconds: z.number().int().min(1).max(86_400).default(60),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    outbox: z
      .object({
        maxAttempts: z.number().int().min(1).max(100).default(8),
        retryBaseMs: z.number().int().min(10).default(2000),
        retryMaxMs: z
          .number()
          .int()
          .min(100)
          .default(15 * 60_000),
        /** Sent messages are deleted after this many days (the outbox-prune job); the interaction log keeps them. */
        retainDays: z.number().int().min(1).max(36_500).default(30),
      })
      .strict()
      .prefault({}),
    /** The chat widget a business puts on its own site (src/widget, README: "Chat widget"). */
    widget: z
      .object({
        /** The bubble's and the customer's messages' colour. */
        colour: z
          .string()
          .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
          .default('#2f6feb'),
        /** Which bottom corner the bubble sits in. */
        position: z.enum(['right', 'left']).default('right'),
        /** The chat's title and the first line a visitor sees; {business} is the business's name. */
        title: localized.default({ 'zh-CN': '{business}', en: '{business}' }),
        greeting: localized.default({
          'zh-CN': '您好！有什么可以帮您？营业时间、订单、会员积分都可以问我。',
          en: 'Hi! How can we help? Ask about opening hours, orders or your points.',
        }),
        /**
         * Sites that may show the widget (frame-ancestors of its frame), as origins such as
         * "https://shop.example"; [] = any site.
         */
        allowedOrigins: z
          .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin: scheme and host (and port), no path'))
          .max(100)
          .default([]),
      })
      .strict()
      .prefault({}),
    /** Politeness of every marketing message (src/outbox/politeness.ts). */
    outreach: z
      .object({
        /** Held from start to end (BUSINESS_TIMEZONE; past midnight when end is earlier), sent at end; false = none. */
        quietHours: z
          .union([z.object({ start: clockTime, end: clockTime }).strict(), z.literal(false)])
          .default({ start: '21:00', end: '09:00' }),
        /** At most this many marketing messages a customer in any `days` days; high-priority ones pass; false = none. */
        frequencyCap: z
          .union([
            z
              .object({
                messages: z.number().int().min(1).max(1000),
                days: z.number().int().min(1).max(365),
              })
              .strict(),
            z.literal(false),
          ])
          .default({ messages: 2, days: 7 }),
        /** The care occasions (src/features/care). */
        occasions: occasionsSettings,
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** Overrides of any text, the engine's or a feature's (unknown keys are refused). */
function textsSchema() {
  const keys = textKeysOf(FEATURES.flatMap((f) => ('texts' in f && f.texts ? [f.texts] : [])));
  const localeTexts = z.object(Object.fromEntries(keys.map((k) => [k, z.string().min(1).optional()]))).strict();
  return z.object({ 'zh-CN': localeTexts.optional(), en: localeTexts.optional() }).strict().default({});
}

let composed: z.ZodType<BusinessConfig> | undefined;

/** The whole RAPPORT_CONFIG schema: the core sections, `texts`, and every feature's section. */
export function businessSchema(): z.ZodType<BusinessConfig> {
  composed ??= coreSchema
    .extend({
      texts: textsSchema(),
      ...Object.fromEntries(
        FEATURES.flatMap((f) => ('settings' in f && f.settings ? [[f.settings.key, f.settings.schema]] : [])),
      ),
    })
    .strict() as unknown as z.ZodType<BusinessConfig>;
  return composed;
}

export type CoreSettings = z.infer<typeof coreSchema>;
export type BusinessConfig = CoreSettings & FeatureSettings & { texts: z.infer<ReturnType<typeof textsSchema>> };

export interface Config {
  env: Env;
  settings: BusinessConfig;
  /** Where the business settings came from, for the start-up log. */
  configPath: string | null;
}

function issuesText(issues: z.core.$ZodIssue[], prefix: string): string {
  return issues
    .map((i) => {
      const key = i.path.length ? i.path.join('.') : '(top level)';
      return `${prefix}${key}: ${i.message}`;
    })
    .join('\n');
}

/** Slack needs a way to receive (Events API or Socket Mode) and a channel for tickets. */
function checkSlack(env: Env): void {
  const slack = [env.SLACK_SIGNING_SECRET, env.SLACK_APP_TOKEN, env.SLACK_ESCALATION_CHANNEL];
  if (!env.SLACK_BOT_TOKEN) {
    if (slack.some((v) => v !== undefined)) {
      throw new ConfigError('invalid environment:\n  SLACK_BOT_TOKEN: required when other SLACK_* variables are set');
    }
    return;
  }
  if (!env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    throw new ConfigError(
      'invalid environment:\n  SLACK_SIGNING_SECRET: set it (Events API at POST /slack/events) or SLACK_APP_TOKEN (Socket Mode)',
    );
  }
  if (!env.SLACK_ESCALATION_CHANNEL) {
    throw new ConfigError(
      'invalid environment:\n  SLACK_ESCALATION_CHANNEL: the channel id for tickets, such as C0123ABCD',
    );
  }
}

/** Telegram needs its token for anything; a webhook needs the secret that proves requests come from Telegram. */
function checkTelegram(env: Env): void {
  const others = [env.TELEGRAM_WEBHOOK_URL, env.TELEGRAM_WEBHOOK_SECRET, env.TELEGRAM_API_ROOT];
  if (!env.TELEGRAM_BOT_TOKEN && others.some((v) => v !== undefined)) {
    throw new ConfigError(
      'invalid environment:\n  TELEGRAM_BOT_TOKEN: required when other TELEGRAM_* variables are set',
    );
  }
  if (env.TELEGRAM_WEBHOOK_URL && !env.TELEGRAM_WEBHOOK_SECRET) {
    throw new ConfigError(
      'invalid environment:\n  TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL (Telegram sends it with every update)',
    );
  }
}

/** A staff webhook needs its URL; WeCom group bots have no signing, so a secret there is a mistake. */
function checkStaffWebhook(env: Env): void {
  if (!env.STAFF_WEBHOOK_URL) {
    const set = env.STAFF_WEBHOOK_FORMAT
      ? 'STAFF_WEBHOOK_FORMAT'
      : env.STAFF_WEBHOOK_SECRET
        ? 'STAFF_WEBHOOK_SECRET'
        : null;
    if (set) {
      throw new ConfigError(`invalid environment:\n  STAFF_WEBHOOK_URL: required when ${set} is set`);
    }
    return;
  }
  if (env.STAFF_WEBHOOK_FORMAT === 'wecom' && env.STAFF_WEBHOOK_SECRET) {
    throw new ConfigError(
      'invalid environment:\n  STAFF_WEBHOOK_SECRET: WeCom group bots are not signed (the key in STAFF_WEBHOOK_URL is the credential); unset it',
    );
  }
}

/** The address staff reach Rapport at: PUBLIC_URL, else this server's own (without a trailing slash). */
export function publicUrl(env: Pick<Env, 'PUBLIC_URL' | 'HOST' | 'PORT'>): string {
  if (env.PUBLIC_URL) return env.PUBLIC_URL.replace(/\/+$/, '');
  const host = env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
  return `http://${host}:${env.PORT}`;
}

export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const picked = Object.fromEntries(Object.keys(envSchema.shape).map((k) => [k, source[k]]));
  const result = envSchema.safeParse(picked);
  if (!result.success) throw new ConfigError(`invalid environment:\n${issuesText(result.error.issues, '  ')}`);
  checkSlack(result.data);
  checkTelegram(result.data);
  checkStaffWebhook(result.data);
  return result.data;
}

export function parseBusinessConfig(text: string, name: string): BusinessConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const [yamlError] = doc.errors;
  if (yamlError) {
    const where = yamlError.linePos ? ` line ${yamlError.linePos[0].line}` : '';
    throw new ConfigError(`${name}${where}: not valid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const result = businessSchema().safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const line = lineOf(doc, lines, issue.path);
      return line ? { ...issue, message: `${issue.message} (line ${line})` } : issue;
    });
    throw new ConfigError(`${name}: invalid settings:\n${issuesText(issues, '  ')}`);
  }
  return result.data;
}

/** The line of the closest node the file has on a key path (the key itself, or its parent when missing). */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as
      | { range?: [number, number, number] }
      | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Reads the environment and the business file; throws ConfigError naming the bad variable or key. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = parseEnv(source);
  // A missing folder is a fresh install (the log says so); a file is a mistake.
  if (existsSync(env.KNOWLEDGE_DIR) && !statSync(env.KNOWLEDGE_DIR).isDirectory()) {
    throw new ConfigError(
      `invalid environment:\n  KNOWLEDGE_DIR: ${resolve(env.KNOWLEDGE_DIR)} is a file; point it at a folder of FAQ files`,
    );
  }
  const explicit = env.RAPPORT_CONFIG !== undefined && env.RAPPORT_CONFIG !== '';
  const path = resolve(explicit ? (env.RAPPORT_CONFIG as string) : './rapport.config.yaml');
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError(`RAPPORT_CONFIG: file not found: ${path}`);
    return { env, settings: businessSchema().parse({}), configPath: null };
  }
  return { env, settings: parseBusinessConfig(readFileSync(path, 'utf8'), path), configPath: path };
}
