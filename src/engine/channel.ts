// The one interface every channel adapter implements. Adapters do transport only:
// verify, parse, normalize, render, send. They never touch the database.
import type { InboundMessage, OutboundMessage, TurnResult } from './types.js';

/** At most `max` sends per `windowMs`, counted per chat, per group chat, or across the channel. */
export interface PacingRule {
  scope: 'chat' | 'group' | 'channel';
  max: number;
  windowMs: number;
}

export interface ChannelCapabilities {
  /** Renders buttons natively (inline keyboards); otherwise as numbered options. */
  buttons: boolean;
  groups: boolean;
  maxTextLength: number;
  pacing: PacingRule[];
}

/**
 * What a customer channel can do to keep a group in order. A flag is true exactly when the adapter
 * has the matching method(s); an adapter without a capability lacks the method (call through
 * moderatorOf() in moderation.ts, which turns the missing method into ADAPTER_UNSUPPORTED).
 */
export interface ModerationCapabilities {
  /** deleteMessage */
  deleteMessage: boolean;
  /** restrictMember and unrestrictMember */
  restrictMember: boolean;
  /** removeMember */
  removeMember: boolean;
  /** banMember and unbanMember (kept out until lifted, unlike removeMember) */
  banMember: boolean;
}

export const NO_MODERATION: ModerationCapabilities = Object.freeze({
  deleteMessage: false,
  restrictMember: false,
  removeMember: false,
  banMember: false,
});

/** A customer channel's capabilities: delivery, plus moderation. */
export interface AdapterCapabilities extends ChannelCapabilities {
  moderation: ModerationCapabilities;
}

export interface SendTarget {
  chatId: string;
  chatType: 'private' | 'group';
  /** The outbox row's id: a stable idempotency key for the platform where it takes one. */
  outboxId: number;
}

export interface InboundHandler {
  handleInbound(message: InboundMessage): Promise<TurnResult>;
}

export interface ChannelAdapter {
  readonly channel: string;
  readonly capabilities: AdapterCapabilities;
  /** Starts receiving (polling, webhooks, a puppet) and hands every message to the handler. */
  start(handler: InboundHandler): Promise<void>;
  /** Stops receiving; send() keeps working so the outbox can finish what it started. */
  stop(): Promise<void>;
  /** Releases the connection (a logged-in puppet) once the outbox has stopped sending. */
  close?(): Promise<void>;
  /**
   * Delivers one message; throws SendError to ask for a retry or to give up. May return the
   * platform's id of the (last part of the) message, in the form deleteMessage takes.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: most adapters return nothing; void keeps them as they are
  send(target: SendTarget, message: OutboundMessage): Promise<string | undefined | void>;

  // Moderation (optional, see ModerationCapabilities). Each throws ModerationError when it did not happen.
  /** Deletes a message from a chat (`platformMessageId` as this adapter reported it; `sentAt` when known). */
  deleteMessage?(chatId: string, platformMessageId: string, sentAt?: Date): Promise<void>;
  /** Stops a member from posting until `untilMs` (epoch ms), or until lifted when undefined. */
  restrictMember?(chatId: string, userId: string, untilMs: number | undefined): Promise<void>;
  /** Lifts restrictMember. */
  unrestrictMember?(chatId: string, userId: string): Promise<void>;
  /** Removes a member from a group; they may join again. */
  removeMember?(chatId: string, userId: string): Promise<void>;
  /** Keeps a member out of a group until `untilMs` (epoch ms), or until unbanMember when undefined. */
  banMember?(chatId: string, userId: string, untilMs: number | undefined): Promise<void>;
  /** Lifts banMember: they may join again. */
  unbanMember?(chatId: string, userId: string): Promise<void>;
  /** The user ids of a group's admins (owner included); throws ModerationError when it cannot tell. */
  groupAdmins?(chatId: string): Promise<string[]>;
}

/** What the outbox needs to deliver through a channel: customer channels and staff channels (Slack). */
export type MessageSender = Pick<ChannelAdapter, 'channel' | 'send'> & { readonly capabilities: ChannelCapabilities };
