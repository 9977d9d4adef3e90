// One info line per request: method, route pattern, status and milliseconds. The route pattern
// (/api/v1/customers/:id), never the URL: query strings and paths may carry ids and secrets, and
// headers (tokens) are never logged.
import type { FastifyInstance } from 'fastify';

export function logRequests(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });
}
