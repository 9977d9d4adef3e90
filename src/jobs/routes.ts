// Admin API of the scheduled jobs: what runs when, how the last run went, and "run it now".
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { errorResponses, errorSchema } from '../http/schemas.js';
import type { JobScheduler } from './scheduler.js';

const security = [{ adminToken: [] }];

const jobSchema = {
  type: 'object',
  required: ['name', 'schedule', 'timezone', 'lastRun', 'nextRun'],
  properties: {
    name: { type: 'string' },
    schedule: { type: 'string', description: 'cron expression' },
    timezone: { type: 'string' },
    lastRun: {
      type: ['object', 'null'],
      description: 'The latest run by any instance; null before the first',
      properties: {
        at: { type: 'string', format: 'date-time' },
        processed: { type: ['integer', 'null'], description: 'null while it runs' },
        error: { type: 'string' },
        trigger: { type: 'string', enum: ['scheduled', 'manual'] },
      },
    },
    nextRun: { type: ['string', 'null'], format: 'date-time', description: 'null while the scheduler is not running' },
  },
} as const;

export async function jobRoutes(app: FastifyInstance, o: { jobs: JobScheduler }): Promise<void> {
  app.get(
    '/api/v1/jobs',
    {
      schema: {
        tags: ['Jobs'],
        summary: 'The scheduled jobs, their last run and their next',
        security,
        response: {
          200: { type: 'object', required: ['jobs'], properties: { jobs: { type: 'array', items: jobSchema } } },
          401: errorSchema,
        },
      },
    },
    async () => ({ jobs: await o.jobs.status() }),
  );

  app.post(
    '/api/v1/jobs/:name/run',
    {
      schema: {
        tags: ['Jobs'],
        summary: 'Run a job now (beside its schedule); returns how many things it handled',
        security,
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: {
          200: { type: 'object', required: ['processed'], properties: { processed: { type: 'integer' } } },
          500: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { name } = request.params as { name: string };
      const processed = await o.jobs.runNow(name);
      if (processed === undefined) {
        throw new AppError('HTTP_NOT_FOUND', `no job ${name}; GET /api/v1/jobs lists them`);
      }
      return { processed };
    },
  );
}
