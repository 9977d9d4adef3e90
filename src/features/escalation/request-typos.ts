// Requests for a person as customers really type them: misspelt ("can i tlak to a humen"),
// voice-typed homophones ("转认工"), pinyin ("zrg", "zhuan ren gong") and half in each language
// ("我要talk to真人"). `spellRequestWords` rewrites the words a request is made of to their
// dictionary spelling before the rules read the message; `mixedRequest` and `pinyinRequest` catch
// what no single-language rule can.

/** Words of a request for a person, and what an edit away from them still means them. */
const requestWords = [
  'human',
  'humans',
  'person',
  'manager',
  'supervisor',
  'representative',
  'operator',
  'someone',
  'somebody',
  'customer',
  'service',
  'agent',
];
/** Real words one edit from a request word: never rewritten. */
const realNeighbours = new Set(['humane', 'humid', 'prison', 'persons', 'agents', 'urgent', 'services', 'customers']);
/** Short words whose typos are listed rather than guessed (an edit from "talk" is "tall", "walk"). */
const listedTypos: Record<string, string> = {
  tlak: 'talk',
  takl: 'talk',
  tak: 'talk',
  tallk: 'talk',
  taalk: 'talk',
  spek: 'speak',
  speek: 'speak',
  sepak: 'speak',
  spaek: 'speak',
  humn: 'human',
  hooman: 'human',
  humen: 'human',
  huamn: 'human',
  hman: 'human',
  peron: 'person',
  preson: 'person',
  prson: 'person',
  persn: 'person',
  mngr: 'manager',
  manger: 'manager',
  manegar: 'manager',
  rel: 'real',
  reel: 'real',
  raal: 'real',
};

/** Optimal-string-alignment distance, stopping early past 1. */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((d[i - 1] as number[])[j] as number, row[j - 1] as number) + 1;
      v = Math.min(v, ((d[i - 1] as number[])[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = v;
    }
  }
  return ((d[a.length] as number[])[b.length] as number) <= 1;
}

function spelled(word: string): string {
  const lower = word.toLowerCase();
  const listed = listedTypos[lower];
  if (listed) return listed;
  if (lower.length < 5 || realNeighbours.has(lower) || requestWords.includes(lower)) return word;
  return requestWords.find((w) => withinOneEdit(lower, w)) ?? word;
}

/** Homophones voice typing gives for 人工 and 真人. */
const homophones: [RegExp, string][] = [
  [/[认仁忍任]工(?!作|资|程)/g, '人工'],
  [/人[公攻功](?!司|安|众|主)/g, '人工'],
  [/[针珍甄]人/g, '真人'],
];

/** The message with request words spelled right; everything else unchanged. */
export function spellRequestWords(text: string): string {
  let out = text.replace(/[A-Za-z]+/g, spelled);
  for (const [pattern, word] of homophones) out = out.replace(pattern, word);
  return out;
}

/** Pinyin for 人工 / 转人工 / 人工客服 / 真人: "rg", "zrg", "rgkf", "zhuan ren gong", "rengong". */
const pinyin =
  /(^|[^a-z])(z(huan)?\s*)?(r\s*g|ren\s*gong)(\s*(k\s*f|ke\s*fu))?([^a-z]|$)|(^|[^a-z])zhen\s*ren([^a-z]|$)/i;

/** Chinese and English in one request: "我要talk to真人", "帮我connect一下real person", "有没有real person". */
const mixed = [
  /(要|找|转|接|帮我|让我|给我|能不能|可不可以|可以|有没有|想)[^,，。.!！?？]{0,8}(talk|speak|chat|connect)?[^,，。.!！?？]{0,4}\b(real\s+|live\s+|actual\s+)?(person|human|agent|manager|staff|someone|somebody|people)\b/i,
  /\b(talk|speak|chat|connect)\b[^,，。.!！?？]{0,8}(真人|人工|客服|经理|店长|负责人|工作人员)/i,
  /\b(real|live|actual)\s+(person|human|people)\b.{0,6}(吗|嘛|么|呢|吧|啊|好吗|可以|帮)/i,
];

export function pinyinRequest(text: string): boolean {
  return pinyin.test(text);
}

export function mixedRequest(text: string): boolean {
  return /\p{Script=Han}/u.test(text) && /[A-Za-z]/.test(text) && mixed.some((p) => p.test(text));
}
