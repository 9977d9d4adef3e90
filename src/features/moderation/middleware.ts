// The `moderation` slot, first in the pipeline: in groups, joins and captcha presses, moderation
// commands, then the rules for every other message (addressed to the bot or not). A message the
// rules act on goes no further: nobody answers spam.
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import type { Captcha } from './captcha.js';
import { CAPTCHA_PAYLOAD } from './captcha.js';
import { type Commands, MODERATION_COMMANDS } from './commands.js';
import { type Moderation, senderOf } from './moderation.js';

export function moderationMiddleware(mod: Moderation, captcha: Captcha, commands: Commands): Middleware<TurnContext> {
  return async (ctx, next) => {
    const m = ctx.message;
    if (m.chatType !== 'group') {
      // /report is about a group's message: in a private chat there is nothing to report.
      if (ctx.command?.name === 'report') return ctx.reply(ctx.t('modReportInGroup'));
      return next();
    }
    const g = await mod.rules(m.channel, m.chatId);
    if (!g.settings.enabled) return next();
    const now = new Date(mod.deps.clock.now());
    if (m.joined) return captcha.joined(ctx, g, now);
    if (m.payload?.startsWith(CAPTCHA_PAYLOAD)) return captcha.pressed(ctx, g, now);
    if (ctx.command && MODERATION_COMMANDS.has(ctx.command.name)) return commands.handle(ctx, g, now);
    if (g.settings.exempt.admins && (await mod.isAdmin(m.channel, m.chatId, m.sender.id))) return next();
    const member = senderOf(ctx);
    const finding = await mod.judge(ctx, g, member, now);
    if (!finding) return next();
    await mod.enforce(ctx, g, member, finding, now);
  };
}
