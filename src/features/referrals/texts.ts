// Texts of invite codes, in Chinese and English. The business overrides any of them in
// RAPPORT_CONFIG under texts.<locale>.<key>; {placeholders} are filled per message.
import type { FeatureTexts } from '../../engine/i18n.js';

const en = {
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
};

const zh: Record<keyof typeof en, string> = {
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
};

export const referralTexts = { 'zh-CN': zh, en } satisfies FeatureTexts;

declare module '../../engine/i18n.js' {
  interface TextRegistry extends Record<keyof typeof en, string> {}
}
