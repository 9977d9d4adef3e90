// RAPPORT_CONFIG `surveys`.
import { z } from 'zod';
import { enabled } from '../../kernel/settings.js';

export const surveySettings = z
  .object({
    enabled,
    /** A survey left unanswered this long is dropped. */
    expiryHours: z
      .number()
      .min(0.1)
      .max(24 * 30)
      .default(24),
  })
  .strict()
  .prefault({});

export type SurveySettings = z.infer<typeof surveySettings>;
