// The README's feature list is the registry's: a feature added, renamed, given a setting, a
// command, a route or a job without `npm run docs:features` fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentFeatureList } from '../scripts/feature-docs.js';
import { FEATURES } from '../src/features/index.js';
import { END_MARK, START_MARK } from '../src/kernel/feature-list.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README feature list', () => {
  it('is what the registry builds (run `npm run docs:features` after changing a feature)', async () => {
    const section = readme.slice(readme.indexOf(START_MARK) + START_MARK.length, readme.indexOf(END_MARK)).trim();
    const list = await currentFeatureList();
    expect(section).toBe(list.trim());
    // The list is the registry's: every feature, with what it brings.
    for (const f of FEATURES) expect(list).toContain(`- **${f.name}**`);
    expect(list).toContain('`POST /api/v1/customers/:id/purchases`');
    expect(list).toContain('`/birthday`');
    expect(list).toContain('`birthdays` (`0 9 * * *`)');
    expect(list).toMatch(/Settings: `loyalty` \(`enabled`, /);
  });
});
