// The channel-independent shapes every adapter produces and consumes.
export type ChatType = 'private' | 'group';

/** A button's payload that asks for a person (the FAQ's "talk to a person"); escalation answers it. */
export const HANDOFF_PAYLOAD = 'handoff';

export interface Button {
  label: string;
  payload: string;
}

/**
 * A moderation call queued in the outbox like a message (src/features/moderation), so it is paced,
 * retried and made once: the dispatcher calls the adapter's moderation method instead of send().
 */
export interface ModerationCall {
  op: 'delete' | 'restrict' | 'unrestrict' | 'remove' | 'ban' | 'unban';
  /** The member (restrict, unrestrict, remove, ban, unban). */
  userId?: string;
  /** The message (delete), as the adapter reported it. */
  messageId?: string;
  /** When that message was sent (ISO), so a platform's deletion window can be checked first. */
  sentAt?: string;
  /** When a restriction or ban ends (epoch ms); none = until lifted. */
  untilMs?: number;
  /** The ModerationAction it carries out: its error is noted there when the platform refuses. */
  actionId?: number;
  /** Or that decision's key, when it was written with the turn that queued the call. */
  actionKey?: string;
}

/** A message the bot sends; each adapter renders the buttons its own way. */
export interface OutboundMessage {
  text: string;
  buttons?: Button[];
  /**
   * Marketing (a campaign, a care occasion): held through quiet hours even when it waited in the
   * outbox into them (a large campaign goes out at the platform's pace for an hour).
   */
  marketing?: boolean;
  /** Not a message: a moderation call to make in the chat (the text is empty). */
  moderation?: ModerationCall;
  /** Keep the platform's id of the sent message on its outbox row (to delete it later). */
  track?: boolean;
  /** The outbox row's dedupeKey, to find the row again (a tracked message). */
  key?: string;
  /** Staff channels only: the thread (a ticket) this message starts, continues or rewrites the root of. */
  thread?: { key: string; role: 'root' | 'reply' | 'update' };
  /** Staff webhooks only: the request body, rendered when queued and posted as is (signed at send). */
  data?: Record<string, unknown>;
  /**
   * A staff member's reply to the customer's ticket: who wrote it (the admin API's `author`, the
   * console's staff name, the Slack user). The API channel shows it (GET /api/v1/messages?include=both);
   * the other adapters send the text as the business's and ignore it.
   */
  author?: { name: string };
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
    /** The platform's @handle, where it has one (Telegram usernames), without the @. */
    username?: string;
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
  /** Groups: the message carries media (a photo, a file, a sticker…), with or without a caption. */
  media?: boolean;
  /** Groups: the message was forwarded from somewhere else. */
  forwarded?: boolean;
  /** Links the platform marked that the text does not show (Telegram's text links). */
  urls?: string[];
  /** The message this one answers (in groups: the target of an admin's /warn, /ban, a member's /report). */
  replyTo?: {
    senderId: string;
    senderName?: string;
    senderUsername?: string;
    messageId: string;
    text?: string;
    sentAt?: Date;
  };
  /** A pressed button: the platform's id of the message it was on. */
  buttonMessageId?: string;
  /** Not a message: the sender joined the group (Telegram new_chat_members, chat_member; WeChat room-join). */
  joined?: boolean;
  /** When the platform says the message was sent (deletion windows). */
  sentAt?: Date;
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
