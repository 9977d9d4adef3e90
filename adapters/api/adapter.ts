// The API channel: customers reach the engine over HTTP (the routes) and read the business's
// messages by polling. A queued message is stored where GET /api/v1/messages reads it, so
// delivering it means telling live listeners (the web chat) that something new is there.
import { EventEmitter } from 'node:events';
import {
  type AdapterCapabilities,
  type ChannelAdapter,
  type InboundHandler,
  NO_MODERATION,
  type SendTarget,
} from '../../src/engine/channel.js';
import type { OutboundMessage } from '../../src/engine/types.js';
import { API_CHANNEL, MAX_TEXT_LENGTH } from './parse.js';

const STOP = Symbol('stop');

export interface ApiAdapterConfig {
  /** API_CHANNEL_KEY: a backend's key (any user); the routes check it with sessions and signatures (auth.ts). */
  channelKey?: string | undefined;
}

export class ApiAdapter implements ChannelAdapter {
  readonly channel = API_CHANNEL;
  readonly capabilities: AdapterCapabilities = {
    buttons: true,
    groups: false,
    maxTextLength: MAX_TEXT_LENGTH,
    pacing: [],
    // One customer talking to the business: no groups, nothing to moderate.
    moderation: NO_MODERATION,
  };
  private readonly delivered = new EventEmitter();
  private stopped = false;

  constructor(readonly config: ApiAdapterConfig) {
    this.delivered.setMaxListeners(0);
  }

  async start(_handler: InboundHandler): Promise<void> {}

  async stop(): Promise<void> {
    this.stopped = true;
    this.delivered.emit(STOP);
  }

  async send(target: SendTarget, _message: OutboundMessage): Promise<void> {
    this.delivered.emit(target.chatId, target.outboxId);
  }

  /** Resolves when a message for this user is delivered, after `ms`, or when the adapter stops. */
  waitForDelivery(userId: string, ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.delivered.off(userId, done);
        this.delivered.off(STOP, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.delivered.once(userId, done);
      this.delivered.once(STOP, done);
    });
  }
}
