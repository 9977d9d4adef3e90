// Admin API of care occasions: the holidays' dates of a year (from the calendar, the settings or
// the admin's table), and that table: a holiday's date for a year, where the calendar has none or
// the business moves it. The daily run reads the table each time.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../http/schemas.js';
import type { Db } from '../../store/index.js';
import {
  HOLIDAY_AUDIENCE,
  HOLIDAY_NAMES,
  HOLIDAYS,
  type HolidayId,
  holidayDate,
  holidayOverridesSchema,
} from './holidays.js';

const security = [{ adminToken: [] }];
const localizedName = { type: 'object', properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } } } as const;
const holidaySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', enum: [...HOLIDAYS] },
    name: localizedName,
    date: { type: 'string', description: 'YYYY-MM-DD, a day in BUSINESS_TIMEZONE' },
    source: {
      type: 'string',
      enum: ['calendar', 'settings', 'admin'],
      description:
        'calendar: computed (lunar festivals by the offline tyme4ts calendar); settings: outreach.occasions.holidays.dates; admin: set through this API',
    },
    audience: { type: 'string', enum: ['all', 'en'], description: 'en: only customers who read English (Christmas)' },
    greeted: { type: 'boolean', description: 'In outreach.occasions.holidays.include (and holidays enabled)' },
  },
} as const;
const yearListSchema = {
  type: 'object',
  properties: { year: { type: 'integer' }, holidays: { type: 'array', items: holidaySchema } },
} as const;
const keyParams = {
  type: 'object',
  required: ['holiday', 'year'],
  properties: {
    holiday: { type: 'string', enum: [...HOLIDAYS] },
    year: { type: 'integer', minimum: 1900, maximum: 2200 },
  },
} as const;

export interface CareRoutesOptions {
  db: Db;
  /** The holidays greeted, [] when holiday greetings are off. */
  greeted: readonly HolidayId[];
  settingsDates: Record<string, string>;
  /** The year it is in BUSINESS_TIMEZONE. */
  currentYear: () => number;
}

export async function careRoutes(app: FastifyInstance, o: CareRoutesOptions): Promise<void> {
  const list = async (year: number) => {
    const rows = await o.db.holidayOverride.findMany({ where: { key: { endsWith: `:${year}` } } });
    const admin: Record<string, string> = Object.fromEntries(rows.map((r) => [r.key, r.date]));
    return {
      year,
      holidays: HOLIDAYS.map((id) => {
        const key = `${id}:${year}`;
        return {
          id,
          name: HOLIDAY_NAMES[id],
          date: holidayDate(id, year, { ...o.settingsDates, ...admin }),
          source: admin[key] ? 'admin' : o.settingsDates[key] ? 'settings' : 'calendar',
          audience: HOLIDAY_AUDIENCE[id],
          greeted: o.greeted.includes(id),
        };
      }),
    };
  };

  app.get(
    '/api/v1/holidays',
    {
      schema: {
        tags: ['Care'],
        summary: "A year's holidays and the day each is greeted on",
        description:
          '春节, 元宵, 端午 and 中秋 are computed for any year from the lunar calendar; 元旦, 国庆 and Christmas are fixed. A date set in settings or through PUT wins.',
        security,
        querystring: {
          type: 'object',
          properties: { year: { type: 'integer', minimum: 1900, maximum: 2200, description: 'Default: this year' } },
        },
        response: { 200: yearListSchema, ...errorResponses },
      },
    },
    async (request) => list((request.query as { year?: number }).year ?? o.currentYear()),
  );

  app.put(
    '/api/v1/holidays/:holiday/:year',
    {
      schema: {
        tags: ['Care'],
        summary: "Set a holiday's date for a year (the admin table)",
        security,
        params: keyParams,
        body: {
          type: 'object',
          required: ['date'],
          properties: { date: { type: 'string', maxLength: 10, description: 'YYYY-MM-DD, within that year' } },
        },
        response: { 200: yearListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { holiday, year } = request.params as { holiday: HolidayId; year: number };
      const { date } = request.body as { date: string };
      const key = `${holiday}:${year}`;
      const checked = holidayOverridesSchema.safeParse({ [key]: date });
      if (!checked.success)
        throw new AppError(
          'HTTP_BAD_REQUEST',
          `date: ${checked.error.issues[0]?.message ?? 'not a date of that year'}`,
        );
      await o.db.holidayOverride.upsert({ where: { key }, create: { key, date }, update: { date } });
      return list(year);
    },
  );

  app.delete(
    '/api/v1/holidays/:holiday/:year',
    {
      schema: {
        tags: ['Care'],
        summary: 'Remove a date set through PUT (the calendar or the settings decide again)',
        security,
        params: keyParams,
        response: { 200: yearListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { holiday, year } = request.params as { holiday: HolidayId; year: number };
      const { count } = await o.db.holidayOverride.deleteMany({ where: { key: `${holiday}:${year}` } });
      if (!count) throw new AppError('HTTP_NOT_FOUND', `no date was set for ${holiday} in ${year}`);
      return list(year);
    },
  );
}
