// The lifecycle stage, computed from what the customer did, never typed in. The seed documents'
// 潜在客户 → 首次购买 → 重复购买 → 忠诚客户 → 流失客户, as stages a job and each purchase and message
// keep true:
//   prospect  no purchase yet
//   new       first purchase within newDays
//   active    bought before, heard from lately
//   loyal     loyalMinPurchases purchases within loyalWindowDays, or top RFM scores
//   at_risk   no purchase and no message for atRiskDays
//   churned   no purchase and no message for churnedDays
// Inactivity outranks loyalty: a loyal customer silent for two months is at risk all the same.
import { type Rfm, topRfm } from './rfm.js';
import type { LifecycleSettings } from './settings.js';

export const STAGES = ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned'] as const;
export type Stage = (typeof STAGES)[number];

/** Why a stage was given: the stage_changed interaction's `reason`. */
export type StageReason =
  | 'no_purchase'
  | 'inactive_churned'
  | 'inactive_at_risk'
  | 'frequent_purchases'
  | 'top_rfm'
  | 'first_purchase_recent'
  | 'active';

export interface StageFacts {
  purchaseCount: number;
  firstPurchaseAt: Date | null;
  lastPurchaseAt: Date | null;
  lastSeenAt: Date;
  /** Purchases within loyalWindowDays (only read when purchaseCount reaches loyalMinPurchases). */
  recentPurchases: number;
  rfm: Rfm | null;
}

const DAY_MS = 86_400_000;

export function stageOf(f: StageFacts, s: LifecycleSettings, now: Date): { stage: Stage; reason: StageReason } {
  if (f.purchaseCount === 0 || !f.lastPurchaseAt) return { stage: 'prospect', reason: 'no_purchase' };
  const lastActive = Math.max(f.lastSeenAt.getTime(), f.lastPurchaseAt.getTime());
  const idleDays = (now.getTime() - lastActive) / DAY_MS;
  if (idleDays >= s.churnedDays) return { stage: 'churned', reason: 'inactive_churned' };
  if (idleDays >= s.atRiskDays) return { stage: 'at_risk', reason: 'inactive_at_risk' };
  if (f.recentPurchases >= s.loyalMinPurchases) return { stage: 'loyal', reason: 'frequent_purchases' };
  if (f.rfm && topRfm(f.rfm)) return { stage: 'loyal', reason: 'top_rfm' };
  const firstDays = (now.getTime() - (f.firstPurchaseAt ?? f.lastPurchaseAt).getTime()) / DAY_MS;
  if (firstDays <= s.newDays) return { stage: 'new', reason: 'first_purchase_recent' };
  return { stage: 'active', reason: 'active' };
}

/** The start of the window whose purchases make a customer loyal. */
export const loyalWindowStart = (s: LifecycleSettings, now: Date) =>
  new Date(now.getTime() - s.loyalWindowDays * DAY_MS);

export const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
