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

  it('a feature imports another only through its public entry (src/features/<name>/index.ts)', () => {
    const inFolders = sources('src/features').filter((f) => f.split('/').length > 3);
    const offenders = inFolders.flatMap((f) => {
      const own = f.split('/')[2];
      return imports(f)
        .filter((i) => {
          const other = /^\.\.\/([a-z-]+)\/(.+)$/.exec(i);
          return other !== null && other[1] !== own && other[2] !== 'index.js';
        })
        .map((i) => `${f} -> ${i}`);
    });
    expect(offenders).toEqual([]);
    // The rule reads real imports: referrals does use loyalty, through its entry.
    expect(imports('src/features/referrals/index.ts')).toContain('../loyalty/index.js');
  });

  it('outside the features, only the wiring knows them, and only through the list (src/features/index.ts)', () => {
    const wiring = ['src/app.ts', 'src/main.ts', 'src/config.ts'];
    const offenders = [...sources('src'), ...sources('adapters')]
      .filter((f) => !f.startsWith('src/features/'))
      .flatMap((f) =>
        imports(f)
          .filter((i) => /(^|\/)features\//.test(i))
          .filter((i) => !(wiring.includes(f) && i === './features/index.js'))
          .map((i) => `${f} -> ${i}`),
      );
    expect(offenders).toEqual([]);
    expect(imports('src/app.ts')).toContain('./features/index.js');
  });

  it('only the outreach service (and the engine committing a turn) inserts Outbox rows', () => {
    // insertMany/insertRows(db, provider, 'Outbox', …), Prisma's outbox.create/createMany/upsert, raw INSERT INTO "Outbox".
    const inserts = [
      /insert(?:Many|Rows)\(\s*[^,()]+,\s*[^,()]+,\s*['"]Outbox['"]/,
      /\.outbox\s*\.\s*(?:create|createMany|createManyAndReturn|upsert)\b/,
      /INSERT\s+INTO\s+"?Outbox"?/i,
    ];
    const writers = [...sources('src'), ...sources('adapters'), ...sources('scripts')].filter((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return inserts.some((re) => re.test(text));
    });
    // The scan sees the writers there are (the outreach service is outreach.ts and its set-wise
    // half, outreach-batch.ts): it would see another.
    expect(writers.sort()).toEqual([
      'src/outbox/outreach-batch.ts',
      'src/outbox/outreach.ts',
      'src/store/interactions.ts',
    ]);
  });
});
