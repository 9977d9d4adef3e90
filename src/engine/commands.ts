// Built-in commands: /start, /help, /lang, /stop. Features add their own middleware.
import type { Middleware } from './composer.js';
import type { TurnContext } from './context.js';
import { normalizeLocale } from './i18n.js';

/**
 * What opting out (/stop) or back in (/start) changes on a customer: the flag and the event that
 * logs it, or null when the customer is so already. PUT /api/v1/me/preferences makes the same change
 * (Engine.setOptedOut); the turn's commit cancels an opted-out customer's waiting marketing.
 */
export function optOutChange(
  current: boolean,
  optedOut: boolean,
): { patch: { optedOut: boolean }; event: 'opt_out' | 'opt_in' } | null {
  if (current === optedOut) return null;
  return { patch: { optedOut }, event: optedOut ? 'opt_out' : 'opt_in' };
}

export const builtinCommands: Middleware<TurnContext> = async (ctx, next) => {
  const command = ctx.command;
  if (!command) {
    // A customer's very first message is greeted before it is answered.
    if (ctx.isNewCustomer && ctx.addressed) ctx.reply(ctx.t('welcome'));
    return next();
  }
  switch (command.name) {
    case 'start': {
      const change = optOutChange(ctx.customer.optedOut, false);
      if (change) {
        Object.assign(ctx.customerPatch, change.patch);
        ctx.event(change.event);
        ctx.reply(ctx.t('welcomeBack'));
      } else {
        ctx.reply(ctx.t('welcome'));
      }
      return;
    }
    case 'help':
      ctx.reply(ctx.t('help'));
      return;
    case 'lang': {
      const locale = normalizeLocale(command.args[0]);
      if (!locale) {
        ctx.reply(ctx.t('langUsage'));
        return;
      }
      ctx.locale = locale;
      ctx.customerPatch.locale = locale;
      ctx.event('locale_changed', { locale });
      ctx.reply(ctx.t('langSet'));
      return;
    }
    case 'stop': {
      const change = optOutChange(ctx.customer.optedOut, true);
      if (change) {
        Object.assign(ctx.customerPatch, change.patch);
        ctx.event(change.event);
      }
      ctx.reply(ctx.t('stopped'));
      return;
    }
    default:
      return next();
  }
};

/** The last stop: unknown commands and anything no feature answered. */
export const fallback: Middleware<TurnContext> = (ctx) => {
  if (!ctx.addressed) return;
  if (ctx.command) ctx.reply(ctx.t('unknownCommand', { command: `/${ctx.command.name}` }));
  else if (ctx.message.unsupported) ctx.reply(ctx.t('unsupported'));
  else if (ctx.replies.length === 0) ctx.reply(ctx.t('fallback'));
};
