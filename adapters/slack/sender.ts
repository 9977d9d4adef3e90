// Delivers staff posts from the outbox to Slack: a ticket's root message (its ts is kept so the
// thread can be found), thread replies, and rewrites of the root when the ticket changes.
// Rate limits come back as retry-after; configuration errors are not retried.
import type { webApi } from '@slack/bolt';
import type { ChannelCapabilities, MessageSender, SendTarget } from '../../src/engine/channel.js';
import type { Button, OutboundMessage } from '../../src/engine/types.js';
import { errorMessage, SendError } from '../../src/errors.js';
import type { StaffDesk } from '../../src/staff/channel.js';

/** Where the sender finds and keeps each ticket's thread. */
export type SlackThreads = Pick<StaffDesk, 'threadOf' | 'setThread'>;

/** Slack refuses these for good: retrying cannot help. */
const permanentErrors = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'msg_too_long',
  'invalid_blocks',
  'message_not_found',
  'cant_update_message',
  'invalid_arguments',
]);

/** A section's text may hold 3,000 characters; longer posts go without blocks. */
const SECTION_LIMIT = 3000;

function blocksOf(text: string, buttons: Button[] | undefined) {
  if (!buttons?.length || text.length > SECTION_LIMIT) return undefined;
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      elements: buttons.map((b) => {
        const [actionId = b.payload, value = ''] = b.payload.split(':');
        return {
          type: 'button',
          text: { type: 'plain_text', text: b.label },
          action_id: actionId,
          value,
          ...(b.label === 'Claim' ? { style: 'primary' } : {}),
        };
      }),
    },
  ];
}

export class SlackSender implements MessageSender {
  readonly channel = 'slack';
  readonly capabilities: ChannelCapabilities = {
    buttons: true,
    groups: true,
    maxTextLength: 40_000,
    // About one post a second per channel, short bursts tolerated (Slack's chat.postMessage limit).
    pacing: [{ scope: 'chat', max: 5, windowMs: 5_000 }],
  };

  constructor(
    private readonly client: webApi.WebClient,
    private readonly threads: SlackThreads,
  ) {}

  async send(target: SendTarget, message: OutboundMessage): Promise<void> {
    const thread = message.thread;
    const ticketId = Number(thread?.key);
    const blocks = blocksOf(message.text, message.buttons);
    const common = { channel: target.chatId, text: message.text, ...(blocks ? { blocks } : {}) };
    try {
      if (!thread || thread.role === 'root') {
        const posted = await this.client.chat.postMessage({ ...common, unfurl_links: false });
        if (thread && posted.ts) await this.threads.setThread(ticketId, target.chatId, posted.ts);
        return;
      }
      const ts = await this.threads.threadOf(ticketId);
      // The root goes first (one lane per channel); missing means it failed for good.
      if (!ts) throw new SendError(`ticket ${ticketId} has no Slack thread`, { permanent: true });
      if (thread.role === 'update') await this.client.chat.update({ ...common, ts });
      else await this.client.chat.postMessage({ ...common, thread_ts: ts, unfurl_links: false });
    } catch (err) {
      throw toSendError(err);
    }
  }
}

function toSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e.code === 'slack_webapi_rate_limited_error') {
    return new SendError('slack: rate limited', { retryAfterMs: (e.retryAfter ?? 1) * 1000, cause: err });
  }
  if (e.code === 'slack_webapi_platform_error' && e.data?.error && permanentErrors.has(e.data.error)) {
    return new SendError(`slack: ${e.data.error}`, { permanent: true, cause: err });
  }
  return new SendError(`slack: ${errorMessage(err)}`, { cause: err });
}
