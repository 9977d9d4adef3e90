// CORS for the API channel, for the sites of widget.allowedOrigins only: their own pages may call
// the routes a visitor's browser uses (sessions, messages, the "me" panel) directly, beside the
// widget. Every other origin, and every other route (the admin API above all), gets no CORS header,
// so browsers keep them same-origin.
import type { FastifyInstance } from 'fastify';

const BROWSER_ROUTES = /^\/api\/v1\/(sessions|messages|me)(\/|\?|$)/;

export function allowApiChannelFrom(app: FastifyInstance, origins: readonly string[]): void {
  if (!origins.length) return;
  const allowed = new Set(origins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !allowed.has(origin) || !BROWSER_ROUTES.test(request.url)) return;
    reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    if (request.method !== 'OPTIONS') return;
    // A preflight: answered here, before any route (none is registered for OPTIONS).
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST, PUT')
      .header('access-control-allow-headers', 'authorization, content-type')
      .header('access-control-max-age', '600')
      .send();
  });
}
