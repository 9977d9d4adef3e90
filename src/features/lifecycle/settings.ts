// RAPPORT_CONFIG `lifecycle`: when a customer counts as new, loyal, at risk or churned.
import { z } from 'zod';
import { enabled } from '../../kernel/settings.js';

const days = z.number().int().min(1).max(3650);

export const lifecycleSettings = z
  .object({
    enabled,
    /** A first purchase this many days ago or less: `new`. */
    newDays: days.default(30),
    /** This many purchases within `loyalWindowDays` (or top RFM scores): `loyal`. */
    loyalMinPurchases: z.number().int().min(1).max(1000).default(5),
    loyalWindowDays: days.default(365),
    /** No purchase and no message for this many days: `at_risk`; for `churnedDays`: `churned`. */
    atRiskDays: days.default(60),
    churnedDays: days.default(180),
    /** When the daily job ages stages and scores RFM again (cron, BUSINESS_TIMEZONE). */
    schedule: z.string().min(1).default('15 3 * * *'),
  })
  .strict()
  .refine((s) => s.churnedDays > s.atRiskDays, {
    message: 'churnedDays must be more than atRiskDays',
    path: ['churnedDays'],
  })
  .prefault({});

export type LifecycleSettings = z.infer<typeof lifecycleSettings>;
