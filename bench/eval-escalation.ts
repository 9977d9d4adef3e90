// npm run eval:escalation — precision and recall of offline escalation detection on the labelled
// set bench/escalation/messages.yaml. Not a test.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { detectEscalation } from '../src/features/escalation/detect.js';

interface Labelled {
  text: string;
  escalate: boolean;
  why?: string;
}

const rows = parse(readFileSync(new URL('./escalation/messages.yaml', import.meta.url), 'utf8')) as Labelled[];
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

const all = score(rows);
const zh = score(rows.filter((r) => han.test(r.text)));
const en = score(rows.filter((r) => !han.test(r.text)));
const date = new Date().toISOString();
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(`./results/escalation-eval-${date.replace(/[:.]/g, '-')}.json`, import.meta.url);
writeFileSync(file, `${JSON.stringify({ benchmark: 'escalation-eval', date, all, zh, en }, null, 2)}\n`);
if (process.argv.includes('--verbose')) console.log(all.errors.join('\n'));
console.log(`escalation detection, offline, ${all.messages} labelled messages: precision ${all.precision}, recall ${all.recall}
  Chinese (${zh.messages}): precision ${zh.precision}, recall ${zh.recall}
  English (${en.messages}): precision ${en.precision}, recall ${en.recall}
written to ${file.pathname}`);
