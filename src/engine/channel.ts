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
  readonly capabilities: ChannelCapabilities;
  /** Starts receiving (polling, webhooks, a puppet) and hands every message to the handler. */
  start(handler: InboundHandler): Promise<void>;
  /** Stops receiving; send() keeps working so the outbox can finish what it started. */
  stop(): Promise<void>;
  /** Releases the connection (a logged-in puppet) once the outbox has stopped sending. */
  close?(): Promise<void>;
  /** Delivers one message; throws SendError to ask for a retry or to give up. */
  send(target: SendTarget, message: OutboundMessage): Promise<void>;
}

/** What the outbox needs to deliver through a channel: customer channels and staff channels (Slack). */
export type MessageSender = Pick<ChannelAdapter, 'channel' | 'capabilities' | 'send'>;
