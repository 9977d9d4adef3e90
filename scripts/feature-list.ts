// npm run docs:features: writes the README's feature list from the registry (src/features/index.ts).
// It builds the app on a throw-away SQLite database with every feature on, so the admin routes
// and jobs listed are the ones the features really register.
import { readFileSync, writeFileSync } from 'node:fs';
import { withFeatureList } from '../src/kernel/feature-list.js';
import { currentFeatureList } from './feature-docs.js';

const readmePath = new URL('../README.md', import.meta.url);
const before = readFileSync(readmePath, 'utf8');
const after = withFeatureList(before, await currentFeatureList());
writeFileSync(readmePath, after);
console.log(after === before ? 'README.md: the feature list is up to date' : 'README.md: feature list rewritten');
