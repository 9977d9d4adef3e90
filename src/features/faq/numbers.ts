// The numbers a text states, in one canonical form, so a model's answer can be held to the
// numbers of the entries it cites: "1,000", "１０００" and "一千积分" are all 1000; "7:30" is 7 and 30.
// Number words count only before a unit (积分, 元, points, km…): "一下", "万一" and "one of" are not numbers.

const UNITS_ZH = '(?:积分|分钟|小时|元|块|公里|千米|米|杯|份|张|%|倍|折|天|周|个月|月|年|岁)';
const UNITS_EN =
  '(?:points?|yuan|rmb|dollars?|percent|%|km|kilomet(?:er|re)s?|miles?|minutes?|hours?|days?|weeks?|months?|years?|cups?|coupons?|times)';

const zhDigit: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const zhUnit: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const zhSection: Record<string, number> = { 万: 10_000, 亿: 100_000_000 };

function chineseNumber(text: string): number {
  // Digits alone ("二〇二六") read digit by digit.
  if (!/[十百千万亿]/.test(text)) return Number([...text].map((c) => zhDigit[c] ?? 0).join(''));
  let total = 0;
  let section = 0;
  let current = 0;
  for (const c of text) {
    if (c in zhDigit) current = zhDigit[c] ?? 0;
    else if (c in zhUnit) {
      section += (current || 1) * (zhUnit[c] ?? 1);
      current = 0;
    } else if (c in zhSection) {
      total = (total + section + current) * (zhSection[c] ?? 1);
      section = 0;
      current = 0;
    }
  }
  return total + section + current;
}

const enSmall: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const enScale: Record<string, number> = { hundred: 100, thousand: 1000, million: 1_000_000 };
const EN_WORD = `(?:${[...Object.keys(enSmall), ...Object.keys(enScale)].join('|')})`;

function englishNumber(words: string[]): number | undefined {
  let total = 0;
  let current = 0;
  let seen = false;
  for (const w of words) {
    if (w in enSmall) {
      current += enSmall[w] ?? 0;
      seen = true;
    } else if (w === 'hundred') {
      current = (current || 1) * 100;
      seen = true;
    } else if (w in enScale) {
      total += (current || 1) * (enScale[w] ?? 1);
      current = 0;
      seen = true;
    } else if (w === 'a' || w === 'an') current = current || 1;
  }
  return seen ? total + current : undefined;
}

const canonical = (n: number) => String(Number(n.toFixed(6)));

/** Every number the text states, canonical ("5", "1000", "7.5"). */
export function numbersIn(text: string): Set<string> {
  const t = text.normalize('NFKC').toLowerCase();
  const found = new Set<string>();
  for (const [m] of t.matchAll(/\d+(?:[.,]\d+)*/g)) {
    // "1,000" is one number; "5,30" (a list, or a Chinese comma after NFKC) is two.
    const parts = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(m) ? [m.replace(/,/g, '')] : m.split(',');
    for (const p of parts) found.add(canonical(Number(p)));
  }
  for (const m of t.matchAll(new RegExp(`([零〇一二两三四五六七八九十百千万亿]+)(?=${UNITS_ZH})`, 'g'))) {
    found.add(canonical(chineseNumber(m[1] ?? '')));
  }
  const enRun = new RegExp(`\\b((?:(?:a|an|and|${EN_WORD})[\\s-]+)*${EN_WORD})[\\s-]*(?=${UNITS_EN}(?![a-z]))`, 'g');
  for (const m of t.matchAll(enRun)) {
    const value = englishNumber((m[1] ?? '').split(/[\s-]+/));
    if (value !== undefined) found.add(canonical(value));
  }
  return found;
}
