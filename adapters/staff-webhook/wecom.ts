// WeCom (企业微信) group bot: POST {"msgtype":"markdown","markdown":{"content"}} to the bot's
// webhook URL (…/cgi-bin/webhook/send?key=…); the key in the URL is the only credential, there is
// no signing. Markdown cannot mention anyone, so an urgent post goes as text with
// mentioned_list ["@all"]. Limits: 20 messages a minute per bot; markdown content at most 4,096
// bytes, text 2,048. Answers are HTTP 200 {"errcode","errmsg"}; errcode 45009 = too frequent.
// https://developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明),
// https://developer.work.weixin.qq.com/document/path/90313 (全局错误码)
import { SendError } from '../../src/errors.js';
import { postFacts } from './event.js';
import { answerCode, jsonRequest, neutralizeMarkdown, type WebhookFormat } from './format.js';

/** The bot's limit is counted over a minute: wait that long after being told "too frequent". */
const RATE_LIMITED = new Set([45009]);
/** A wrong or deleted key, a body WeCom cannot take: retrying cannot help. */
const PERMANENT = new Set([93000, 40008, 40058, 44004]);

export const wecomFormat: WebhookFormat = {
  name: 'wecom',
  pacing: [{ scope: 'channel', max: 20, windowMs: 60_000 }],
  body(event, locale) {
    return this.post(postFacts(event, locale), locale);
  },
  post(facts) {
    if (facts.urgent) {
      const lines = facts.lines.map(([label, value]) => `${label}：${value}`);
      const content = [facts.title, ...lines, `${facts.linkLabel}：${facts.url}`].join('\n');
      return { msgtype: 'text', text: { content, mentioned_list: ['@all'] } };
    }
    const lines = facts.lines.map(
      ([label, value]) => `> ${label}：${neutralizeMarkdown(value).replace(/\n/g, '\n> ')}`,
    );
    const content = [`**${neutralizeMarkdown(facts.title)}**`, ...lines, `[${facts.linkLabel}](${facts.url})`].join(
      '\n',
    );
    return { msgtype: 'markdown', markdown: { content } };
  },
  request: (url, body) => jsonRequest(url, body),
  failure(answer) {
    const code = answerCode(answer);
    if (!code || code.code === 0) return null;
    const message = `wecom: errcode ${code.code} ${code.message}`.trim();
    if (RATE_LIMITED.has(code.code)) return new SendError(message, { retryAfterMs: 60_000 });
    return new SendError(message, { permanent: PERMANENT.has(code.code) });
  },
};
