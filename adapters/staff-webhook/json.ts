// STAFF_WEBHOOK_FORMAT=json: the ticket event as documented in the README, for the business's
// own systems. With STAFF_WEBHOOK_SECRET every request is signed so the receiver can check it:
// X-Rapport-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body)), with the
// timestamp (seconds) in X-Rapport-Timestamp, the scheme Stripe and Slack use against replays.
import { createHmac } from 'node:crypto';
import type { WebhookFormat } from './format.js';

export function jsonSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export const jsonFormat: WebhookFormat = {
  name: 'json',
  // The business's own server: no platform limit to respect.
  pacing: [],
  body: (event) => ({ ...event }),
  // The JSON format posts events as they are, never group-bot facts.
  post: (facts) => ({ event: 'post', ...facts }),
  request(url, body, secret, nowMs) {
    const text = JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-rapport-event': String(body.event),
    };
    if (secret) {
      const timestamp = String(Math.floor(nowMs / 1000));
      headers['x-rapport-timestamp'] = timestamp;
      headers['x-rapport-signature'] = jsonSignature(secret, timestamp, text);
    }
    return { url, headers, body: text };
  },
  // Any 2xx is an acceptance; the HTTP status says the rest.
  failure: () => null,
};
