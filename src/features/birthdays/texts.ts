// Texts of birthdays, in Chinese and English. The business overrides any of them in
// RAPPORT_CONFIG under texts.<locale>.<key>; {placeholders} are filled per message.
import type { FeatureTexts } from '../../engine/i18n.js';

const en = {
  birthdaySet: "Noted: your birthday is {month}/{day}. We'll send you {points} points on the day.",
  birthdayUsage: 'Usage: /birthday MM-DD, for example /birthday 08-15.',
  birthdayGift: 'Happy birthday! 🎂 Here are {points} points from us.',
};

const zh: Record<keyof typeof en, string> = {
  birthdaySet: '记下啦，您的生日是{month}月{day}日。生日当天我们会送上{points}积分。',
  birthdayUsage: '用法：/birthday 月-日，例如 /birthday 08-15。',
  birthdayGift: '生日快乐！🎂 送您{points}积分，祝您天天开心。',
};

export const birthdayTexts = { 'zh-CN': zh, en } satisfies FeatureTexts;

declare module '../../engine/i18n.js' {
  interface TextRegistry extends Record<keyof typeof en, string> {}
}
