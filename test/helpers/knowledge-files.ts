// A large knowledge base written as files, for the reload test and npm run bench:faq-load: Chinese
// and English entries in about equal numbers, of the lengths a business writes (several ways of
// asking, an answer of a sentence or three, a few tags), as YAML files with some CSV files the way
// a spreadsheet exports them (one question per row, later rows with the same id). Deterministic:
// the same size gives the same files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Two-character words (the text is made of words, as ICU segments real text). */
const HAN_WORDS =
  '产品服务价格订单发货退换保修安装维修预约课程活动优惠门票酒店机票手机电脑家具衣服鞋子宠物医院学校银行保险快递物流仓库工厂设计咨询培训会议展览租赁装修清洁搬家摄影旅游健身美容会员积分生日礼品包装发票退款换货尺码颜色库存营业门店地址停车外卖配送咖啡茶饮蛋糕早餐午餐晚餐甜品套餐'.match(
    /../g,
  ) as string[];
const ZH_ASK = ['怎么办', '可以吗', '多少钱', '在哪里', '需要多久', '怎么申请', '有没有', '能不能', '是什么'];
const EN_STARTS = [
  'how do i',
  'can i',
  'what is the',
  'is there a',
  'where can i find the',
  'do you offer',
  'when does the',
];
const EN_COMMON =
  'order delivery refund return warranty install repair booking course event coupon ticket hotel flight phone laptop furniture clothes shoes pet clinic school bank insurance parcel shipping warehouse design consulting training meeting exhibition rental cleaning moving photo travel fitness beauty member points birthday gift wrapping invoice exchange size colour stock opening store address parking takeaway coffee tea cake breakfast lunch dinner dessert set menu price discount account password payment card cash transfer schedule weekend holiday'.split(
    ' ',
  );

export interface GeneratedKnowledge {
  /** Entries written, Chinese and English. */
  entries: number;
  files: string[];
  /** A stored question of some entries, with that entry's id: questions to compare rankings with. */
  samples: { question: string; id: string }[];
}

/** Writes `size` entries into `dir` (created if missing): 80 % in YAML files, 20 % in CSV files. */
export function writeKnowledgeFiles(dir: string, size: number, perFile = 2500): GeneratedKnowledge {
  mkdirSync(dir, { recursive: true });
  // mulberry32: 32-bit integer arithmetic (a multiplication in doubles loses bits and cycles soon).
  let seed = 20_241_202;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  // A product vocabulary of made-up English words beside the common ones: a big base has many names.
  const names = Array.from(
    { length: 6000 },
    (_, i) =>
      `${pick(['pro', 'ser', 'con', 'tra', 'mar', 'lin', 'gal', 'vor', 'den', 'kip', 'bel', 'sto'])}${pick(['ta', 'lo', 'mi', 'ra', 'ven', 'dor', 'ix', 'ul', 'ent', 'ash'])}${pick(['', 'er', 'on', 'ing', 'ly', 'ness'])}${i % 53}`,
  );
  const enWord = () => (rand() < 0.6 ? pick(EN_COMMON) : pick(names));
  const zhPhrase = (words: number) => Array.from({ length: words }, () => pick(HAN_WORDS)).join('');
  const zhQuestion = () => `${zhPhrase(between(2, 4))}${pick(ZH_ASK)}？`;
  const zhClause = () => `${zhPhrase(between(6, 12))}${rand() < 0.3 ? `${between(5, 500)}元` : ''}`;
  const zhAnswer = () => `${Array.from({ length: between(2, 3) }, zhClause).join('，')}。`;
  const enQuestion = () => `${pick(EN_STARTS)} ${Array.from({ length: between(2, 5) }, enWord).join(' ')}?`;
  const enAnswer = () =>
    Array.from(
      { length: between(2, 3) },
      () =>
        `${Array.from({ length: between(6, 10) }, enWord).join(' ')}${rand() < 0.3 ? ` for ${between(5, 500)} yuan` : ''}.`,
    ).join(' ');

  const files: string[] = [];
  const samples: GeneratedKnowledge['samples'] = [];
  const csvFrom = Math.floor(size * 0.8);
  for (let start = 0, n = 0; start < size; n++) {
    const csv = start >= csvFrom;
    const end = Math.min(size, start + (csv ? perFile * 2 : perFile), csv ? size : csvFrom);
    const entries = [];
    for (let i = start; i < end; i++) {
      const zh = rand() < 0.5;
      const questions = Array.from({ length: between(3, 8) }, zh ? zhQuestion : enQuestion);
      const tags = Array.from({ length: between(2, 6) }, () => (zh ? zhPhrase(1) : pick(EN_COMMON)));
      const entry = {
        id: `kb-${i}`,
        questions,
        answer: zh ? zhAnswer() : enAnswer(),
        locale: zh ? 'zh-CN' : 'en',
        tags,
      };
      entries.push(entry);
      if (i % Math.max(1, Math.floor(size / 40)) === 0)
        samples.push({ question: questions[1] as string, id: entry.id });
    }
    const file = `kb-${String(n).padStart(3, '0')}.${csv ? 'csv' : 'yaml'}`;
    writeFileSync(join(dir, file), csv ? toCsv(entries) : stringify(entries));
    files.push(file);
    start = end;
  }
  return { entries: size, files, samples };
}

const cell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One row per question; the first carries the answer, locale and tags. */
function toCsv(entries: { id: string; questions: string[]; answer: string; locale: string; tags: string[] }[]): string {
  const rows = ['question,answer,id,locale,tags'];
  for (const e of entries) {
    e.questions.forEach((q, i) => {
      rows.push(
        i === 0
          ? [q, e.answer, e.id, e.locale, e.tags.join(';')].map(cell).join(',')
          : [q, '', e.id, '', ''].map(cell).join(','),
      );
    });
  }
  return `${rows.join('\n')}\n`;
}
