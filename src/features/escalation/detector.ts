// The escalation detector a message meets: the rules (detect.ts) for explicit requests for a
// person, the labelled examples staff taught (examples.ts), and the learned scorer
// (classifier.ts: sentence embedding + character n-grams) for everything else: quiet anger,
// sarcasm, typos, praise built from negative words. Without the embedding models the scorer reads
// n-grams alone, beside the rules; without models/escalation/classifier.json the rules decide alone,
// as before.
import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Embedder } from '../../embedding/index.js';
import { Classifier, type LanguageClassifier } from './classifier.js';
import { type Detection, detectEscalation, type EscalationReason } from './detect.js';
import type { TaughtExamples } from './examples.js';
import { type Language, languageOf } from './language.js';
import { hashedGrams, shapeOf } from './text-features.js';

/** models/escalation/classifier.json, written by `npm run train:escalation`. */
export interface ClassifierFile {
  version: 1;
  zh: { embedding: LanguageClassifier; ngrams: LanguageClassifier };
  en: { embedding: LanguageClassifier; ngrams: LanguageClassifier };
}

export interface Decision extends Detection {
  /** What decided: an explicit request (rules), a taught example, the scorer, or the rules alone. */
  by: 'request' | 'example' | 'scorer' | 'rules';
  /** The scorer's probability, when it ran. */
  score?: number;
  /** The taught example followed. */
  example?: number;
}

export interface DetectorOptions {
  classifiers?: ClassifierFile | undefined;
  /** The embedding model per language, when loaded. */
  models: Partial<Record<Language, Embedder>>;
  examples?: TaughtExamples | undefined;
  logger: Logger;
}

interface Scorer {
  classifier: Classifier;
  model?: Embedder;
  /** The classifier's neighbour memory, kept in the model's worker (Embedder.addTable). */
  neighbourTable?: number;
}

const round = (p: number) => Math.round(p * 1000) / 1000;
const highPriority: EscalationReason[] = ['safety', 'money', 'legal', 'public'];
const order: EscalationReason[] = ['safety', 'legal', 'money', 'public', 'human', 'complaint'];

/** Reads a classifier file; undefined (and why) when it is missing or unreadable. */
export function loadClassifiers(file: string): { file?: ClassifierFile; problem?: string } {
  if (!existsSync(file)) return { problem: `${file} is missing` };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as ClassifierFile;
    if (parsed.version !== 1 || !parsed.zh?.ngrams || !parsed.en?.ngrams) return { problem: `${file}: unknown format` };
    return { file: parsed };
  } catch (err) {
    return { problem: `${file}: ${(err as Error).message}` };
  }
}

export class EscalationDetector {
  private readonly scorers: Partial<Record<Language, Scorer>> = {};

  constructor(private readonly o: DetectorOptions) {
    for (const language of ['zh', 'en'] as const) {
      const stored = o.classifiers?.[language];
      if (!stored) continue;
      const model = o.models[language];
      // The embedding classifier only with the model it was trained on: another model's vectors mean nothing to it.
      const withModel = model && stored.embedding.model === model.model;
      if (!withModel) {
        this.scorers[language] = { classifier: new Classifier(stored.ngrams) };
        continue;
      }
      const classifier = new Classifier(stored.embedding);
      const neighbours = classifier.neighbourTable();
      this.scorers[language] = {
        classifier,
        model,
        ...(neighbours ? { neighbourTable: model.addTable(neighbours) } : {}),
      };
    }
  }

  /** What the scorer reads per language, for the start-up log. */
  describe(): string {
    const parts = (['zh', 'en'] as const).map((l) => {
      const s = this.scorers[l];
      return `${l}: ${s ? (s.model ? `${s.model.model} + n-grams` : 'n-grams') : 'rules only'}`;
    });
    return parts.join(', ');
  }

  async detect(text: string): Promise<Decision> {
    const rules = detectEscalation(text);
    if (rules.explicit && rules.escalate) return { ...rules, by: 'request' };
    const language = languageOf(text);
    const scorer = this.scorers[language];
    const { vector, similarities } = scorer?.model ? await this.embed(scorer, scorer.model, text) : {};
    const taught = this.o.examples?.match(text, vector);
    if (taught) return this.decide(rules, taught.escalate, { by: 'example', example: taught.id });
    if (!scorer) return { ...rules, by: 'rules' };
    // Without its vector (the model failed) the embedding classifier cannot run: the rules decide.
    if (scorer.model && !vector) return { ...rules, by: 'rules' };
    const scored = scorer.classifier.score(
      { vector: vector ?? [], grams: hashedGrams(text), shape: shapeOf(text) },
      similarities,
    );
    // N-grams alone read less than the embedding: what the rules find stands beside them (their
    // threshold was chosen that way, see scripts/train-escalation.ts).
    if (!scorer.model && rules.escalate) return { ...rules, by: 'rules', score: round(scored.probability) };
    return this.decide(
      rules,
      scored.probability >= scorer.classifier.stored.threshold,
      {
        by: 'scorer',
        score: round(scored.probability),
      },
      scored.reason,
    );
  }

  /**
   * The message's vector and, with a neighbour table, its similarities to the training messages,
   * computed in the model's worker beside the embedding (or from the vector the query cache holds):
   * about 1–2 ms of dot products a message that the main thread, which serves every customer, is spared.
   */
  private async embed(
    scorer: Scorer,
    model: Embedder,
    text: string,
  ): Promise<{ vector?: Float32Array; similarities?: Float32Array }> {
    try {
      if (scorer.neighbourTable === undefined) return { vector: await model.embed(text) };
      const { vector, scores } = await model.embedAndScore(scorer.neighbourTable, text);
      return { vector, similarities: scores };
    } catch (err) {
      this.o.logger.warn({ err }, 'escalation: the embedding model failed; the rules decide');
      return {};
    }
  }

  /**
   * The decision with a reason: the rules' own, else the reason most similar training messages
   * gave, else the most serious cue the rules saw, else a complaint.
   */
  private decide(
    rules: Detection,
    escalate: boolean,
    how: Omit<Decision, keyof Detection>,
    neighbours?: EscalationReason,
  ): Decision {
    if (!escalate) return { escalate: false, priority: 'normal', cues: rules.cues, ...how };
    const reason =
      rules.reason ??
      neighbours ??
      order.find((r) => rules.cues.includes(r)) ??
      ('complaint' satisfies EscalationReason);
    return {
      escalate: true,
      reason,
      priority: highPriority.includes(reason) ? 'high' : 'normal',
      cues: rules.cues,
      ...how,
    };
  }
}
