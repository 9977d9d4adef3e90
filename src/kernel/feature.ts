// What a capability of Rapport declares: one object per feature folder (its index.ts exports it).
// The registry (./registry.ts) builds the app from an ordered list of them (src/features/index.ts);
// nothing else needs editing to add one. Shape after grammY's one-Composer-per-module and
// Fastify's declared plugin dependencies.
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { CoreSettings, Env } from '../config.js';
import type { EmbeddingModels } from '../embedding/models.js';
import type { ModerationCapabilities } from '../engine/channel.js';
import type { Middleware } from '../engine/composer.js';
import type { TurnContext } from '../engine/context.js';
import type { FeatureTexts, Locale, Texts } from '../engine/i18n.js';
import type { ModerationError } from '../errors.js';
import type { JobSpec } from '../jobs/scheduler.js';
import type { Outreach } from '../outbox/outreach.js';
import type { OutboxRow } from '../outbox/store.js';
import type { ModerationDesk, StaffChannel, StaffDesk } from '../staff/channel.js';
import type { Db, Prisma, Tx } from '../store/index.js';
import type { DatabaseProvider } from '../store/schema-engine.js';
import type { Clock } from '../util/clock.js';

export type Localized = Record<Locale, string>;

/** A chat command a feature answers: in /help and the platforms' command menus. */
export interface CommandSpec {
  /** Without the slash: "points". */
  name: string;
  /** What follows the command, shown in /help: { 'zh-CN': '月-日', en: 'MM-DD' }. */
  args?: Localized;
  describe: Localized;
  /** Words customers type instead of the command ("我的积分", "my points"). */
  phrases?: readonly string[];
}

/** What the registry hands a feature when it is set up. */
export interface FeatureHost<S> {
  /** The feature's own section of RAPPORT_CONFIG, validated. */
  settings: S;
  /** The sections no feature owns (business, limits, outbox, wechat). */
  core: CoreSettings;
  env: Env;
  db: Db;
  /**
   * Where admin lists and reports read (Store.reads): on SQLite a read-only connection in a worker
   * thread, so a slow report never holds customers' messages. Writes always go through `db`.
   */
  reads: Db;
  provider: DatabaseProvider;
  /** The sentence-embedding models (EMBEDDING_MODEL_DIR…), loaded once for every feature that uses them. */
  embeddings: EmbeddingModels;
  clock: Clock;
  logger: Logger;
  /** Every text: the engine's, every feature's, the business's overrides. */
  texts: Texts;
  defaultLocale: Locale;
  businessName: Localized;
  /** Wakes the outbox dispatcher after the feature queued messages. */
  notify(): void;
  /** The one way to message customers and staff on the business's own initiative. */
  outreach: Outreach;
  /** The customer channels' moderation (what each can do, who a group's admins are); absent in bare tests. */
  channels?: ChannelDirectory;
  /** Where staff are told of things (Slack, webhooks): set up by the app from the environment. */
  staffChannels: readonly StaffChannel[];
  /** Runs every feature's merge hook: for a feature that merges customers (/link). */
  customersMerged(tx: Tx, survivorId: string, absorbedId: string, at: Date): Promise<void>;
  /** The public API of a feature this one depends on (declared in `dependsOn`). */
  // biome-ignore lint/suspicious/noExplicitAny: any feature, whatever its settings type
  use<A>(feature: Feature<any, A, any>): A;
  /** The API of a feature this one can do without (declared in `uses`): undefined when it is off. */
  // biome-ignore lint/suspicious/noExplicitAny: any feature, whatever its settings type
  optional<A>(feature: Feature<any, A, any>): A | undefined;
}

/** What a feature's setup returns; every part is optional. */
export interface FeatureParts<A = undefined> {
  /** Middleware by pipeline slot; the slots must be the ones the feature declares. */
  middleware?: Readonly<Record<string, Middleware<TurnContext>>>;
  /** Routes behind the admin token. */
  adminRoutes?: FastifyPluginAsync;
  jobs?: readonly JobSpec[];
  /** What dependent features may use (through FeatureHost.use). */
  api?: A;
  /** Fields the feature adds to a customer's profile (GET /api/v1/customers/:id). */
  profile?(customerId: string): Promise<Record<string, unknown>>;
  /**
   * What the feature shows customers about themselves in their own chat (GET /api/v1/me: points,
   * rewards, a survey waiting there), in their language; `chat` is the private chat asking.
   */
  panel?(customerId: string, chat: CustomerChatRef, locale: Locale): Promise<Record<string, unknown>>;
  /**
   * A saved segment's customers as a condition on the customer row aliased `c`, for the admin
   * customer list (GET /api/v1/customers?segment=); undefined when there is no such segment.
   */
  segmentWhere?(segmentId: string): Promise<Prisma.Sql | undefined>;
  /** Staff's buttons (Slack) on group moderation cases. */
  moderationDesk?: ModerationDesk;
  /** A moderation call this feature queued that the platform refused for good (from the outbox). */
  callRefused?(row: OutboxRow, error: ModerationError): Promise<void>;
  /** How a staff channel that talks back (Slack) acts on tickets; `origin` names it. */
  staffDesk?(origin: string): StaffDesk;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface Feature<S = undefined, A = undefined, K extends string = never> {
  /** Unique, lower-case: "loyalty", "faq". */
  name: string;
  /** One line for the README's feature list. */
  summary: string;
  /** Features that must be on and come earlier in the list (their API is used). */
  dependsOn?: readonly string[];
  /** Features used when they are on (they must come earlier when listed). */
  uses?: readonly string[];
  /** The RAPPORT_CONFIG section the feature owns, validated with the others at start-up. */
  settings?: { key: K; schema: z.ZodType<S> };
  /** Its texts in both languages; the business overrides them under RAPPORT_CONFIG texts. */
  texts?: FeatureTexts;
  /** The pipeline slots its middleware fills (src/features/index.ts orders the slots). */
  slots?: readonly string[];
  commands?: readonly CommandSpec[];
  /**
   * Moves the feature's rows and customer fields of `absorbedId` to `survivorId` when two customers
   * merge (/link), inside the merge's transaction, before the absorbed record is deleted. Declared
   * here, not in setup: it runs for a switched-off feature too, whose data still belongs to the customer.
   */
  onCustomersMerged?(tx: Tx, survivorId: string, absorbedId: string, at: Date): Promise<void>;
  setup(host: FeatureHost<S>): FeatureParts<A> | Promise<FeatureParts<A>>;
}

/** Declares a feature with its types inferred (settings S, API A, settings key K). */
export function defineFeature<S = undefined, A = undefined, K extends string = never>(
  feature: Feature<S, A, K>,
): Feature<S, A, K> {
  return feature;
}

// biome-ignore lint/suspicious/noExplicitAny: a list holds features of every settings and API type
export type AnyFeature = Feature<any, any, any>;

/** The settings sections of a list of features, by key: { loyalty: LoyaltySettings, … }. */
export type SettingsOfFeatures<L extends readonly AnyFeature[]> = {
  [F in L[number] as F extends Feature<infer _S, infer _A, infer K> ? K : never]: F extends Feature<
    infer S,
    infer _A,
    infer _K
  >
    ? S
    : never;
};

/** A customer's chat: its channel and the platform's chat id. */
export interface CustomerChatRef {
  channel: string;
  chatId: string;
}

/** What features may know of the customer channels (moderation). */
export interface ChannelDirectory {
  moderation(channel: string): ModerationCapabilities & { buttons: boolean };
  /** The ids of a group's admins; throws when the channel cannot tell. */
  groupAdmins(channel: string, chatId: string): Promise<string[]>;
}
