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

export type FaqDecision = { band: 'high'; match: Match } | { band: 'middle'; suggestions: Match[] } | { band: 'low' };

export function decide(matches: readonly Match[], t: Thresholds): FaqDecision {
  // A short question ("会员", "parking?") has little evidence but is all covered: worth a choice.
  const plausible = (m: Match) => m.coverage >= t.middle && (m.evidence >= t.middleEvidence || m.coverage >= 0.6);
  const [top, second] = matches;
  if (!top || !plausible(top)) return { band: 'low' };
  const clearlyAhead = !second || top.score >= second.score * (1 + t.margin);
  const strong = top.coverage >= t.high && top.evidence >= t.highEvidence;
  // A short question the entry covers nearly whole ("how far do u deliver") is strong too.
  const whole = top.coverage >= 0.75 && top.evidence >= t.middleEvidence;
  if (clearlyAhead && (strong || whole)) return { band: 'high', match: top };
  return { band: 'middle', suggestions: matches.filter(plausible).slice(0, t.maxSuggestions) };
}
