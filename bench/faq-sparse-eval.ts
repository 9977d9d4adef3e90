// The sparse knowledge bases of businesses unlike the demo (bench/faq-sparse/*: one or two
// questions per entry, written by a helper who never saw the retriever), scored the way the bot
// decides: words alone, and words with the embedding model. The hybrid's two constants
// (src/features/faq/semantic.ts) were chosen on dental-clinic only: the other sets are held out.
// Also the learning loop: questions whose right entry was among the buttons are learned (as two
// customers' taps would teach them), then asked again by a new customer.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { parse } from 'yaml';
import { EmbeddingModels } from '../src/embedding/models.js';
import { detectLocale } from '../src/engine/i18n.js';
import { decide, type FaqDecision, type Thresholds } from '../src/features/faq/decide.js';
import { decideHybrid } from '../src/features/faq/hybrid.js';
import { KnowledgeBase } from '../src/features/faq/knowledge-base.js';
import { semanticRanking } from '../src/features/faq/semantic-ranking.js';
import type { Synonyms } from '../src/features/faq/tokenize.js';

export const SPARSE_SETS = ['dental-clinic', 'phone-repair', 'yoga-pilates'] as const;
export const TUNED_ON = 'dental-clinic';

interface Labelled {
  q: string;
  expect: string | null;
}

export interface SparseFigures {
  set: string;
  heldOut: boolean;
  mode: 'lexical' | 'hybrid';
  entries: number;
  inScope: number;
  outOfScope: number;
  answeredCorrectly: number;
  answeredWrongly: number;
  rightEntryAmongButtons: number;
  /** Answered with the right entry or offered it as a button. */
  rightEntryShown: number;
  declined: number;
  outOfScopeAnswered: number;
  outOfScopeGivenButtons: number;
  /** After learning what the buttons taught, the same questions from a new customer: answered outright and right. */
  afterLearningAnsweredCorrectly: number;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** The bot's models (see semantic-ranking.ts); none: words alone. */
export interface EvalModels {
  modelDir: string;
  englishModelDir: string;
  cacheDir: string;
}

/** Decides as the bot does: words alone, or words with the embedding models, built for this knowledge base. */
async function decider(kb: KnowledgeBase, thresholds: Thresholds, models: EvalModels | undefined) {
  const loaded = models ? new EmbeddingModels(models.cacheDir) : undefined;
  const semantic =
    models && loaded
      ? await semanticRanking({
          modelDir: models.modelDir,
          englishModelDir: models.englishModelDir,
          models: loaded,
          knowledge: kb,
          logger: pino({ level: 'warn' }),
        })
      : undefined;
  await semantic?.settled();
  const lookup = semantic?.current();
  return {
    ask: async (q: string): Promise<FaqDecision> => {
      const locale = detectLocale(q) ?? 'zh-CN';
      const matches = kb.current.search(q, { locale, limit: 10 });
      return lookup ? decideHybrid(matches, await lookup(q, locale), thresholds) : decide(matches, thresholds);
    },
    close: async () => {
      await semantic?.close();
      await loaded?.close();
    },
  };
}

/** A sparse set's files; the demo's knowledge base and held-out questions for `demo`. */
function filesOf(set: string): { knowledge: string; questions: URL } {
  if (set === 'demo') {
    return { knowledge: 'knowledge', questions: new URL('./faq-eval/holdout.yaml', import.meta.url) };
  }
  const root = new URL(`./faq-sparse/${set}/`, import.meta.url);
  return { knowledge: new URL('knowledge', root).pathname, questions: new URL('questions.yaml', root) };
}

export async function evaluateSparse(
  set: string,
  synonyms: Synonyms,
  thresholds: Thresholds,
  models: EvalModels | undefined,
): Promise<SparseFigures> {
  const files = filesOf(set);
  const kb = new KnowledgeBase({
    dir: files.knowledge,
    synonyms,
    defaultLocale: 'zh-CN',
    logger: pino({ level: 'warn' }),
  });
  await kb.load();
  const questions = parse(readFileSync(files.questions, 'utf8')) as Labelled[];
  const inScope = questions.filter((x) => x.expect !== null);
  const outOfScope = questions.filter((x) => x.expect === null);
  const first = await decider(kb, thresholds, models);
  const ask = first.ask;
  let right = 0;
  let wrong = 0;
  let buttons = 0;
  let declined = 0;
  const taught = new Map<string, string[]>();
  for (const { q, expect } of inScope) {
    const d = await ask(q);
    if (d.band === 'high') d.match.entry.id === expect ? right++ : wrong++;
    else if (d.band === 'middle' && d.suggestions.some((m) => m.entry.id === expect)) {
      buttons++;
      taught.set(expect as string, [...(taught.get(expect as string) ?? []), q]);
    } else if (d.band === 'low') declined++;
  }
  let oosAnswered = 0;
  let oosButtons = 0;
  for (const { q } of outOfScope) {
    const d = await ask(q);
    if (d.band === 'high') oosAnswered++;
    else if (d.band === 'middle') oosButtons++;
  }
  // The learning loop: what the buttons taught becomes learned ways of asking; ask the same again.
  await first.close();
  kb.setLearned(taught);
  const again = await decider(kb, thresholds, models);
  let learnedRight = 0;
  const learnedQuestions = [...taught.values()].flat();
  for (const { q, expect } of inScope.filter((x) => learnedQuestions.includes(x.q))) {
    const d = await again.ask(q);
    if (d.band === 'high' && d.match.entry.id === expect) learnedRight++;
  }
  await again.close();
  const n = inScope.length;
  return {
    set,
    heldOut: set !== TUNED_ON,
    mode: models ? 'hybrid' : 'lexical',
    entries: kb.current.size,
    inScope: n,
    outOfScope: outOfScope.length,
    answeredCorrectly: round(right / n),
    answeredWrongly: round(wrong / n),
    rightEntryAmongButtons: round(buttons / n),
    rightEntryShown: round((right + buttons) / n),
    declined: round(declined / n),
    outOfScopeAnswered: round(oosAnswered / outOfScope.length),
    outOfScopeGivenButtons: round(oosButtons / outOfScope.length),
    afterLearningAnsweredCorrectly: learnedQuestions.length ? round(learnedRight / learnedQuestions.length) : 0,
  };
}

export function describeSparse(f: SparseFigures): string {
  return `${f.set} (${f.entries} entries; ${f.heldOut ? 'held out' : 'tuned on'}), ${f.mode}: ${f.inScope} paraphrases: answered right ${f.answeredCorrectly}, wrong ${f.answeredWrongly}, right entry among buttons ${f.rightEntryAmongButtons} (shown ${f.rightEntryShown}), don't know ${f.declined}; ${f.outOfScope} out of scope: answered ${f.outOfScopeAnswered}, given buttons ${f.outOfScopeGivenButtons}; after learning the tapped questions, answered right ${f.afterLearningAnsweredCorrectly}`;
}
