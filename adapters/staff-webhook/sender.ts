// Delivers queued staff-webhook posts: signs each request when it is sent (the platforms refuse
// signatures more than an hour old, and a post may wait in the outbox longer), posts it, and
// turns the answer into what the outbox understands: done, retry (when), or give up.
import type { ChannelCapabilities, MessageSender, SendTarget } from '../../src/engine/channel.js';
import type { OutboundMessage } from '../../src/engine/types.js';
import { errorMessage, SendError } from '../../src/errors.js';
import type { WebhookFormat } from './format.js';

export const STAFF_WEBHOOK_CHANNEL = 'staff-webhook';
const TIMEOUT_MS = 10_000;

export interface StaffWebhookSenderOptions {
  url: string;
  format: WebhookFormat;
  secret?: string | undefined;
  now?: () => number;
}

export class StaffWebhookSender implements MessageSender {
  readonly channel = STAFF_WEBHOOK_CHANNEL;
  readonly capabilities: ChannelCapabilities;

  constructor(private readonly o: StaffWebhookSenderOptions) {
    this.capabilities = { buttons: false, groups: true, maxTextLength: 4_000, pacing: o.format.pacing };
  }

  async send(target: SendTarget, message: OutboundMessage): Promise<void> {
    const { format } = this.o;
    // Queued for another format (STAFF_WEBHOOK_FORMAT changed since): this URL would refuse it.
    if (target.chatId !== format.name || !message.data) {
      throw new SendError(`staff webhook: queued as ${target.chatId}, now ${format.name}`, { permanent: true });
    }
    const request = format.request(this.o.url, message.data, this.o.secret, this.o.now ? this.o.now() : Date.now());
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: 'POST',
        headers: { ...request.headers, 'x-rapport-delivery': String(target.outboxId) },
        body: request.body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new SendError(`${format.name}: ${errorMessage(err)}`, { cause: err });
    }
    const text = await response.text().catch(() => '');
    // Group bots put their verdict in the body, whatever the status (Feishu answers 400 with one too).
    const failure = format.failure(parseJson(text));
    if (failure) throw failure;
    if (response.ok) return;
    throw httpFailure(format.name, response, text);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** 429 waits as long as asked; 408 and 5xx retry with backoff; any other 4xx will not change. */
function httpFailure(name: string, response: Response, text: string): SendError {
  const message = `${name}: HTTP ${response.status}${text ? ` ${text.slice(0, 200)}` : ''}`;
  if (response.status === 429) {
    const seconds = Number(response.headers.get('retry-after'));
    return new SendError(message, Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {});
  }
  if (response.status === 408 || response.status >= 500) return new SendError(message);
  return new SendError(message, { permanent: true });
}
