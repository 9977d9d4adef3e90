// Builds the features of src/features/index.ts in their order and fails fast, with a coded error,
// on a list that cannot work: a name used twice, a dependency missing or listed later, a
// pipeline slot filled twice or by nobody (as Fastify checks its plugins' declared dependencies
// at boot). A switched-off feature (`enabled: false` in its settings) is left out with its slots.

import type { FastifyPluginAsync } from 'fastify';
import type { Middleware } from '../engine/composer.js';
import type { TurnContext } from '../engine/context.js';
import { buildTexts, type Locale, type TextOverrides, type Texts } from '../engine/i18n.js';
import { AppError, type ErrorCode, type ModerationError } from '../errors.js';
import type { JobSpec } from '../jobs/scheduler.js';
import type { Outreach } from '../outbox/outreach.js';
import type { OutboxRow } from '../outbox/store.js';
import type { ModerationDesk, StaffDesk } from '../staff/channel.js';
import type { Prisma, Tx } from '../store/index.js';
import { helpText } from './commands.js';
import type { AnyFeature, CommandSpec, CustomerChatRef, FeatureHost, FeatureParts } from './feature.js';

export type { AnyFeature };

export class KernelError extends AppError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'KernelError';
  }
}

/** Whether a feature is on: its settings section says `enabled: false` to switch it off. */
export function isEnabled(settings: unknown): boolean {
  return !(typeof settings === 'object' && settings !== null && (settings as { enabled?: unknown }).enabled === false);
}

/** Checks the list and the pipeline order against each other; throws KernelError. */
export function checkFeatures(features: readonly AnyFeature[], pipeline: readonly string[]): void {
  const seen = new Set<string>();
  for (const f of features) {
    if (seen.has(f.name)) throw new KernelError('KERNEL_DUPLICATE_FEATURE', `feature "${f.name}" is listed twice`);
    for (const dep of f.dependsOn ?? []) {
      if (seen.has(dep)) continue;
      const later = features.some((g) => g.name === dep);
      throw new KernelError(
        'KERNEL_MISSING_DEPENDENCY',
        later
          ? `feature "${f.name}" depends on "${dep}", which is listed after it`
          : `feature "${f.name}" depends on "${dep}", which is not in the list`,
      );
    }
    for (const dep of f.uses ?? []) {
      if (!seen.has(dep) && features.some((g) => g.name === dep)) {
        throw new KernelError(
          'KERNEL_MISSING_DEPENDENCY',
          `feature "${f.name}" uses "${dep}", which is listed after it`,
        );
      }
    }
    seen.add(f.name);
  }
  const owner = new Map<string, string>();
  for (const slot of pipeline) {
    if (owner.has(slot)) throw new KernelError('KERNEL_SLOT_TWICE', `pipeline slot "${slot}" is placed twice`);
    owner.set(slot, '');
  }
  for (const f of features) {
    for (const slot of f.slots ?? []) {
      const current = owner.get(slot);
      if (current === undefined) {
        throw new KernelError(
          'KERNEL_SLOT_UNPLACED',
          `feature "${f.name}" fills pipeline slot "${slot}", which the pipeline does not place`,
        );
      }
      if (current) {
        throw new KernelError(
          'KERNEL_SLOT_TWICE',
          `pipeline slot "${slot}" is filled by both "${current}" and "${f.name}"`,
        );
      }
      owner.set(slot, f.name);
    }
  }
  for (const [slot, name] of owner) {
    if (!name) throw new KernelError('KERNEL_SLOT_UNPLACED', `pipeline slot "${slot}" is filled by no feature`);
  }
}

export interface BuiltFeatures {
  /** The names of the features that are on, in order. */
  names: string[];
  middleware: Middleware<TurnContext>[];
  /** Each feature's admin routes, with the feature's name. */
  adminRoutes: { feature: string; plugin: FastifyPluginAsync }[];
  /** Their scheduled jobs, each with the feature it belongs to. */
  jobs: (JobSpec & { feature: string })[];
  /** The commands of the features that are on, in list order (/help and the menus). */
  commands: CommandSpec[];
  /** Every text, /help made from `commands` unless the business wrote its own. */
  texts: Texts;
  /** The business's own messages to customers, with its manners (what features get as host.outreach). */
  outreach: Outreach;
  /** What the features add to a customer's profile. */
  profile(customerId: string): Promise<Record<string, unknown>>;
  /** What the features show a customer about themselves in their chat (GET /api/v1/me). */
  panel(customerId: string, chat: CustomerChatRef, locale: Locale): Promise<Record<string, unknown>>;
  /** The staff desk of the feature that has one (tickets), for a staff channel named `origin`. */
  staffDesk(origin: string): StaffDesk | undefined;
  /** A saved segment's condition, from the feature that keeps segments (undefined: none, or it is off). */
  segmentWhere(segmentId: string): Promise<Prisma.Sql | undefined>;
  /** Staff's buttons on group moderation cases, from the feature that moderates (undefined: off). */
  moderationDesk(): ModerationDesk | undefined;
  /** Hands a moderation call the platform refused for good to the feature that queued it. */
  callRefused(row: OutboxRow, error: ModerationError): Promise<void>;
  /** Runs every feature's merge hook (in list order, on or off) inside the merge's transaction. */
  onCustomersMerged(tx: Tx, survivorId: string, absorbedId: string, at: Date): Promise<void>;
  /** A feature's public API by name (undefined when it is off). */
  api(name: string): unknown;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type HostBase = Omit<
  FeatureHost<never>,
  'settings' | 'use' | 'optional' | 'customersMerged' | 'texts' | 'outreach'
>;

/** Every feature's merge hook, in list order: switched-off features' data moves too. */
export async function mergeCustomerRows(
  features: readonly AnyFeature[],
  tx: Tx,
  survivorId: string,
  absorbedId: string,
  at: Date,
): Promise<void> {
  for (const f of features) await f.onCustomersMerged?.(tx, survivorId, absorbedId, at);
}

/** The features a settings lookup leaves on, in list order. */
export function enabledFeatures(features: readonly AnyFeature[], settingsOf: (key: string) => unknown): AnyFeature[] {
  return features.filter((f) => isEnabled(f.settings ? settingsOf(f.settings.key) : undefined));
}

/** Every text the features bring, /help listing the commands of those that are on. */
export function featureTexts(
  features: readonly AnyFeature[],
  on: readonly AnyFeature[],
  overrides: TextOverrides = {},
): Texts {
  const commands = on.flatMap((f) => f.commands ?? []);
  const help = { 'zh-CN': { help: helpText(commands, 'zh-CN') }, en: { help: helpText(commands, 'en') } };
  return buildTexts(overrides, [...features.flatMap((f) => (f.texts ? [f.texts] : [])), help]);
}

/** Sets the features up in order and assembles what they bring. */
export async function buildFeatures(
  features: readonly AnyFeature[],
  pipeline: readonly string[],
  base: HostBase,
  settingsOf: (key: string) => unknown,
  textOverrides: TextOverrides = {},
): Promise<BuiltFeatures> {
  checkFeatures(features, pipeline);
  const on = enabledFeatures(features, settingsOf);
  const texts = featureTexts(features, on, textOverrides);
  const outreach = {
    db: base.db,
    provider: base.provider,
    texts,
    defaultLocale: base.defaultLocale,
    clock: base.clock,
    onQueued: () => base.notify(),
    politeness: { ...base.core.outreach, timezone: base.env.BUSINESS_TIMEZONE },
  };
  const apis = new Map<string, unknown>();
  const parts = new Map<string, FeatureParts<unknown>>();
  const customersMerged = (tx: Tx, survivorId: string, absorbedId: string, at: Date) =>
    mergeCustomerRows(features, tx, survivorId, absorbedId, at);
  for (const f of on) {
    for (const dep of f.dependsOn ?? []) {
      if (!on.includes(features.find((g) => g.name === dep) as AnyFeature)) {
        throw new KernelError(
          'KERNEL_MISSING_DEPENDENCY',
          `feature "${f.name}" needs "${dep}", which is switched off (enabled: false): switch both off or both on`,
        );
      }
    }
    const host: FeatureHost<unknown> = {
      ...base,
      settings: f.settings ? settingsOf(f.settings.key) : undefined,
      texts,
      outreach,
      customersMerged,
      use: <A>(dep: AnyFeature): A => {
        if (!(f.dependsOn ?? []).includes(dep.name)) {
          throw new KernelError(
            'KERNEL_MISSING_DEPENDENCY',
            `feature "${f.name}" uses "${dep.name}" without declaring it in dependsOn`,
          );
        }
        return apis.get(dep.name) as A;
      },
      optional: <A>(dep: AnyFeature): A | undefined => {
        if (!(f.uses ?? []).includes(dep.name) && !(f.dependsOn ?? []).includes(dep.name)) {
          throw new KernelError(
            'KERNEL_MISSING_DEPENDENCY',
            `feature "${f.name}" uses "${dep.name}" without declaring it in uses`,
          );
        }
        return apis.get(dep.name) as A | undefined;
      },
    };
    const built = await f.setup(host as FeatureHost<never>);
    const given = Object.keys(built.middleware ?? {});
    const declared = f.slots ?? [];
    const stray = given.find((slot) => !declared.includes(slot));
    if (stray) {
      throw new KernelError(
        'KERNEL_SLOT_UNPLACED',
        `feature "${f.name}" gave middleware for undeclared slot "${stray}"`,
      );
    }
    const missing = declared.find((slot) => !given.includes(slot));
    if (missing) {
      throw new KernelError(
        'KERNEL_SLOT_UNPLACED',
        `feature "${f.name}" declares slot "${missing}" but gave no middleware`,
      );
    }
    apis.set(f.name, built.api);
    parts.set(f.name, built);
  }
  const all = on.map((f) => parts.get(f.name) as FeatureParts<unknown>);
  const bySlot = new Map<string, Middleware<TurnContext>>();
  for (const p of all) for (const [slot, mw] of Object.entries(p.middleware ?? {})) bySlot.set(slot, mw);
  return {
    names: on.map((f) => f.name),
    middleware: pipeline.flatMap((slot) => {
      const mw = bySlot.get(slot);
      return mw ? [mw] : [];
    }),
    adminRoutes: on.flatMap((f) => {
      const plugin = parts.get(f.name)?.adminRoutes;
      return plugin ? [{ feature: f.name, plugin }] : [];
    }),
    jobs: on.flatMap((f) => (parts.get(f.name)?.jobs ?? []).map((job) => ({ ...job, feature: f.name }))),
    commands: on.flatMap((f) => f.commands ?? []),
    texts,
    outreach,
    async profile(customerId) {
      const fields = await Promise.all(all.map((p) => p.profile?.(customerId) ?? {}));
      return Object.assign({}, ...fields);
    },
    async panel(customerId, chat, locale) {
      const fields = await Promise.all(all.map((p) => p.panel?.(customerId, chat, locale) ?? {}));
      return Object.assign({}, ...fields);
    },
    staffDesk(origin) {
      const desk = all.find((p) => p.staffDesk);
      return desk?.staffDesk?.(origin);
    },
    async segmentWhere(segmentId) {
      return all.find((p) => p.segmentWhere)?.segmentWhere?.(segmentId);
    },
    moderationDesk() {
      return all.find((p) => p.moderationDesk)?.moderationDesk;
    },
    async callRefused(row, error) {
      for (const p of all) await p.callRefused?.(row, error);
    },
    onCustomersMerged: customersMerged,
    api: (name) => apis.get(name),
    async start() {
      for (const p of all) await p.start?.();
    },
    async stop() {
      for (const p of [...all].reverse()) await p.stop?.();
    },
  };
}
