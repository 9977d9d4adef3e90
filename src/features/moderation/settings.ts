// RAPPORT_CONFIG `moderation`: the rules for group chats, and each rule's action. A group may
// override any of it through the admin API (PUT /api/v1/groups/:channel/:chatId/moderation); the
// stored patch is merged over these settings and validated with the same schema.
import { z } from 'zod';
import { enabled } from '../../kernel/settings.js';

export const ACTIONS = ['delete', 'warn', 'mute', 'kick', 'ban'] as const;
export type RuleAction = (typeof ACTIONS)[number];
const action = z.enum(ACTIONS);
const minutes = (max: number) => z.number().int().min(1).max(max);

/** "/代购|刷单/i" is a regular expression; anything else a word or phrase. */
const pattern = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .superRefine((value, ctx) => {
    const re = /^\/(.+)\/([a-z]*)$/s.exec(value);
    if (!re) return;
    try {
      new RegExp(re[1] as string, `${(re[2] ?? '').replace(/[gy]/g, '')}u`);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
    }
  });

const flood = z
  .object({
    messages: z.number().int().min(2).max(100).default(5),
    seconds: z.number().int().min(1).max(3600).default(10),
    action: action.default('mute'),
    muteMinutes: minutes(366 * 24 * 60).default(10),
  })
  .strict();

const duplicates = z
  .object({
    /** The same text from this many members, or this many times from one. */
    count: z.number().int().min(2).max(100).default(3),
    minutes: minutes(24 * 60).default(60),
    action: action.default('warn'),
    /**
     * Shorter texts ("ok", "谢谢老板") are left alone: many people say them. Chinese, Japanese and
     * Korean characters count twice. From several members a text counts only when it carries a
     * link, an account or number to contact, or is long (copied spam); from one member, always.
     */
    minLength: z.number().int().min(1).max(500).default(12),
  })
  .strict();

const links = z
  .object({
    action: action.default('delete'),
    /** Domains (and their subdomains) anyone may link to: "example.com". */
    allowDomains: z.array(z.string().trim().toLowerCase().min(1).max(253)).max(500).default([]),
  })
  .strict();

const newcomers = z
  .object({
    /** Hours after joining in which links, media and forwards are removed. */
    restrictHours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(24),
    /** Telegram: a newcomer is muted until they press "I'm human". */
    captcha: z.boolean().default(true),
    captchaSeconds: z.number().int().min(1).max(3600).default(60),
  })
  .strict();

export const moderationSettings = z
  .object({
    enabled,
    /** dryRun: decide and log everything, act on nothing. */
    mode: z.enum(['enforce', 'dryRun']).default('enforce'),
    /** The language of what the bot says in the group (warnings); default DEFAULT_LOCALE. */
    locale: z.enum(['zh-CN', 'en']).optional(),
    flood: z.union([z.literal(false), flood]).prefault({}),
    duplicates: z.union([z.literal(false), duplicates]).prefault({}),
    links: z.union([z.literal(false), links]).prefault({}),
    blocklist: z
      .array(z.object({ pattern, action: action.default('delete') }).strict())
      .max(1000)
      .default([]),
    newcomers: z.union([z.literal(false), newcomers]).prefault({}),
    warnings: z
      .object({
        limit: z.number().int().min(1).max(100).default(3),
        windowHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 3650)
          .default(720),
        action: z.enum(['ban', 'mute', 'kick']).default('ban'),
        muteMinutes: minutes(366 * 24 * 60).default(24 * 60),
      })
      .strict()
      .prefault({}),
    exempt: z
      .object({
        /** Group admins (Telegram: getChatAdministrators; WeChat: the room's owner) are never acted on. */
        admins: z.boolean().default(true),
        /** Members of this loyalty tier (id) or higher may post links. */
        minTierForLinks: z.string().min(1).nullable().default(null),
      })
      .strict()
      .prefault({}),
    reports: z
      .object({ perHour: z.number().int().min(1).max(1000).default(10) })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type ModerationSettings = z.output<typeof moderationSettings>;

/** A group's patch over the business's settings; plain objects merge, anything else replaces. */
export function mergeSettings(base: unknown, patch: unknown): unknown {
  if (!isPlain(base) || !isPlain(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = mergeSettings(base[key], value);
  return out;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
