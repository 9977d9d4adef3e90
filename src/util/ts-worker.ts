// Starting a worker thread from a module that may be TypeScript.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker running `name` (without extension) from the folder of `callerUrl` (the caller's
 * import.meta.url), in the caller's own language. Rapport runs TypeScript through tsx, but a worker
 * does not inherit the parent's loader (with Node 20, not even through execArgv: `--import tsx`
 * there still fails with "Unknown file extension .ts"). So a .ts worker starts from a two-line
 * bootstrap that registers tsx's ESM loader in the worker and then imports the module; this works
 * the same under `node --import tsx` (npm start), the tsx CLI and vitest.
 */
export function startWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const caller = fileURLToPath(callerUrl);
  const file = join(dirname(caller), `${name}${extname(caller)}`);
  if (extname(caller) !== '.ts') return new Worker(file, options);
  const bootstrap = [
    `import(${JSON.stringify(tsxEsmApi())})`,
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })`,
  ].join('');
  return new Worker(bootstrap, { ...options, eval: true });
}

/** file: URL of tsx's ESM API, from its package.json's exports (the `tsx/esm/api` entry for import). */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  return pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href;
}
