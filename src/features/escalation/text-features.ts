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

function grams(text: string): string[] {
  const out: string[] = [];
  let previous = '^';
  for (const [t] of normalizeForScoring(text).matchAll(token)) {
    if (han.test(t)) {
      const chars = [...t];
      chars.forEach((c, i) => {
        out.push(c);
        if (i > 0) out.push(`${chars[i - 1]}${c}`);
      });
      previous = '^';
      continue;
    }
    out.push(`w:${t}`);
    out.push(`b:${previous} ${t}`);
    previous = t;
    const padded = `^${t}$`;
    for (let i = 0; i + 3 <= padded.length; i++) out.push(padded.slice(i, i + 3));
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
