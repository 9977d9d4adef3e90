// Group moderation: every group message meets the rules before anything else answers it (flood,
// newcomers' first hours, links, the blocklist, duplicates), and a rule's decision is stored
// (ModerationAction) before it is acted on. Acts are moderation calls queued with the turn's
// replies (src/engine/types.ts ModerationCall), so they are paced, retried and made once by the
// outbox. What a channel cannot do (WeChat deletes nobody's messages, mutes nobody) is said in the
// group and reported to staff instead: never skipped without a word.
import type { Logger } from 'pino';
import type { ModerationCapabilities } from '../../engine/channel.js';
import { NO_MODERATION } from '../../engine/channel.js';
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import { format, type Locale, type TextKey, type Texts } from '../../engine/i18n.js';
import { errorMessage, type ModerationError } from '../../errors.js';
import type { ChannelDirectory } from '../../kernel/feature.js';
import type { OutboxRow } from '../../outbox/store.js';
import { insertMany } from '../../store/bulk.js';
import type { Db } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';
import { type ActionRow, countWarnings, eventPayload, record } from './records.js';
import { type ModerationSettings, mergeSettings, moderationSettings, type RuleAction } from './settings.js';
import { type Sink, turnSink } from './sink.js';
import { allowedHost, type BlockPattern, compilePattern, fold, hostOf, linkHosts, squeeze } from './text.js';
import { type Copy, GroupWatch } from './watch.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Group settings are read again after this long (another instance may have changed them). */
const SETTINGS_TTL_MS = 30_000;
/** Admin lists are asked for again after this long ("cached for minutes"). */
const ADMINS_TTL_MS = 10 * MINUTE;
/** An admin list that could not be had is asked for again after this long. */
const ADMINS_RETRY_MS = MINUTE;
const MEMBER_CACHE = 50_000;
/** Members seen first are written down this many at a time at most. */
const SEEN_BATCH = 200;

export interface GroupRules {
  settings: ModerationSettings;
  blocklist: { pattern: BlockPattern; action: RuleAction }[];
  /** The group's own patch over the business's settings (null: none). */
  overrides: unknown;
}

/** A rule's finding about a message. */
export interface Finding {
  rule: 'flood' | 'newcomers' | 'links' | 'blocklist' | 'duplicates';
  action: RuleAction;
  reason: TextKey;
  vars?: Record<string, string | number>;
  /** The blocklist entry, a link's host: stored as the decision's reason. */
  detail?: string;
  /** The messages to remove (a duplicate's earlier copies too). */
  deletes: Copy[];
}

export interface ModerationDeps {
  db: Db;
  provider: DatabaseProvider;
  clock: Clock;
  logger: Logger;
  texts: Texts;
  defaultLocale: Locale;
  settings: ModerationSettings;
  channels: ChannelDirectory | undefined;
  /** Whether a customer's loyalty tier is at least `tierId` (exempt.minTierForLinks); absent without loyalty. */
  tierAtLeast?: (customerId: string, tierId: string) => Promise<boolean>;
  /** Wakes the outbox after acts were queued outside a turn. */
  notify: () => void;
  /** Tells staff of a case the bot could not handle itself. */
  report: (
    action: ActionRow,
    kind: 'report' | 'cannot_act',
    reporter?: { id: string; name: string | null },
  ) => Promise<void>;
}

export interface Member {
  id: string;
  name: string;
  customerId: string | null;
}

export class Moderation {
  readonly watch = new GroupWatch();
  private readonly groups = new Map<string, { rules: GroupRules; at: number }>();
  private readonly admins = new Map<string, { ids: Set<string>; at: number; ttl: number }>();
  /** When each known member joined (null: before the bot saw them), by group and member. */
  private readonly joined = new Map<string, number | null>();
  /** Members seen for the first time, not written down yet (see flushSeen). */
  private readonly seen: {
    channel: string;
    chatId: string;
    memberId: string;
    customerId: string | null;
    name: string;
    firstSeenAt: Date;
  }[] = [];

  constructor(readonly deps: ModerationDeps) {}

  // --- settings ---

  /** A group's settings: the business's, with the group's own patch over them. */
  async rules(channel: string, chatId: string): Promise<GroupRules> {
    const key = `${channel}\u0000${chatId}`;
    const now = this.deps.clock.now();
    const cached = this.groups.get(key);
    if (cached && now - cached.at < SETTINGS_TTL_MS) return cached.rules;
    const row = await this.deps.db.groupSettings.findUnique({ where: { channel_chatId: { channel, chatId } } });
    const rules = this.compile(row?.settings ?? null);
    this.groups.set(key, { rules, at: now });
    return rules;
  }

  /** The effective settings of a patch (throws the schema's error when the result is not valid). */
  compile(overrides: unknown): GroupRules {
    const settings =
      overrides === null ? this.deps.settings : moderationSettings.parse(mergeSettings(this.deps.settings, overrides));
    return {
      settings,
      overrides,
      blocklist: settings.blocklist.map((b) => ({ pattern: compilePattern(b.pattern), action: b.action })),
    };
  }

  /** Forgets a group's cached settings (they were just changed here). */
  forgetRules(channel: string, chatId: string): void {
    this.groups.delete(`${channel}\u0000${chatId}`);
  }

  capabilities(channel: string): ModerationCapabilities & { buttons: boolean } {
    return this.deps.channels?.moderation(channel) ?? { ...NO_MODERATION, buttons: false };
  }

  locale(settings: ModerationSettings): Locale {
    return settings.locale ?? this.deps.defaultLocale;
  }

  t(locale: Locale, key: TextKey, vars: Record<string, string | number> = {}): string {
    return format(this.deps.texts[locale][key], vars);
  }

  // --- who is who ---

  /** Whether a member is one of the group's admins (asked of the platform, cached for minutes). */
  async isAdmin(channel: string, chatId: string, userId: string, fresh = false): Promise<boolean> {
    const key = `${channel}\u0000${chatId}`;
    const now = this.deps.clock.now();
    const cached = this.admins.get(key);
    if (cached && now - cached.at < (fresh ? Math.min(cached.ttl, 30_000) : cached.ttl)) return cached.ids.has(userId);
    try {
      const ids = new Set((await this.deps.channels?.groupAdmins(channel, chatId)) ?? []);
      this.admins.set(key, { ids, at: now, ttl: ADMINS_TTL_MS });
      return ids.has(userId);
    } catch (err) {
      this.deps.logger.warn({ channel, chatId, err: errorMessage(err) }, 'moderation: group admins unknown');
      this.admins.set(key, { ids: cached?.ids ?? new Set(), at: now, ttl: ADMINS_RETRY_MS });
      return cached?.ids.has(userId) ?? false;
    }
  }

  /**
   * When a member joined the group (null: not seen joining). A member seen for the first time is
   * written down in the background, a batch at a time: not on the message's path.
   */
  async joinedAt(channel: string, chatId: string, member: Member, now: Date): Promise<number | null> {
    const key = `${channel}\u0000${chatId}\u0000${member.id}`;
    const known = this.joined.get(key);
    if (known !== undefined) return known;
    const row = await this.deps.db.groupMember.findUnique({
      where: { channel_chatId_memberId: { channel, chatId, memberId: member.id } },
      select: { joinedAt: true },
    });
    if (!row)
      this.seen.push({
        channel,
        chatId,
        memberId: member.id,
        customerId: member.customerId,
        name: member.name,
        firstSeenAt: now,
      });
    const at = row?.joinedAt?.getTime() ?? null;
    this.remember(key, at);
    if (this.seen.length >= SEEN_BATCH) void this.flushSeen();
    return at;
  }

  /** Writes the members seen for the first time (every second, and at stop). */
  async flushSeen(): Promise<void> {
    const rows = this.seen.splice(0);
    if (!rows.length) return;
    try {
      await insertMany(this.deps.db, this.deps.provider, 'GroupMember', rows, {
        skipConflictsOn: ['channel', 'chatId', 'memberId'],
      });
    } catch (err) {
      this.deps.logger.warn({ err: errorMessage(err), members: rows.length }, 'moderation: members not written down');
    }
  }

  rememberJoin(channel: string, chatId: string, memberId: string, at: number): void {
    this.remember(`${channel}\u0000${chatId}\u0000${memberId}`, at);
  }

  private remember(key: string, at: number | null): void {
    this.joined.delete(key);
    this.joined.set(key, at);
    while (this.joined.size > MEMBER_CACHE) this.joined.delete(this.joined.keys().next().value as string);
  }

  // --- the rules ---

  /** What the rules find about a group message from a member who is not exempt; undefined = nothing. */
  async judge(ctx: TurnContext, g: GroupRules, member: Member, now: Date): Promise<Finding | undefined> {
    const m = ctx.message;
    const s = g.settings;
    const group = `${m.channel}\u0000${m.chatId}`;
    const self: Copy = { memberId: member.id, messageId: m.platformMessageId, sentAt: m.sentAt, at: now.getTime() };
    if (s.flood && this.watch.flood(group, member.id, now.getTime(), s.flood)) {
      const deletes = s.flood.action === 'delete' ? [self] : [];
      return { rule: 'flood', action: s.flood.action, reason: 'modReasonFlood', deletes };
    }
    const text = m.text ?? '';
    const hosts = [...linkHosts(text), ...(m.urls ?? []).map(hostOf)];
    if (s.newcomers && s.newcomers.restrictHours > 0 && (hosts.length || m.media || m.forwarded)) {
      const joined = await this.joinedAt(m.channel, m.chatId, member, now);
      if (joined !== null && now.getTime() - joined < s.newcomers.restrictHours * HOUR) {
        const hours = s.newcomers.restrictHours;
        return { rule: 'newcomers', action: 'delete', reason: 'modReasonNewcomer', vars: { hours }, deletes: [self] };
      }
    }
    const foreign = s.links ? hosts.find((h) => !allowedHost(h, s.links ? s.links.allowDomains : [])) : undefined;
    if (s.links && foreign !== undefined && !(await this.mayLink(ctx, s))) {
      return { rule: 'links', action: s.links.action, reason: 'modReasonLinks', detail: foreign, deletes: [self] };
    }
    if (text && g.blocklist.length) {
      const folded = fold(text);
      const hit = g.blocklist.find((b) => b.pattern.test(folded));
      if (hit) {
        return {
          rule: 'blocklist',
          action: hit.action,
          reason: 'modReasonBlocklist',
          detail: hit.pattern.source,
          deletes: [self],
        };
      }
    }
    if (s.duplicates && text && !ctx.command) {
      const key = squeeze(text);
      if (weightedLength(key) >= s.duplicates.minLength) {
        // Several members saying the same thing is spam only when it sells something (a link, an
        // account, a number to add) or is a long copied text: festival greetings are said alike.
        const wave = hosts.length > 0 || CONTACT.test(fold(text)) || weightedLength(key) >= LONG_COPY;
        const copies = this.watch.duplicate(group, key, self, s.duplicates, wave);
        if (copies)
          return { rule: 'duplicates', action: s.duplicates.action, reason: 'modReasonDuplicates', deletes: copies };
      }
    }
    return undefined;
  }

  private async mayLink(ctx: TurnContext, s: ModerationSettings): Promise<boolean> {
    const tier = s.exempt.minTierForLinks;
    if (!tier || !this.deps.tierAtLeast) return false;
    return this.deps.tierAtLeast(ctx.customer.id, tier);
  }

  // --- acting ---

  /** Stores a finding (and a warning's consequence) and acts on it in the turn. */
  async enforce(ctx: TurnContext, g: GroupRules, member: Member, f: Finding, now: Date): Promise<void> {
    const m = ctx.message;
    const s = g.settings;
    const locale = this.locale(s);
    const reason = this.t(locale, f.reason, f.vars);
    const source = `${m.channel}:${m.platformMessageId ?? `${m.chatId}:${member.id}:${now.getTime()}`}`;
    const untilMs = f.action === 'mute' ? now.getTime() + muteMinutes(s) * MINUTE : undefined;
    const decision = await this.decide(
      { channel: m.channel, chatId: m.chatId, member, rule: f.rule, action: f.action, actor: 'rule', now, untilMs },
      s,
      {
        reason: f.detail ?? reason,
        text: m.text ?? null,
        messageId: m.platformMessageId ?? null,
        key: `${source}:${f.rule}`,
      },
    );
    for (const row of decision.rows) ctx.event('moderation', eventPayload(row));
    if (s.mode === 'dryRun') return;
    await this.act(turnSink(ctx), decision, { member, reason, deletes: f.deletes, locale });
  }

  /**
   * Stores one decision about a member and, for a warning, the warn ladder's consequence once
   * the member reaches warnings.limit. Returns the rows, the decision first.
   */
  async decide(
    d: {
      channel: string;
      chatId: string;
      member: Member;
      rule: string;
      action: string;
      actor: string;
      now: Date;
      untilMs?: number | undefined;
    },
    s: ModerationSettings,
    about: { reason: string | null; text: string | null; messageId: string | null; key?: string },
  ): Promise<Decision> {
    const { db } = this.deps;
    const dryRun = s.mode === 'dryRun';
    const base = {
      channel: d.channel,
      chatId: d.chatId,
      memberId: d.member.id,
      memberName: d.member.name,
      customerId: d.member.customerId,
      actor: d.actor,
      dryRun,
      at: d.now,
      text: about.text,
      messageId: about.messageId,
    };
    const untilMs = d.untilMs;
    const first = await record(db, this.deps.provider, {
      ...base,
      rule: d.rule,
      action: d.action,
      reason: about.reason,
      until: d.action === 'mute' && untilMs !== undefined ? new Date(untilMs) : null,
      ...(about.key ? { key: about.key } : {}),
    });
    const rows = [first];
    let warnings: number | undefined;
    if (d.action === 'warn') {
      const since = new Date(d.now.getTime() - s.warnings.windowHours * HOUR);
      warnings = await countWarnings(db, {
        channel: d.channel,
        chatId: d.chatId,
        memberId: d.member.id,
        dryRun,
        since,
      });
      if (warnings >= s.warnings.limit) {
        const muteUntil =
          s.warnings.action === 'mute' ? new Date(d.now.getTime() + s.warnings.muteMinutes * MINUTE) : null;
        rows.push(
          await record(db, this.deps.provider, {
            ...base,
            rule: 'warnings',
            action: s.warnings.action,
            reason: `${warnings}/${s.warnings.limit}`,
            until: muteUntil,
            key: `${about.key ?? `warn:${first.id}`}:warnings`,
          }),
        );
      }
    }
    return { rows, warnings, limit: s.warnings.limit, untilMs };
  }

  /**
   * Carries a decision out through a sink: the messages deleted, the member warned, muted,
   * removed or banned, and the group told briefly. What the channel cannot do goes to staff.
   */
  async act(
    sink: Sink,
    decision: Decision,
    o: { member: Member; reason: string; deletes: Copy[]; locale: Locale },
  ): Promise<void> {
    const [first, ladder] = decision.rows as [ActionRow, ActionRow | undefined];
    const caps = this.capabilities(first.channel);
    const who = o.member.name;
    let cannotDelete = false;
    for (const c of o.deletes) {
      if (!c.messageId) continue;
      if (!caps.deleteMessage) {
        cannotDelete = true;
        break;
      }
      sink.call({
        op: 'delete',
        messageId: c.messageId,
        ...(c.sentAt ? { sentAt: c.sentAt.toISOString() } : {}),
        actionId: first.id,
      });
    }
    let unhandled = false;
    if (first.action === 'warn') {
      // Where the message stays (WeChat), the warning in the group is what the room sees.
      sink.say({
        text: this.t(o.locale, 'modWarned', {
          member: who,
          count: Math.min(decision.warnings ?? 1, decision.limit),
          limit: decision.limit,
          reason: o.reason,
        }),
      });
    } else if (first.action === 'delete') {
      if (cannotDelete) {
        sink.say({ text: this.t(o.locale, 'modCannotDelete', { member: who, reason: o.reason }) });
        unhandled = true;
      }
    } else if (!this.punish(sink, first, who, o.reason, o.locale, decision.untilMs)) {
      unhandled = true;
    }
    if (ladder) {
      const why = this.t(o.locale, 'modReasonWarnings', { limit: decision.limit });
      if (!this.punish(sink, ladder, who, why, o.locale, ladder.until?.getTime())) unhandled = true;
    }
    if (unhandled) await this.deps.report(ladder ?? first, 'cannot_act');
  }

  /** A mute, removal or ban through the channel, and the line that says so; false when the channel cannot. */
  private punish(
    sink: Sink,
    row: ActionRow,
    who: string,
    reason: string,
    locale: Locale,
    untilMs: number | undefined,
  ): boolean {
    const caps = this.capabilities(row.channel);
    const userId = row.memberId;
    switch (row.action) {
      case 'mute': {
        if (!caps.restrictMember) {
          sink.say({ text: this.t(locale, 'modMutedCannot', { member: who, reason }) });
          return false;
        }
        sink.call({ op: 'restrict', userId, ...(untilMs === undefined ? {} : { untilMs }), actionId: row.id });
        const duration = this.duration(locale, untilMs === undefined ? undefined : untilMs - row.at.getTime());
        sink.say({ text: this.t(locale, 'modMuted', { member: who, duration, reason }) });
        return true;
      }
      case 'kick':
      case 'ban': {
        // WeChat has no ban: removal (as the room's owner) is the most it can do.
        const op = row.action === 'ban' && caps.banMember ? 'ban' : 'remove';
        if (!(op === 'ban' ? caps.banMember : caps.removeMember)) {
          sink.say({ text: this.t(locale, 'modRemoveCannot', { member: who, reason }) });
          return false;
        }
        sink.call({ op, userId, actionId: row.id });
        sink.say({ text: this.t(locale, row.action === 'ban' ? 'modBanned' : 'modKicked', { member: who, reason }) });
        return true;
      }
      default:
        return true;
    }
  }

  /**
   * A queued call the platform refused for good (the bot is not an admin, not the room's owner, the
   * message too old): noted on its decision, and staff are told when it was a removal, a ban or a mute.
   */
  async refused(row: OutboxRow, error: ModerationError): Promise<void> {
    const call = row.message.moderation;
    if (!call?.actionId) return;
    const { db } = this.deps;
    const action = await db.moderationAction.findUnique({ where: { id: call.actionId } });
    if (!action) return;
    await db.moderationAction.update({
      where: { id: action.id },
      data: { error: `${call.op}: ${error.code}: ${error.message}`.slice(0, 1000) },
    });
    if (call.op !== 'unrestrict' && call.op !== 'unban') await this.deps.report(action, 'cannot_act');
  }

  duration(locale: Locale, ms: number | undefined): string {
    if (ms === undefined) return this.t(locale, 'modDurationForever');
    const minutes = Math.round(ms / MINUTE);
    if (minutes < 120) return this.t(locale, 'modDurationMinutes', { n: minutes });
    if (minutes < 48 * 60) return this.t(locale, 'modDurationHours', { n: Math.round(minutes / 60) });
    return this.t(locale, 'modDurationDays', { n: Math.round(minutes / (24 * 60)) });
  }
}

export interface Decision {
  /** The decision, then the warn ladder's consequence when it was reached. */
  rows: ActionRow[];
  /** A warning: how many now count. */
  warnings: number | undefined;
  limit: number;
  untilMs: number | undefined;
}

/** A way to reach someone outside the group: an @account, WeChat/QQ/Telegram ids, a phone number. */
const CONTACT =
  /@[a-z0-9_]{3,}|(?:微信|威信|薇信|vx|wx|weixin|wechat|qq|扣扣|telegram|tg|whatsapp)\s*[:：号]?\s*[a-z0-9_-]{4,}|\d{6,}/iu;
/** A copied text this long (in the units of weightedLength) is spam from several members too. */
const LONG_COPY = 60;

/** Length with wide (CJK) characters counted twice: a Chinese character says about as much as two letters. */
export function weightedLength(text: string): number {
  let n = 0;
  for (const ch of text)
    n += /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(ch) ? 2 : 1;
  return n;
}

/** How long a rule's mute lasts: flood.muteMinutes, else the warn ladder's. */
export function muteMinutes(s: ModerationSettings): number {
  return s.flood ? s.flood.muteMinutes : s.warnings.muteMinutes;
}

/** The member a turn is about: the sender. */
export function senderOf(ctx: TurnContext): Member {
  const m = ctx.message;
  return {
    id: m.sender.id,
    name: m.sender.name ?? ctx.customer.displayName ?? m.sender.id,
    customerId: ctx.customer.id,
  };
}

export type ModerationMiddleware = Middleware<TurnContext>;
