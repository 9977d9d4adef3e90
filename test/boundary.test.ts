// Adapters do transport only and src/ does not depend on them (only the wiring does).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .filter((p) => !p.includes('/generated/'));
}

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
}

describe('module boundaries', () => {
  it('src/ imports adapters/ only in the wiring (app.ts, main.ts)', () => {
    const offenders = sources('src')
      .filter((f) => !['src/app.ts', 'src/main.ts'].includes(f))
      .filter((f) => imports(f).some((i) => i.includes('adapters/')));
    expect(offenders).toEqual([]);
  });

  it('adapters/ never reach the database, the model or business rules', () => {
    const forbidden = [/\/store\//, /@prisma\//, /^openai$/, /\/features\//];
    const offenders = sources('adapters').flatMap((f) =>
      imports(f)
        .filter((i) => forbidden.some((re) => re.test(i)))
        .map((i) => `${f} -> ${i}`),
    );
    expect(offenders).toEqual([]);
  });
});
