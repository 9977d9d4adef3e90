// Where moderation's acts go: inside a turn, into the turn's replies (committed with it, sent in
// the chat's order); outside one (the captcha timeout, the API's undo, staff's buttons), straight
// into the outbox in one statement.
import type { TurnContext } from '../../engine/context.js';
import type { ModerationCall, OutboundMessage } from '../../engine/types.js';
import { toGroup } from '../../outbox/outreach.js';
import type { Db, Tx } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';

export interface Sink {
  /** Something the bot says in the group. */
  say(message: OutboundMessage): void;
  /** A moderation call in the group. */
  call(call: ModerationCall): void;
}

export function turnSink(ctx: TurnContext): Sink {
  return {
    say: (message) => ctx.replies.push(message),
    call: (call) => ctx.replies.push({ text: '', moderation: call }),
  };
}

/** Collects acts for one group, then queues them (queue()). */
export class OutboxSink implements Sink {
  private readonly messages: OutboundMessage[] = [];

  constructor(
    private readonly chat: { channel: string; chatId: string; customerId: string | null },
    private readonly provider: DatabaseProvider,
  ) {}

  say(message: OutboundMessage): void {
    this.messages.push(message);
  }

  call(call: ModerationCall): void {
    this.messages.push({ text: '', moderation: call });
  }

  get size(): number {
    return this.messages.length;
  }

  async queue(db: Db | Tx, at: Date): Promise<void> {
    await toGroup(db, this.provider, this.chat, this.messages, at);
  }
}
