// Renders the per-provider Prisma schemas from the one source, prisma/models.prisma.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const providers = ['sqlite', 'postgresql'] as const;
export type Provider = (typeof providers)[number];

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const schemaPath = (p: Provider) => join(root, 'prisma', p, 'schema.prisma');
export const migrationsDir = (p: Provider) => join(root, 'prisma', p, 'migrations');

export function renderSchema(provider: Provider): string {
  const models = readFileSync(join(root, 'prisma', 'models.prisma'), 'utf8');
  return `// Generated from prisma/models.prisma by scripts/db.ts: do not edit.
generator client {
  provider     = "prisma-client"
  output       = "../../src/store/generated/${provider}"
  moduleFormat = "esm"
}

datasource db {
  provider = "${provider}"
}

${models}`;
}

export function writeSchema(provider: Provider, text: string): void {
  mkdirSync(dirname(schemaPath(provider)), { recursive: true });
  writeFileSync(schemaPath(provider), text);
}
