// A message from an at-risk or churned customer brings them back: their stage is computed again
// with this message as their latest activity, and the change commits with the turn's replies.
// Other stages do not move with a message (they move with purchases and time).
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import type { Clock } from '../../util/clock.js';
import type { Lifecycle } from './lifecycle.js';

export function lifecycleMiddleware(lifecycle: Lifecycle, clock: Clock): Middleware<TurnContext> {
  return async (ctx, next) => {
    const from = ctx.customer.stage;
    if (from === 'at_risk' || from === 'churned') {
      const now = new Date(clock.now());
      const [computed] = await lifecycle.computeMany(
        lifecycle.db,
        [{ ...ctx.customer, lastSeenAt: now }],
        now,
        await lifecycle.rfm.current(),
      );
      if (computed && computed.stage !== from) {
        ctx.customerPatch.stage = computed.stage;
        ctx.event('stage_changed', { from, to: computed.stage, reason: computed.reason, trigger: 'message' });
      }
    }
    return next();
  };
}
