import { describe, expect, it } from 'vitest';
import {
  HOLIDAY_AUDIENCE,
  HOLIDAY_NAMES,
  HOLIDAYS,
  type HolidayId,
  holidayDate,
  holidayOverridesSchema,
  holidaysOn,
} from '../../../src/features/care/holidays.js';

// Published dates (mainland/Hong Kong/Taiwan holiday tables), each also checked against a second,
// table-based library (solarlunar). Not produced by the library under test.
const published: Record<number, Partial<Record<HolidayId, string>>> = {
  // 中秋 on 国庆: the 8-day 2020 National Day holiday.
  2020: { spring_festival: '2020-01-25', lantern: '2020-02-08', dragon_boat: '2020-06-25', mid_autumn: '2020-10-01' },
  // Leap 2nd month (闰二月): the regular months 5 and 8 come one month later than without it.
  2023: { spring_festival: '2023-01-22', lantern: '2023-02-05', dragon_boat: '2023-06-22', mid_autumn: '2023-09-29' },
  2027: { spring_festival: '2027-02-06', lantern: '2027-02-20', dragon_boat: '2027-06-09', mid_autumn: '2027-09-15' },
  // Leap 5th month (闰五月): 端午 is on the regular 5th month, not the leap one (2028-06-27).
  2028: { spring_festival: '2028-01-26', lantern: '2028-02-09', dragon_boat: '2028-05-28', mid_autumn: '2028-10-03' },
  // Leap 8th month (闰八月): 中秋 on the regular 8th month, not the leap one (1995-10-09).
  1995: { mid_autumn: '1995-09-09' },
};

describe('holidayDate', () => {
  for (const [year, dates] of Object.entries(published)) {
    it(`gives the published lunar festival dates of ${year}`, () => {
      for (const [id, date] of Object.entries(dates)) {
        expect([id, holidayDate(id as HolidayId, Number(year))]).toEqual([id, date]);
      }
    });
  }

  it('gives the fixed Gregorian holidays', () => {
    expect(holidayDate('new_year', 2031)).toBe('2031-01-01');
    expect(holidayDate('national_day', 2031)).toBe('2031-10-01');
    expect(holidayDate('christmas', 2031)).toBe('2031-12-25');
  });

  it('keeps every holiday inside its own Gregorian year, 1990–2100', () => {
    for (let year = 1990; year <= 2100; year++) {
      for (const id of HOLIDAYS) expect(holidayDate(id, year).slice(0, 4)).toBe(String(year));
      // 春节 between 21 Jan and 20 Feb, 中秋 between 8 Sep and 8 Oct: a wrong lunar year or a leap
      // month taken for the regular one would fall outside.
      expect(holidayDate('spring_festival', year) >= `${year}-01-21`).toBe(true);
      expect(holidayDate('spring_festival', year) <= `${year}-02-20`).toBe(true);
      expect(holidayDate('mid_autumn', year) >= `${year}-09-07`).toBe(true);
      expect(holidayDate('mid_autumn', year) <= `${year}-10-08`).toBe(true);
    }
  });

  it('lets an override win for that holiday and year only', () => {
    const overrides = { 'mid_autumn:2027': '2027-09-16' };
    expect(holidayDate('mid_autumn', 2027, overrides)).toBe('2027-09-16');
    expect(holidayDate('mid_autumn', 2028, overrides)).toBe('2028-10-03');
    expect(holidayDate('dragon_boat', 2027, overrides)).toBe('2027-06-09');
  });
});

describe('holidaysOn', () => {
  it('finds nothing on an ordinary day', () => {
    expect(holidaysOn('2027-03-17')).toEqual([]);
  });

  it('finds two holidays when 中秋 falls on 国庆', () => {
    expect(holidaysOn('2020-10-01')).toEqual(['mid_autumn', 'national_day']);
  });

  it('finds single holidays', () => {
    expect(holidaysOn('2027-02-06')).toEqual(['spring_festival']);
    expect(holidaysOn('2028-05-28')).toEqual(['dragon_boat']);
    expect(holidaysOn('2023-12-25')).toEqual(['christmas']);
    expect(holidaysOn('2024-01-01')).toEqual(['new_year']);
  });

  it('follows an override to its new day and leaves the old one empty', () => {
    const overrides = { 'mid_autumn:2027': '2027-09-16' };
    expect(holidaysOn('2027-09-15', overrides)).toEqual([]);
    expect(holidaysOn('2027-09-16', overrides)).toEqual(['mid_autumn']);
  });

  it('refuses a day that is not YYYY-MM-DD', () => {
    expect(() => holidaysOn('2027-2-6')).toThrow(RangeError);
  });

  it('is fast once a year is cached', () => {
    holidaysOn('2030-01-01');
    const start = performance.now();
    for (let i = 0; i < 10_000; i++) holidaysOn('2030-06-01');
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe('holidayOverridesSchema', () => {
  it('accepts a valid table', () => {
    const table = { 'mid_autumn:2031': '2031-10-01', 'spring_festival:2032': '2032-02-11' };
    expect(holidayOverridesSchema.parse(table)).toEqual(table);
  });

  it.each<[unknown, string]>([
    [{ 'moon:2031': '2031-10-01' }, 'unknown holiday'],
    [{ mid_autumn: '2031-10-01' }, 'no year'],
    [{ 'mid_autumn:31': '2031-10-01' }, 'short year'],
    [{ 'mid_autumn:2031': '2031-02-30' }, 'no such day'],
    [{ 'mid_autumn:2031': '10/01/2031' }, 'not YYYY-MM-DD'],
    [{ 'mid_autumn:2031': '2032-10-01' }, 'date in another year'],
    [{ 'mid_autumn:2031': 20311001 }, 'not a string'],
  ])('refuses %o (%s)', (table, _why) => {
    expect(holidayOverridesSchema.safeParse(table).success).toBe(false);
  });
});

describe('names and audience', () => {
  it('names every holiday in both languages and targets Christmas at English customers only', () => {
    for (const id of HOLIDAYS) {
      expect(HOLIDAY_NAMES[id]['zh-CN']).not.toBe('');
      expect(HOLIDAY_NAMES[id].en).not.toBe('');
    }
    expect(HOLIDAY_NAMES.mid_autumn).toEqual({ 'zh-CN': '中秋节', en: 'Mid-Autumn Festival' });
    expect(HOLIDAYS.filter((id) => HOLIDAY_AUDIENCE[id] === 'en')).toEqual(['christmas']);
  });
});
