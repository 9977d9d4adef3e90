// Notices when a message needs a person: an explicit request for one, or a complaint (anger,
// blame, food safety, money, legal threats, going public). Offline: rules for requests and a
// weighted lexicon for complaints, in Chinese and English. Questions, greetings and praise
// that share words with complaints ("退款政策是什么", "the staff were great") stay with the bot.
import { mixedRequest, pinyinRequest, spellRequestWords } from './request-typos.js';

export type EscalationReason = 'human' | 'complaint' | 'safety' | 'money' | 'legal' | 'public';

export interface Detection {
  escalate: boolean;
  reason?: EscalationReason;
  /** High for safety, health, money and legal matters. */
  priority: 'high' | 'normal';
  /** The cues that fired, for the ticket and for tuning. */
  cues: string[];
  /** An explicit request for a person ("转人工", "talk to a manager"): escalates whatever the scorer thinks. */
  explicit?: boolean;
}

interface Cue {
  reason: EscalationReason;
  weight: number;
  pattern: RegExp;
  /** Intensity only ("!!!", "again", "第三次"): adds to other cues, never names the reason. */
  amplifier?: boolean;
  /** A weak cue that counts once however many of its phrases occur (context such as "my order"). */
  once?: boolean;
  /** Posting about us: with praise it is a recommendation ("I'll post about you, love this place"). */
  praisable?: boolean;
}

/** One case-insensitive pattern from several alternatives, so each family of phrases gets its own line. */
function anyOf(...parts: (RegExp | string)[]): RegExp {
  return new RegExp(parts.map((p) => `(?:${typeof p === 'string' ? p : p.source})`).join('|'), 'i');
}

// Building blocks shared by several patterns.
/** A Chinese clause: no punctuation in between ("吃了…就吐了"). */
const clause = '[^,，。.!！?？;；]';
/** Not asked as a question later in the clause ("里面有块巧克力吗" is a question, not a find). */
const notAsked = '(?![^,，。]*[吗?？])';
/** Staff and people in charge, in Chinese. */
const staffZh = '(经理|店长|店主|负责人|老板|主管|领导|上级|上司|管理层|管理人员|工作人员|店员|员工|服务员|客服人员)';
/** What a café sells or delivers, in English. */
const itemEn =
  '(order|delivery|drink|coffee|latte|cappuccino|americano|flat\\s+white|mocha|tea|matcha|food|sandwich|croissant|muffin|scone|bagel|cake|cookie|pastry|bread|salad|milk|cup|lid|bag|meal|pickup|receipt|bill)';
/** Places a customer can go public on. */
const platformEn =
  '(twitter|x|yelp|facebook|instagram|insta|tiktok|google|reddit|social\\s+media|online|the\\s+internet|xiaohongshu|weibo|douyin|dianping)';

// Weight 2 escalates on its own. Weak cues (1) need company: each weak group describes one
// phenomenon (late, wrong item, damaged on arrival, a letdown...), and two different phrases of
// a weak group, or two weak groups, or a weak group and an intensity cue, escalate together
// ("arrived cold and half of it was missing", "wrong order AGAIN").
const cues: Cue[] = [
  // ================================================================ asking for a person
  {
    reason: 'human',
    weight: 2,
    pattern: anyOf(
      // 人工 with a transfer verb, or followed by a service noun / particle; never 人工智能.
      /(转|接|找|要|叫|换|切|呼叫|联系|申请|安排)(一下|个|一个)?(接)?人工(?!智能)|人工(?!智能)(客服|服务|坐席|处理|在吗|呢|吧)/,
      /转接|接通(客服|人工|店里)/,
      // A live person: 活人 is always a request; 真人 only with a request verb (not "你是真人吗").
      /活人|(要|找|跟|和|同|转|接|换|叫|让|有没有|有无)(一)?(个|位)?真人|真人(客服|服务|回复|来|说话|沟通|聊|处理)/,
      // Someone who can actually deal with it.
      /给我(找|换|派|叫)(一)?(个)?人|(让|找|派|叫|换|来)(你们的)?(一)?(个)?(人|懂的人|能做主的人|管事的|负责的人)(来)?(来|处理|解决|跟我|和我|回复|说|管)/,
      /(找|派|叫|换|来)(一)?个[^,，。?？]{0,4}人来|换(个|一个)人/,
      // Refusing the bot.
      /不(想|要|愿意)(再)?(跟|和|同)?(机器|机器人|AI|自动回复|智能客服)|机器人(太笨|没用|听不懂|解决不了)|别(再)?(用)?(模板|自动回复|机器人)(回复|回答|敷衍)?|(客服|机器人)(都|就)?是摆设|(跟|和)你说不(清|通|明白)/,
    ),
  },
  {
    reason: 'human',
    weight: 2,
    pattern: anyOf(
      // Someone in charge or on staff: summoned, or asked to get in touch ("让店员帮忙切蛋糕" is not).
      `(找|叫|喊|要求)(一下|个|一个)?(你们)?(店里|门店|店)?(的)?(值班)?${staffZh}`,
      `(让|请)(你们)?(店里|门店|店)?(的)?${staffZh}(直接|亲自|本人)?(来|出来|过来|联系|回|打|处理|解决|跟我|和我|给我(回|打))`,
      `(和|跟|同)(你们)?(店里|门店|店)?(的)?(${staffZh}|人工|真人)(当面|直接)?(沟通|说|谈|联系|对话|交流|通(个)?电话|打(个)?电话|聊)`,
      `${staffZh}(出来|过来|给我(回|打)|(来)?联系我|跟我(说|谈|联系))`,
      `(你们)?${staffZh}(有人|谁)?(能|可以)?(回复|回个话|出面|处理一下)`,
      /(有没有|有)(负责的人|负责人|管事的|能做主的)|出来说(句)?话|(帮我|请|麻烦)(你)?(联系|转告|通知)(一下)?(门店|店里|店长|经理|商家|店员|负责人)/,
      /(经理|店长|负责人|主管|领导)(呢|在哪|在吗|在不在|(的)?(电话|手机|联系方式))|老板呢|叫(他|她|人)出来|直接(跟|和|找)(他|她|你们|人)/,
      // A call back.
      /回(个|一个)?电话|给我回电|给我打(个|一下)?电话|打(个)?电话给我|电话联系我/,
    ),
  },
  {
    reason: 'human',
    weight: 2,
    pattern: anyOf(
      // Talk/speak to a person as a request ("can I", "let me", a bare imperative), not a story.
      /(^|\b(can|could|may|let|want|need|like|wanna|rather|please|must|demand|have\s+to)\b[^.!?]{0,20})\b(talk|speak|chat)\s+(to|with)\s+(a|an|your|the|some|one\s+of\s+your)?\s*((real|actual|live|human|store|shop|duty|head|general)\s+)?(person|human|someone|somebody|agent|manager|representative|rep|staff|supervisor|employee|operator|people|boss|owner|member\s+of|customer\s+(service|support|care))\b/,
      // Is there a real person?
      /\bis\s+there\s+(a|an|any)\s+(real|actual|live|human)\s+(person|human|agent|being|one)\b|\bis\s+there\s+((a|an|any)\s+(\w+\s+)?(person|human|manager|supervisor|agent|representative|staff)|anyone|anybody|someone|somebody)\b[^.!?]{0,20}\b(talk|speak|chat)\b/,
      /\b(real|actual|live)\s+(person|human|agent|people|rep|representative)\s*(please|pls|now|asap|!|$)|\bhuman\s+(agent|support|please|being)\b/,
      /\b(someone|somebody|person|whoever)\s+(is\s+)?in\s+charge\b|\b(someone|somebody|a\s+person|a\s+human)\s+real\b/,
      // Get / put me through / connect me / escalate; I want a manager.
      /\b(get|give|put|transfer|pass|send)\s+me\s+((to|through\s+to|with|a|an|the|your)\s+)?[^.!?]{0,15}\b(manager|human|person|supervisor|agent|someone|somebody|representative|staff|employee|support|customer\s+service)\b|\bconnect\s+me\s+(to|with)\b/,
      /\b(want|need|demand|get)\s+(a|an|to\s+see\s+(a|the|your))\s+(real\s+)?(human|person|manager|supervisor|agent|representative)\b/,
      /\bis\s+(there\s+)?(anyone|anybody|someone|somebody)\b[^.!?]{0,30}\b(talk|speak|chat|call)\b/,
      /\bwho\s+(can|do|should)\s+i\s+(call|contact|talk\s+to|speak\s+(to|with)|complain\s+to)\b/,
      /\bescalate\b|\b(pass|forward|send|refer)\s+(this|it|me)\s+(on\s+)?to\s+(a|the|your|some)\s+(manager|supervisor|human|person|team|staff|someone)\b/,
      // Contact me / call me back; rather tell a person.
      /\bcall\s+me\s+back\b|\b(give|gimme)\s+(me\s+)?a\s+(call|ring)\b|\bphone\s+me\b/,
      /\b(someone|somebody|staff|a\s+person|manager|a\s+human|employee)\b[^.!?]{0,20}\b(contact|call|phone|email|text|reach\s+out\s+to)\s+me\b/,
      /\b(rather|prefer)\b[^.!?]{0,30}\b(person|human|someone|somebody|staff)\b/,
      // Refusing the bot.
      /\b(don'?t|do\s+not)\s+want\s+(to\s+(talk|chat|speak)\s+(to|with)\s+)?(a|the|this|your)\s+(stupid\s+)?(bot|robot|machine|chatbot)\b|\b(stupid|useless|dumb)\s+(bot|robot|machine|chatbot)\b|\b(bot|chatbot)\s+is\s+(useless|not\s+helping|stupid)\b|\b(automated|canned|bot)\s+(replies|answers|responses)\b/,
    ),
  },
  // Weak: is anybody there? / the bot doesn't understand (frustrated only with company).
  {
    reason: 'human',
    weight: 1,
    pattern: anyOf(
      /有(没有)?人(在)?(吗|嘛|么|啊|没)|人呢|有没有人|在吗|在不在|回个话|(没人|谁来|快)理(一下)?我|听不懂|答非所问|(你|机器人)(解决|处理|回答)不了|套话|废话|复读机|(绕|兜)圈子/,
      /\b(any(one|body)|some(one|body))\s+(there|here|home|alive)\b|\bhello+\s*\?|\byou\s+(don'?t|do\s+not)\s+understand\b|\bgoing\s+in\s+circles\b|\bnot\s+helping\b/,
    ),
  },

  // ================================================================ food safety and health
  {
    reason: 'safety',
    weight: 2,
    pattern: anyOf(
      // Stomach trouble since eating or drinking something of ours.
      /\b(stomach|tummy|belly|gut)('s|\s+is|\s+has|\s+was)?\s+(been\s+)?(cramp\w*|hurt\w*|ach\w*|upset|killing\s+me|in\s+pain|churning)\b[^.!?]{0,40}\b(since|after|from)\b/,
      // Ill after eating.
      /吃坏|拉肚子|腹泻|食物中毒|中毒|过敏(了|反应)|呕吐|吐了|上吐下泻|进医院|去医院|看急诊|挂(了)?急诊|看医生|拉稀|闹肚子|(胃|肚子)(一直)?(疼|痛)/,
      `(吃|喝)(了|完)${clause}{0,16}(起(了)?(红|疹|包|痘)|痒|肿|吐|拉了|晕|疼|痛|难受|不舒服|发烧|发麻|过敏)`,
      `(吃|喝)(了|完)[^。!?！？]{0,25}(发烧|发热|头晕|呕|上吐|腹泻|拉肚子|起疹|过敏)`,
      /(脸|嘴|嗓子|喉咙|眼睛)(都)?肿|疹|起疙瘩|浑身(痒|红|起)|呼吸困难|喘不上气|差点(咽|吞)|卡(在)?喉咙|发麻|麻了|发痒|不敢(喝|吃)/,
      // A foreign object (not 玻璃杯, not 冬虫夏草).
      /头发丝|虫子|飞虫|小虫|苍蝇|蟑螂|蛆|异物|碎玻璃|玻璃(碴|渣|碎)|碎片|铁丝|钢丝|吃出|喝出/,
      /(有|发现|吃出|喝出|掉了)(一)?(根|只|个|块|片|条|粒)?.{0,3}(头发|毛发|睫毛|虫|塑料|玻璃|钉子|石子|沙子|指甲|创可贴)/,
      `(里|里面|上面)(有|发现|混着|掉了)(一|几)?(根|只|个|块|片|条|粒|颗)${notAsked}`,
      `(里|里面)(有|发现)${clause}{0,6}(渣|黑点|颗粒|杂质|不明物|(黑色|白色|绿色|奇怪|不明|硬)的?(东西|物体))${notAsked}`,
      // Spoiled, dirty, undercooked; 过期 only about food (not 积分过期).
      /发霉|霉点|长毛了|变质|馊|不新鲜|臭了|异味|臭味|(消毒水|洗洁精|漂白|清洁剂|化学|汽油|油漆|农药)(的)?(味|味道)/,
      /保质期(都|已经|早)?过|过了保质期|过期(的)?(还|也)?(在)?卖/,
      `(牛奶|奶|面包|蛋糕|三明治|食材|原料|食物|饮品|甜品|点心|酸奶|奶油|吃的|喝的)${clause}{0,20}过期`,
      /没(烤|煮|做|蒸)熟|夹生|是生的|口水|吐痰|不洗手|没戴(手套|口罩)|没洗干净|不干净|不卫生|用手(抓|拿)|口红印/,
      // Hurt on the premises.
      /摔(了|倒|伤)|滑倒|烫伤|烫到|划伤|割伤|受伤/,
    ),
  },
  {
    reason: 'safety',
    weight: 2,
    pattern: anyOf(
      // Ill after eating.
      /\bfood\s+poison|\bpoison(ed|ing)\b|(?<!\b(when|if|while)\s)\b(i'?m|am|is|are|was|were|been|got|get|getting|became|feel|feeling|felt|now)\s+(\w+\s+)?sick\b|\bsick\s+after\b/,
      /\bvomit|\bthrew\s+up\b|\bthrowing\s+up\b|\bdiarrh?ea\b|\b(stomach|tummy|belly)\b[^.!?]{0,15}\b(bad|upset|ache|aches|hurts?|pain|cramps?|sick)\b/,
      /\b(went|go|going|been|ended\s+up|rushed|taken|admitted|in)\s+(to\s+)?(the\s+)?hospital\b|\bemergency\s+room\b|\b(in|to)\s+the\s+er\b|\burgent\s+care\b|\b(see|saw|seeing)\s+a\s+doctor\b/,
      /\ballergic\s+reaction\b|\banaphyla|\bepi-?pen\b|\bhives\b|\bswollen\b|\brash\b|\b(can'?t|couldn'?t)\s+breathe\b|\btingl|\bitchy\b|\bnumb\b/,
      // A foreign object.
      /\b((egg)?shell|bone|hair|bug|insect|fly|cockroach|roach|worm|maggot|glass|plastic|metal|wire|stone|string|thread|band-?aid|nail|staple)s?\b[^.!?]{0,20}\b(in|inside|into)\s+(my|the|your|our|his|her|it)\b/,
      /\b(piece|bit|chunk|shard)\s+of\s+\w+[^.!?]{0,15}\b(in|inside)\s+(my|the|it)\b|\bsomething\s+(hard|sharp|crunchy|weird|strange|black|metal)\b[^.!?]{0,20}\b(in|inside)\s+(my|the|it)\b/,
      // Spoiled, dirty, undercooked.
      /\bmou?ldy?\b|\brotten\b|\bspoiled\b|\b(gone|went|turned)\s+(off|bad|sour)\b|\bcurdled\b/,
      /\bexpired\s+(milk|food|cream|sandwich|bread|yogh?urt|juice)\b|\b(milk|cream|food|sandwich|bread|cake|yogh?urt|juice|it)\s+(was|is|were|had|has)\s+(already\s+)?expired\b|\bpast\s+(its|the)\s+(expiry|expiration|sell-by|use-by|best-before|date)\b|\bout\s+of\s+date\b/,
      /\b(raw|undercooked|uncooked)\b(?!\s+(sugar|honey|milk))|\b(pink|raw)\s+(inside|in\s+the\s+middle)\b|\b(not|wasn'?t|weren'?t)\s+(fully\s+)?cooked\b|\bsneezed|\bcoughed\s+(on|into)\b|\bbare\s+hands\b|\blipstick\b|\bdirty\s+(cup|mug|glass|table|spoon|hands)\b|\bunwashed\b|\bno\s+gloves\b|\bunhygienic\b/,
      // Hurt on the premises.
      /\bslipped\b(?!\s+my\s+mind)|\bfell\s+(over|down|off|on)\b|\btripped\b|\binjured\b|\b(burned|burnt|scalded|cut|hurt)\s+(my|his|her|our)\s+(\w+\s+)?(hands?|fingers?|lips?|mouth|tongue|arm|leg|wrist|foot|back|head|throat|skin)\b|\b(broke|chipped|cracked)\s+(a|my|his|her)\s+tooth\b/,
    ),
  },
  // Weak: it tastes or smells off; an allergy or intolerance comes up (with a wrong item, it matters).
  {
    reason: 'safety',
    weight: 1,
    pattern: anyOf(
      /酸的|发酸|变酸|怪味|(一股|有股).{0,6}味|味道(很|有点|特别|好)?(奇怪|怪|不对)|觉得不对|不对劲|(浮|飘)(着)?(一层)?(油|沫)|放(了)?(很|好)?久|不是现做/,
      /\b(dizzy|nause\w*|headache|fever|cramps|palpitations|shaking)\b|\bafter\s+(eating|drinking|having)\b|\bsour\b|\btast(ed|es|e)\s+(\w+\s+)?(off|funny|weird|rancid|strange)\b|\bsmell(s|ed)?\s+(off|bad|rotten|weird)\b/,
      /过敏|乳糖不耐|\ballerg(y|ic)\b|\b(lactose|gluten)\s+intoleran/,
    ),
  },

  // ================================================================ money
  {
    reason: 'money',
    weight: 2,
    pattern: anyOf(
      // Charged twice, too much, without reason.
      /(扣|收|付|刷|支付)(款|费|钱)?(了)?(我)?(两|2|二)(次|笔|遍)|(两|2)(次|笔)(都)?(被)?扣|重复(扣|支付|付款|收费)|再(付|扣|交)(了)?(一次|一遍)/,
      /多扣|乱扣|扣错|多收|多付|多算|算多|算错|找错钱|乱收费|盗刷|被刷|骗钱|钱没了|(为什么|凭什么)(要)?(扣|收)(了|我)/,
      `扣(了)?我${clause}{0,8}(钱|款|费)`,
      `(券|积分|余额|钱|款)(却|还是)?被扣(了)?|钱(还)?没(退|到|回来)|(钱|余额|积分|储值)${clause}{0,6}(没了|不见了|少了|被(人)?(用|清零)|清零了|不能用|用不了)|莫名(其妙)?(被)?(扣|少|没)`,
      `取消${clause}{0,8}(扣|收)(了)?(钱|费|款)?|(钱|款)(却|还是)?(被)?扣了`,
      // Charged other than the price shown.
      `(标价|明码标价|标的|写的|菜单上|价目表|原价|显示)[^。.!！?？]{0,12}(实际|结果|却|但是?|可是)${clause}{0,4}(扣|收|付|算)(了)?`,
      // A refund refused, demanded or not arrived.
      /(没|未)到账|没退回|退款(呢|还没|到底|在哪|怎么还)|退款[^?？]{0,20}(还没|没到|没收到|没退|不到账|没有$)|退到哪|钱(呢|去哪|到哪)|一分钱(都|也)?没/,
      `(退款|退钱)${clause}{0,6}(驳回|拒绝|不给|不让|不退)|不给(我)?退|凭什么不退|拒绝退款|(请|尽快|马上)(退回|退还)|退给我`,
      /白花(了)?(钱)?|钱白(花|付|交)|冤枉钱|必须(给我)?退|马上退|赶紧退|(我)?要求?(全额)?退(款|钱)|给我退(款|钱)?|退钱|还钱|赔偿|赔钱/,
    ),
  },
  {
    reason: 'money',
    weight: 2,
    pattern: anyOf(
      // Charged other than the price shown, or for an order that failed or was cancelled.
      /\b(says|said|listed|shows|showed|menu|price\s+(is|was)|advertised)\b[^!?]{0,30}\bbut\b[^.!?]{0,20}\b(charged|paid|billed|took|deducted)\b/,
      /\b(charged|paid|billed|deducted)\b[^.!?]{0,30}\b(but|yet)\b[^.!?]{0,30}\b(fail(ed|s)?|didn'?t\s+go\s+through|no\s+order|never\s+(placed|went\s+through)|error)\b/,
      /\bcancel(l)?ed\b[^.!?]{0,30}\b(but|yet|and)\b[^.!?]{0,20}\b(money|charge|payment|funds)\b[^.!?]{0,15}\b(still|gone|taken|not\s+(back|returned|refunded))\b/,
      /\brefund\b[^.!?]{0,20}\b(still\s+)?(hasn'?t|hasnt|has\s+not|didn'?t|not|never)\s+(hit|arrived|come|came|shown|showed|appeared|landed|reached|gone\s+through)\b/,
      // Charged twice, wrongly, after cancelling, without consent.
      /\b(charg\w*|bill\w*|took|taken|deduct\w*|debit\w*|paid|payment)\b[^.!?]{0,30}\b(twice|two\s+times|double(?![\s-]+(shot|espresso|points|cup|size|latte)))\b|\bdouble[-\s]?charged\b|\bover[-\s]?charged\b/,
      /\bstill\s+(got\s+|been\s+)?(charged|billed|took|taken|deducted|debited)\b|\b(took|taken|kept|stole)\s+my\s+(money|payment)\b|\b(took|taken|deducted|charged|removed)\b[^.!?]{0,20}\b(from|out\s+of)\s+my\s+(balance|account|card|wallet)\b|\bstole\b|\bscam(med)?\b|\bripped\s+off\b/,
      /\b(charged|billed|deducted)\b[^.!?]{0,40}\b(cancel(l)?ed|never\s+ordered|didn'?t\s+order|didn'?t\s+buy|never\s+received)\b/,
      /\b(charge|payment|transaction|deduction)s?\b[^.!?]{0,30}\b(don'?t|do\s+not|didn'?t|did\s+not|never)\s+(recogni[sz]e|authori[sz]e|make|agree)\b|\bwithout\s+(my|our)\s+(permission|consent|authori[sz]ation|knowledge)\b/,
      /\b(why|how)\s+(was|am|were|did|have|has)\s+(i|we|you|my\s+\w+)\s+(been\s+)?(charged|billed|charge|bill)\b/,
      /\bdisput\w+|\bchargeback\b|\b(call|calling|contact|contacting)\s+my\s+(bank|credit\s+card(\s+company)?|card\s+(issuer|company))\b/,
      // Money back.
      /\b(want|need|demand|expect)\s+(my\s+)?money\s+back\b|\b(want|need|demand|expect|deserve)\s+(a\s+|my\s+)?(full\s+)?refund\b|\b(trying|tried)\s+to\s+get\s+(a|my)\s+refund\b|\brefund\b[^.!?]{0,20}\b(rejected|denied|declined|refused)\b/,
      /\bgive\s+me\s+(my\s+)?(money|refund)\b|\bwhere('s|\s+is)\s+my\s+(refund|money)\b|\brefund\s+me\b|\bcompensat(e|ion)\b/,
      /\b(still|never)\s+(haven't|have\s+not|didn't|not|got|received)\s*(got|gotten|received)?\s+(my\s+|the\s+|a\s+)?refund\b|\b(haven'?t|hasn'?t|not|never)\s+(been\s+)?refunded\b/,
      // Balance gone.
      /\b(balance|credit|money|points)\b[^.!?]{0,30}\b(to|down\s+to)\s+(0|zero|nothing)\b|\b(balance|money|credit|points)\s+(is\s+|are\s+|has\s+|have\s+)?(gone|vanished|disappeared|wiped)\b/,
    ),
  },
  // Weak: a charge nobody agreed to; a discount not applied; a refund that has not shown up.
  {
    reason: 'money',
    weight: 1,
    pattern: anyOf(
      /申请(了)?退款|退款申请|充值(的|了)|送的金额|自动续费|没(有)?(开|买|订|同意|授权|消费|用过|下单|点)|没(减|抵扣|用上|优惠|生效)|不生效|用不了|不能退|不让退/,
      /\b(extra|unexpected|unknown|unauthori[sz]ed|unrecogni[sz]ed|mystery)\s+(\S+\s+){0,2}(charges?|fees?|deductions?)\b|\bon\s+my\s+(card|account|bill|statement|wechat|alipay)\b|\bdeducted\b|\b(paid|charged)\s+(me\s+)?(full\s+price|more|extra|the\s+wrong)\b|\b(i\s+was|we\s+were|got)\s+charged\b|\bcharged\s+(me\s+)?for\b/,
      /\b(promo|coupon|discount|voucher|code)\b[^.!?]{0,15}\b(didn'?t|did\s+not|doesn'?t|won'?t|wasn'?t|not)\s+(apply|applied|work|go\s+through)\b/,
      /\bnever\s+(used|authori[sz]ed|agreed|signed\s+up)\b|\b(renewed|renews)\s+automatically\b|\bauto-?renew\w*|\b(higher|more)\s+than\s+(what\s+)?(the\s+)?(menu|listed|price|advertised)\b|\brefund\b[^?]{0,50}\b(nothing|never|hasn'?t|has\s+not|haven'?t|didn'?t|not\s+yet|still\s+no)\b/,
    ),
  },

  // ================================================================ legal, regulators, going public
  {
    reason: 'legal',
    weight: 2,
    pattern: anyOf(
      /(?<!\d)12315(?!\d)|(打|拨|找|投诉到|举报到|call)\s*12345(?!\d)|(?<!\d)12345\s*(热线|投诉|举报)|消协|消费者协会|市场监管|市场监督|监督管理|工商局|食药监|卫生(局|部门)|报警|起诉|律师|法院|打官司|维权|举报|告你们/,
      `(向|到)${clause}{0,10}(局|部门|协会)(反映|投诉|举报)|法律(途径|手段|责任)|走法律|虚假宣传|欺诈|诈骗|霸王条款|强制消费`,
      /\blawyer|\bsue\b|\bsuing\b|\blawsuit\b|\blegal\s+(action|steps)\b|(?<!\bfood\s)\bcourt\b|\bsmall\s+claims\b|\bpolice\b|\bfraud\b|\bfalse\s+advertising\b|\bmisleading\b|\bbait\s+and\s+switch\b/,
      /\bhealth\s+(department|inspector)|\breport(ing)?\s+(you|this|it)\s+to\b|\bconsumer\s+(protection|association|council|rights)\b|\bauthorities\b/,
    ),
  },
  {
    reason: 'public',
    weight: 2,
    pattern: anyOf(
      /曝光|上微博|给.{0,6}差评|等着(吃|收)?差评|差评(吧|伺候|警告|见)|(打|写|留|给)(了|个|一个)?差评|差评[!！]|一星|媒体|记者|上新闻|让(大家|所有人|全网|别人|更多(的)?人)(都)?(看看|知道|评评理)/,
      /\b(make|making|film|filming|record|recording)\s+(a|an)\s+(tiktok|video|reel|post)\b|\b(one|1)[-\s]star\b|\b(bad|negative|terrible)\s+review\b/,
      /\b(contact|contacting|call|calling|tell|telling|go\s+to|going\s+to)\s+(the\s+)?(media|press|newspapers?|tv)\b|\bgo(ing)?\s+(public|viral)\b|\b(on|in|to)\s+the\s+news\b|\bnews\s+(outlet|station|paper)s?\b|\bjournalist\b|\breporter\b|\bwarn\s+(everyone|everybody|others|people|the\s+world|all\s+my)\b|\btell\s+(everyone|everybody|people|the\s+world|all\s+my\s+\w+)\b[^.!?]{0,20}\babout\s+(this|it|how)\b|\b(hear|know|find\s+out)\s+about\s+this\b/,
      /\b(everyone|everybody|all\s+my\s+friends|the\s+whole\s+internet)\b[^.!?]{0,30}\b(will|'ll|going\s+to|gonna|should|can)\s+(know|hear|see|find\s+out)\b/,
    ),
  },
  // Posting about us on a platform.
  {
    reason: 'public',
    weight: 2,
    praisable: true,
    pattern: anyOf(
      `(发|发到|挂|晒|写|传|贴|投)(到|在)?${clause}{0,4}(微博|小红书|抖音|大众点评|点评|朋友圈|网上|知乎|B站|媒体)`,
      `(在|到)(微博|小红书|抖音|大众点评|点评|朋友圈|网上|知乎|B站)(上)?${clause}{0,4}(写|发|评|曝光|吐槽|说)(?![^,，。]*好评)`,
      String.raw`\b(post|posting|share|sharing|put|putting|upload|uploading)\b[^.!?]{0,20}\b${platformEn}\b`,
    ),
  },
  // Weak: an audience or a platform ("I have 20k followers").
  { reason: 'public', weight: 1, praisable: true, pattern: anyOf(/粉丝|\bfollowers\b/, String.raw`\b${platformEn}\b`) },

  // ================================================================ complaints
  {
    reason: 'complaint',
    weight: 2,
    pattern: anyOf(
      // "Is this how you treat …?", "you keep messing up my order".
      /就(是)?(这么|这样)(对待|服务|做生意|糊弄|敷衍|应付)|(这么|这样)(对待|糊弄|敷衍)(老)?(顾客|客人|客户|我们)/,
      /\b(keep|keeps|kept)\s+(messing|screwing|mixing)\s+(it\s+|this\s+|my\s+\w+(\s+\w+)?\s+)?up\b|\b(keep|keeps)\s+getting\s+(it|my\s+\w+(\s+\w+)?)\s+wrong\b|\bis\s+this\s+how\s+you\s+treat\b/,
      // 投诉, but not the 投诉建议 (feedback) box.
      /投诉(?!建议|和建议|与建议)/,
      // Verdicts on the service, anger.
      /太差|差劲|极差|垃圾|破服务|什么破|(太|很|真|好|超|也太)烂|烂透|糟糕|糟透|不靠谱|不负责|不专业|敷衍|离谱|不像话|岂有此理|太过分|黑店|坑人|骗子/,
      /恶心|无语|气死|(被|把我)?气(到|炸|疯|坏)(了)?|好气|太气人|没完|越来越(差|难喝|难吃|贵|慢|敷衍|离谱)|失望透顶|太失望|忍无可忍|难以接受|不能接受|无法接受/,
      /(太|很|真|好|非常|特别|极其|十分)(让人|令人|让我)?(失望|生气|无语|心寒|寒心|火大)|(难喝|难吃)死|太(难喝|难吃)|没法(喝|吃)|没办法(喝|吃)|(喝|吃)不下去|再也不(来|买|点|喝|会)|都(做|办|弄|搞)不(好|对|定|明白)/,
      // Rude or neglectful staff, blame shifted onto the customer.
      /态度(很|太|真|特别|非常|极|极其)?(差|恶劣|冷漠|不好|傲慢|凶)|什么态度|骂人|骂我|吼我|凶我|大吼大叫|甩脸|翻白眼|欺负人|扔(在)?门口|(很|太|好)脏|卫生(太|很|真|极)?差/,
      /说话(很|太|特别)?(冲|难听|刻薄)|(受|真是|真的)够了|(非常|很|十分|特别|极其)不满|脏乱|脏兮兮|无视|黑脸|摆脸色|脸色(很|太)?(难看|差)|欠(她|他|你们)钱|最(难喝|难吃|差|烂|糟糕|慢)|不搭理|爱理不理|糟心|闹心|添堵|扫兴|搞砸|让人(很|特别|非常)?不舒服|嘲笑|讽刺|阴阳怪气|看不起|歧视|冷嘲热讽|不耐烦|不承认|不认账|抵赖|推卸|推脱|甩锅|狡辩/,
      `(店员|服务员|员工|骑手|配送员|客服|你们|工作人员|店长|经理)${clause}{0,4}(也|都|根本|完全)?(不管|不理|不处理|不回(复)?|没反应|爱答不理|装没看见)`,
      // Rhetorical questions and demands.
      `被你们${clause}{0,4}(毁|搞|弄|害)|(点|买|订|要)了${clause}{1,12}只(到|收到|拿到|来|送|给)(了)?`,
      /这(是)?什么(服务|东西|玩意)|你们(就是|一直|都)?这样[^,，。.!！]{0,12}吗|就这(服务|态度|质量|水平)|这就是你们的|怎么做生意|还好意思/,
      `能不能(认真|用心|专业|上心|靠谱)|(认真|上心|长点心)点|连(个|句|一句|一个)?[^,，。]{0,6}都(没|不)${notAsked}`,
      /给(我)?(一)?个(合理的)?(说法|交代|解释)|合理的解释|(要求|必须|给我)[^,，。.!！?？]{0,6}道歉/,
    ),
  },
  {
    reason: 'complaint',
    weight: 2,
    pattern: anyOf(
      /\b(terrible|awful|horrible|disgusting|disgusted|unacceptable|inexcusable|worst|pathetic|ridiculous|furious|livid|outrageous|appalling|atrocious|incompetent|useless|unprofessional|disrespectful|condescending|careless|sloppy|dismissive|arrogant|hostile|speechless|slowest|rudest|dirtiest)\b/,
      /\bwhat\s+kind\s+of\s+(service|place|business|shop|store|coffee|operation)\b|\b(is\s+this|this\s+is)\s+how\s+you\b|\bhow\s+you\s+treat\b|\bhow\s+dare\s+you\b/,
      /\b(done|finished)\s+with\s+(this|you|your)\b|\b(won'?t|will\s+not)\s+be\s+(back|coming\s+back|returning|ordering)\b|\bnever\s+(coming|ordering|again)\b|\blast\s+time\s+(i|we)('ll)?\s+(order|come|buy|visit|go)\b|\b(ordered|paid\s+for|bought)\b[^.!?]{1,40}\bonly\s+(got|received|came|arrived|had)\b/,
      /(?<!\bno\s|\bnot\s|\bnot\sa\s)\bcomplain(t|ing)?\b|\bfed\s+up\b|\bsick\s+of\b|\bwaste\s+of\s+money\b|\bthis\s+is\s+a\s+joke\b|\bpissed\b/,
      /\b(so|really|very|extremely|super|incredibly|beyond)\s+(angry|upset|disappointed|annoyed|frustrated|mad|unhappy|dissatisfied)\b/,
      // Rude staff.
      /\brude\b|\b(yelled|shouted|screamed|swore|cursed|snapped)\s+at\b|\b(insulted|humiliated|mocked)\b|\brolled\s+(her|his|their)\s+eyes\b|\brefused\s+to\b|\bargued\s+with\s+(me|us)\b|\blaughed\s+at\s+(me|us|my)\b/,
    ),
  },
  // Weak, zh: the order is wrong or incomplete.
  {
    reason: 'complaint',
    weight: 1,
    pattern: anyOf(
      /少了|少给|少送|少东西|漏了|漏送|漏做|(送|做|拿|给|上|写|打|开|算|找|记|叫|弄|装|配|贴|放|听|看|收|发|填)错|错了|没(有)?(标注|标|写|提醒|告知)|给了别人|(做|送|拿|给|上)成(了)?/,
      /只(收到|拿到|送了|来了|给了|有)|没(收到|拿到|送到|给我|给)|(半杯|一半)|卖完|售罄|没货|丢了|弄丢|被(别人|人)拿(走|错)|显示已(签收|送达|完成|取餐)/,
      `(要|点)的[^。]{1,12}(给我)?(送|给|做|拿|用)(了|成)|[,，\\s]${clause}{1,8}呢[?？]`,
      // What the customer asked for, or their own restriction, which the order ignored.
      /我(根本|从来)?不(喝|吃|能喝|能吃|要)|(选|点|要|备注|写|说|交代)(的|了|过)(是)?[^,，。]{0,6}(结果|却|还是|但)/,
      /我(明明|已经)(选|点|要|备注)(的|了)|(要|点|选|买)的是[^。]{1,10}(给|送|做|拿|来|上)(的|了)/,
    ),
  },
  // Weak, zh: the order in a bad state.
  {
    reason: 'complaint',
    weight: 1,
    pattern:
      /凉(了|的|透)|冰凉|冷(了|掉)|坏的|坏了|硬的|(咬|嚼)不动|隔夜|昨天的|前一天|剩的|软塌塌|软趴趴|不脆|洒(了|我|在|到|得)|撒了|(杯盖|封口|封签|包装|袋子)(都|被)?(开|拆|撕|破)|压扁|压坏|破了|湿了|化了|难喝|难吃|不好喝|不好吃/,
  },
  // Weak, zh: waiting, nothing happening.
  {
    reason: 'complaint',
    weight: 1,
    pattern: anyOf(
      /(等|排|坐|站)了.{0,8}(小时|分钟|半天|好久|天|队)|(晚|迟)了|超时|还没(到|送|来|出餐|做|好|出|退)|一直没|没出餐|迟迟|至今|到现在(还|都)?没|(太|很|真|超|也太)慢|要等|等半天/,
      /[\d一二两三四五六七八九十百半几]+(个)?(多)?(分钟|小时|钟头|天|星期|礼拜|周|个月)(了|多了)|一直(显示|在)?(配送|制作|等待|处理)中|到点了/,
    ),
  },
  // Weak, zh: a broken promise, nobody answering, a wasted trip, a letdown.
  {
    reason: 'complaint',
    weight: 1,
    pattern: anyOf(
      /说好|结果|居然|竟然|怎么回事|搞什么|什么玩意|什么意思/,
      /没人(接|理|回|管|处理|解决|回复|过来|来|招呼)|不理人|打不通|插队|白跑|白来|白等|来回跑|跑了(两|几)趟|老顾客/,
      `被(店员|服务员|骑手|配送员|店长|经理|员工)${clause}{0,6}了|(店员|服务员|员工|骑手|配送员|收银员|咖啡师|商家|店家|门店|店里)(也|都|根本|完全|从来)(不|没)`,
      // Blame: 你们 did something to me, or failed to.
      `你们${clause}{0,3}(却|竟然|居然|给我|把我|害我|没有|没)|(?<!冷)却`,
      /客服说|店员说|说是|都说了|已经说了|跟你们说(了|过)/,
      /生气|不满|很失望|失望|不爽|麻烦处理|给(我)?处理/,
    ),
  },
  // Weak, en: the order is wrong or incomplete.
  {
    reason: 'complaint',
    weight: 1,
    pattern: anyOf(
      /(?<!\bi\s+(put|typed|entered|gave|chose|picked|selected|used|ordered|wrote|made)\s+(the|a)\s)\bwrong(\s+\w+)?\b|\bsome(one|body)\s+else'?s\b|\blost\s+(my|our|the)\b|\bmade\s+with\s+(regular|normal|dairy|cow'?s|whole)\b|\bnever\s+went\s+through\b/,
      /\b(even\s+though|although|despite)\s+(i|we)\b|\bi\s+(told|asked|specified|clearly|explicitly)\b/,
      /\bmissing\b|\bnever\s+(arrived|came|showed|made|delivered)\b|\b(didn'?t|did\s+not|never|haven'?t|have\s+not)\s+(get|got|receive|received|picked|collected)\b|\b(wasn'?t|isn'?t|weren'?t|not)\s+(ready|made|there|done)\b/,
      /(?<!\bi\s)\bforgot\b|\bleft\s+out\b|\bmessed\s+up\b|\bempty\s+(cup|bag|box)\b|\b(mostly|all|half)\s+ice\b|\bbarely\s+any\b|\blooks\s+nothing\s+like\b|\b(a|an)\s+(problem|issue)\s+with\s+(my|the|your)\b|\b(isn'?t|wasn'?t|not)\s+what\s+(i|we)\s+(ordered|asked\s+for|paid\s+for)\b/,
      /\b(showed|shows|says|said|marked)\s+(as\s+)?(completed|delivered|picked\s+up|done)\b|\bnothing\s+(came|arrived|showed\s+up)\b|\bonly\s+(got|received)\b/,
      /\b(ordered|paid\s+for|charged\s+(me\s+)?for|asked\s+for|requested)\b[^.!?]{1,60}\b(got|received|gave\s+me|sent\s+me)\b|\bpaid\b[^.!?]{1,30}\b(and|but)\s+(only\s+)?got\b|\beven\s+though\s+i\s+paid\b/,
    ),
  },
  // Weak, en: the order in a bad state.
  {
    reason: 'complaint',
    weight: 1,
    pattern:
      /\bcold\b(?!\s+(brew|foam|drinks?|beverages?|options?|milk))|\b(lukewarm|freezing|spilled|spilt|soggy|burnt|stale|soaked|leaking|leaked|crushed|squashed|melted|watery|broken)\b|\b(rock|stone)\s+(hard|cold)\b|\btast(ed|es)\s+like\b|\ball\s+over\s+(my|me|the)\b|\bto\s+a\s+crisp\b/i,
  },
  // Weak, en: waiting.
  {
    reason: 'complaint',
    weight: 1,
    pattern: anyOf(
      /\bstill\s+(waiting|hasn't|not\s+here|says)\b|(?<!\b(i\s+was|i'?m|am|running|be|bit|too)\s)\blate\b(?!\s+(reply|response|to\b))|\bhour(s)?\s+(ago|late|wait)/,
      /\b(took|wait|waited|waiting)\s+(forever|ages)\b|\bfor\s+(hours|ages)\b|\bmade\s+(me|us)\s+wait\b/,
      /\b(waited|waiting|ignored|stood|standing|sat|sitting|stuck|queued|queuing|been|after)\s+(\S+\s+){0,3}?(for\s+)?(over\s+|almost\s+|nearly\s+|about\s+|more\s+than\s+)?(\d+|an?|half\s+an?)\s*(min|mins|minutes|hours?|hrs?)\b/,
      /\b(\d+|an?|half\s+an?|two|three|several)\s*(min|mins|minutes|hours?|hrs?|days?|weeks?)\s+(ago|now|already)\b|\b(for|after)\s+(\d+|a|two|three|several)\s+(days|weeks|months)\b/,
    ),
  },
  // Weak, en: a letdown, staff ignoring the customer, a request to fix it.
  {
    reason: 'complaint',
    weight: 1,
    pattern: anyOf(
      /\bangry\b|\bupset\b|\bdisappointed\b|\bannoyed\b|\bfrustrat|\bunhappy\b|\bdissatisfied\b|\bnot\s+(ok|okay|acceptable|good\s+enough|happy|impressed|pleased|satisfied)\b|\bexpected\s+(much\s+)?better\b|\bhow\s+bad\b/,
      /\bignored\b|\bno(body|\s+one)\s+((has|had|is|was|ever)\s+)?(can|could|will|would)?\s*(answers?|answered|answering|picks?\s+up|picked\s+up|repl(y|ies|ied|ying)|respond(s|ed|ing)?|help(s|ed|ing)?|served|cares|came|coming|tell|knows?|explain|(gotten|got|get)\s+back|follow(ed)?\s+up|contacted|called\s+(me\s+)?back)\b|\b(how|the\s+way)\s+(i|we)\s+(was|were)\s+treated\b/,
      /\bpromised\b|\bplease\s+(fix|sort|resolve)|\bwhat\s+is\s+going\s+on\b|\bfor\s+nothing\b|\ball\s+the\s+way\b|\bwasted\s+(my|a|the)\b|\b(no|without\s+an?)\s+apology\b|\b(didn'?t|never)\s+(even\s+)?apologi[sz]e/,
      // Blame: you did something to me, or failed to.
      /\byou\s+(guys\s+|people\s+)?(never|didn'?t|used|gave|forgot|charged|sent|put|lost|messed|ruined|keep|made)\b/,
      /\b(didn'?t|don'?t|doesn'?t|did\s+not)\s+(even\s+)?care\b|\b(loyal|regular)\s+customer\b|\bthe\s+whole\s+time\b|\bgross\b|\bwithout\s+(any\s+)?(explanation|reason|notice|warning)\b/,
    ),
  },
  // Weak, context: the customer's own order, visit or payment; counts once.
  {
    reason: 'complaint',
    weight: 1,
    once: true,
    pattern: anyOf(
      `送来的|送到的|收到的|拿到的|到手|我(预订|预定|订|点|买)的|我的${clause}{0,4}(订单|外卖|咖啡|饮品|单|蛋糕|拿铁|美式|饮料|餐)`,
      String.raw`\bmy\s+(\w+\s+)?${itemEn}\b|\b(the|our|today'?s)\s+(\w+\s+)?${itemEn}\s+(was|were|is|came|arrived|tasted|looked|smelled|had)\b`,
      String.raw`\bfor\s+(a|my|the|our)\s+(\w+\s+)?${itemEn}\b|\b${itemEn}\s+(arrived|came|was\s+delivered|showed\s+up)\b|\b(i\s+)?paid\s+(for|\d+)\b`,
    ),
  },
  // Intensity: repetition, shouting punctuation, rhetorical insistence, urgency.
  {
    reason: 'complaint',
    weight: 1,
    amplifier: true,
    pattern: anyOf(
      /[!！]{2,}|[?？]{2,}|又|明明|连续|一直|(两|三|四|五|几|好几|多|\d+)(次|遍)(了|都|还)?|喂喂|在吗在吗|都[^,，。?？]{1,8}了(?!吗)|第[二三四五六七八九十两几\d]+次/,
      `已经${clause}{0,10}了|(一个|一次|一点|一分)(都|也)没|都没|每次${clause}{0,6}都|每回都|完全|为什么我|总是|老是|到底|究竟|凭什么|根本|怎么还|紧急|很急|着急`,
      /\bagain\b|\bevery\s+(single\s+)?time\b|\b(second|third|fourth|fifth|2nd|3rd|4th|5th)\s+(\w+\s+)?(time|order|visit|day|week)\b|\bin\s+a\s+row\b|\bseriously\b|\bat\s+all\b|\b(nobody|no\s+one)\s+ever\b|\bdidn'?t\s+even\b/,
      /\bor\s+else\b|\b(twice|three\s+times|multiple\s+times|several\s+times|many\s+times)\b|\bfor\s+no\s+reason\b|\bwhy\s+(is|does|do|are|has|hasn'?t|isn'?t|can'?t|won'?t|didn'?t)\s+(nobody|no\s+one|noone)\b|\bhow\s+hard\s+is\s+it\b|\burgent(ly)?\b|\basap\b/,
    ),
  },
];

/** A message made only of "get me a person" words: "AGENT. HUMAN.", "人工人工人工", "representative please". */
const requestWord =
  /\b(agent|human|representative|rep|operator|person|manager|supervisor|customer|service|support|real|live|a|please|pls|now|asap)\b|人工|客服|真人|转|经理|店长|请|谢谢/gi;
const requestCore =
  /agent|human|representative|operator|person|manager|supervisor|customer\s+service|人工|客服|真人|经理|店长/i;
function onlyAskingForPerson(text: string): boolean {
  return requestCore.test(text) && /^[\s\p{P}\p{S}]*$/u.test(text.replace(requestWord, ''));
}

/** Information-seeking questions: they cancel weak cues ("is it late?", "冷萃是凉的吗"). */
const neutral =
  /^(请问|问一下|想问|咨询|怎么(?!回事|还|又|搞|这么)|如何|如果|万一|要是|how\s|what\s|what's|when\s|which\s|(can|could)\s+(i|you|we)|would\s+you|do\s+you|does\s|is\s+(it|this|that|my)\s|is\s+there|are\s+(you|there)|if\s)|吗[??]?$|正常吗|对吗|\bis\s+(that|this|it)\s+(normal|right|correct|expected|the\s+new\s+price)\b/i;
/** Praise and reassurance (not mere thanks: polite complaints end with 谢谢): they cancel weak cues. */
const content =
  /很好|(?<!不)新鲜|用心|太好了|特别好|非常好|真好|超赞|点赞|好评|满意|好喝|好吃|好看|表扬|贴心|及时|热情|棒|没关系|不要紧|不着急|慢慢(来|做)|\b(great|amazing|awesome|excellent|love|lovely|best|fantastic|wonderful|helpful|friendly|kind|perfect|fast|quick(ly)?|no\s+worries|no\s+rush|no\s+big\s+deal|worth\s+(it|the\s+wait))\b/i;
const negated =
  /不(太|算|怎么)?(差|凉|冷|失望)|没(有)?(少|漏|错)|\bnot\s+(bad|cold|late|disappointed)\b|\bno\s+complaints?\b/i;
/** "No problem, just an idea", "just curious": cancels complaint and person cues, not safety or money. */
const disclaimer =
  /没(什么|有)?问题|不是(要)?投诉|只是(想)?(问问|好奇)|就是想(提|问)|\bno\s+problem\b|\bnot\s+(a\s+)?complain|\bjust\s+(curious|wondering|an?\s+idea|a\s+suggestion)\b/i;
/** The customer resolved it themselves ("哦我看到了", "never mind"): cancels all but safety. */
const resolved = /哦(我)?看到了|找到了|没事了|不用了|\b(never\s*mind|nvm|found\s+it|all\s+good\s+now|sorted\s+now)\b/i;
/** Business enquiries for the manager or a person (partnership, catering, jobs) and customer-service
 * hours: not a request for a person now. (How to reach a person, their number, is one: see contactCue.) */
const business =
  /(人工|客服)(服务|客服)?[^,，。]{0,4}(时间|几点)|\b(customer\s+service|support)\s+hours\b|合作|团购|企业|批量|招聘|招人|简历|应聘|加盟|批发|赞助|\b(partnership|collaborat\w*|catering|cater|hosting|host\s+a|event|job|jobs|position|hiring|vacanc\w*|apply|franchise|wholesale|sponsor\w*|bulk|corporate)\b/i;

const globalPatterns = new Map(cues.map((c) => [c, new RegExp(c.pattern.source, `${c.pattern.flags}g`)]));

/** How many times a cue counts: once, or for a weak group up to twice when two different phrases
 * of it occur ("cold" and "broken" in "the latte was cold and the lid was broken"). */
function hits(cue: Cue, text: string): number {
  const global = globalPatterns.get(cue);
  if (cue.weight >= 2 || cue.amplifier || cue.once || !global) return cue.pattern.test(text) ? 1 : 0;
  const phrases = new Set([...text.matchAll(global)].map((m) => m[0]));
  return Math.min(phrases.size, 2);
}

const highPriority: EscalationReason[] = ['safety', 'money', 'legal', 'public'];

/** Asking how to reach a person: their number, line or WeChat ("店长电话多少", "the manager's direct line"). */
const contactCue: Cue = {
  reason: 'human',
  weight: 2,
  pattern: anyOf(
    /(经理|店长|负责人|主管|老板|领导|人工|真人|客服|管事的|能(说话|做主|管事|解决问题)的人|活人)[^,，。.!！?？]{0,6}(电话|手机|微信|联系方式|号码|座机|直线)/,
    /(电话|手机|微信|联系方式|号码)[^,，。.!！?？]{0,4}(给我|发我)?[^,，。.!！?？]{0,4}(经理|店长|负责人|主管|老板|人工|真人|活人)/,
    /\b(manager|supervisor|owner|boss|human|person|someone|somebody|customer\s+service|support|staff)('s|s)?\s+(direct\s+|personal\s+|mobile\s+|cell\s+)?(phone\s+)?(number|phone|line|contact|email|whatsapp|wechat|cell)\b/i,
    /\bdirect\s+(line|number|contact)\b|\b(number|phone|contact|line)\s+(for|of|to)\s+(a|an|the|your|some)\s+(real\s+|actual\s+|live\s+)?(person|human|manager|supervisor|someone|somebody|staff|employee)\b/i,
    /\bhow\s+(do|can|could|would)\s+i\s+(reach|contact|get\s+hold\s+of|call|phone|get\s+through\s+to)\s+(a|an|the|your|some)?\s*(real\s+|actual\s+|live\s+)?(person|human|manager|someone|somebody|supervisor|customer\s+service|staff|people)\b/i,
  ),
};

export function detectEscalation(text: string): Detection {
  const normalized = spellRequestWords(text.normalize('NFKC').trim());
  if (!normalized) return { escalate: false, priority: 'normal', cues: [] };
  let fired = cues.filter((c) => hits(c, normalized) > 0);
  if (onlyAskingForPerson(normalized)) fired.push({ reason: 'human', weight: 2, pattern: requestCore });
  // Cues found by a test of their own (not their pattern) count once.
  const found = new Set<Cue>();
  if (contactCue.pattern.test(normalized)) fired.push(contactCue);
  else if (pinyinRequest(normalized) || mixedRequest(normalized)) {
    found.add(contactCue);
    fired.push(contactCue);
  }
  if (business.test(normalized)) fired = fired.filter((c) => c.reason !== 'human');
  if (resolved.test(normalized)) fired = fired.filter((c) => c.reason === 'safety');
  if (disclaimer.test(normalized)) fired = fired.filter((c) => c.reason !== 'human' && c.reason !== 'complaint');
  const pleased = content.test(normalized);
  if (pleased) fired = fired.filter((c) => !c.praisable);

  const onlyWeak = fired.every((c) => c.weight < 2);
  const intense = fired.some((c) => c.amplifier);
  const calm = pleased || negated.test(normalized) || (!intense && neutral.test(normalized));
  const total = fired.reduce((sum, c) => sum + c.weight * (found.has(c) ? 1 : hits(c, normalized)), 0);
  // A question, praise or negation calms a weak cue or two, not a pile of them ("Cold food, missing
  // drink, late delivery. Great job.").
  const weight = onlyWeak && calm && total < 3 ? 0 : total;

  const strongest = [...fired].sort(
    (a, b) =>
      Number(highPriority.includes(b.reason)) - Number(highPriority.includes(a.reason)) ||
      b.weight - a.weight ||
      Number(Boolean(a.amplifier)) - Number(Boolean(b.amplifier)),
  )[0];
  const escalate = weight >= 2 && strongest !== undefined;
  const explicit = fired.some((c) => c.reason === 'human' && c.weight >= 2);
  return {
    escalate,
    ...(explicit ? { explicit } : {}),
    ...(escalate && strongest ? { reason: strongest.reason } : {}),
    priority: escalate && strongest && highPriority.includes(strongest.reason) ? 'high' : 'normal',
    cues: fired.map((c) => c.reason),
  };
}
