// Moderation cases for staff, on every staff channel that takes them (Slack with Ban / Delete /
// Dismiss buttons, webhooks with a link): a member's /report, an act the bot could not carry
// out, a moderation call the platform refused. And what staff's buttons do (ModerationDesk).
import type { Logger } from 'pino';
import type { ModerationCall } from '../../engine/types.js';
import { AppError } from '../../errors.js';
import { toStaff } from '../../outbox/outreach.js';
import type { ModerationDesk, StaffActor, StaffChannel, StaffReport } from '../../staff/channel.js';
import type { Db } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';
import type { Moderation } from './moderation.js';
import { type ActionRow, eventPayload, record } from './records.js';
import { OutboxSink } from './sink.js';

export interface ReportDeps {
  db: Db;
  provider: DatabaseProvider;
  clock: Clock;
  logger: Logger;
  staff: readonly StaffChannel[];
  notify: () => void;
}

/** Queues a case for every staff channel that renders them; logs when none does. */
export async function reportToStaff(
  d: ReportDeps,
  row: ActionRow,
  kind: StaffReport['kind'],
  reporter?: { id: string; name: string | null },
): Promise<void> {
  const conversation = await d.db.conversation.findUnique({
    where: { channel_chatId: { channel: row.channel, chatId: row.chatId } },
    select: { title: true },
  });
  const report: StaffReport = {
    actionId: row.id,
    kind,
    channel: row.channel,
    chatId: row.chatId,
    groupTitle: conversation?.title ?? null,
    member: { id: row.memberId, name: row.memberName },
    reporter: reporter ?? null,
    text: row.text,
    reason: row.reason,
    at: row.at,
  };
  const posts = d.staff.flatMap((s) =>
    (s.renderReport?.(report) ?? []).map((message) => ({ channel: s.channel, chatId: s.chatId, message })),
  );
  if (!posts.length) {
    d.logger.warn(
      { actionId: row.id, kind, channel: row.channel, chatId: row.chatId },
      'moderation: no staff channel to tell of this case (set SLACK_BOT_TOKEN or STAFF_WEBHOOK_URL)',
    );
    return;
  }
  await toStaff(d.db, d.provider, posts, new Date(d.clock.now()));
  d.notify();
}

/** Staff's buttons on a case: ban the member, delete the message, or dismiss it. */
export function moderationDesk(mod: Moderation, d: ReportDeps): ModerationDesk {
  return {
    async act(actionId: number, act: 'ban' | 'delete' | 'dismiss', by: StaffActor): Promise<void> {
      const { db } = d;
      const reported = await db.moderationAction.findUnique({ where: { id: actionId } });
      if (!reported) throw new AppError('HTTP_NOT_FOUND', `no moderation action ${actionId}`);
      const now = new Date(d.clock.now());
      const row = await record(db, d.provider, {
        channel: reported.channel,
        chatId: reported.chatId,
        memberId: reported.memberId,
        memberName: reported.memberName,
        customerId: reported.customerId,
        rule: 'staff',
        action: act,
        reason: `case #${reported.id}`,
        text: reported.text,
        messageId: reported.messageId,
        actor: `staff:${by.name}`,
        dryRun: false,
        at: now,
        // A press delivered twice acts once.
        key: `staff:${reported.id}:${act}`,
      });
      await db.interaction.create({
        data: {
          customerId: reported.customerId,
          channel: reported.channel,
          direction: 'event',
          kind: 'moderation',
          payload: eventPayload(row) as object,
          createdAt: now,
        },
      });
      const caps = mod.capabilities(reported.channel);
      const calls: ModerationCall[] = [];
      if (act === 'ban') {
        if (caps.banMember) calls.push({ op: 'ban', userId: reported.memberId, actionId: row.id });
        else if (caps.removeMember) calls.push({ op: 'remove', userId: reported.memberId, actionId: row.id });
      }
      if ((act === 'ban' || act === 'delete') && reported.messageId && caps.deleteMessage) {
        calls.push({ op: 'delete', messageId: reported.messageId, actionId: row.id });
      }
      if (!calls.length) return;
      const sink = new OutboxSink(
        { channel: reported.channel, chatId: reported.chatId, customerId: reported.customerId },
        d.provider,
      );
      for (const call of calls) sink.call(call);
      await sink.queue(db, now);
      d.notify();
    },
  };
}
