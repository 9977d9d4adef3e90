// From search results to one of three answers: the entry (high confidence), a choice of
// entries (middle), or "I don't know" (low).
import type { Match } from './search.js';

export interface Thresholds {
  /** The best entry is answered outright when it covers this share of the question… */
  high: number;
  /** …with at least this much evidence (distinctive words, see Match.evidence)… */
  highEvidence: number;
  /** …and scores this much above the runner-up (0.2 = 20 % higher). */
  margin: number;
  /** Entries with this coverage and evidence are offered as "did you mean". */
  middle: number;
  middleEvidence: number;
  maxSuggestions: number;
}

export type FaqDecision =
  | { band: 'high'; match: Match }
  | { band: 'middle'; suggestions: Match[] }
  | { band: 'low' };

export function decide(matches: readonly Match[], t: Thresholds): FaqDecision {
  const plausible = (m: Match) => m.coverage >= t.middle && m.evidence >= t.middleEvidence;
  const [top, second] = matches;
  if (!top || !plausible(top)) return { band: 'low' };
  const clearlyAhead = !second || top.score >= second.score * (1 + t.margin);
  if (top.coverage >= t.high && top.evidence >= t.highEvidence && clearlyAhead) return { band: 'high', match: top };
  return { band: 'middle', suggestions: matches.filter(plausible).slice(0, t.maxSuggestions) };
}
