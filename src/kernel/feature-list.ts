// The README's feature list, made from the registry: each feature's settings section (and its
// keys), chat commands, admin routes, jobs and dependencies. `npm run docs:features` writes it
// between the README's markers; test/readme-features.test.ts fails when the README has drifted.
import type { z } from 'zod';
import type { AnyFeature } from './feature.js';

export const START_MARK = '<!-- features:start (npm run docs:features writes this list) -->';
export const END_MARK = '<!-- features:end -->';

export interface FeatureFacts {
  /** Admin routes by feature name ("GET /api/v1/…"). */
  routes: ReadonlyMap<string, readonly string[]>;
  jobs: readonly { name: string; schedule: string; feature: string }[];
}

/** The top-level keys of an object schema, through defaults, prefaults and refinements. */
export function settingKeys(schema: z.ZodType): string[] {
  let current: unknown = schema;
  for (let depth = 0; depth < 10 && current; depth++) {
    const shape = (current as { shape?: Record<string, unknown> }).shape;
    if (shape) return Object.keys(shape);
    const def = (current as { _zod?: { def?: { innerType?: unknown; in?: unknown } } })._zod?.def;
    current = def?.innerType ?? def?.in;
  }
  return [];
}

const code = (text: string) => `\`${text}\``;

/** One Markdown list item per feature, in list order. */
export function featureList(features: readonly AnyFeature[], facts: FeatureFacts): string {
  const items = features.map((f) => {
    const lines = [`- **${f.name}**: ${f.summary}.`];
    if (f.settings) {
      const keys = settingKeys(f.settings.schema);
      lines.push(`  Settings: ${code(f.settings.key)} (${keys.map(code).join(', ')}).`);
    }
    if (f.commands?.length) lines.push(`  Commands: ${f.commands.map((c) => code(`/${c.name}`)).join(', ')}.`);
    const routes = facts.routes.get(f.name) ?? [];
    if (routes.length) lines.push(`  Admin routes: ${routes.map(code).join(', ')}.`);
    const jobs = facts.jobs.filter((j) => j.feature === f.name);
    if (jobs.length) lines.push(`  Jobs: ${jobs.map((j) => `${code(j.name)} (${code(j.schedule)})`).join(', ')}.`);
    const needs = [
      ...(f.dependsOn ?? []).map((d) => `needs ${code(d)}`),
      ...(f.uses ?? []).map((d) => `uses ${code(d)} when on`),
    ];
    const said = needs.join('; ');
    if (said) lines.push(`  ${said.charAt(0).toUpperCase()}${said.slice(1)}.`);
    return lines.join('\n');
  });
  return items.join('\n');
}

/** The README with its feature list replaced (the markers stay). */
export function withFeatureList(readme: string, list: string): string {
  const start = readme.indexOf(START_MARK);
  const end = readme.indexOf(END_MARK);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START_MARK} … ${END_MARK} section`);
  return `${readme.slice(0, start + START_MARK.length)}\n${list}\n${readme.slice(end)}`;
}
