// npm run eval:escalation — precision and recall of escalation detection, per language, on every
// labelled set in bench/escalation/ (each written by someone who saw neither the detector nor the
// other sets; labelling guide: bench/escalation/GUIDE.md), three ways:
//   rules     the rules alone (src/features/escalation/detect.ts: what Rapport did before the scorer)
//   ngrams    rules for explicit requests + the scorer on character n-grams (no embedding models)
//   full      rules for explicit requests + the scorer on the embedding models and n-grams (the default)
// Sets: messages/holdout/fresh (the rules were tuned on the first two) and train-*.yaml are what the
// scorer is trained on; validation chose its thresholds; heldout-*.yaml are held out: never trained
// or tuned on, and their errors are never printed (`--verbose` prints the others'). The everyday sets
// are ordinary traffic (about one message in ten for a person): their false-alarm rate is the share
// of ordinary messages that would be handed to staff.
// Also the detector's time per message. Writes bench/results/escalation-eval-<date>.json. Not a test.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parse } from 'yaml';
import { type Embedder, loadEmbedder } from '../src/embedding/index.js';
import { detectEscalation } from '../src/features/escalation/detect.js';
import { EscalationDetector, loadClassifiers } from '../src/features/escalation/detector.js';
import { languageOf } from '../src/features/escalation/language.js';

interface Labelled {
  text: string;
  escalate: boolean;
  why?: string;
  kind?: string;
}

const root = new URL('../', import.meta.url).pathname;
const dir = join(root, 'bench/escalation');
const named = (prefix: RegExp) =>
  readdirSync(dir)
    .filter((f) => prefix.test(f))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
const SETS: { name: string; role: string; heldOut?: boolean }[] = [
  { name: 'messages', role: 'training (rules tuned on it)' },
  { name: 'holdout', role: 'training (rules tuned on it)' },
  { name: 'fresh', role: 'training' },
  ...named(/^train-.*\.yaml$/).map((name) => ({ name, role: 'training' })),
  { name: 'validation', role: 'validation (thresholds chosen on it)' },
  ...named(/^heldout-.*\.yaml$/).map((name) => ({ name, role: 'HELD OUT (never trained or tuned on)', heldOut: true })),
];
const load = (name: string) =>
  parse(readFileSync(join(root, 'bench/escalation', `${name}.yaml`), 'utf8')) as Labelled[];
const round = (n: number) => Math.round(n * 1000) / 1000;
const logger = pino({ level: 'warn' });

const cacheDir = mkdtempSync(join(tmpdir(), 'rapport-eval-'));
/** A model; without a query cache unless asked (the timing of a message embedded here). */
async function model(dir: string, queryCacheSize = 0): Promise<Embedder> {
  const loaded = await loadEmbedder({ modelDir: join(root, 'models', dir), cacheDir, queryCacheSize });
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.embedder;
}
const models = { zh: await model('bge-small-zh-v1.5'), en: await model('all-MiniLM-L6-v2') };
const classifiers = loadClassifiers(join(root, 'models/escalation/classifier.json')).file;
if (!classifiers) throw new Error('models/escalation/classifier.json is missing: npm run train:escalation');
const detectors = {
  rules: async (text: string) => detectEscalation(text).escalate,
  ngrams: async (text: string) =>
    (await new EscalationDetector({ classifiers, models: {}, logger }).detect(text)).escalate,
  full: async (text: string) => (await full.detect(text)).escalate,
};
const full = new EscalationDetector({ classifiers, models, logger });

async function score(rows: Labelled[], detect: (text: string) => Promise<boolean>) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const errors: string[] = [];
  for (const r of rows) {
    const got = await detect(r.text);
    if (got && r.escalate) tp++;
    else if (got) {
      fp++;
      errors.push(`false alarm (${r.kind ?? ''}): ${r.text}`);
    } else if (r.escalate) {
      fn++;
      errors.push(`missed (${r.kind ?? r.why ?? ''}): ${r.text}`);
    }
  }
  const negatives = rows.filter((r) => !r.escalate).length;
  return {
    messages: rows.length,
    precision: round(tp / (tp + fp || 1)),
    recall: round(tp / (tp + fn || 1)),
    // Of the messages that should stay with the bot, the share sent to a person.
    falseAlarmRate: round(fp / (negatives || 1)),
    errors,
  };
}

const results: Record<string, unknown> = {};
console.log('escalation detection: precision / recall per language');
// While developing, `--skip-held-out` keeps even the held-out set's figures out of sight.
for (const set of SETS.filter((s) => !(s.heldOut && process.argv.includes('--skip-held-out')))) {
  const rows = load(set.name);
  const byLanguage = {
    zh: rows.filter((r) => languageOf(r.text) === 'zh'),
    en: rows.filter((r) => languageOf(r.text) === 'en'),
  };
  const entry: Record<string, unknown> = { role: set.role };
  const line: string[] = [];
  for (const [way, detect] of Object.entries(detectors)) {
    const zh = await score(byLanguage.zh, detect);
    const en = await score(byLanguage.en, detect);
    entry[way] = { zh: { ...zh, errors: undefined }, en: { ...en, errors: undefined } };
    const show = (r: typeof zh) =>
      `${r.precision.toFixed(3)} / ${r.recall.toFixed(3)} (false alarms ${(r.falseAlarmRate * 100).toFixed(1)} %)`;
    line.push(`${way.padEnd(6)} zh ${show(zh)}   en ${show(en)}`);
    if (way === 'full' && process.argv.includes('--verbose') && !set.heldOut)
      console.log([...zh.errors, ...en.errors].map((e) => `  ${e}`).join('\n'));
  }
  results[set.name] = entry;
  console.log(
    `${set.name} (${rows.length}: zh ${byLanguage.zh.length}, en ${byLanguage.en.length}), ${set.role}\n  ${line.join('\n  ')}`,
  );
}

// Time per message, the validation set's texts five times over: with the embedding computed here
// (a message the FAQ has not embedded yet), and with it shared (the FAQ embeds the same text with
// the same model, so in the bot the vector is computed once and the other caller gets it cached).
const texts = load('validation').map((r) => r.text);
async function timing(detector: EscalationDetector) {
  const ms: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const text of texts) {
      const started = process.hrtime.bigint();
      await detector.detect(`${text}${' '.repeat(round)}`);
      ms.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] as number);
  return { messages: ms.length, p50: at(0.5), p99: at(0.99) };
}
const cold = await timing(full);
// The FAQ's case: the embedder's own query cache already holds the message (the FAQ or, in the bot,
// this detector asked first), as it does when both read the same text with the same model.
const cached = { zh: await model('bge-small-zh-v1.5', 2_000), en: await model('all-MiniLM-L6-v2', 2_000) };
for (let round = 0; round < 5; round++)
  for (const text of texts) await cached[languageOf(text)].embed(`${text}${' '.repeat(round)}`);
const sharedTiming = await timing(new EscalationDetector({ classifiers, models: cached, logger }));
const ngramsTiming = await timing(new EscalationDetector({ classifiers, models: {}, logger }));
console.log(
  `time per message, ms: embedding computed here p50 ${cold.p50} p99 ${cold.p99}; embedding shared with the FAQ p50 ${sharedTiming.p50} p99 ${sharedTiming.p99}; n-grams only p50 ${ngramsTiming.p50} p99 ${ngramsTiming.p99}`,
);
await Promise.all([...Object.values(models), ...Object.values(cached)].map((m) => m.close()));

const date = new Date().toISOString();
mkdirSync(join(root, 'bench/results'), { recursive: true });
const file = join(root, `bench/results/escalation-eval-${date.replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ benchmark: 'escalation-eval', date, sets: results, timing: { embeddingHere: cold, embeddingShared: sharedTiming, ngramsOnly: ngramsTiming } }, null, 2)}\n`,
);
console.log(`written to ${file}`);
