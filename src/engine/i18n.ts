// Customer-facing texts in Chinese and English. The business can override any of them
// in RAPPORT_CONFIG under texts.<locale>.<key>; {placeholders} are filled per message.
export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];

const defaults = {
  'zh-CN': {
    welcome:
      '您好{name}！欢迎来到{business}。我是在线助手，可以回答常见问题、记录您的反馈。发送 /help 查看我能做什么。',
    welcomeBack: '欢迎回来{name}！已为您重新开启消息通知。发送 /help 查看我能做什么。',
    help: '我可以帮您：\n/start 开始\n/help 查看帮助\n/checkin 每日签到领积分\n/points 查看积分和会员等级\n/history 最近的积分记录\n/rewards 可兑换的奖励\n/feedback 给我们提意见\n/human 转人工客服\n/link 绑定其他App的账号\n/invite 邀请好友得积分\n/birthday 月-日 登记生日\n/lang zh|en 切换语言\n/stop 不再接收主动推送的消息\n直接发送您的问题，我会尽力解答。',
    langSet: '好的，之后我会用中文和您交流。',
    langUsage: '用法：/lang zh 或 /lang en',
    stopped: '已为您关闭主动推送的消息。您随时可以发送 /start 重新开启。',
    unknownCommand: '抱歉，我不认识命令 {command}。发送 /help 查看可用命令。',
    fallback: '抱歉，我暂时无法回答这个问题。发送 /help 查看我能做什么。',
    unsupported: '收到啦！目前我只能看懂文字消息，请用文字描述您的问题。',
    faqDidYouMean: '您是想问下面哪一个？点一下即可查看答案：',
    faqDontKnow: '抱歉，这个问题我暂时回答不了，我已经把它记录下来，方便工作人员补充。您也可以转人工。',
    faqHumanButton: '转人工',
    faqAskMe: '您好！请问有什么可以帮您？比如营业时间、外卖配送、会员积分等。',
    welcomePoints: '送您{points}积分作为见面礼，发送 /points 查看。',
    checkinDone: '签到成功，获得{points}积分！当前积分：{balance}。',
    checkinAgain: '今天已经签到过啦，明天再来吧。当前积分：{balance}。',
    pointsSummary: '当前积分：{balance}\n会员等级：{tier}（{perks}）\n{progress}',
    pointsProgress: '近12个月已获得{earned}积分，再获得{points}积分即可升级为{tier}。',
    pointsTopTier: '您已是最高等级，感谢支持！',
    pointsExpiring: '\n提醒：有{points}积分将在30天内过期。',
    historyTitle: '最近的积分记录：',
    historyEmpty: '还没有积分记录。发送 /checkin 每日签到就能领积分。',
    tierReached: '恭喜您升级为{tier}！专属权益：{perks}',
    rewardsList: '您可以兑换这些奖励（当前积分{balance}），点一下即可兑换：',
    rewardsNone: '暂时没有可兑换的奖励。当前积分{balance}，最便宜的奖励需要{cost}积分。',
    redeemConfirm: '确认用{cost}积分兑换「{name}」吗？',
    redeemConfirmButton: '确认兑换',
    redeemCancelButton: '取消',
    redeemCancelled: '好的，已取消兑换。',
    redeemDone: '兑换成功！「{name}」的兑换码：{code}，到店出示即可。剩余积分{balance}。',
    redeemUsage: '用法：/redeem 奖励编号，例如 /redeem {example}。发送 /rewards 查看可兑换的奖励。',
    redeemUnknown: '没有这个奖励。发送 /rewards 查看可兑换的奖励。',
    redeemPoints: '积分不够：兑换「{name}」需要{cost}积分，您现在有{balance}积分。',
    redeemStock: '抱歉，「{name}」已经兑完了。',
    redeemLimit: '「{name}」每人限兑{limit}次，您已经兑换过了。',
    redeemTier: '「{name}」仅限{tier}及以上会员兑换。',
    surveyFeedback: '感谢您愿意给我们反馈！请先为我们的服务打个分（1–5分，5分最满意）：',
    surveyCsat: '请问您对这次服务满意吗？请打分（1–5分，5分最满意）：',
    surveyNps: '您有多大可能把我们推荐给朋友？请打分（0–10分，10分最可能）：',
    surveyRetry: '请回复 {min} 到 {max} 之间的数字。',
    surveyComment: '谢谢您的评分！还有什么想告诉我们的吗？直接回复即可，或点“跳过”。',
    surveyWhy: '谢谢！方便说说打这个分数的原因吗？直接回复即可，或点“跳过”。',
    surveySkip: '跳过',
    surveyThanks: '感谢您的反馈，我们会认真对待！',
    surveyThanksPoints: '感谢您的反馈，我们会认真对待！已送您{points}积分。',
    surveySorry: '很抱歉让您失望了，工作人员会跟进处理，并把结果告诉您。',
    followUpDone: '关于您之前的反馈，我们的处理结果：{note}',
    inviteCode: '您的邀请码：{code}。新朋友第一次来时发送“/ref {code}”，好友得{referee}积分，您得{referrer}积分。',
    refUsage: '用法：/ref 邀请码，例如 /ref ABC234。',
    refDone: '邀请码有效！已送您{points}积分，欢迎加入。',
    refUnknown: '没有这个邀请码，请检查后再试。',
    refSelf: '不能使用自己的邀请码哦。',
    refAlready: '您已经使用过邀请码了。',
    refNotNew: '邀请码只限新朋友在加入{days}天内、首次消费前使用。',
    refReferrer: '您邀请的好友已加入，送您{points}积分，谢谢推荐！',
    refRecorded: '邀请码有效！您首次消费后将获得{points}积分，邀请您的好友也会得到奖励。',
    refMutual: '您邀请过的好友不能再邀请您哦。',
    refReferrerPurchase: '您邀请的好友完成了首次消费，送您{points}积分，谢谢推荐！',
    refRefereePaid: '感谢您的首次消费！好友邀请奖励{points}积分已到账。',
    inviteCodePurchase:
      '您的邀请码：{code}。新朋友加入时发送“/ref {code}”，首次消费后好友得{referee}积分，您得{referrer}积分（每月最多奖励{max}位好友）。',
    historyRedemption: '兑换「{name}」，兑换码{code}：{status}',
    redemptionIssued: '未使用',
    redemptionUsed: '已使用（{day}）',
    redemptionCancelled: '已取消，积分已退还',
    historyRefund: '退还',
    birthdaySet: '记下啦，您的生日是{month}月{day}日。生日当天我们会送上{points}积分。',
    birthdayUsage: '用法：/birthday 月-日，例如 /birthday 08-15。',
    birthdayGift: '生日快乐！🎂 送您{points}积分，祝您天天开心。',
    ticketOpened: '已为您转接人工客服，工作人员会在{minutes}分钟内回复您。之后您发的消息我都会转给工作人员。',
    ticketOpenedClosed:
      '已为您转接人工客服。现在是非营业时间（营业时间{hours}），工作人员会在{next}上班后尽快回复您。之后您发的消息我都会转给工作人员。',
    ticketAlreadyOpen: '工作人员已经在处理您的问题，请稍候，您的消息都会转给他们。',
    ticketReopened: '收到，已重新为您转接工作人员，请稍候。',
    ticketResolved: '工作人员已处理完您的问题。如果还有需要，直接回复即可。',
    linkCode:
      '您的绑定码：{code}（{minutes}分钟内有效）。在另一个App（微信、Telegram或网页）里给我发送 /link {code}，两个账号就会合并，积分和记录都会合在一起。',
    linkDone: '绑定成功！您在{channels}的账号已合并为一个，当前积分{balance}。',
    linkInvalid: '这个绑定码不存在或已过期。请在原来的App里发送 /link 获取新的绑定码。',
    linkSameAccount: '这是您在这里获取的绑定码，请在另一个App里发送它。',
    linkPrivateOnly: '为了保护您的账号，请在和我的私聊里使用 /link。',
    slowDown: '您发消息太快了，请稍等片刻再发。多出来的消息我们已经收到，但不会逐条回复。',
  },
  en: {
    welcome:
      "Hello{name}! Welcome to {business}. I'm the online assistant: I answer common questions and take your feedback. Send /help to see what I can do.",
    welcomeBack: 'Welcome back{name}! Messages from us are switched on again. Send /help to see what I can do.',
    help: 'I can help with:\n/start start\n/help this help\n/checkin daily check-in for points\n/points your points and tier\n/history your latest points\n/rewards rewards you can redeem\n/feedback tell us what you think\n/human talk to a person\n/link join your accounts in other apps\n/invite invite friends for points\n/birthday MM-DD your birthday\n/lang zh|en switch language\n/stop stop messages we send on our own\nOr just type your question.',
    langSet: "OK, I'll talk to you in English from now on.",
    langUsage: 'Usage: /lang zh or /lang en',
    stopped: "Done: we won't send you messages on our own any more. Send /start at any time to switch them back on.",
    unknownCommand: "Sorry, I don't know the command {command}. Send /help to see what I can do.",
    fallback: "Sorry, I can't answer that yet. Send /help to see what I can do.",
    unsupported: 'Got it! I can only read text for now: please describe your question in words.',
    faqDidYouMean: 'Did you mean one of these? Tap one to see the answer:',
    faqDontKnow:
      "Sorry, I don't know the answer to that yet. I've noted your question so our team can add it. You can also ask for a person.",
    faqHumanButton: 'Talk to a person',
    faqAskMe: 'Hi! How can I help? For example opening hours, delivery or membership points.',
    welcomePoints: 'Here are {points} welcome points: send /points to see them.',
    checkinDone: 'Checked in: +{points} points! Balance: {balance}.',
    checkinAgain: "You've already checked in today: come back tomorrow. Balance: {balance}.",
    pointsSummary: 'Points: {balance}\nTier: {tier} ({perks})\n{progress}',
    pointsProgress: 'Earned in the last 12 months: {earned}. {points} more to reach {tier}.',
    pointsTopTier: "You're at the top tier: thank you!",
    pointsExpiring: '\nHeads-up: {points} points expire within 30 days.',
    historyTitle: 'Your latest points:',
    historyEmpty: 'No points yet. Send /checkin every day to collect some.',
    tierReached: 'Congratulations, you are now {tier}! Perks: {perks}',
    rewardsList: 'You can redeem these (balance {balance}); tap one to redeem:',
    rewardsNone: 'Nothing to redeem yet. You have {balance} points; the cheapest reward needs {cost}.',
    redeemConfirm: 'Redeem {name} for {cost} points?',
    redeemConfirmButton: 'Redeem',
    redeemCancelButton: 'Cancel',
    redeemCancelled: 'OK, cancelled.',
    redeemDone: 'Done! Your code for {name}: {code}. Show it at the counter. Points left: {balance}.',
    redeemUsage: 'Usage: /redeem REWARD, for example /redeem {example}. Send /rewards to see what you can redeem.',
    redeemUnknown: 'There is no such reward. Send /rewards to see what you can redeem.',
    redeemPoints: 'Not enough points: {name} needs {cost}, you have {balance}.',
    redeemStock: 'Sorry, {name} is out of stock.',
    redeemLimit: '{name} is limited to {limit} per customer, and you have redeemed it already.',
    redeemTier: '{name} is for {tier} members and above.',
    surveyFeedback: 'Thanks for sharing your feedback! First, how would you rate us (1–5, 5 is best)?',
    surveyCsat: 'How satisfied were you with our service? Please rate 1–5 (5 is best).',
    surveyNps: 'How likely are you to recommend us to a friend? Please rate 0–10.',
    surveyRetry: 'Please reply with a number from {min} to {max}.',
    surveyComment: 'Thank you for rating us! Anything you would like to tell us? Just reply, or tap Skip.',
    surveyWhy: 'Thank you! Could you tell us why you gave that score? Just reply, or tap Skip.',
    surveySkip: 'Skip',
    surveyThanks: 'Thank you for your feedback: we take it seriously!',
    surveyThanksPoints: 'Thank you for your feedback: we take it seriously! Here are {points} points.',
    surveySorry: "We're sorry we let you down. Our team will follow up and tell you what was done.",
    followUpDone: 'About your earlier feedback, here is what we did: {note}',
    inviteCode:
      'Your invite code: {code}. A friend who sends "/ref {code}" on their first visit gets {referee} points, and you get {referrer}.',
    refUsage: 'Usage: /ref CODE, for example /ref ABC234.',
    refDone: 'Code accepted! Here are {points} points: welcome.',
    refUnknown: 'There is no such invite code: please check it.',
    refSelf: "You can't use your own invite code.",
    refAlready: 'You have used an invite code already.',
    refNotNew: 'Invite codes are for new customers, within {days} days of joining and before their first purchase.',
    refReferrer: 'A friend you invited has joined: here are {points} points. Thank you!',
    refRecorded:
      'Code accepted! You get {points} points with your first purchase, and the friend who invited you gets a thank-you too.',
    refMutual: "A friend you invited can't invite you back.",
    refReferrerPurchase: 'A friend you invited made their first purchase: here are {points} points. Thank you!',
    refRefereePaid: 'Thank you for your first purchase! Your {points} invite points are in.',
    inviteCodePurchase:
      'Your invite code: {code}. A friend who sends "/ref {code}" when they join gets {referee} points after their first purchase, and you get {referrer} (for up to {max} friends a month).',
    historyRedemption: 'redeemed {name}, code {code}: {status}',
    redemptionIssued: 'not used yet',
    redemptionUsed: 'used ({day})',
    redemptionCancelled: 'cancelled, points refunded',
    historyRefund: 'refund',
    birthdaySet: "Noted: your birthday is {month}/{day}. We'll send you {points} points on the day.",
    birthdayUsage: 'Usage: /birthday MM-DD, for example /birthday 08-15.',
    birthdayGift: 'Happy birthday! 🎂 Here are {points} points from us.',
    ticketOpened:
      "I've passed you to our team: a person will reply within {minutes} minutes. I'll forward everything you write here to them.",
    ticketOpenedClosed:
      "I've passed you to our team. We're closed right now (open {hours}); a person will reply soon after we open, {next}. I'll forward everything you write here to them.",
    ticketAlreadyOpen: 'Our team is already on it: please bear with us, everything you write reaches them.',
    ticketReopened: "Got it: I've passed you back to our team, a person will reply soon.",
    ticketResolved: 'Our team has finished with your request. If you need anything else, just reply here.',
    linkCode:
      'Your link code: {code} (valid for {minutes} minutes). Send /link {code} to me from your other app (WeChat, Telegram or the web) and the two accounts become one, points and history included.',
    linkDone: 'Linked! Your accounts on {channels} are now one; your points balance is {balance}.',
    linkInvalid: 'That link code does not exist or has expired. Send /link in your other app to get a new one.',
    linkSameAccount: 'That code was made here: send it from your other app.',
    linkPrivateOnly: 'To protect your account, please use /link in a private chat with me.',
    slowDown:
      "You're sending messages too fast: please wait a moment before sending more. We've received the extra ones, but won't answer each of them.",
  },
} satisfies Record<Locale, Record<string, string>>;

export type TextKey = keyof (typeof defaults)['en'];
export const textKeys = Object.keys(defaults.en) as TextKey[];
export type Texts = Record<Locale, Record<TextKey, string>>;

export function buildTexts(overrides: Partial<Record<Locale, Partial<Record<TextKey, string>>>> = {}): Texts {
  return {
    'zh-CN': { ...defaults['zh-CN'], ...stripUndefined(overrides['zh-CN']) },
    en: { ...defaults.en, ...stripUndefined(overrides.en) },
  };
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function format(template: string, vars: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in vars ? String(vars[key]) : whole));
}

/** Accepts zh, zh-CN, zh-Hans, cn, 中文 → zh-CN; en, en-US, english → en; anything else → undefined. */
export function normalizeLocale(input: string | null | undefined): Locale | undefined {
  const v = (input ?? '').trim().toLowerCase();
  if (!v) return undefined;
  if (v === 'cn' || v === '中文' || v.startsWith('zh')) return 'zh-CN';
  if (v === 'english' || v === '英文' || v === 'en' || v.startsWith('en-') || v.startsWith('en_')) return 'en';
  return undefined;
}

const han = /\p{Script=Han}/u;
const latinWord = /[A-Za-z]{2,}/;

/** Guesses the language of a customer's text: any Han character means Chinese, Latin words English. */
export function detectLocale(text: string | undefined): Locale | undefined {
  if (!text) return undefined;
  const body = text.replace(/^\/\S+/, '');
  if (han.test(body)) return 'zh-CN';
  if (latinWord.test(body)) return 'en';
  return undefined;
}
