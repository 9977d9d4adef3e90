// RAPPORT_CONFIG `loyalty`: earning rules, tiers and the rewards catalog (ids unique, a reward's tier must exist).
import { z } from 'zod';
import { enabled, localized, points } from '../../kernel/settings.js';

const defaultTiers = [
  {
    id: 'bronze',
    name: { 'zh-CN': '青铜会员', en: 'Bronze' },
    minPoints: 0,
    perks: { 'zh-CN': '积分兑换', en: 'Redeem points for rewards' },
  },
  {
    id: 'silver',
    name: { 'zh-CN': '白银会员', en: 'Silver' },
    minPoints: 500,
    perks: { 'zh-CN': '全场95折', en: '5% off every order' },
  },
  {
    id: 'gold',
    name: { 'zh-CN': '黄金会员', en: 'Gold' },
    minPoints: 2000,
    perks: { 'zh-CN': '全场9折，每月一杯免费饮品', en: '10% off and a free drink every month' },
  },
];

const defaultRewards = [
  { id: 'voucher5', name: { 'zh-CN': '5元代金券', en: '5-yuan voucher' }, cost: 100 },
  { id: 'americano', name: { 'zh-CN': '中杯美式一杯', en: 'A medium Americano' }, cost: 300 },
  {
    id: 'beans',
    name: { 'zh-CN': '精品咖啡豆一包', en: 'A bag of house-roast beans' },
    cost: 1500,
    stock: 20,
    perCustomerLimit: 1,
    tier: 'silver',
  },
];

export const loyaltySettings = z
  .object({
    enabled,
    /** Awarded points expire this many months after they were awarded. */
    expiryMonths: z.number().int().min(1).max(120).default(12),
    rules: z
      .object({
        welcome: points.default(50),
        checkin: points.default(5),
        feedback: points.default(10),
        /** Points per currency unit of a purchase (rounded down). */
        purchasePerUnit: z.number().min(0).max(1000).default(1),
        birthday: points.default(100),
        referral: z
          .object({
            referrer: points.default(100),
            referee: points.default(50),
            /** When both sides are paid: when the code is entered, or at the referee's first purchase. */
            on: z.enum(['start', 'purchase']).default('purchase'),
            /** Referral rewards a referrer can earn per calendar month in BUSINESS_TIMEZONE. */
            maxPerMonth: z.number().int().min(1).max(10_000).default(10),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** By points earned in the last 12 months; the first tier should start at 0. */
    tiers: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9_-]+$/),
            name: localized,
            minPoints: points,
            perks: localized,
          })
          .strict(),
      )
      .min(1)
      .default(defaultTiers),
    /** The rewards catalog: what points buy. */
    rewards: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9_-]{1,32}$/),
            name: localized,
            cost: z.number().int().min(1).max(1_000_000),
            /** Total that can ever be redeemed; unlimited when absent. */
            stock: z.number().int().min(0).optional(),
            perCustomerLimit: z.number().int().min(1).optional(),
            /** Only for customers in this tier or above. */
            tier: z.string().optional(),
          })
          .strict(),
      )
      .default(defaultRewards),
  })
  .strict()
  .superRefine((loyalty, ctx) => {
    const tiers = new Set<string>();
    loyalty.tiers.forEach((tier, i) => {
      if (tiers.has(tier.id)) {
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'id'], message: `tier id "${tier.id}" is used twice` });
      }
      tiers.add(tier.id);
    });
    const rewards = new Set<string>();
    loyalty.rewards.forEach((reward, i) => {
      if (rewards.has(reward.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rewards', i, 'id'],
          message: `reward id "${reward.id}" is used twice`,
        });
      }
      rewards.add(reward.id);
      if (reward.tier !== undefined && !tiers.has(reward.tier)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rewards', i, 'tier'],
          message: `no tier "${reward.tier}" (tiers: ${[...tiers].join(', ')})`,
        });
      }
    });
  })
  .prefault({});

export type LoyaltySettings = z.infer<typeof loyaltySettings>;
