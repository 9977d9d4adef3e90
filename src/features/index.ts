// The features, in install order, and the pipeline, in the order a message meets them: the one
// place order lives. Adding a feature is a folder with an index.ts and one line in FEATURES (and
// its slots in PIPELINE). src/kernel/registry.ts checks both at start-up.
import type { AnyFeature, SettingsOfFeatures } from '../kernel/feature.js';
import { birthdaysFeature } from './birthdays/index.js';
import { campaignsFeature } from './campaigns/index.js';
import { careFeature } from './care/index.js';
import { coreFeature } from './core/index.js';
import { escalationFeature } from './escalation/index.js';
import { faqFeature } from './faq/index.js';
import { feedbackFeature } from './feedback/index.js';
import { lifecycleFeature } from './lifecycle/index.js';
import { limitsFeature } from './limits/index.js';
import { linkingFeature } from './linking/index.js';
import { loyaltyFeature } from './loyalty/index.js';
import { moderationFeature } from './moderation/index.js';
import { referralsFeature } from './referrals/index.js';
import { reportsFeature } from './reports/index.js';
import { segmentsFeature } from './segments/index.js';

export const FEATURES = [
  coreFeature,
  limitsFeature,
  loyaltyFeature,
  moderationFeature,
  lifecycleFeature,
  segmentsFeature,
  campaignsFeature,
  feedbackFeature,
  escalationFeature,
  linkingFeature,
  referralsFeature,
  birthdaysFeature,
  careFeature,
  faqFeature,
  // Reads what the others wrote; uses escalation's SLA.
  reportsFeature,
] as const satisfies readonly AnyFeature[];

export const PIPELINE = [
  // First, in groups: the rules judge every message (addressed to the bot or not); spam goes no further.
  'moderation',
  // A flooding customer's extra messages run nothing else.
  'rate-limit',
  // A message brings an at-risk or churned customer back (their stage commits with the turn).
  'lifecycle',
  // Runs first and acts last (after the welcome): welcome points.
  'welcome-points',
  // A survey waiting for an answer, then tickets (complaints, a person asked for).
  'surveys',
  'escalation',
  // /start /help /lang /stop, then the features' commands.
  'commands',
  'link',
  'points',
  'birthday',
  'rewards',
  'referrals',
  // Whatever is left is a question.
  'faq',
  'fallback',
] as const;

/** Each feature's RAPPORT_CONFIG section, by key. */
export type FeatureSettings = SettingsOfFeatures<typeof FEATURES>;

/** The care occasions' settings, which live in the core's `outreach` section (outreach.occasions). */
export { occasionsSettings } from './care/settings.js';
