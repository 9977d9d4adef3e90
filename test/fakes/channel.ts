// A channel on the far side of the adapter interface: it records what it is asked to send and
// fails the way a platform does when told to. Real adapters have their own protocol-level tests.
import {
  type AdapterCapabilities,
  type ChannelAdapter,
  type InboundHandler,
  NO_MODERATION,
  type PacingRule,
  type SendTarget,
} from '../../src/engine/channel.js';
import type { OutboundMessage } from '../../src/engine/types.js';
import type { SendError } from '../../src/errors.js';

export interface Delivery {
  target: SendTarget;
  message: OutboundMessage;
  at: number;
}

export class RecordingChannel implements ChannelAdapter {
  readonly capabilities: AdapterCapabilities;
  readonly delivered: Delivery[] = [];
  /** Failures to throw, in order, before sends succeed again. */
  readonly failures: SendError[] = [];
  handler: InboundHandler | undefined;

  constructor(
    readonly channel: string,
    pacing: PacingRule[] = [],
    private readonly now: () => number = Date.now,
  ) {
    this.capabilities = { buttons: false, groups: true, maxTextLength: 4096, pacing, moderation: NO_MODERATION };
  }

  async start(handler: InboundHandler): Promise<void> {
    this.handler = handler;
  }

  async stop(): Promise<void> {}

  async send(target: SendTarget, message: OutboundMessage): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.delivered.push({ target, message, at: this.now() });
  }
}
