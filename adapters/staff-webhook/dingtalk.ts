// DingTalk (钉钉) custom robot: POST {"msgtype":"markdown","markdown":{"title","text"},"at":{"isAtAll"}}
// to https://oapi.dingtalk.com/robot/send?access_token=…. With 加签 on (STAFF_WEBHOOK_SECRET) the
// URL gets `timestamp` (milliseconds) and `sign` = url-encoded base64(HMAC-SHA256(secret,
// timestamp + "\n" + secret)); DingTalk refuses a timestamp more than an hour off. Limit: 20
// messages a minute per robot, past it the robot is throttled for 10 minutes. Answers HTTP 200
// {"errcode","errmsg"}: 310000 = keyword missing, bad signature or IP not allowed; 300001 = no
// such token; 400013 = the group was dissolved; 130101 and 410100 = sending too fast.
// https://open.dingtalk.com/document/orgapp/custom-robot-access (自定义机器人接入),
// https://open.dingtalk.com/document/robots/customize-robot-security-settings (安全设置)
import { createHmac } from 'node:crypto';
import { SendError } from '../../src/errors.js';
import { postFacts } from './event.js';
import { answerCode, jsonRequest, neutralizeMarkdown, type WebhookFormat } from './format.js';

/** The signature before url-encoding (URLSearchParams encodes it when it goes into the query). */
export function dingtalkSign(secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

/** Throttled for 10 minutes once past 20 a minute. */
const RATE_LIMITED = new Set([130101, 410100]);
const PERMANENT = new Set([310000, 300001, 400013]);

export const dingtalkFormat: WebhookFormat = {
  name: 'dingtalk',
  pacing: [{ scope: 'channel', max: 20, windowMs: 60_000 }],
  body(event, locale) {
    return this.post(postFacts(event, locale), locale);
  },
  post(facts) {
    const lines = facts.lines.map(
      ([label, value]) => `> ${label}：${neutralizeMarkdown(value).replace(/\n/g, '\n> ')}`,
    );
    // DingTalk markdown needs a blank line to break lines.
    const text = [`#### ${neutralizeMarkdown(facts.title)}`, ...lines, `[${facts.linkLabel}](${facts.url})`].join(
      '\n\n',
    );
    return { msgtype: 'markdown', markdown: { title: facts.title, text }, at: { isAtAll: facts.urgent } };
  },
  request(url, body, secret, nowMs) {
    if (!secret) return jsonRequest(url, body);
    const timestamp = String(nowMs);
    const signed = new URL(url);
    signed.searchParams.set('timestamp', timestamp);
    signed.searchParams.set('sign', dingtalkSign(secret, timestamp));
    return jsonRequest(signed.toString(), body);
  },
  failure(answer) {
    const code = answerCode(answer);
    if (!code || code.code === 0) return null;
    const message = `dingtalk: errcode ${code.code} ${code.message}`.trim();
    if (RATE_LIMITED.has(code.code)) return new SendError(message, { retryAfterMs: 10 * 60_000 });
    return new SendError(message, { permanent: PERMANENT.has(code.code) });
  },
};
