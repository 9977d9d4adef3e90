// The channel-independent shapes every adapter produces and consumes.
export type ChatType = 'private' | 'group';

/** A button's payload that asks for a person (the FAQ's "talk to a person"); escalation answers it. */
export const HANDOFF_PAYLOAD = 'handoff';

export interface Button {
  label: string;
  payload: string;
}

/** A message the bot sends; each adapter renders the buttons its own way. */
export interface OutboundMessage {
  text: string;
  buttons?: Button[];
  /** Staff channels only: the thread (a ticket) this message starts, continues or rewrites the root of. */
  thread?: { key: string; role: 'root' | 'reply' | 'update' };
  /** Staff webhooks only: the request body, rendered when queued and posted as is (signed at send). */
  data?: Record<string, unknown>;
}

/** A customer's message, normalized by the adapter that received it. */
export interface InboundMessage {
  channel: string;
  /** The platform's chat id (with channel: the portable chat ref "channel:chatId"). */
  chatId: string;
  chatType: ChatType;
  sender: {
    id: string;
    name?: string;
    /** The language the platform or app reports for the customer: used when their text tells none. */
    locale?: string;
  };
  text?: string;
  /** The payload of a pressed button, instead of or beside text. */
  payload?: string;
  /** In groups: whether the message addresses the bot (mention, reply to the bot). */
  mentioned: boolean;
  /** The platform's id of this message, unique within the channel; repeats are handled once. */
  platformMessageId?: string;
  /** Set when the platform sent something the engine cannot read (a sticker, a photo). */
  unsupported?: boolean;
  raw?: unknown;
}

export function chatRef(channel: string, chatId: string): string {
  return `${channel}:${chatId}`;
}

/** A reply as queued in the outbox. */
export interface QueuedMessage extends OutboundMessage {
  id: number;
  createdAt: Date;
}

/** What the engine did with one inbound message. */
export interface TurnResult {
  /** True when this platform message id was handled before: nothing was done. */
  duplicate: boolean;
  replies: QueuedMessage[];
}
