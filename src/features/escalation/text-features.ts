// What the escalation scorer reads of a message besides its sentence embedding: character
// n-grams, hashed. They carry what a small embedding model blurs (a typo'd "humen", "转认工",
// "12315", an emoji) and cost microseconds. Chinese runs give characters and character pairs;
// other words give themselves and their character trigrams (so "tlak" shares most of "talk").
export const HASH_BITS = 15;
const BUCKETS = 1 << HASH_BITS;

const han = /\p{Script=Han}/u;
const token = /\p{Script=Han}+|[\p{L}\p{N}'’]+|\p{Extended_Pictographic}|[!！?？]{2,}|\S/gu;

/** NFKC, lower case, digits as 0 (amounts and dates vary, their presence matters). */
export function normalizeForScoring(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\d/g, '0').replace(/\s+/g, ' ').trim();
}

/** Words that turn what follows around ("not rude", "no complaints", "不难吃", "没有异味"). */
const negatorEn = /^(not|no|never|nothing|without|hardly|barely|nobody|none|neither|nor|\w+n[’']t|cannot)$/;
const negatorZh = /[不没无未别非]/;
/** Clause ends: a negation reaches no further. */
const clauseEnd = /^[,，.。!！?？;；:：~～…]+$/;
/** How many words or characters after a negator are read as negated. */
const SCOPE = 3;

/**
 * The message's n-grams. Words and characters within SCOPE after a negator, in the same clause,
 * are marked (¬): "rude" and "not … rude" are different features, so the scorer learns praise
 * built from negative words from the examples instead of from a list of phrases.
 */
function grams(text: string): string[] {
  const out: string[] = [];
  let previous = '^';
  let negatedWords = 0;
  for (const [t] of normalizeForScoring(text).matchAll(token)) {
    if (clauseEnd.test(t) || /^[!！?？]+$/.test(t)) negatedWords = 0;
    if (han.test(t)) {
      const chars = [...t];
      let negatedChars = 0;
      chars.forEach((c, i) => {
        const mark = negatedChars > 0 ? '¬' : '';
        out.push(`${mark}${c}`);
        if (i > 0) out.push(`${mark}${chars[i - 1]}${c}`);
        negatedChars = negatorZh.test(c) ? SCOPE : Math.max(0, negatedChars - 1);
      });
      previous = '^';
      negatedWords = 0;
      continue;
    }
    const mark = negatedWords > 0 ? '¬' : '';
    out.push(`w:${mark}${t}`);
    out.push(`b:${previous} ${t}`);
    previous = t;
    const padded = `^${t}$`;
    for (let i = 0; i + 3 <= padded.length; i++) out.push(`${mark}${padded.slice(i, i + 3)}`);
    negatedWords = negatorEn.test(t) ? SCOPE : Math.max(0, negatedWords - 1);
  }
  return out;
}

/** FNV-1a, 32 bits. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The message as sparse features: bucket → weight, L2-normalized. */
export function hashedGrams(text: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const g of grams(text)) {
    const b = hash(g) % BUCKETS;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  let norm = 0;
  for (const v of counts.values()) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (const [k, v] of counts) counts.set(k, v / norm);
  return counts;
}

/**
 * How long the message is, in four flags (up to 4, 10 and 25 characters; over 80): the labelled
 * sets' short messages are mostly details and acknowledgements ("两位", "ok"), and without this
 * the embedding of a two-word text lands near the short complaints ("人呢", "hello??").
 */
export function shapeOf(text: string): number[] {
  const n = [...text.trim()].length;
  return [n <= 4 ? 1 : 0, n <= 10 ? 1 : 0, n <= 25 ? 1 : 0, n > 80 ? 1 : 0];
}
