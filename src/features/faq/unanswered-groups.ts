// The unanswered report, with paraphrases of one question together: "能停车吗" and "有停车位吗"
// are one gap in the knowledge base, counted once with all their askings.
// Greedy, most-asked first: a question joins the first group whose leading question it is at
// least SAME_QUESTION similar to (sentence embeddings), else starts its own.
import { cosine } from '../../embedding/index.js';

/**
 * Cosine similarity from which two unanswered questions count as one. With bge-small-zh, paraphrases
 * measured 0.73–0.90 ("能停车吗"/"有停车位吗" 0.81, "do you sell helmets"/"can i buy a helmet" 0.73),
 * unrelated questions 0.36–0.50.
 */
export const SAME_QUESTION = 0.72;

export interface UnansweredRow {
  question: string;
  count: number;
  lastAskedAt: string | null;
}

export interface UnansweredGroup extends UnansweredRow {
  /** The other wordings of the same question, most asked first; `count` includes them. */
  variants: { question: string; count: number }[];
}

export async function groupParaphrases(
  rows: readonly UnansweredRow[],
  embed: (texts: readonly string[]) => Promise<Float32Array[]>,
  threshold = SAME_QUESTION,
): Promise<UnansweredGroup[]> {
  const byCount = [...rows].sort(
    (a, b) => b.count - a.count || (b.lastAskedAt ?? '').localeCompare(a.lastAskedAt ?? ''),
  );
  const vectors = await embed(byCount.map((r) => r.question));
  const groups: { lead: Float32Array; group: UnansweredGroup }[] = [];
  byCount.forEach((row, i) => {
    const vector = vectors[i] as Float32Array;
    const home = groups.find((g) => cosine(g.lead, vector) >= threshold);
    if (!home) {
      groups.push({ lead: vector, group: { ...row, variants: [] } });
      return;
    }
    const g = home.group;
    g.variants.push({ question: row.question, count: row.count });
    g.count += row.count;
    if ((row.lastAskedAt ?? '') > (g.lastAskedAt ?? '')) g.lastAskedAt = row.lastAskedAt;
  });
  // Newest first, as the report has always been.
  return groups.map((g) => g.group).sort((a, b) => (b.lastAskedAt ?? '').localeCompare(a.lastAskedAt ?? ''));
}
