// Texts of the per-customer message limit, in Chinese and English. The business overrides any of them in
// RAPPORT_CONFIG under texts.<locale>.<key>; {placeholders} are filled per message.
import type { FeatureTexts } from '../../engine/i18n.js';

const en = {
  slowDown:
    "You're sending messages too fast: please wait a moment before sending more. We've received the extra ones, but won't answer each of them.",
};

const zh: Record<keyof typeof en, string> = {
  slowDown: '您发消息太快了，请稍等片刻再发。多出来的消息我们已经收到，但不会逐条回复。',
};

export const limitsTexts = { 'zh-CN': zh, en } satisfies FeatureTexts;

declare module '../../engine/i18n.js' {
  interface TextRegistry extends Record<keyof typeof en, string> {}
}
