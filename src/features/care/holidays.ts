// Holiday calendar for care occasions (节日关怀): which Gregorian day each holiday falls on, offline.
//
// Lunar dates come from tyme4ts (MIT, no dependencies, no install scripts, its own TypeScript types,
// ESM + CJS exports, ~1.0 MB unpacked; by 6tail, the author of lunar-javascript/lunar-typescript, which
// it succeeds). It computes the calendar astronomically, so it has no table that ends in some year.
// Checked against solarlunar's independent table: the four lunar festivals agree for every year
// 1901–2100. Passed over:
// - lunar-typescript (same author and results, 1.36 MB) — larger;
// - lunar-javascript (0.5 MB) — no type declarations, CJS only;
// - solarlunar (0.26 MB) — ISC, a fixed table ending in 2100, answers -1 for dates out of range;
// - chinese-days (0.6 MB) — puts 中秋 1996 on 09-26 (it was 09-27), no named exports under Node ESM;
// - date-chinese — needs astronomia (18.7 MB); lunisolar — GPL-3.0.
import { LunarDay } from 'tyme4ts';
import { z } from 'zod';

export const HOLIDAYS = [
  'new_year',
  'spring_festival',
  'lantern',
  'dragon_boat',
  'mid_autumn',
  'national_day',
  'christmas',
] as const;
export type HolidayId = (typeof HOLIDAYS)[number];

/** Names for texts and the admin API. */
export const HOLIDAY_NAMES: Record<HolidayId, { 'zh-CN': string; en: string }> = {
  new_year: { 'zh-CN': '元旦', en: "New Year's Day" },
  spring_festival: { 'zh-CN': '春节', en: 'Spring Festival' },
  lantern: { 'zh-CN': '元宵节', en: 'Lantern Festival' },
  dragon_boat: { 'zh-CN': '端午节', en: 'Dragon Boat Festival' },
  mid_autumn: { 'zh-CN': '中秋节', en: 'Mid-Autumn Festival' },
  national_day: { 'zh-CN': '国庆节', en: 'National Day' },
  christmas: { 'zh-CN': '圣诞节', en: 'Christmas' },
};

/** Which customers a holiday is for: 'all', or only customers whose locale is 'en' (Christmas). */
export const HOLIDAY_AUDIENCE: Record<HolidayId, 'all' | 'en'> = {
  new_year: 'all',
  spring_festival: 'all',
  lantern: 'all',
  dragon_boat: 'all',
  mid_autumn: 'all',
  national_day: 'all',
  christmas: 'en',
};

/** [month, day]: lunar for the festivals, Gregorian for the others. */
const RULES: Record<HolidayId, { calendar: 'lunar' | 'solar'; month: number; day: number }> = {
  new_year: { calendar: 'solar', month: 1, day: 1 },
  spring_festival: { calendar: 'lunar', month: 1, day: 1 },
  lantern: { calendar: 'lunar', month: 1, day: 15 },
  dragon_boat: { calendar: 'lunar', month: 5, day: 5 },
  mid_autumn: { calendar: 'lunar', month: 8, day: 15 },
  national_day: { calendar: 'solar', month: 10, day: 1 },
  christmas: { calendar: 'solar', month: 12, day: 25 },
};

/**
 * Admin overrides, keyed "<holiday>:<year>" → "YYYY-MM-DD", e.g. { "mid_autumn:2031": "2031-10-01" }:
 * for a date the library gets wrong or a business wants moved. One flat level so it can be stored as a
 * plain JSON setting and every entry validated on its own.
 */
export type HolidayOverrides = Record<string, string>;

const overrideKey = new RegExp(`^(?:${HOLIDAYS.join('|')}):(\\d{4})$`);

/** Validates an override table from the admin API or settings. */
export const holidayOverridesSchema = z
  .record(z.string().regex(overrideKey, 'expected "<holiday>:<year>", e.g. "mid_autumn:2031"'), z.iso.date())
  .superRefine((table, ctx) => {
    for (const [key, date] of Object.entries(table)) {
      // holidaysOn only looks at the day's own year, so an override may not move a holiday into another year.
      if (date.slice(0, 4) !== key.slice(-4)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${date} is not in ${key.slice(-4)}` });
      }
    }
  });

const pad = (n: number) => String(n).padStart(2, '0');

function computeDate(id: HolidayId, year: number): string {
  const { calendar, month, day } = RULES[id];
  if (calendar === 'solar') return `${year}-${pad(month)}-${pad(day)}`;
  // Lunar year Y starts (春节) between 21 Jan and 20 Feb of Gregorian year Y, and its 8/15 is in
  // September or October, so the festivals of Gregorian year Y are those of lunar year Y.
  // A positive month is the regular month: tyme4ts writes a leap month as negative (2023's 闰二月
  // is -2), so a leap month is never taken for the regular one.
  const solar = LunarDay.fromYmd(year, month, day).getSolarDay();
  return `${solar.getYear()}-${pad(solar.getMonth())}-${pad(solar.getDay())}`;
}

/** Library dates per Gregorian year: the lunar conversion is ~0.5 ms a year, a daily job needs it once. */
const years = new Map<number, Record<HolidayId, string>>();

function calendarOf(year: number): Record<HolidayId, string> {
  let table = years.get(year);
  if (!table) {
    if (!Number.isInteger(year) || year < 1 || year > 9999) throw new RangeError(`unsupported year ${year}`);
    table = Object.fromEntries(HOLIDAYS.map((id) => [id, computeDate(id, year)])) as Record<HolidayId, string>;
    years.set(year, table);
  }
  return table;
}

/** The Gregorian date (YYYY-MM-DD) of a holiday in a Gregorian year; an override wins. */
export function holidayDate(id: HolidayId, year: number, overrides?: HolidayOverrides): string {
  return overrides?.[`${id}:${year}`] ?? calendarOf(year)[id];
}

/** The holidays falling on a Gregorian day (YYYY-MM-DD): usually none, sometimes two (国庆 + 中秋 on 2020-10-01). */
export function holidaysOn(day: string, overrides?: HolidayOverrides): HolidayId[] {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`expected YYYY-MM-DD, got "${day}"`);
  const year = Number(day.slice(0, 4));
  return HOLIDAYS.filter((id) => holidayDate(id, year, overrides) === day);
}
