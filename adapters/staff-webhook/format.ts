// What differs between the webhook formats: the body, how a request is signed, what an answer
// means, and how fast the platform lets a bot post.
import type { PacingRule } from '../../src/engine/channel.js';
import type { Locale } from '../../src/engine/i18n.js';
import type { SendError } from '../../src/errors.js';
import type { PostFacts, TicketEvent } from './event.js';

export const WEBHOOK_FORMATS = ['json', 'wecom', 'feishu', 'dingtalk'] as const;
export type WebhookFormatName = (typeof WEBHOOK_FORMATS)[number];

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookFormat {
  readonly name: WebhookFormatName;
  readonly pacing: PacingRule[];
  /** The body to post for an event (without a signature: that is made at send time). */
  body(event: TicketEvent, locale: Locale): Record<string, unknown>;
  /** A group-bot post of some facts (moderation cases). */
  post(facts: PostFacts, locale: Locale): Record<string, unknown>;
  /** The request for a queued body, signed with the secret when there is one. */
  request(url: string, body: Record<string, unknown>, secret: string | undefined, nowMs: number): WebhookRequest;
  /**
   * What an answer's JSON says went wrong, if anything. Group bots answer HTTP 200 with an error
   * code in the body; null = accepted.
   */
  failure(answer: unknown): SendError | null;
}

/** Group-bot markdown must not let customer text add links, tags or headings. */
export function neutralizeMarkdown(text: string): string {
  return text
    .replace(/</g, '＜')
    .replace(/>/g, '＞')
    .replace(/\[/g, '［')
    .replace(/\]/g, '］')
    .replace(/^#/gm, '＃')
    .replace(/\*/g, '＊')
    .replace(/`/g, '｀');
}

export function jsonRequest(url: string, body: Record<string, unknown>): WebhookRequest {
  return { url, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

/** The error code of a group bot's answer: errcode (WeCom, DingTalk), code or StatusCode (Feishu). */
export function answerCode(answer: unknown): { code: number; message: string } | null {
  if (typeof answer !== 'object' || answer === null) return null;
  const a = answer as Record<string, unknown>;
  const code = a.errcode ?? a.code ?? a.StatusCode;
  if (typeof code !== 'number') return null;
  const message = a.errmsg ?? a.msg ?? a.StatusMessage;
  return { code, message: typeof message === 'string' ? message : '' };
}
