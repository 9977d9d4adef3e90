// Moderation commands in groups. Group admins, replying to a member's message: /warn [reason],
// /unwarn, /mute [10m|2h|1d], /unmute, /ban [reason], /kick; and /unban <user id>. Members: reply
// /report [reason] and staff are told (at most reports.perHour a member an hour). Anyone else
// trying an admin command is told they can't. An admin's command acts in dry-run mode too: dry
// run is for the rules.
import type { TurnContext } from '../../engine/context.js';
import type { TextKey } from '../../engine/i18n.js';
import { type GroupRules, type Member, type Moderation, mentionOf, senderOf } from './moderation.js';
import { type ActionRow, countWarnings, eventPayload, record } from './records.js';
import type { ModerationSettings } from './settings.js';
import { turnSink } from './sink.js';

export const MODERATION_COMMANDS = new Set(['warn', 'unwarn', 'mute', 'unmute', 'ban', 'unban', 'kick', 'report']);
const HOUR = 3_600_000;
const UNITS: Record<string, number> = { m: 60_000, h: HOUR, d: 24 * HOUR };

/** "10m", "2h", "1d" → milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string | undefined): number | undefined {
  const match = text ? /^(\d{1,4})([mhd])$/i.exec(text) : null;
  if (!match) return undefined;
  const ms = Number(match[1]) * (UNITS[(match[2] as string).toLowerCase()] as number);
  return ms > 0 ? ms : undefined;
}

export class Commands {
  constructor(private readonly mod: Moderation) {}

  async handle(ctx: TurnContext, g: GroupRules, now: Date): Promise<void> {
    const name = ctx.command?.name ?? '';
    const m = ctx.message;
    if (name === 'report') return this.report(ctx, g, now);
    const locale = this.mod.locale(g.settings);
    const say = (key: TextKey, vars: Record<string, string | number> = {}) => ctx.reply(this.mod.t(locale, key, vars));
    if (!(await this.mod.isAdmin(m.channel, m.chatId, m.sender.id, true)))
      return say('modAdminOnly', { command: name });
    const args = ctx.command?.args ?? [];
    const target = await this.target(ctx, name === 'unban' ? args[0] : undefined);
    if (!target) return say(name === 'unban' ? 'modUnbanUsage' : 'modReplyNeeded', { command: name });
    const s: ModerationSettings = { ...g.settings, mode: 'enforce' };
    const actor = `admin:${m.sender.id}`;
    const base = { channel: m.channel, chatId: m.chatId, member: target, actor, now };
    const about = { text: m.replyTo?.text ?? null, messageId: m.replyTo?.messageId ?? null };
    const source = `${m.channel}:${m.platformMessageId ?? `${m.chatId}:${now.getTime()}`}:admin`;
    if (['warn', 'mute', 'ban', 'kick'].includes(name)) {
      if (await this.mod.isAdmin(m.channel, m.chatId, target.id))
        return say('modTargetIsAdmin', { member: mentionOf(target) });
      const reasonText = (name === 'mute' ? args.slice(parseDuration(args[0]) ? 1 : 0) : args).join(' ').trim();
      const reason = reasonText || this.mod.t(locale, 'modReasonAdmin');
      const untilMs =
        name === 'mute' ? ((ms) => (ms ? now.getTime() + ms : undefined))(parseDuration(args[0])) : undefined;
      const decision = await this.mod.decide({ ...base, rule: 'admin', action: name, untilMs }, s, {
        ...about,
        reason,
        key: source,
      });
      for (const row of decision.rows) ctx.event('moderation', eventPayload(row));
      await this.mod.act(turnSink(ctx), decision, { member: target, reason, deletes: [], locale });
      if (name === 'mute') this.mod.watch.forgive(`${m.channel}\u0000${m.chatId}`, target.id);
      return;
    }
    // The lifting commands: the latest decision they lift is marked undone.
    const lifted = { unwarn: 'warn', unmute: 'mute', unban: 'ban' }[name] as 'warn' | 'mute' | 'ban';
    const undone = await this.undoLatest(m.channel, m.chatId, target.id, lifted, actor, now);
    if (undone?.action === 'warn') this.mod.forgetWarnings(m.channel, m.chatId);
    const row = await record(this.mod.deps.db, this.mod.deps.provider, {
      channel: m.channel,
      chatId: m.chatId,
      memberId: target.id,
      memberName: target.name,
      customerId: target.customerId,
      rule: 'admin',
      action: name,
      reason: undone ? `lifts #${undone.id}` : null,
      actor,
      dryRun: false,
      at: now,
      key: source,
    });
    ctx.event('moderation', eventPayload(row));
    const sink = turnSink(ctx);
    const caps = this.mod.capabilities(m.channel);
    if (name === 'unwarn') {
      if (!undone) return say('modNoWarnings', { member: mentionOf(target) });
      const since = new Date(now.getTime() - s.warnings.windowHours * HOUR);
      const count = await countWarnings(this.mod.deps.db, {
        channel: m.channel,
        chatId: m.chatId,
        memberId: target.id,
        dryRun: false,
        since,
      });
      return say('modUnwarned', { member: mentionOf(target), count, limit: s.warnings.limit });
    }
    if (name === 'unmute') {
      if (caps.restrictMember) sink.call({ op: 'unrestrict', userId: target.id, actionId: row.id });
      this.mod.watch.forgive(`${m.channel}\u0000${m.chatId}`, target.id);
      return say('modUnmuted', { member: mentionOf(target) });
    }
    if (caps.banMember) sink.call({ op: 'unban', userId: target.id, actionId: row.id });
    return say('modUnbanned', { member: mentionOf(target) });
  }

  /** A member's /report: stored, staff told, the reporter thanked. */
  private async report(ctx: TurnContext, g: GroupRules, now: Date): Promise<void> {
    const m = ctx.message;
    const { db } = this.mod.deps;
    const locale = this.mod.locale(g.settings);
    const say = (key: TextKey, vars: Record<string, string | number> = {}) => ctx.reply(this.mod.t(locale, key, vars));
    const target = await this.target(ctx, undefined);
    if (!target || !m.replyTo) return say('modReplyNeeded', { command: 'report' });
    const reporter = senderOf(ctx);
    const actor = `member:${reporter.id}`;
    const recent = await db.moderationAction.count({
      where: { actor, action: 'report', at: { gt: new Date(now.getTime() - HOUR) } },
    });
    if (recent >= g.settings.reports.perHour) return say('modReportLimit');
    const row = await record(db, this.mod.deps.provider, {
      channel: m.channel,
      chatId: m.chatId,
      memberId: target.id,
      memberName: target.name,
      customerId: target.customerId,
      rule: 'report',
      action: 'report',
      reason: (ctx.command?.args ?? []).join(' ').trim() || null,
      text: m.replyTo.text ?? null,
      messageId: m.replyTo.messageId,
      actor,
      dryRun: false,
      at: now,
      key: `${m.channel}:${m.platformMessageId ?? `${m.chatId}:${now.getTime()}`}:report`,
    });
    ctx.event('moderation', eventPayload(row));
    await this.mod.deps.report(row, 'report', { id: reporter.id, name: reporter.name });
    say('modReported');
  }

  /** Who a command is about: the author of the message it replies to, else a user id given. */
  private async target(ctx: TurnContext, givenId: string | undefined): Promise<Member | undefined> {
    const m = ctx.message;
    const id = m.replyTo?.senderId ?? (givenId && /^[\w@.-]{1,64}$/.test(givenId) ? givenId : undefined);
    if (!id) return undefined;
    const identity = await this.mod.deps.db.channelIdentity.findUnique({
      where: { channel_externalId: { channel: m.channel, externalId: id } },
      select: { customerId: true, customer: { select: { displayName: true } } },
    });
    const name = m.replyTo?.senderName ?? identity?.customer.displayName ?? id;
    const username = m.replyTo?.senderId === id ? m.replyTo.senderUsername : undefined;
    return { id, name, customerId: identity?.customerId ?? null, ...(username ? { mention: `@${username}` } : {}) };
  }

  /** Marks the latest not-undone decision of a kind about a member undone; returns it. */
  private async undoLatest(
    channel: string,
    chatId: string,
    memberId: string,
    action: 'warn' | 'mute' | 'ban',
    by: string,
    now: Date,
  ): Promise<ActionRow | undefined> {
    const { db } = this.mod.deps;
    const latest = await db.moderationAction.findFirst({
      where: { channel, chatId, memberId, action, undoneAt: null, dryRun: false },
      orderBy: { id: 'desc' },
    });
    if (!latest) return undefined;
    const { count } = await db.moderationAction.updateMany({
      where: { id: latest.id, undoneAt: null },
      data: { undoneAt: now, undoneBy: by },
    });
    return count ? latest : undefined;
  }
}
