// limits.perCustomer on every channel: first in the pipeline, so an over-the-limit message runs
// nothing else. The message itself is already stored (intake comes before the pipeline); the
// customer hears "slow down" once per window and nothing for the rest, and one `rate_limited`
// event per window lands in their record.
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import type { Clock } from '../../util/clock.js';
import { SlidingWindow } from './sliding-window.js';

export interface PerCustomerLimit {
  messages: number;
  seconds: number;
}

export function perCustomerLimit(limit: PerCustomerLimit, clock: Clock): Middleware<TurnContext> {
  // In this instance's memory: with several instances each counts the messages it handles.
  const window = new SlidingWindow({ limit: limit.messages, windowMs: limit.seconds * 1000 });
  return async (ctx, next) => {
    const verdict = window.hit(ctx.customer.id, clock.now());
    if (verdict === 'admit') return next();
    if (verdict === 'drop') return;
    ctx.event('rate_limited', { messages: limit.messages, seconds: limit.seconds });
    // In a group, chatter that does not address the bot gets no answer, and no warning either.
    if (ctx.addressed) ctx.reply(ctx.t('slowDown'));
  };
}
