// Points in the chat: welcome points, /checkin (签到), /points (积分), /history.
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import { loyaltyCommandSpecs } from './commands.js';
import { replyHistory } from './history.js';
import type { AwardOutcome, Loyalty } from './service.js';

/** Chat words that mean a loyalty command, besides the slash commands. */
const phrases: Record<string, string> = Object.fromEntries(
  loyaltyCommandSpecs.flatMap((c) => ('phrases' in c ? c.phrases.map((p) => [p, c.name]) : [])),
);

function intent(ctx: TurnContext): string | undefined {
  if (ctx.command) return ['checkin', 'points', 'history'].includes(ctx.command.name) ? ctx.command.name : undefined;
  const text = ctx.message.text?.trim().replace(/[。!!??~～\s]+$/u, '');
  return text ? phrases[text] : undefined;
}

function congratulate(ctx: TurnContext, outcome: AwardOutcome | null): void {
  if (!outcome?.tierReached) return;
  const tier = outcome.tierReached;
  ctx.reply(ctx.t('tierReached', { tier: tier.name[ctx.locale], perks: tier.perks[ctx.locale] }));
  ctx.event('tier_reached', { tier: tier.id });
}

/**
 * Runs first and acts last: welcome points when a customer starts (/start, which every channel
 * sends when someone opens the chat), after the welcome itself. Once per customer; people who
 * only chatter in a group never get them.
 */
export function welcomePoints(loyalty: Loyalty): Middleware<TurnContext> {
  return async (ctx, next) => {
    await next();
    if (ctx.command?.name !== 'start') return;
    const outcome = await loyalty.welcome(ctx.customer.id);
    if (!outcome?.applied) return;
    const note = ctx.t('welcomePoints', { points: outcome.entry.delta });
    // One message is friendlier than two: the gift goes into the welcome when there is one.
    const welcome = ctx.replies.find((r) => r.text === ctx.t('welcome'));
    if (welcome) welcome.text = `${welcome.text}\n${note}`;
    else if (ctx.addressed) ctx.reply(note);
  };
}

export function loyaltyCommands(loyalty: Loyalty): Middleware<TurnContext> {
  return async (ctx, next) => {
    switch (intent(ctx)) {
      case 'checkin': {
        const { outcome } = await loyalty.checkin(ctx.customer.id);
        if (!outcome) return next();
        ctx.reply(
          ctx.t(outcome.applied ? 'checkinDone' : 'checkinAgain', {
            points: outcome.entry.delta,
            balance: outcome.balance,
          }),
        );
        congratulate(ctx, outcome);
        return;
      }
      case 'points': {
        const s = await loyalty.summary(ctx.customer.id);
        const progress = s.nextTier
          ? ctx.t('pointsProgress', {
              earned: s.earnedLast12Months,
              points: s.toNextTier,
              tier: s.nextTier.name[ctx.locale],
            })
          : ctx.t('pointsTopTier');
        const expiring = s.expiringIn30Days ? ctx.t('pointsExpiring', { points: s.expiringIn30Days }) : '';
        ctx.reply(
          ctx.t('pointsSummary', {
            balance: s.balance,
            tier: s.tier.name[ctx.locale],
            perks: s.tier.perks[ctx.locale],
            progress: progress + expiring,
          }),
        );
        return;
      }
      case 'history':
        return replyHistory(ctx, loyalty);
      default:
        return next();
    }
  };
}
