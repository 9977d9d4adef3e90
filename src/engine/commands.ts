// Built-in commands: /start, /help, /lang, /stop. Features add their own middleware.
import type { Middleware } from './composer.js';
import type { TurnContext } from './context.js';
import { normalizeLocale } from './i18n.js';

export const builtinCommands: Middleware<TurnContext> = async (ctx, next) => {
  const command = ctx.command;
  if (!command) {
    // A customer's very first message is greeted before it is answered.
    if (ctx.isNewCustomer && ctx.addressed) ctx.reply(ctx.t('welcome'));
    return next();
  }
  switch (command.name) {
    case 'start':
      if (ctx.customer.optedOut) {
        ctx.customerPatch.optedOut = false;
        ctx.event('opt_in');
        ctx.reply(ctx.t('welcomeBack'));
      } else {
        ctx.reply(ctx.t('welcome'));
      }
      return;
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
    case 'stop':
      if (!ctx.customer.optedOut) {
        ctx.customerPatch.optedOut = true;
        ctx.event('opt_out');
      }
      ctx.reply(ctx.t('stopped'));
      return;
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
