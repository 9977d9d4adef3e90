// Notices when a message needs a person: an explicit request for one, or a complaint (anger,
// blame, food safety, money, legal threats, going public). Offline: rules for requests and a
// weighted lexicon for complaints, in Chinese and English. Questions, greetings and praise
// that share words with complaints ("退款政策是什么", "the staff were great") stay with the bot.
export type EscalationReason = 'human' | 'complaint' | 'safety' | 'money' | 'legal' | 'public';

export interface Detection {
  escalate: boolean;
  reason?: EscalationReason;
  /** High for safety, health, money and legal matters. */
  priority: 'high' | 'normal';
  /** The cues that fired, for the ticket and for tuning. */
  cues: string[];
}

interface Cue {
  reason: EscalationReason;
  weight: number;
  pattern: RegExp;
}

// Weight 2 escalates on its own; weaker cues (1) need company.
const cues: Cue[] = [
  // Asking for a person.
  {
    reason: 'human',
    weight: 2,
    pattern:
      /转人工|人工客服|人工服务|要人工|找人工|真人(客服)?|找(你们)?(的)?(经理|店长|负责人|老板)|叫(你们)?(经理|店长|负责人)/,
  },
  {
    reason: 'human',
    weight: 2,
    pattern:
      /\b(talk|speak|chat)\s+(to|with)\s+(a\s+|an\s+|your\s+|the\s+|some\s+)?(real\s+|actual\s+|live\s+)?(person|human|someone|somebody|agent|manager|representative|rep|staff|supervisor)\b|\b(real|actual|live)\s+(person|human|agent)\b|\bget\s+me\s+(a|an|the|your)\s+(manager|human|person|supervisor)\b|\bhuman\s+(agent|support|please)\b|\bconnect\s+me\s+(to|with)\b/i,
  },
  // Food safety and health.
  {
    reason: 'safety',
    weight: 2,
    pattern:
      /吃坏|拉肚子|腹泻|食物中毒|中毒|过敏(了|反应)|呕吐|吐了|上吐下泻|进医院|去医院|看急诊|有头发|头发丝|虫子|苍蝇|蟑螂|异物|玻璃|发霉|变质|馊了|过期了|不新鲜|吃出/,
  },
  {
    reason: 'safety',
    weight: 2,
    pattern:
      /\bfood\s+poison|\bpoison(ed|ing)\b|\b(got|get|getting|became|feel|feeling|felt)\s+(really\s+|so\s+|very\s+)?sick\b|\bvomit|\bthrew\s+up\b|\bthrowing\s+up\b|\bdiarrh?ea\b|\bhospital\b|\ballergic\s+reaction\b|\b(hair|bug|insect|fly|cockroach|glass|plastic|metal)\s+(in|inside)\b|\bmou?ldy?\b|\brotten\b|\bspoiled\b|\bexpired\b|\bemergency\s+room\b|\bstomach\s+(ache|pain)\b/i,
  },
  // Money.
  {
    reason: 'money',
    weight: 2,
    pattern:
      /扣了两次|扣两次|重复扣|多扣|乱扣|扣错|多收|乱收费|收了两次|退款(呢|还没|到底|在哪|怎么还)|必须(给我)?退|马上退|赶紧退|退钱|还钱|赔偿|赔钱|骗钱|钱没了/,
  },
  {
    reason: 'money',
    weight: 2,
    pattern:
      /\b(charged|billed)\s+(me\s+)?(twice|two\s+times|double|wrong)|\bdouble[-\s]?charged\b|\bover[-\s]?charged\b|\bwant\s+(my\s+)?(money|refund)\s*(back)?\s*(now|immediately|today)\b|\bgive\s+me\s+(my\s+)?(money|refund)\b|\bwhere('s|\s+is)\s+my\s+refund\b|\brefund\s+(me\s+)?(now|immediately)\b|\bstill\s+(haven't|have\s+not|didn't|not)\s+(got|gotten|received)\s+(my\s+)?refund\b|\bcompensat(e|ion)\b|\bscam(med)?\b|\bripped\s+off\b|\bstole\b/i,
  },
  // Legal, regulators, going public.
  {
    reason: 'legal',
    weight: 2,
    pattern: /12315|12345|消协|消费者协会|市场监管|工商局|报警|起诉|律师|法院|打官司|维权/,
  },
  {
    reason: 'legal',
    weight: 2,
    pattern:
      /\blawyer|\bsue\b|\bsuing\b|\blawsuit\b|\bpolice\b|\bhealth\s+(department|inspector)|\breport(ing)?\s+(you|this|it)\s+to\b|\bconsumer\s+(protection|association)\b|\bauthorities\b/i,
  },
  {
    reason: 'public',
    weight: 2,
    pattern: /曝光|发微博|上微博|发小红书|发抖音|发朋友圈|给.{0,6}差评|打差评|一星|媒体|记者/,
  },
  {
    reason: 'public',
    weight: 2,
    pattern:
      /\b(post(ing)?|share|sharing|put(ting)?)\s+(this|it|a\s+review)?\s*(on|to)\s+(twitter|x|yelp|facebook|instagram|tiktok|google|reddit|social\s+media)\b|\b(one|1)[-\s]star\b|\bbad\s+review\b|\bgo(ing)?\s+public\b|\bnews\b|\bjournalist\b|\bwarn\s+everyone\b/i,
  },
  // Complaints: anger, blame, failed orders.
  {
    reason: 'complaint',
    weight: 2,
    pattern:
      /投诉|太差|差劲|垃圾|破服务|什么破|气死|太气人|恶心|无语|失望透顶|太失望|态度(很|太|真|特别)?(差|恶劣|冷漠)|骂人|甩脸|欺负人|坑人|黑店|骗子|不像话|岂有此理|太过分|忍无可忍/,
  },
  {
    reason: 'complaint',
    weight: 1,
    pattern:
      /凉了|冷了|少了|漏了|漏送|送错|做错|错了|洒了|撒了|等了.{0,6}(小时|分钟|半天|好久)|还没(到|送|来)|一直没(到|送|人)|怎么回事|搞什么|什么玩意|生气|不满意|很失望|失望/,
  },
  {
    reason: 'complaint',
    weight: 2,
    pattern:
      /\b(terrible|awful|horrible|disgusting|unacceptable|worst|pathetic|ridiculous|furious|outrageous|appalling|atrocious)\b|\brude\b|\bcomplain(t|ing)?\b|\bfed\s+up\b|\bnever\s+(coming|ordering|again)\b|\bwaste\s+of\s+money\b/i,
  },
  {
    reason: 'complaint',
    weight: 1,
    pattern:
      /\bwrong\s+(order|drink|item|coffee)\b|\bmissing\b|\bnever\s+(arrived|came|showed)\b|\bstill\s+(waiting|hasn't|not\s+here)\b|\b(cold|spilled|spilt|soggy|burnt|stale)\b|\blate\b|\bangry\b|\bupset\b|\bdisappointed\b|\bmessed\s+up\b|\bforgot\b|\bignored\b|\bhour(s)?\s+(ago|late|wait)/i,
  },
];

/** Questions and praise: they cancel weak complaint cues ("is it late?", "great, not cold at all"). */
const neutral =
  /^(请问|问一下|想问|咨询|how\s+(do|does|can|long|much)|what('s|\s+is|\s+are)|can\s+i|do\s+you|is\s+there|are\s+(you|there))|[??]$|吗[??]?$/i;
const praise =
  /很好|太好了|特别好|非常好|真好|超赞|点赞|好评|满意|感谢|谢谢|棒|\b(great|amazing|awesome|excellent|love|lovely|best|fantastic|wonderful|thank(s| you))\b/i;
const negated =
  /不(太|算|怎么)?(差|凉|冷|失望)|没(有)?(少|漏|错)|\bnot\s+(bad|cold|late|disappointed)\b|\bno\s+complaints?\b/i;

const highPriority: EscalationReason[] = ['safety', 'money', 'legal', 'public'];

export function detectEscalation(text: string): Detection {
  const normalized = text.normalize('NFKC').trim();
  if (!normalized) return { escalate: false, priority: 'normal', cues: [] };
  const fired = cues.filter((c) => c.pattern.test(normalized));
  let weight = fired.reduce((sum, c) => sum + c.weight, 0);
  const strongest = [...fired].sort(
    (a, b) => Number(highPriority.includes(b.reason)) - Number(highPriority.includes(a.reason)) || b.weight - a.weight,
  )[0];
  const onlyWeak = fired.every((c) => c.weight < 2);
  if (onlyWeak && (neutral.test(normalized) || praise.test(normalized) || negated.test(normalized))) weight = 0;
  const escalate = weight >= 2 && strongest !== undefined;
  return {
    escalate,
    ...(escalate && strongest ? { reason: strongest.reason } : {}),
    priority: escalate && strongest && highPriority.includes(strongest.reason) ? 'high' : 'normal',
    cues: fired.map((c) => c.reason),
  };
}
