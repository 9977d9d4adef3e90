// The built-in web chat at "/": a single page that talks to the API channel.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { pagePolicy } from './security-headers.js';

const page = readFileSync(new URL('./public/index.html', import.meta.url), 'utf8');
/** The page's inline script and styles, admitted by their hashes. */
const policy = pagePolicy(page);

export async function webChatRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', policy)
      .send(page);
  });
}
