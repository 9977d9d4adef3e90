// RAPPORT_CONFIG outreach.occasions: the care occasions (回访, 节日关怀, win-back, …), each on or off,
// each text in both languages. Variables in every text: {name} (", Alice" / "，张三", or nothing),
// {business}, {points} (the balance), {tier}; some occasions add their own ({days}, {expiring},
// {date}, {years}, {bonus}). The section belongs to the core's `outreach` (quiet hours and the
// frequency cap apply to every occasion).
import { z } from 'zod';
import { localized, points } from '../../kernel/settings.js';
import { HOLIDAYS, type HolidayId, holidayOverridesSchema } from './holidays.js';

const enabled = z.boolean().default(true);
const days = (d: number) => z.number().int().min(1).max(365).default(d);
const text = (zh: string, en: string) => localized.default({ 'zh-CN': zh, en });

export const HOLIDAY_TEXTS: Record<HolidayId, { 'zh-CN': string; en: string }> = {
  new_year: {
    'zh-CN': '元旦快乐{name}！{business}祝您新的一年万事顺意。',
    en: 'Happy New Year{name}! All the best for the year ahead from {business}.',
  },
  spring_festival: {
    'zh-CN': '新春快乐{name}！{business}给您拜年啦，祝您阖家幸福、万事如意！',
    en: 'Happy Spring Festival{name}! Best wishes for the new year from {business}.',
  },
  lantern: {
    'zh-CN': '元宵节快乐{name}！祝您团团圆圆、甜甜蜜蜜。——{business}',
    en: 'Happy Lantern Festival{name}! Warm wishes from {business}.',
  },
  dragon_boat: {
    'zh-CN': '端午安康{name}！{business}祝您和家人健康平安。',
    en: 'Happy Dragon Boat Festival{name}! Good health to you and yours from {business}.',
  },
  mid_autumn: {
    'zh-CN': '中秋快乐{name}！月圆人团圆，{business}祝您阖家幸福。',
    en: 'Happy Mid-Autumn Festival{name}! {business} wishes you a happy reunion.',
  },
  national_day: {
    'zh-CN': '国庆快乐{name}！假期愉快，{business}随时为您服务。',
    en: 'Happy National Day{name}! Enjoy the holiday; {business} is here when you need us.',
  },
  christmas: { 'zh-CN': '圣诞快乐{name}！——{business}', en: 'Merry Christmas{name}! Warm wishes from {business}.' },
};

export const occasionsSettings = z
  .object({
    /** When the daily run sends the day's occasions (cron, BUSINESS_TIMEZONE): after quiet hours. */
    schedule: z.string().min(1).default('0 10 * * *'),
    /** 回访: `afterDays` after a purchase, a CSAT question (with the feedback feature's rating buttons). */
    purchaseFollowUp: z
      .object({
        enabled,
        afterDays: days(3),
        text: text(
          '您好{name}！感谢您{days}天前在{business}的购买，这次的体验您满意吗？请为我们打分（1–5）：',
          'Hi{name}! Thank you for your purchase at {business} {days} days ago. How satisfied are you? Please rate us (1–5):',
        ),
      })
      .strict()
      .prefault({}),
    /** `afterDays` after a ticket was resolved: is everything all right now? */
    ticketFollowUp: z
      .object({
        enabled,
        afterDays: days(7),
        text: text(
          '您好{name}！{days}天前我们处理了您反映的问题，现在一切都好吗？如果还有不满意的地方，直接回复这条消息就可以。',
          'Hi{name}! {days} days ago we took care of the problem you told us about. Is everything all right now? If not, just reply to this message.',
        ),
      })
      .strict()
      .prefault({}),
    /** 节日关怀: greetings on the holidays' dates (lunar ones computed each year; Christmas for English readers). */
    holidays: z
      .object({
        enabled,
        include: z.array(z.enum(HOLIDAYS)).default([...HOLIDAYS]),
        /** Texts by holiday; the defaults are in src/features/care/settings.ts. */
        texts: z
          .object(Object.fromEntries(HOLIDAYS.map((h) => [h, localized.optional()])))
          .strict()
          .default({}),
        /** Dates set for a year ("mid_autumn:2031": "2031-10-01"); the admin API's table wins over these. */
        dates: holidayOverridesSchema.default({}),
      })
      .strict()
      .prefault({}),
    /** Win-back: customers whose stage became at_risk, once per lapse; `points` > 0 adds a gift. */
    winBack: z
      .object({
        enabled,
        points: points.default(0),
        text: text(
          '好久不见{name}！{business}很想念您。您现在有{points}积分，随时回来看看吧。',
          "We miss you{name}! You have {points} points at {business}. Come back and see what's new.",
        ),
      })
      .strict()
      .prefault({}),
    /** Points about to expire within `withinDays`: high priority (passes the frequency cap). */
    pointsExpiring: z
      .object({
        enabled,
        withinDays: z.number().int().min(1).max(60).default(7),
        text: text(
          '温馨提示{name}：您有{expiring}积分将于{date}到期，记得在到期前使用哦。发送 /rewards 查看可兑换的礼品。',
          'A reminder{name}: {expiring} of your points expire on {date}. Send /rewards to see what you can get for them.',
        ),
      })
      .strict()
      .prefault({}),
    /** The day a customer first wrote to us, each year; `points` > 0 adds a gift. */
    anniversary: z
      .object({
        enabled,
        points: points.default(0),
        text: text(
          '{years}周年快乐{name}！感谢您一直以来对{business}的支持。',
          'Happy {years}-year anniversary with {business}{name}! Thank you for being with us.',
        ),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type OccasionsSettings = z.infer<typeof occasionsSettings>;
