// Group moderation for Telegram groups and WeChat rooms: rules (flood, duplicates, links, a
// blocklist, newcomers' first hours), a warn ladder, the newcomer captcha, admins' commands,
// members' /report to staff, and an audit log with undo. See moderation.ts.
import { defineFeature } from '../../kernel/feature.js';
import type { ModerationDesk } from '../../staff/channel.js';
import type { Tx } from '../../store/index.js';
import { loyaltyFeature } from '../loyalty/index.js';
import { Captcha } from './captcha.js';
import { Commands } from './commands.js';
import { moderationMiddleware } from './middleware.js';
import { Moderation } from './moderation.js';
import { moderationDesk, reportToStaff } from './reports.js';
import { moderationRoutes } from './routes.js';
import { type ModerationSettings, moderationSettings } from './settings.js';
import { moderationTexts } from './texts.js';

/** What the app wires in: refused calls (the dispatcher) and staff's buttons (Slack). */
export interface ModerationApi {
  moderation: Moderation;
  desk: ModerationDesk;
}

/** A merged customer's group memberships and moderation history are the survivor's. */
async function mergeModeration(tx: Tx, survivorId: string, absorbedId: string): Promise<void> {
  await tx.groupMember.updateMany({ where: { customerId: absorbedId }, data: { customerId: survivorId } });
  await tx.moderationAction.updateMany({ where: { customerId: absorbedId }, data: { customerId: survivorId } });
}

export const moderationFeature = defineFeature<ModerationSettings, ModerationApi, 'moderation'>({
  name: 'moderation',
  summary:
    'Group moderation: flood, duplicates, links, blocklist, newcomer captcha, warn ladder, admin commands, /report, audit and undo',
  uses: ['loyalty'],
  settings: { key: 'moderation', schema: moderationSettings },
  texts: moderationTexts,
  slots: ['moderation'],
  commands: [
    {
      name: 'report',
      args: { 'zh-CN': '原因', en: 'reason' },
      describe: { 'zh-CN': '（群内回复）举报这条消息', en: '(in a group, as a reply) report the message' },
    },
  ],
  onCustomersMerged: mergeModeration,
  setup(host) {
    const loyalty = host.optional(loyaltyFeature)?.loyalty;
    const reportDeps = {
      db: host.db,
      provider: host.provider,
      clock: host.clock,
      logger: host.logger,
      staff: host.staffChannels,
      notify: host.notify,
    };
    const mod = new Moderation({
      db: host.db,
      reads: host.reads,
      provider: host.provider,
      clock: host.clock,
      logger: host.logger.child({ part: 'moderation' }),
      texts: host.texts,
      defaultLocale: host.defaultLocale,
      settings: host.settings,
      channels: host.channels,
      notify: host.notify,
      ...(loyalty ? { tierAtLeast: (customerId, tierId) => loyalty.tierAtLeast(customerId, tierId) } : {}),
      report: (row, kind, reporter) => reportToStaff(reportDeps, row, kind, reporter),
    });
    const captcha = new Captcha(mod);
    const desk = moderationDesk(mod, reportDeps);
    let seen: NodeJS.Timeout | undefined;
    return {
      api: { moderation: mod, desk },
      moderationDesk: desk,
      callRefused: (row, error) => mod.refused(row, error),
      middleware: { moderation: moderationMiddleware(mod, captcha, new Commands(mod)) },
      adminRoutes: (app) => moderationRoutes(app, { mod, reads: host.reads }),
      jobs: [{ name: 'moderation-captcha', schedule: '* * * * *', run: () => captcha.expire() }],
      start: async () => {
        seen = setInterval(() => void mod.flushSeen(), 1000);
        seen.unref();
      },
      stop: async () => {
        clearInterval(seen);
        captcha.stop();
        mod.stop();
        await mod.flushSeen();
      },
    };
  },
});
