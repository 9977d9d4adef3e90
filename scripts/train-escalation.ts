// npm run train:escalation — trains the escalation scorer (src/features/escalation/classifier.ts)
// on the labelled sets in bench/escalation/ and writes models/escalation/classifier.json.
// Per language (Chinese: any Han character; English: the rest) two classifiers: one over the
// sentence embedding of that language's model and the n-grams, one over the n-grams alone (used
// when the models are not there). The threshold is chosen on every set scored by a classifier
// trained without it (leave one set out), then the shipped ones are trained on all of them.
// The held-out sets (heldout-*.yaml) are never read here.
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
import { detectEscalation } from '../src/features/escalation/detect.js';
import { hashedGrams, shapeOf } from '../src/features/escalation/text-features.js';

interface Labelled {
  text: string;
  escalate: boolean;
  why?: string;
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
  return rows.map((r, i) => ({ vector: vectors[i] ?? [], grams: hashedGrams(r.text), shape: shapeOf(r.text) }));
}

/** A labelled message as scored: the probability, and whether the rules alone escalate it. */
interface Scored {
  p: number;
  rules: boolean;
  escalate: boolean;
}

/**
 * Precision and recall at a threshold over scored rows, as the detector decides: with the
 * embedding the scorer alone; with n-grams alone the rules' escalations stand too.
 */
function measure(scored: Scored[], threshold: number, kind: 'embedding' | 'ngrams') {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const r of scored) {
    const yes = r.p >= threshold || (kind === 'ngrams' && r.rules);
    if (yes && r.escalate) tp++;
    else if (yes) fp++;
    else if (r.escalate) fn++;
  }
  return { precision: tp / (tp + fp || 1), recall: tp / (tp + fn || 1) };
}

/**
 * The threshold, from every set's messages scored by a classifier trained without that set (leave
 * one set out: each set is another writer, as the messages of a new business are). With the
 * embedding: the one that makes the smaller of precision and recall largest. N-grams alone, the
 * fallback: the best recall at a precision of at least 0.95 (false alarms cost staff time), or the
 * balanced one when none reaches it.
 */
function chooseThreshold(scored: Scored[], kind: 'embedding' | 'ngrams') {
  const candidates = Array.from({ length: 36 }, (_, i) => Math.round((0.2 + i * 0.02) * 100) / 100).map(
    (threshold) => ({
      threshold,
      ...measure(scored, threshold, kind),
    }),
  );
  const balanced = candidates.reduce((a, b) =>
    Math.min(b.precision, b.recall) > Math.min(a.precision, a.recall) ? b : a,
  );
  if (kind === 'embedding') return balanced;
  const precise = candidates.filter((c) => c.precision >= 0.95);
  return precise.length > 0 ? precise.reduce((a, b) => (b.recall > a.recall ? b : a)) : balanced;
}

const sets = new Map([...TRAINING, VALIDATION].map((name) => [name, load(name)]));
const out: Record<string, Record<string, LanguageClassifier>> = {};
const chosen: Record<string, unknown> = {};
for (const language of ['zh', 'en'] as const) {
  const mine = (r: Labelled) => (language === 'zh') === han.test(r.text);
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
      const memory = neighbourMemory(
        vectors,
        labels,
        rows.map((r) => r.why),
        NEIGHBOURS.k,
        NEIGHBOURS.weight,
      );
      return { ...trained, memory };
    };
    const scored: Scored[] = [];
    for (const [name, rows] of sets) {
      const others = [...sets].filter(([other]) => other !== name).flatMap(([, r]) => r.filter(mine));
      const classifier = new Classifier(await trainOn(others));
      const held = rows.filter(mine);
      const xs = await examples(held, embedder);
      held.forEach((r, i) => {
        scored.push({
          p: classifier.probability(xs[i] as Example),
          rules: detectEscalation(r.text).escalate,
          escalate: r.escalate,
        });
      });
    }
    const best = chooseThreshold(scored, kind);
    const all = [...sets.values()].flatMap((rows) => rows.filter(mine));
    out[language][kind] = { ...(await trainOn(all)), threshold: best.threshold };
    chosen[`${language}.${kind}`] = best;
    console.log(
      `${language} ${kind}: threshold ${best.threshold} (leave one set out: precision ${best.precision.toFixed(3)}, recall ${best.recall.toFixed(3)}); trained on ${all.length} messages`,
    );
  }
}
await Promise.all(Object.values(embedders).map((e) => e.close()));
mkdirSync(join(root, 'models/escalation'), { recursive: true });
const file = join(root, 'models/escalation/classifier.json');
writeFileSync(
  file,
  `${JSON.stringify({ version: 1, trainedOn: [...sets.keys()], options: OPTIONS, leaveOneSetOut: chosen, ...out })}\n`,
);
console.log(`written to ${file}`);
