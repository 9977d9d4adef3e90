// Pieces the features' settings schemas share (each feature's RAPPORT_CONFIG section is its own
// zod schema; src/config.ts puts them together and reports errors with file, line and key).
import { z } from 'zod';

/** `enabled: false` switches a feature off (src/kernel/registry.ts leaves it out). */
export const enabled = z.boolean().default(true);

export const localized = z.object({ 'zh-CN': z.string().min(1), en: z.string().min(1) }).strict();

export const points = z.number().int().min(0).max(1_000_000);

export const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'a time of day such as 09:00' });

export const isoDate = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'a date such as 2026-10-01' });

/** A section that only switches its feature on or off. */
export const onOff = z.object({ enabled }).strict().prefault({});
