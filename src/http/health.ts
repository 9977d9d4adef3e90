// Liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { OutboxBacklog } from '../outbox/backlog.js';
import { bearerMatches } from './auth.js';
import { errorBody } from './errors.js';
import { errorSchema } from './schemas.js';

export interface HealthOptions {
  ping(): Promise<boolean>;
  /** Each channel's state: api "ok", telegram "polling|webhook|connecting|failing|stopped", wechat "logged_in|scanning|logged_out". */
  channels(): Record<string, string>;
  backlog(): Promise<OutboxBacklog>;
  metrics: Registry;
  /** METRICS_TOKEN: when set, /metrics needs it as a bearer token; unset, only local clients may read it. */
  metricsToken?: string | undefined;
}

const readiness = {
  type: 'object',
  required: ['database', 'channels', 'outbox'],
  properties: {
    database: { type: 'string', enum: ['ok', 'unavailable'] },
    channels: { type: 'object', additionalProperties: { type: 'string' } },
    outbox: {
      type: 'object',
      required: ['pending', 'oldestPendingSeconds'],
      properties: {
        pending: { type: ['integer', 'null'] },
        oldestPendingSeconds: { type: ['integer', 'null'] },
      },
    },
  },
} as const;

/** A client on this machine that no proxy forwarded (a proxy on this machine adds X-Forwarded-For). */
function localUnproxied(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? '';
  const loopback = address === '::1' || /^(::ffff:)?127\./.test(address);
  return loopback && request.headers['x-forwarded-for'] === undefined && request.headers.forwarded === undefined;
}

export async function healthRoutes(app: FastifyInstance, o: HealthOptions): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['Health'],
        summary: 'Liveness: 200 while the process serves HTTP (the database is not asked; see /readyz)',
        response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['Health'],
        summary: 'Readiness: 200 when the database answers, 503 when it does not; channel and outbox state',
        response: { 200: readiness, 503: readiness },
      },
    },
    async (_request, reply) => {
      const channels = o.channels();
      const backlog = (await o.ping()) ? await o.backlog().catch(() => undefined) : undefined;
      if (!backlog) {
        return reply
          .status(503)
          .send({ database: 'unavailable', channels, outbox: { pending: null, oldestPendingSeconds: null } });
      }
      return { database: 'ok', channels, outbox: backlog };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['Health'],
        summary:
          'Prometheus metrics. With METRICS_TOKEN set: Authorization: Bearer <METRICS_TOKEN>; unset: only clients on this machine (not through a proxy)',
        security: [{ metricsToken: [] }],
        response: {
          200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (o.metricsToken !== undefined) {
        if (!bearerMatches(request, o.metricsToken)) {
          return reply
            .status(401)
            .send(errorBody('UNAUTHORIZED', 'missing or wrong metrics token (Authorization: Bearer <METRICS_TOKEN>)'));
        }
      } else if (!localUnproxied(request)) {
        return reply
          .status(403)
          .send(
            errorBody('FORBIDDEN', 'metrics are served to this machine only; set METRICS_TOKEN to read them remotely'),
          );
      }
      const text = await o.metrics.metrics();
      return reply.type(o.metrics.contentType).send(text);
    },
  );
}
