// Loads Prisma's schema engine compiled to WebAssembly. The native engine is a download
// from Prisma's servers, which an offline install cannot reach; this one ships in npm.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

export type { SchemaEngine };
export type DatabaseProvider = 'sqlite' | 'postgresql';

type Bindings = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');
let bindings: Promise<Bindings> | undefined;

// The global exists in Node; @types/node for Node 20 does not declare it.
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
    };
  }
).WebAssembly;

// The package's ESM entry imports the .wasm file directly, which Node 20 only allows
// behind --experimental-wasm-modules; instantiate it by hand instead.
async function loadBindings(): Promise<Bindings> {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const bg: Bindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const bytes = await readFile(join(pkgDir, 'schema_engine_bg.wasm'));
  const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': bg });
  (bg as unknown as { __wbg_set_wasm(w: unknown): void }).__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bg;
}

/** A schema engine working through a migration-aware driver adapter factory. */
export async function loadSchemaEngine(provider: DatabaseProvider, adapterFactory: object): Promise<SchemaEngine> {
  bindings ??= loadBindings();
  const bg = await bindings;
  const datamodel = `datasource db {\n  provider = "${provider}"\n}\n`;
  return bg.SchemaEngine.new({ datamodels: [['schema.prisma', datamodel]] }, () => {}, adapterFactory);
}
