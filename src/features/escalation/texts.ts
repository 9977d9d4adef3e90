// Texts of tickets, in Chinese and English. The business overrides any of them in
// RAPPORT_CONFIG under texts.<locale>.<key>; {placeholders} are filled per message.
import type { FeatureTexts } from '../../engine/i18n.js';

const en = {
  ticketOpened:
    "I've passed you to our team: a person will reply within {minutes} minutes. I'll forward everything you write here to them.",
  ticketOpenedClosed:
    "I've passed you to our team. We're closed right now (open {hours}); a person will reply soon after we open, {next}. I'll forward everything you write here to them.",
  ticketAlreadyOpen: 'Our team is already on it: please bear with us, everything you write reaches them.',
  ticketReopened: "Got it: I've passed you back to our team, a person will reply soon.",
  ticketResolved: 'Our team has finished with your request. If you need anything else, just reply here.',
};

const zh: Record<keyof typeof en, string> = {
  ticketOpened: '已为您转接人工客服，工作人员会在{minutes}分钟内回复您。之后您发的消息我都会转给工作人员。',
  ticketOpenedClosed:
    '已为您转接人工客服。现在是非营业时间（营业时间{hours}），工作人员会在{next}上班后尽快回复您。之后您发的消息我都会转给工作人员。',
  ticketAlreadyOpen: '工作人员已经在处理您的问题，请稍候，您的消息都会转给他们。',
  ticketReopened: '收到，已重新为您转接工作人员，请稍候。',
  ticketResolved: '工作人员已处理完您的问题。如果还有需要，直接回复即可。',
};

export const escalationTexts = { 'zh-CN': zh, en } satisfies FeatureTexts;

declare module '../../engine/i18n.js' {
  interface TextRegistry extends Record<keyof typeof en, string> {}
}
