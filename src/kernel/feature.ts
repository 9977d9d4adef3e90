// What a capability of Rapport declares: one object per feature folder (its index.ts exports it).
// The registry (./registry.ts) builds the app from an ordered list of them; nothing else needs
// editing to add one. Shape after grammY's one-Composer-per-module and Fastify's declared plugin
// dependencies.
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Env } from '../config.js';
import type { Middleware } from '../engine/composer.js';
import type { TurnContext } from '../engine/context.js';
import type { Locale, Texts } from '../engine/i18n.js';
import type { JobSpec } from '../jobs/scheduler.js';
import type { Db, Tx } from '../store/index.js';
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
  env: Env;
  db: Db;
  provider: DatabaseProvider;
  clock: Clock;
  logger: Logger;
  texts: Texts;
  defaultLocale: Locale;
  businessName: Localized;
  /** Wakes the outbox dispatcher after the feature queued messages. */
  notify(): void;
  /** The public API of a feature this one depends on (declared in `dependsOn`). */
  // biome-ignore lint/suspicious/noExplicitAny: any feature, whatever its settings type
  use<A>(feature: Feature<any, A>): A;
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
  /** Moves the feature's rows of `absorbedId` to `survivorId` when two customers merge (/link). */
  onCustomersMerged?(tx: Tx, survivorId: string, absorbedId: string): Promise<void>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface Feature<S = undefined, A = undefined> {
  /** Unique, lower-case: "loyalty", "faq". */
  name: string;
  /** Features that must come earlier in the list (their API is used). */
  dependsOn?: readonly string[];
  /** The RAPPORT_CONFIG section the feature owns, validated with the others at start-up. */
  settings?: { key: string; schema: z.ZodType<S> };
  /** The pipeline slots its middleware fills (src/features/index.ts orders the slots). */
  slots?: readonly string[];
  commands?: readonly CommandSpec[];
  setup(host: FeatureHost<S>): FeatureParts<A> | Promise<FeatureParts<A>>;
}

/** Declares a feature with its types inferred (settings S, API A). */
export function defineFeature<S = undefined, A = undefined>(feature: Feature<S, A>): Feature<S, A> {
  return feature;
}
