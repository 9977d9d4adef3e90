// npm run train:escalation — trains the escalation scorer (src/features/escalation/classifier.ts)
// on the labelled sets in bench/escalation/ and writes models/escalation/classifier.json.
// Per language (Chinese: any Han character; English: the rest) two classifiers: one over the
// sentence embedding of that language's model and the n-grams, one over the n-grams alone (used
// when the models are not there). The threshold is chosen on validation.yaml with classifiers
// trained without it, then the shipped ones are trained on everything but the held-out set.
// The held-out set (heldout-*.yaml) is never read here.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type Embedder, loadEmbedder } from '../src/embedding/index.js';
import {
  Classifier,
  type Example,
  type LanguageClassifier,
  neighbourMemory,
  train,
} from '../src/features/escalation/classifier.js';
import { hashedGrams } from '../src/features/escalation/text-features.js';

interface Labelled {
  text: string;
  escalate: boolean;
}

const root = new URL('../', import.meta.url).pathname;
/** The first sets (the rules were tuned on messages and holdout) and every train-*.yaml. */
const TRAINING = [
  'messages',
  'holdout',
  'fresh',
  ...readdirSync(join(root, 'bench/escalation'))
    .filter((f) => /^train-.*\.yaml$/.test(f))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort(),
];
const VALIDATION = 'validation';
const load = (name: string) =>
  parse(readFileSync(join(root, 'bench/escalation', `${name}.yaml`), 'utf8')) as Labelled[];
const han = /\p{Script=Han}/u;
const OPTIONS = { l2Dense: 0.1, l2Sparse: 1e-4, epochs: 300, learningRate: 0.03 };
/** The nearest-neighbour vote: how many neighbours, and its share of the probability. */
const NEIGHBOURS = { k: 15, weight: 0.3 };

const cacheDir = mkdtempSync(join(tmpdir(), 'rapport-train-'));
async function model(dir: string): Promise<Embedder> {
  const loaded = await loadEmbedder({ modelDir: join(root, 'models', dir), cacheDir });
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.embedder;
}
const embedders = { zh: await model('bge-small-zh-v1.5'), en: await model('all-MiniLM-L6-v2') };

async function examples(rows: Labelled[], embedder: Embedder | undefined): Promise<Example[]> {
  const vectors = embedder ? await embedder.embedMany(rows.map((r) => r.text)) : [];
  return rows.map((r, i) => ({ vector: vectors[i] ?? [], grams: hashedGrams(r.text), rules: [] }));
}

/** The threshold that makes the smaller of precision and recall largest on the validation rows. */
function bestThreshold(c: LanguageClassifier, xs: Example[], rows: Labelled[]) {
  const classifier = new Classifier(c);
  const p = xs.map((x) => classifier.probability(x));
  let best = { threshold: 0.5, precision: 0, recall: 0 };
  for (let t = 0.2; t <= 0.8001; t += 0.02) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    rows.forEach((r, i) => {
      const yes = (p[i] as number) >= t;
      if (yes && r.escalate) tp++;
      else if (yes) fp++;
      else if (r.escalate) fn++;
    });
    const precision = tp / (tp + fp || 1);
    const recall = tp / (tp + fn || 1);
    if (Math.min(precision, recall) > Math.min(best.precision, best.recall))
      best = { threshold: Math.round(t * 100) / 100, precision, recall };
  }
  return best;
}

const training = TRAINING.flatMap(load);
const validation = load(VALIDATION);
const out: Record<string, Record<string, LanguageClassifier>> = {};
const chosen: Record<string, unknown> = {};
for (const language of ['zh', 'en'] as const) {
  const mine = (r: Labelled) => (language === 'zh') === han.test(r.text);
  const trainRows = training.filter(mine);
  const validRows = validation.filter(mine);
  out[language] = {};
  for (const kind of ['embedding', 'ngrams'] as const) {
    const embedder = kind === 'embedding' ? embedders[language] : undefined;
    const modelName = embedder?.model ?? null;
    const trainOn = async (rows: Labelled[]) => {
      const xs = await examples(rows, embedder);
      const labels = rows.map((r) => r.escalate);
      const trained = train(xs, labels, modelName, OPTIONS);
      if (!embedder) return trained;
      const vectors = xs.map((x) => x.vector);
      return { ...trained, memory: neighbourMemory(vectors, labels, NEIGHBOURS.k, NEIGHBOURS.weight) };
    };
    const best = bestThreshold(await trainOn(trainRows), await examples(validRows, embedder), validRows);
    const shipped = await trainOn([...trainRows, ...validRows]);
    out[language][kind] = { ...shipped, threshold: best.threshold };
    chosen[`${language}.${kind}`] = best;
    console.log(
      `${language} ${kind}: threshold ${best.threshold} (validation precision ${best.precision.toFixed(3)}, recall ${best.recall.toFixed(3)}); trained on ${trainRows.length + validRows.length} messages`,
    );
  }
}
await Promise.all(Object.values(embedders).map((e) => e.close()));
mkdirSync(join(root, 'models/escalation'), { recursive: true });
const file = join(root, 'models/escalation/classifier.json');
writeFileSync(
  file,
  `${JSON.stringify({ version: 1, trainedOn: [...TRAINING, VALIDATION], options: OPTIONS, validation: chosen, ...out })}\n`,
);
console.log(`written to ${file}`);
