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

  it('src/ never imports a platform SDK (Slack, Telegram, WeChat) outside the wiring: adapters do', () => {
    const sdk = /^(@slack\/|telegraf($|\/)|wechaty($|-|\/))/;
    const offenders = sources('src')
      .filter((f) => !['src/app.ts', 'src/main.ts'].includes(f))
      .flatMap((f) =>
        imports(f)
          .filter((i) => sdk.test(i))
          .map((i) => `${f} -> ${i}`),
      );
    expect(offenders).toEqual([]);
    // The rule reads real imports: the Slack adapter's own import of Bolt is seen.
    expect(imports('adapters/slack/index.ts').some((i) => sdk.test(i))).toBe(true);
  });

  it('staff channels (adapters/slack, adapters/staff-webhook) reach tickets only through src/staff', () => {
    const offenders = ['adapters/slack', 'adapters/staff-webhook'].flatMap((dir) =>
      sources(dir).flatMap((f) =>
        imports(f)
          .filter((i) => /\/features\/|\/store\/|\/outbox\//.test(i))
          .map((i) => `${f} -> ${i}`),
      ),
    );
    expect(offenders).toEqual([]);
    expect(imports('adapters/slack/index.ts')).toContain('../../src/staff/channel.js');
  });

  it('only the outreach service (and the engine committing a turn) inserts Outbox rows', () => {
    // insertMany(db, provider, 'Outbox', …), Prisma's outbox.create/createMany/upsert, raw INSERT INTO "Outbox".
    const inserts = [
      /insertMany\(\s*[^,()]+,\s*[^,()]+,\s*['"]Outbox['"]/,
      /\.outbox\s*\.\s*(?:create|createMany|createManyAndReturn|upsert)\b/,
      /INSERT\s+INTO\s+"?Outbox"?/i,
    ];
    const writers = [...sources('src'), ...sources('adapters'), ...sources('scripts')].filter((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return inserts.some((re) => re.test(text));
    });
    // The scan sees the two writers there are: it would see a third.
    expect(writers.sort()).toEqual(['src/outbox/outreach.ts', 'src/store/interactions.ts']);
  });
});
