// Texts of surveys and follow-ups, in Chinese and English. The business overrides any of them in
// RAPPORT_CONFIG under texts.<locale>.<key>; {placeholders} are filled per message.
import type { FeatureTexts } from '../../engine/i18n.js';

const en = {
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
};

const zh: Record<keyof typeof en, string> = {
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
};

export const feedbackTexts = { 'zh-CN': zh, en } satisfies FeatureTexts;

declare module '../../engine/i18n.js' {
  interface TextRegistry extends Record<keyof typeof en, string> {}
}
