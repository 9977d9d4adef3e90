// The feature registry: a list that cannot work fails at start with a coded error; a list that
// can is set up in order, its middleware placed by the pipeline's slots.

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseBusinessConfig, parseEnv } from '../../src/config.js';
import { EmbeddingModels } from '../../src/embedding/models.js';
import type { TurnContext } from '../../src/engine/context.js';
import { coreFeature } from '../../src/features/core/index.js';
import { commandMenus, helpText } from '../../src/kernel/commands.js';
import { defineFeature } from '../../src/kernel/feature.js';
import { type AnyFeature, buildFeatures, checkFeatures, type HostBase } from '../../src/kernel/registry.js';
import { FakeClock } from '../fakes/clock.js';

const base = {
  env: parseEnv({}),
  db: {} as HostBase['db'],
  reads: {} as HostBase['db'],
  provider: 'sqlite',
  embeddings: new EmbeddingModels(''),
  clock: new FakeClock(),
  logger: pino({ level: 'silent' }),
  defaultLocale: 'zh-CN',
  businessName: { 'zh-CN': '店', en: 'shop' },
  notify: () => {},
  core: parseBusinessConfig('', 'test.yaml'),
  staffChannels: [],
} satisfies HostBase;

/** A feature that fills its slots with middleware noting its name. */
const feature = (name: string, o: Partial<AnyFeature> = {}) =>
  defineFeature({
    name,
    summary: name,
    ...o,
    setup: () => ({
      middleware: Object.fromEntries(
        (o.slots ?? []).map((slot) => [
          slot,
          async (ctx: TurnContext, next: () => Promise<void>) => {
            ctx.event(`${name}:${slot}`);
            await next();
          },
        ]),
      ),
    }),
  }) as AnyFeature;

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('feature registry', () => {
  it('refuses a name listed twice', () => {
    expect(codeOf(() => checkFeatures([feature('a'), feature('a')], []))).toBe('KERNEL_DUPLICATE_FEATURE');
  });

  it('refuses a dependency that is missing or listed after its dependent', () => {
    expect(codeOf(() => checkFeatures([feature('b', { dependsOn: ['a'] })], []))).toBe('KERNEL_MISSING_DEPENDENCY');
    expect(() => checkFeatures([feature('b', { dependsOn: ['a'] }), feature('a')], [])).toThrow(/listed after it/);
    expect(() => checkFeatures([feature('a'), feature('b', { dependsOn: ['a'] })], [])).not.toThrow();
  });

  it('refuses a pipeline slot placed twice, filled twice, filled by nobody, or filled but not placed', () => {
    expect(codeOf(() => checkFeatures([feature('a', { slots: ['x'] })], ['x', 'x']))).toBe('KERNEL_SLOT_TWICE');
    expect(codeOf(() => checkFeatures([feature('a', { slots: ['x'] }), feature('b', { slots: ['x'] })], ['x']))).toBe(
      'KERNEL_SLOT_TWICE',
    );
    expect(codeOf(() => checkFeatures([feature('a')], ['x']))).toBe('KERNEL_SLOT_UNPLACED');
    expect(codeOf(() => checkFeatures([feature('a', { slots: ['y'] })], []))).toBe('KERNEL_SLOT_UNPLACED');
  });

  it('refuses middleware for a slot the feature did not declare, and a declared slot left empty', async () => {
    const stray = defineFeature({
      name: 'a',
      summary: 'a',
      slots: ['x'],
      setup: () => ({ middleware: { y: () => {} } }),
    });
    await expect(buildFeatures([stray as AnyFeature], ['x'], base, () => undefined)).rejects.toMatchObject({
      code: 'KERNEL_SLOT_UNPLACED',
    });
    const empty = defineFeature({ name: 'a', summary: 'a', slots: ['x'], setup: () => ({}) });
    await expect(buildFeatures([empty as AnyFeature], ['x'], base, () => undefined)).rejects.toThrow(
      /gave no middleware/,
    );
  });

  it('sets features up in order, orders middleware by slot, and gives each the API of what it depends on', async () => {
    const order: string[] = [];
    const counter = defineFeature({
      name: 'counter',
      summary: 'counts',
      settings: { key: 'counter', schema: z.object({ start: z.number() }) },
      setup: (host) => {
        order.push('counter');
        let n = host.settings.start;
        return { api: { next: () => ++n }, jobs: [{ name: 'tick', schedule: '* * * * *', run: async () => n }] };
      },
    });
    const user = defineFeature({
      name: 'user',
      summary: 'uses the counter',
      dependsOn: ['counter'],
      slots: ['late'],
      commands: [{ name: 'count', describe: { 'zh-CN': '计数', en: 'count' } }],
      setup: (host) => {
        order.push('user');
        const api = host.use(counter);
        return { middleware: { late: () => void api.next() }, api: { first: api.next() } };
      },
    });
    const built = await buildFeatures(
      [counter as AnyFeature, user as AnyFeature, feature('early', { slots: ['early'] })],
      ['early', 'late'],
      base,
      (key) => (key === 'counter' ? { start: 41 } : undefined),
    );
    expect(order).toEqual(['counter', 'user']);
    expect(built.names).toEqual(['counter', 'user', 'early']);
    expect(built.api('user')).toEqual({ first: 42 });
    expect(built.jobs.map((j) => j.name)).toEqual(['tick']);
    expect(built.commands.map((c) => c.name)).toEqual(['count']);
    expect(built.middleware).toHaveLength(2);
    // "early" is placed before "late" although it is listed after it.
    const events: string[] = [];
    const ctx = { event: (kind: string) => events.push(kind) } as unknown as TurnContext;
    await built.middleware[0]?.(ctx, async () => {});
    expect(events).toEqual(['early:early']);
  });

  it('leaves out a switched-off feature, and refuses one that needs it', async () => {
    const off = feature('loyalty', { settings: { key: 'loyalty', schema: z.object({}) }, slots: ['points'] });
    const built = await buildFeatures([off, feature('faq', { slots: ['faq'] })], ['points', 'faq'], base, () => ({
      enabled: false,
    }));
    expect(built.names).toEqual(['faq']);
    expect(built.middleware).toHaveLength(1);
    await expect(
      buildFeatures([off, feature('referrals', { dependsOn: ['loyalty'] })], ['points'], base, () => ({
        enabled: false,
      })),
    ).rejects.toMatchObject({ code: 'KERNEL_MISSING_DEPENDENCY' });
  });

  it('gives an optional feature (`uses`) when it is on, undefined when off, and refuses one listed later', async () => {
    const points = defineFeature({
      name: 'points',
      summary: 'p',
      settings: { key: 'points', schema: z.object({ enabled: z.boolean() }) },
      setup: () => ({ api: 'points api' }),
    });
    const survey = defineFeature({
      name: 'survey',
      summary: 's',
      uses: ['points'],
      setup: (host) => ({ api: host.optional(points) ?? 'no points' }),
    });
    const list = [points as AnyFeature, survey as AnyFeature];
    const on = await buildFeatures(list, [], base, () => ({ enabled: true }));
    expect(on.api('survey')).toBe('points api');
    const off = await buildFeatures(list, [], base, () => ({ enabled: false }));
    expect(off.names).toEqual(['survey']);
    expect(off.api('survey')).toBe('no points');
    expect(codeOf(() => checkFeatures([survey as AnyFeature, points as AnyFeature], []))).toBe(
      'KERNEL_MISSING_DEPENDENCY',
    );
    const sneaky = defineFeature({ name: 'sneaky', summary: 's', setup: (host) => ({ api: host.optional(points) }) });
    await expect(
      buildFeatures([points as AnyFeature, sneaky as AnyFeature], [], base, () => undefined),
    ).rejects.toThrow(/without declaring it in uses/);
  });

  it('accepts the real list: every slot of PIPELINE filled by one feature', async () => {
    const { FEATURES, PIPELINE } = await import('../../src/features/index.js');
    expect(() => checkFeatures(FEATURES, PIPELINE)).not.toThrow();
  });

  it('refuses use() of a feature not declared in dependsOn', async () => {
    const a = defineFeature({ name: 'a', summary: 'a', setup: () => ({ api: 1 }) });
    const b = defineFeature({ name: 'b', summary: 'b', setup: (host) => ({ api: host.use(a) }) });
    await expect(buildFeatures([a as AnyFeature, b as AnyFeature], [], base, () => undefined)).rejects.toThrow(
      /without declaring it in dependsOn/,
    );
  });
});

describe('help and command menus', () => {
  const commands = [
    ...(coreFeature.commands ?? []),
    {
      name: 'birthday',
      args: { 'zh-CN': '月-日', en: 'MM-DD' },
      describe: { 'zh-CN': '登记生日', en: 'your birthday' },
    },
  ];

  it('lists every command in /help, in both languages', () => {
    const zh = helpText(commands, 'zh-CN');
    expect(zh.split('\n')[0]).toBe('我可以帮您：');
    expect(zh).toContain('/birthday 月-日 登记生日');
    expect(zh).toContain('/lang zh|en 切换语言');
    expect(helpText(commands, 'en')).toContain('/birthday MM-DD your birthday');
  });

  it('makes the Telegram menus from the same list', () => {
    const menus = commandMenus(commands);
    expect(menus.en.map((m) => m.command)).toEqual(['start', 'help', 'lang', 'stop', 'birthday']);
    expect(menus.zh.at(-1)).toEqual({ command: 'birthday', description: '登记生日 (/birthday 月-日)' });
  });
});
