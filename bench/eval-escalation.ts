// npm run eval:escalation — precision and recall of offline escalation detection on three labelled
// sets, each written separately by someone who saw neither the detector nor the other sets:
// bench/escalation/messages.yaml (development: tuned on), holdout.yaml (held out for the first
// round, its misses then tuned on) and fresh.yaml (held out: never tuned on, its errors never read).
// Not a test.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { detectEscalation } from '../src/features/escalation/detect.js';

interface Labelled {
  text: string;
  escalate: boolean;
  why?: string;
}

const load = (name: string) =>
  parse(readFileSync(new URL(`./escalation/${name}`, import.meta.url), 'utf8')) as Labelled[];
const han = /\p{Script=Han}/u;
const round = (n: number) => Math.round(n * 1000) / 1000;

function score(set: Labelled[]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const errors: string[] = [];
  for (const r of set) {
    const got = detectEscalation(r.text).escalate;
    if (got && r.escalate) tp++;
    else if (got && !r.escalate) {
      fp++;
      errors.push(`false alarm: ${r.text}`);
    } else if (!got && r.escalate) {
      fn++;
      errors.push(`missed (${r.why}): ${r.text}`);
    }
  }
  return { messages: set.length, precision: round(tp / (tp + fp || 1)), recall: round(tp / (tp + fn || 1)), errors };
}

function report(name: string, rows: Labelled[]) {
  const all = score(rows);
  const zh = score(rows.filter((r) => han.test(r.text)));
  const en = score(rows.filter((r) => !han.test(r.text)));
  // Only the development set's errors are ever printed: reading the held-out set's would make it a second development set.
  if (process.argv.includes('--verbose') && !name.startsWith('held-out'))
    console.log(`${name}:\n${all.errors.join('\n')}`);
  console.log(`${name}, ${all.messages} labelled messages: precision ${all.precision}, recall ${all.recall}
  Chinese (${zh.messages}): precision ${zh.precision}, recall ${zh.recall}
  English (${en.messages}): precision ${en.precision}, recall ${en.recall}`);
  return { all, zh, en };
}

console.log('escalation detection, offline');
const development = report('development set (tuned on)', load('messages.yaml'));
const holdout = report('second development set (held out in round 1, then tuned on)', load('holdout.yaml'));
const fresh = report('held-out set (never tuned on)', load('fresh.yaml'));
const date = new Date().toISOString();
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(`./results/escalation-eval-${date.replace(/[:.]/g, '-')}.json`, import.meta.url);
writeFileSync(
  file,
  `${JSON.stringify({ benchmark: 'escalation-eval', date, development, holdout, fresh }, null, 2)}\n`,
);
console.log(`written to ${file.pathname}`);
