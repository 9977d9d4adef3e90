// limits.perIp on the API channel: requests per client address (request.ip; set TRUST_PROXY
// behind a reverse proxy), counted in this instance's memory in fixed windows. Registered in
// the channel's own plugin scope, so it covers exactly the channel's routes; it runs on
// onRequest, before the body is read, so a refused request stores nothing.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../src/errors.js';

export interface PerIpLimit {
  requests: number;
  seconds: number;
}

export async function limitPerIp(
  app: FastifyInstance,
  limit: PerIpLimit,
  exempt: (request: FastifyRequest) => boolean,
): Promise<void> {
  await app.register(rateLimit, {
    max: limit.requests,
    timeWindow: limit.seconds * 1000,
    allowList: (request) => exempt(request),
    // The plugin has set Retry-After (seconds) by now; the error handler writes the body.
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'HTTP_RATE_LIMITED',
        `too many requests from this address (at most ${limit.requests} in ${limit.seconds} s); retry in ${Math.max(1, Math.ceil(context.ttl / 1000))} s`,
      ),
  });
}
