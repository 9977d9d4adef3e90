// Lexical search and sentence embeddings together. The lexical ranker is precise when words
// match; the embedding ranker finds paraphrases and says when a question is like none of the
// entries. An entry is answered outright when the lexical gate is sure and the embedding does not
// call it out of scope, or when both rankers put the same entry first with a similarity above the
// knowledge base's calibrated answer level. Suggestions are the two rankings fused (reciprocal
// rank fusion), keeping only entries above the calibrated suggestion level, so a question like
// none of the entries gets "I don't know" without unrelated buttons.
import { decide, type FaqDecision, type Thresholds } from './decide.js';
import type { KnowledgeEntry, Match } from './search.js';
import type { Calibration } from './semantic.js';

/** Reciprocal rank fusion's constant: small, as both lists are short and their heads matter. */
const RRF_K = 10;
const FUSED_DEPTH = 10;

export interface SemanticView {
  /** The entries in the semantic index's order, and each one's similarity to the question. */
  entries: readonly KnowledgeEntry[];
  scores: Float64Array;
  calibration: Calibration;
}

export function decideHybrid(matches: readonly Match[], semantic: SemanticView, t: Thresholds): FaqDecision {
  const { entries, scores, calibration } = semantic;
  const ids = entries.map((e) => e.id);
  const similarity = new Map(ids.map((id, i) => [id, scores[i] as number]));
  const sim = (id: string) => similarity.get(id) ?? -1;
  const byEmbedding = ids
    .map((id, i) => ({ id, score: scores[i] as number }))
    .sort((a, b) => b.score - a.score)
    .slice(0, FUSED_DEPTH);

  const lexical = decide(matches, t);
  if (lexical.band === 'high' && sim(lexical.match.entry.id) >= calibration.suggestAt) return lexical;
  const top = matches[0];
  if (top && byEmbedding[0]?.id === top.entry.id && sim(top.entry.id) >= calibration.answerAt) {
    return { band: 'high', match: top };
  }

  const fused = new Map<string, number>();
  const add = (id: string, rank: number) => fused.set(id, (fused.get(id) ?? 0) + 1 / (RRF_K + rank + 1));
  byEmbedding.forEach((e, rank) => {
    add(e.id, rank);
  });
  matches.slice(0, FUSED_DEPTH).forEach((m, rank) => {
    add(m.entry.id, rank);
  });
  const byId = new Map(matches.map((m) => [m.entry.id, m]));
  const entryOf = new Map(entries.map((e) => [e.id, e]));
  const suggestions = [...fused]
    .sort((a, b) => b[1] - a[1])
    .map(([id]) => id)
    .filter((id) => sim(id) >= calibration.suggestAt)
    .slice(0, t.maxSuggestions)
    .flatMap((id): Match[] => {
      const m = byId.get(id);
      if (m) return [m];
      // Found by the embedding only: no words in common.
      const entry = entryOf.get(id);
      return entry ? [{ entry, score: sim(id), coverage: 0, evidence: 0 }] : [];
    });
  return suggestions.length ? { band: 'middle', suggestions } : { band: 'low' };
}
