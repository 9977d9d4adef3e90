// Texts of joining accounts, in Chinese and English. The business overrides any of them in
// RAPPORT_CONFIG under texts.<locale>.<key>; {placeholders} are filled per message.
import type { FeatureTexts } from '../../engine/i18n.js';

const en = {
  linkCode:
    'Your link code: {code} (valid for {minutes} minutes). Send /link {code} to me from your other app (WeChat, Telegram or the web) and the two accounts become one, points and history included.',
  linkDone: 'Linked! Your accounts on {channels} are now one; your points balance is {balance}.',
  linkInvalid: 'That link code does not exist or has expired. Send /link in your other app to get a new one.',
  linkSameAccount: 'That code was made here: send it from your other app.',
  linkPrivateOnly: 'To protect your account, please use /link in a private chat with me.',
};

const zh: Record<keyof typeof en, string> = {
  linkCode:
    '您的绑定码：{code}（{minutes}分钟内有效）。在另一个App（微信、Telegram或网页）里给我发送 /link {code}，两个账号就会合并，积分和记录都会合在一起。',
  linkDone: '绑定成功！您在{channels}的账号已合并为一个，当前积分{balance}。',
  linkInvalid: '这个绑定码不存在或已过期。请在原来的App里发送 /link 获取新的绑定码。',
  linkSameAccount: '这是您在这里获取的绑定码，请在另一个App里发送它。',
  linkPrivateOnly: '为了保护您的账号，请在和我的私聊里使用 /link。',
};

export const linkingTexts = { 'zh-CN': zh, en } satisfies FeatureTexts;

declare module '../../engine/i18n.js' {
  interface TextRegistry extends Record<keyof typeof en, string> {}
}
