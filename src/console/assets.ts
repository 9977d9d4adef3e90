// The console's stylesheet and scripts, all served from here (no CDN): our own two files and the
// libraries' built files straight from node_modules, read once at start and cached by browsers.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const own = (name: string) => new URL(`./assets/${name}`, import.meta.url);
const packageFile = (pkg: string, ...path: string[]) => join(dirname(require.resolve(pkg)), ...path);

const FILES: Record<string, { path: string | URL; type: string }> = {
  'console.css': { path: own('console.css'), type: 'text/css; charset=utf-8' },
  'console.js': { path: own('console.js'), type: 'text/javascript; charset=utf-8' },
  'htmx.min.js': { path: packageFile('htmx.org', 'htmx.min.js'), type: 'text/javascript; charset=utf-8' },
  'sse.js': { path: packageFile('htmx-ext-sse', 'sse.min.js'), type: 'text/javascript; charset=utf-8' },
  // chart.js's entry is dist/chart.cjs; its browser build sits beside it.
  'chart.umd.min.js': { path: packageFile('chart.js', 'chart.umd.min.js'), type: 'text/javascript; charset=utf-8' },
};

export async function assetRoutes(app: FastifyInstance): Promise<void> {
  const loaded = new Map(
    Object.entries(FILES).map(([name, f]) => [name, { body: readFileSync(f.path), type: f.type }]),
  );
  app.get('/console/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const file = loaded.get((request.params as { name: string }).name);
    if (!file) return reply.code(404).type('text/plain').send('no such asset');
    return reply.type(file.type).header('cache-control', 'public, max-age=3600').send(file.body);
  });
}
