// Texts of answers from the knowledge base, in Chinese and English. The business overrides any of them in
// RAPPORT_CONFIG under texts.<locale>.<key>; {placeholders} are filled per message.
import type { FeatureTexts } from '../../engine/i18n.js';

const en = {
  faqDidYouMean: 'Did you mean one of these? Tap one to see the answer:',
  faqDontKnow:
    "Sorry, I don't know the answer to that yet. I've noted your question so our team can add it. You can also ask for a person.",
  faqHumanButton: 'Talk to a person',
  faqAskMe: 'Hi! How can I help? For example opening hours, delivery or membership points.',
};

const zh: Record<keyof typeof en, string> = {
  faqDidYouMean: '您是想问下面哪一个？点一下即可查看答案：',
  faqDontKnow: '抱歉，这个问题我暂时回答不了，我已经把它记录下来，方便工作人员补充。您也可以转人工。',
  faqHumanButton: '转人工',
  faqAskMe: '您好！请问有什么可以帮您？比如营业时间、外卖配送、会员积分等。',
};

export const faqTexts = { 'zh-CN': zh, en } satisfies FeatureTexts;

declare module '../../engine/i18n.js' {
  interface TextRegistry extends Record<keyof typeof en, string> {}
}
