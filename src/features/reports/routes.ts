// Admin API of reports, for the staff console's charts: the list of reports, a report's table
// (JSON, or CSV for Excel) over a range of days, and the records behind one point of its chart.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { cursorQuery, nextCursorSchema } from '../../http/paging.js';
import { errorResponses } from '../../http/schemas.js';
import { REPORTS } from './catalog.js';
import { toCsv } from './csv.js';
import { DEFAULT_DAYS, dayOf, dayRange, MAX_DAYS, type Range, rangeOf } from './range.js';
import type { Report, ReportContext } from './report.js';

const security = [{ adminToken: [] }];
const tags = ['Reports'];

const localized = {
  type: 'object',
  properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
} as const;
const day = (description: string) => ({ type: 'string', format: 'date', maxLength: 10, description }) as const;
const rangeQuery = {
  from: day(`The first day (YYYY-MM-DD, in BUSINESS_TIMEZONE); default ${DEFAULT_DAYS - 1} days before \`to\``),
  to: day('The last day, included; default today'),
} as const;
const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 100, description: REPORTS.map((r) => r.name).join(', ') } },
} as const;
const anyObject = { type: 'object', additionalProperties: true } as const;

const RANGE_DOC =
  `from and to are days in BUSINESS_TIMEZONE, both included, at most ${MAX_DAYS} days apart (else a 400, as is from after to); ` +
  `without them, the last ${DEFAULT_DAYS} days ending today. An unknown report is a 404.`;
const REPORTS_DOC = REPORTS.map((r) => `**${r.name}**: ${r.itemsDoc}`).join('\n\n');

interface RangeQuery {
  from?: string;
  to?: string;
}

export interface ReportRoutesOptions {
  /** What a report reads with, made per request (the clock's now). */
  context(): ReportContext;
  timezone: string;
}

export async function reportRoutes(app: FastifyInstance, o: ReportRoutesOptions): Promise<void> {
  const reportOf = (name: string): Report => {
    const report = REPORTS.find((r) => r.name === name);
    if (!report) throw new AppError('HTTP_NOT_FOUND', `no report ${name}`);
    return report;
  };
  const table = async (name: string, q: RangeQuery) => {
    const report = reportOf(name);
    const ctx = o.context();
    const range = rangeOf(q, ctx.now, o.timezone);
    return { report, range, table: await report.table(ctx, range) };
  };

  app.get(
    '/api/v1/reports',
    {
      schema: {
        tags,
        summary: 'The reports there are, with their titles',
        security,
        response: {
          200: {
            type: 'object',
            properties: {
              reports: {
                type: 'array',
                items: { type: 'object', properties: { name: { type: 'string' }, title: localized } },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({ reports: REPORTS.map((r) => ({ name: r.name, title: r.title })) }),
  );

  app.get(
    '/api/v1/reports/:name',
    {
      schema: {
        tags,
        summary: 'A report over a range of days: its columns, rows and summary',
        description:
          `${RANGE_DOC} A time series has one row per day of the range (\`day\`: YYYY-MM-DD), days without data ` +
          'included with zeros (averages and shares are null there). Counted by the database.',
        security,
        params: nameParams,
        querystring: { type: 'object', properties: rangeQuery },
        response: {
          200: {
            type: 'object',
            properties: {
              report: { type: 'string' },
              from: { type: 'string' },
              to: { type: 'string' },
              columns: {
                type: 'array',
                items: { type: 'object', properties: { key: { type: 'string' }, title: localized } },
              },
              rows: { type: 'array', items: { ...anyObject, description: 'One value per column key' } },
              summary: anyObject,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { name } = request.params as { name: string };
      const read = await table(name, request.query as RangeQuery);
      return { report: read.report.name, from: read.range.from, to: read.range.to, ...read.table };
    },
  );

  app.get(
    '/api/v1/reports/:name.csv',
    {
      schema: {
        tags,
        summary: 'A report’s rows as CSV, for Excel',
        description:
          `The rows of GET /api/v1/reports/{name}, with the column keys as the header. ${RANGE_DOC} UTF-8 with a BOM; ` +
          'text starting with = + - @ gets a leading apostrophe so spreadsheets do not run it.',
        security,
        params: nameParams,
        querystring: { type: 'object', properties: rangeQuery },
        produces: ['text/csv'],
        response: { 200: { type: 'string', description: 'text/csv; charset=utf-8' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { name } = request.params as { name: string };
      const read = await table(name, request.query as RangeQuery);
      const csv = toCsv(
        read.table.columns.map((c) => c.key),
        read.table.rows,
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="rapport-${read.report.name}-${read.range.from}-${read.range.to}.csv"`,
        )
        .send(csv);
    },
  );

  app.get(
    '/api/v1/reports/:name/items',
    {
      schema: {
        tags,
        summary: 'The records behind one point of a report’s chart: a day and, optionally, one series',
        description:
          `Newest first, paged by \`cursor\`: pass \`nextCursor\` (with the same query) for the next \`limit\`. ` +
          'Without `day`, the records of the whole range (from, to as for the report). Each item is flat: ' +
          '`id`, `at` (ISO 8601), `customerId` where a customer is involved, and what identifies it. ' +
          `An unknown series is a 400.\n\n${REPORTS_DOC}`,
        security,
        params: nameParams,
        querystring: {
          type: 'object',
          properties: {
            ...rangeQuery,
            day: day('The day of the point (within from–to when they are given)'),
            series: { type: 'string', maxLength: 200, description: 'One series: a column of the report' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: cursorQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: anyObject }, nextCursor: nextCursorSchema },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { name } = request.params as { name: string };
      const q = request.query as RangeQuery & { day?: string; series?: string; limit: number; cursor?: string };
      const report = reportOf(name);
      if (!report.items) throw new AppError('HTTP_NOT_FOUND', `report ${name} has no items`);
      const ctx = o.context();
      let range: Range;
      if (q.day === undefined) range = rangeOf(q, ctx.now, o.timezone);
      else if (q.from === undefined && q.to === undefined) range = dayOf(dayRange(q.day, q.day, o.timezone), q.day);
      else range = dayOf(rangeOf(q, ctx.now, o.timezone), q.day);
      return report.items(ctx, {
        range,
        ...(q.series === undefined ? {} : { series: q.series }),
        limit: q.limit,
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
    },
  );
}
