// Feishu (飞书) custom bot: POST {"msg_type":"post","content":{"post":{"zh_cn":{"title","content"}}}}
// (rich text: text, a link, and an "at" of user_id "all" when urgent) to
// https://open.feishu.cn/open-apis/bot/v2/hook/…. With signing on (STAFF_WEBHOOK_SECRET) the body
// carries "timestamp" (seconds) and "sign" = base64(HMAC-SHA256 keyed with timestamp + "\n" +
// secret, over an empty message); Feishu refuses a timestamp more than an hour off. Limits:
// 100 requests a minute and 5 a second per bot. Answers {"code","msg"} (older: "StatusCode"):
// 19021 bad signature or stale timestamp, 19022 IP not allowed, 19024 keyword missing,
// 9499 bad request; 11232 = sending too often.
// https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (自定义机器人使用指南)
import { createHmac } from 'node:crypto';
import { SendError } from '../../src/errors.js';
import { postFacts } from './event.js';
import { answerCode, jsonRequest, type WebhookFormat } from './format.js';

export function feishuSign(secret: string, timestamp: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}

const RATE_LIMITED = new Set([11232]);
const PERMANENT = new Set([19021, 19022, 19024, 9499]);

export const feishuFormat: WebhookFormat = {
  name: 'feishu',
  pacing: [
    { scope: 'channel', max: 5, windowMs: 1_000 },
    { scope: 'channel', max: 100, windowMs: 60_000 },
  ],
  body(event, locale) {
    return this.post(postFacts(event, locale), locale);
  },
  post(facts, locale) {
    const content: Record<string, string>[][] = facts.lines.map(([label, value]) => [
      { tag: 'text', text: `${label}：${value}` },
    ]);
    content.push([{ tag: 'a', text: facts.linkLabel, href: facts.url }]);
    if (facts.urgent) content.push([{ tag: 'at', user_id: 'all' }]);
    const language = locale === 'zh-CN' ? 'zh_cn' : 'en_us';
    return { msg_type: 'post', content: { post: { [language]: { title: facts.title, content } } } };
  },
  request(url, body, secret, nowMs) {
    if (!secret) return jsonRequest(url, body);
    const timestamp = String(Math.floor(nowMs / 1000));
    return jsonRequest(url, { timestamp, sign: feishuSign(secret, timestamp), ...body });
  },
  failure(answer) {
    const code = answerCode(answer);
    if (!code || code.code === 0) return null;
    const message = `feishu: code ${code.code} ${code.message}`.trim();
    if (RATE_LIMITED.has(code.code)) return new SendError(message, { retryAfterMs: 60_000 });
    return new SendError(message, { permanent: PERMANENT.has(code.code) });
  },
};
