// RAPPORT_CONFIG `escalation`: promises to the customer, business hours (per weekday, holidays), SLA reminders.
import { z } from 'zod';
import { clockTime, enabled, isoDate } from '../../kernel/settings.js';

const dayHours = z
  .object({ open: clockTime, close: clockTime })
  .strict()
  .refine((h) => h.open !== h.close, { message: 'opening and closing time are the same', path: ['close'] });

export const escalationSettings = z
  .object({
    enabled,
    /** What the acknowledgement promises during business hours. */
    replyWithinMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(10),
    /** When staff answer, in BUSINESS_TIMEZONE; days are 1 (Monday) to 7 (Sunday). */
    businessHours: z
      .object({
        open: clockTime.default('09:00'),
        close: clockTime.default('21:00'),
        days: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5, 6, 7]),
        /** Other hours on some weekdays ("6": {open, close}) or "closed". */
        perDay: z
          .partialRecord(z.enum(['1', '2', '3', '4', '5', '6', '7']), z.union([dayHours, z.literal('closed')]))
          .optional(),
        /** Dates staff do not work (YYYY-MM-DD). */
        holidays: z.array(isoDate).optional(),
      })
      .strict()
      .superRefine((h, ctx) => {
        if (h.open === h.close) {
          ctx.addIssue({ code: 'custom', path: ['close'], message: 'opening and closing time are the same' });
        }
        const open = [1, 2, 3, 4, 5, 6, 7].some((d) => {
          const special = h.perDay?.[String(d) as '1'];
          return special ? special !== 'closed' : h.days.includes(d);
        });
        if (!open) ctx.addIssue({ code: 'custom', path: ['days'], message: 'staff work on no day of the week' });
      })
      .prefault({}),
    /** A customer who writes again this soon after their ticket was resolved reopens it. */
    reopenMinutes: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 60)
      .default(24 * 60),
    /** An unclaimed ticket gets a reminder in its Slack thread after this long… */
    slaMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(10),
    /** …repeated at most this often while it stays unclaimed. */
    reminderRepeatMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(30),
    /** Mentioned in reminders of high-priority tickets: a Slack user group such as <!subteam^S0123ABCD>. */
    staffGroup: z.string().min(1).optional(),
    /** How many of the customer's latest messages a ticket shows staff. */
    recentMessages: z.number().int().min(0).max(50).default(6),
  })
  .strict()
  .prefault({});

export type EscalationSettings = z.infer<typeof escalationSettings>;
