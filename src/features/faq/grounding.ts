// Whether a model's reply says only what the entries it cites say. Citing a real entry is not
// enough: the reply must not promise actions the engine never takes (the model cannot act), must
// not state numbers the entries do not have, and must share enough of their words. A reply that
// fails is not sent; the customer gets the offline answer instead.
import { detectLocale } from '../../engine/i18n.js';
import { numbersIn } from './numbers.js';
import { promisedActions } from './promises.js';
import type { KnowledgeEntry } from './search.js';
import { tokenize } from './tokenize.js';

/** Share of the reply's distinct search terms that must come from the cited entries. */
export const MIN_SUPPORT = 0.5;

export type Grounding = { ok: true } | { ok: false; reason: 'promise' | 'numbers' | 'unsupported'; detail: string };

/**
 * Checks a reply against the entries it cites. Terms are compared when the reply is in the
 * language of a cited entry; a reply in another language (a translated entry) is held to the
 * entries' numbers instead: it must state none they lack, and at least one of theirs when they have any.
 */
export function checkGrounding(reply: string, cited: readonly KnowledgeEntry[]): Grounding {
  const answers = cited.map((e) => e.answer);
  const promises = promisedActions(reply, answers);
  if (promises.length) return { ok: false, reason: 'promise', detail: promises.join('; ') };

  const known = new Set(answers.flatMap((a) => [...numbersIn(a)]));
  const stated = [...numbersIn(reply)];
  const foreign = stated.filter((n) => !known.has(n));
  if (foreign.length)
    return { ok: false, reason: 'numbers', detail: `not in the cited entries: ${foreign.join(', ')}` };

  const locale = detectLocale(reply);
  const sameLanguage = cited.filter((e) => (detectLocale(e.answer) ?? e.locale) === locale);
  if (!sameLanguage.length) {
    if (known.size && !stated.length) {
      return {
        ok: false,
        reason: 'unsupported',
        detail: 'a translated reply that states none of the entries’ numbers',
      };
    }
    return { ok: true };
  }
  const source = new Set(sameLanguage.flatMap((e) => tokenize([e.answer, ...e.questions, ...e.tags].join('\n'))));
  const terms = [...new Set(tokenize(reply))];
  if (!terms.length) return { ok: false, reason: 'unsupported', detail: 'the reply has no terms to compare' };
  const shared = terms.filter((t) => source.has(t)).length;
  const support = shared / terms.length;
  if (support < MIN_SUPPORT || shared < Math.min(2, source.size)) {
    return {
      ok: false,
      reason: 'unsupported',
      detail: `${shared} of ${terms.length} terms from the cited entries (${Math.round(support * 100)} %)`,
    };
  }
  return { ok: true };
}
