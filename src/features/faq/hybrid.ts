// Lexical search and sentence embeddings together. The lexical ranker is precise when words
// match; the embedding ranker finds paraphrases and says when a question is like none of the
// entries. An entry is answered outright when the lexical gate is sure and the embedding does not
// call it out of scope, or when both rankers put the same entry first with a similarity above the
// knowledge base's calibrated answer level. Suggestions are the two rankings fused (reciprocal
// rank fusion), keeping only entries above the calibrated suggestion level, so a question like
// none of the entries gets "I don't know" without unrelated buttons.
import { decide, type FaqDecision, type Thresholds } from './decide.js';
import type { Match } from './search.js';
import type { Calibration, Similarities } from './semantic.js';

/** Reciprocal rank fusion's constant: small, as both lists are short and their heads matter. */
const RRF_K = 10;
const FUSED_DEPTH = 10;

export interface SemanticView {
  /** The question's similarity to each entry. */
  similarity: Similarities;
  /** The knowledge base's levels for the question's language. */
  calibration: Calibration;
}

export function decideHybrid(matches: readonly Match[], semantic: SemanticView, t: Thresholds): FaqDecision {
  const { similarity, calibration } = semantic;
  const byEmbedding = similarity.top(FUSED_DEPTH);
  const lexical = decide(matches, t);
  // An entry the index does not hold (none of its texts is in the question's language) is left to words.
  const lexicallyShown = new Set(
    lexical.band === 'high'
      ? [lexical.match.entry.id]
      : lexical.band === 'middle'
        ? lexical.suggestions.map((m) => m.entry.id)
        : [],
  );
  const shown = (id: string) => {
    const sim = similarity.of(id);
    return sim === undefined ? lexicallyShown.has(id) : sim >= calibration.suggestAt;
  };

  if (lexical.band === 'high' && shown(lexical.match.entry.id)) return lexical;
  const top = matches[0];
  if (top && byEmbedding[0]?.entry.id === top.entry.id && (byEmbedding[0]?.score ?? -1) >= calibration.answerAt) {
    return { band: 'high', match: top };
  }

  const fused = new Map<string, number>();
  const add = (id: string, rank: number) => fused.set(id, (fused.get(id) ?? 0) + 1 / (RRF_K + rank + 1));
  byEmbedding.forEach((e, rank) => {
    add(e.entry.id, rank);
  });
  matches.slice(0, FUSED_DEPTH).forEach((m, rank) => {
    add(m.entry.id, rank);
  });
  const byId = new Map(matches.map((m) => [m.entry.id, m]));
  const byVector = new Map(byEmbedding.map((e) => [e.entry.id, e]));
  const suggestions = [...fused]
    .sort((a, b) => b[1] - a[1])
    .map(([id]) => id)
    .filter(shown)
    .slice(0, t.maxSuggestions)
    .flatMap((id): Match[] => {
      const m = byId.get(id);
      if (m) return [m];
      // Found by the embedding only: no words in common.
      const found = byVector.get(id);
      return found ? [{ entry: found.entry, score: found.score, coverage: 0, evidence: 0 }] : [];
    });
  return suggestions.length ? { band: 'middle', suggestions } : { band: 'low' };
}
