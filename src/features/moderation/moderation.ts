// Group moderation: every group message meets the rules before anything else answers it (flood,
// newcomers' first hours, links, the blocklist, duplicates), and a rule's decision is stored
// (ModerationAction) before it is acted on. Acts are moderation calls queued with the turn's
// replies (src/engine/types.ts ModerationCall), so they are paced, retried and made once by the
// outbox. What a channel cannot do (WeChat deletes nobody's messages, mutes nobody) is said in the
// group and reported to staff instead: never skipped without a word.
import type { Logger } from 'pino';
import type { ModerationCapabilities } from '../../engine/channel.js';
import { NO_MODERATION } from '../../engine/channel.js';
import type { TurnContext } from '../../engine/context.js';
import { format, type Locale, type TextKey, type Texts } from '../../engine/i18n.js';
import { errorMessage, type ModerationError } from '../../errors.js';
import type { ChannelDirectory } from '../../kernel/feature.js';
import type { OutboxRow } from '../../outbox/store.js';
import { insertMany } from '../../store/bulk.js';
import type { Db } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';
import { type ActionRow, eventPayload, type NewAction, record, storedValues } from './records.js';
import { type ModerationSettings, mergeSettings, moderationSettings, type RuleAction } from './settings.js';
import { type Sink, turnSink } from './sink.js';
import { allowedHost, type BlockPattern, compilePattern, fold, hostOf, linkHosts, squeeze } from './text.js';
import { type Copy, GroupWatch } from './watch.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Group settings are read again after this long (another instance may have changed them). */
const SETTINGS_TTL_MS = 30_000;
/** Admin lists are asked for again after this long ("cached for minutes"). */
const ADMINS_TTL_MS = 10 * MINUTE;
/** An admin list that could not be had is asked for again after this long. */
const ADMINS_RETRY_MS = MINUTE;
const MEMBER_CACHE = 50_000;
/** A group with more members than this is not read whole (members are read one by one). */
const GROUP_LOAD_MAX = 20_000;
/** How often a group read whole looks for joins written since. */
const GROUP_REFRESH_MS = 60_000;
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
  /** Where a group's members and warnings are read (Store.reads: off the main thread on SQLite). */
  reads: Db;
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

/** A group's warnings that count, by member and decision key. */
type Warnings = Map<string, Map<string, { at: number; dryRun: boolean }>>;
interface GroupWarnings {
  at: number;
  refreshing: boolean;
  members: Warnings;
}

/** A member's time in a group: when they joined (null: not seen joining), and since when the bot knows them. */
export interface Tenure {
  joinedAt: number | null;
  since: number;
}

const tenureOf = (r: { joinedAt: Date | null; firstSeenAt: Date }): Tenure => ({
  joinedAt: r.joinedAt?.getTime() ?? null,
  since: Math.min(r.firstSeenAt.getTime(), r.joinedAt?.getTime() ?? Number.POSITIVE_INFINITY),
});

export interface Member {
  id: string;
  name: string;
  customerId: string | null;
  /** How the group is told who it is: @username where the platform has one, else the name. */
  mention?: string;
}

/** How a member is named in what the bot says in the group. */
export const mentionOf = (m: Member) => m.mention ?? m.name;

export class Moderation {
  readonly watch = new GroupWatch();
  private stopped = false;
  private readonly groups = new Map<string, { rules: GroupRules; at: number }>();
  private readonly admins = new Map<string, { ids: Set<string>; at: number; ttl: number }>();
  /** Since when each known member is in the group, by group and member. */
  private readonly joined = new Map<string, Tenure>();
  /** Each group's warnings that count, read once a minute (warningsBefore). */
  private readonly warns = new Map<string, GroupWarnings>();
  /** Groups whose members were read whole (loadGroup), and when. */
  private readonly loaded = new Map<string, { at: number; whole: boolean; refreshing: boolean }>();
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
   * Since when a member is in the group. A member seen for the first time is written down in the
   * background, a batch at a time: not on the message's path.
   */
  async tenure(channel: string, chatId: string, member: Member, now: Date): Promise<Tenure> {
    const key = `${channel}\u0000${chatId}\u0000${member.id}`;
    const loaded = await this.loadGroup(channel, chatId, now);
    const known = this.joined.get(key);
    if (known !== undefined) return known;
    // A group read whole knows its members: one it does not know is new here.
    const row = loaded
      ? null
      : await this.deps.db.groupMember.findUnique({
          where: { channel_chatId_memberId: { channel, chatId, memberId: member.id } },
          select: { joinedAt: true, firstSeenAt: true },
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
    const tenure = row ? tenureOf(row) : { joinedAt: null, since: now.getTime() };
    this.remember(key, tenure);
    if (this.seen.length >= SEEN_BATCH) void this.flushSeen();
    return tenure;
  }

  /**
   * Reads a group's members once (their join times), so later messages need no read; then, every
   * minute, the joins written since (by a join here or on another instance). False for a group too
   * big to keep (its members are read one by one).
   */
  private async loadGroup(channel: string, chatId: string, now: Date): Promise<boolean> {
    const key = `${channel}\u0000${chatId}`;
    const known = this.loaded.get(key);
    if (!known) {
      const rows = await this.deps.reads.groupMember.findMany({
        where: { channel, chatId },
        select: { memberId: true, joinedAt: true, firstSeenAt: true },
        take: GROUP_LOAD_MAX + 1,
      });
      const whole = rows.length <= GROUP_LOAD_MAX;
      if (whole) for (const r of rows) this.remember(`${key}\u0000${r.memberId}`, tenureOf(r));
      this.loaded.set(key, { at: now.getTime(), whole, refreshing: false });
      return whole;
    }
    // Stale: read the joins since in the background; this message goes on with what is known.
    if (now.getTime() - known.at >= GROUP_REFRESH_MS && !known.refreshing && !this.stopped) {
      known.refreshing = true;
      const since = new Date(known.at - GROUP_REFRESH_MS);
      this.deps.reads.groupMember
        .findMany({
          where: { channel, chatId, joinedAt: { gte: since } },
          select: { memberId: true, joinedAt: true, firstSeenAt: true },
        })
        .then(
          (rows) => {
            for (const r of rows) this.remember(`${key}\u0000${r.memberId}`, tenureOf(r));
            this.loaded.set(key, { at: now.getTime(), whole: known.whole, refreshing: false });
          },
          (err: unknown) => {
            known.refreshing = false;
            this.deps.logger.warn({ err: errorMessage(err), channel, chatId }, 'moderation: group joins not read');
          },
        );
    }
    return known.whole;
  }

  /**
   * A member's warnings in a group that still count (not undone, of this mode, within the window),
   * from memory: each group's are read once, again every minute (what another instance added), and
   * after an undo here.
   */
  private async warningsBefore(
    channel: string,
    chatId: string,
    memberId: string,
    dryRun: boolean,
    s: ModerationSettings,
    now: Date,
  ): Promise<number> {
    const key = `${channel}\u0000${chatId}`;
    let group = this.warns.get(key);
    if (!group) {
      group = { at: now.getTime(), refreshing: false, members: await this.readWarnings(channel, chatId, s, now) };
      this.warns.set(key, group);
    } else if (now.getTime() - group.at >= GROUP_REFRESH_MS && !group.refreshing && !this.stopped) {
      // Stale: read again in the background, keeping what was noted here meanwhile.
      const stale = group;
      stale.refreshing = true;
      this.readWarnings(channel, chatId, s, now).then(
        (read) => {
          if (this.warns.get(key) !== stale) return;
          for (const [member, list] of stale.members) {
            const merged = read.get(member) ?? new Map();
            for (const [k, w] of list) merged.set(k, w);
            read.set(member, merged);
          }
          this.warns.set(key, { at: now.getTime(), refreshing: false, members: read });
        },
        (err: unknown) => {
          stale.refreshing = false;
          this.deps.logger.warn({ err: errorMessage(err), channel, chatId }, 'moderation: group warnings not read');
        },
      );
    }
    const since = now.getTime() - s.warnings.windowHours * HOUR;
    return [...(group.members.get(memberId)?.values() ?? [])].filter((w) => w.dryRun === dryRun && w.at > since).length;
  }

  /** A group's warnings that count now, by member and decision key. */
  private async readWarnings(channel: string, chatId: string, s: ModerationSettings, now: Date): Promise<Warnings> {
    const rows = await this.deps.reads.moderationAction.findMany({
      where: {
        channel,
        chatId,
        action: 'warn',
        undoneAt: null,
        at: { gt: new Date(now.getTime() - s.warnings.windowHours * HOUR) },
      },
      select: { id: true, key: true, memberId: true, at: true, dryRun: true },
    });
    const members: Warnings = new Map();
    for (const r of rows) {
      const list = members.get(r.memberId) ?? new Map();
      list.set(r.key ?? `id:${r.id}`, { at: r.at.getTime(), dryRun: r.dryRun });
      members.set(r.memberId, list);
    }
    return members;
  }

  private noteWarning(channel: string, chatId: string, memberId: string, key: string, dryRun: boolean, at: Date): void {
    const group = this.warns.get(`${channel}\u0000${chatId}`);
    if (!group) return;
    const list = group.members.get(memberId) ?? new Map();
    list.set(key, { at: at.getTime(), dryRun });
    group.members.set(memberId, list);
  }

  /** Forgets a group's warnings (one was undone here): read again at the next warning. */
  forgetWarnings(channel: string, chatId: string): void {
    this.warns.delete(`${channel}\u0000${chatId}`);
  }

  /** No more background reads: the store is about to close. */
  stop(): void {
    this.stopped = true;
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
    const key = `${channel}\u0000${chatId}\u0000${memberId}`;
    this.remember(key, { joinedAt: at, since: Math.min(at, this.joined.get(key)?.since ?? at) });
  }

  private remember(key: string, tenure: Tenure): void {
    this.joined.delete(key);
    this.joined.set(key, tenure);
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
    const tenure = await this.tenure(m.channel, m.chatId, member, now);
    if (s.newcomers && s.newcomers.restrictHours > 0 && (hosts.length || m.media || m.forwarded)) {
      const joined = tenure.joinedAt;
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
        // Several members saying the same thing is a spam wave when it comes from members new to
        // the group, sells something (a link, an account, a number to add) or is a long copied
        // text; members of long standing say festival greetings alike.
        const fresh = s.newcomers && s.newcomers.restrictHours > 0 ? s.newcomers.restrictHours * HOUR : DAY;
        const wave =
          now.getTime() - tenure.since < fresh ||
          hosts.length > 0 ||
          CONTACT.test(fold(text)) ||
          weightedLength(key) >= LONG_COPY;
        const copies = this.watch.duplicate(group, key, { ...self, wave }, s.duplicates);
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
    // Where the message cannot be removed (WeChat), removing it becomes a warning the room sees
    // (counted in the ladder), and staff are told.
    const kept = f.deletes.some((c) => c.messageId) && !this.capabilities(m.channel).deleteMessage;
    if (kept && f.action === 'delete') f = { ...f, action: 'warn' };
    const untilMs = f.action === 'mute' ? now.getTime() + muteMinutes(s) * MINUTE : undefined;
    // Where the channel can carry the decision out, it is written with the turn (no write of its
    // own on the message's path); where staff will be told, first, so the report can name it.
    const decision = await this.decide(
      { channel: m.channel, chatId: m.chatId, member, rule: f.rule, action: f.action, actor: 'rule', now, untilMs },
      s,
      {
        reason: f.detail ?? reason,
        text: m.text ?? null,
        messageId: m.platformMessageId ?? null,
        key: `${source}:${f.rule}`,
      },
      !kept && this.canCarryOut(m.channel, f, s) ? ctx : undefined,
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
    turn?: TurnContext,
  ): Promise<Decision> {
    const { db } = this.deps;
    const store = (action: NewAction) =>
      turn && action.key ? this.withTurn(turn, action) : record(db, this.deps.provider, action);
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
    // A warning: the earlier ones (counted before this one is stored), and this one.
    const warnings =
      d.action === 'warn'
        ? (await this.warningsBefore(d.channel, d.chatId, d.member.id, dryRun, s, d.now)) + 1
        : undefined;
    const first = await store({
      ...base,
      rule: d.rule,
      action: d.action,
      reason: about.reason,
      until: d.action === 'mute' && untilMs !== undefined ? new Date(untilMs) : null,
      ...(about.key ? { key: about.key } : {}),
    });
    if (warnings !== undefined) {
      this.noteWarning(d.channel, d.chatId, d.member.id, first.key ?? `id:${first.id}`, dryRun, d.now);
    }
    const rows = [first];
    if (warnings !== undefined) {
      if (warnings >= s.warnings.limit) {
        const muteUntil =
          s.warnings.action === 'mute' ? new Date(d.now.getTime() + s.warnings.muteMinutes * MINUTE) : null;
        rows.push(
          await store({
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

  /** A decision written with the turn: the row as it will be (its id is the database's, later). */
  private async withTurn(turn: TurnContext, action: NewAction): Promise<ActionRow> {
    const values = storedValues(action);
    turn.rows.push({ table: 'ModerationAction', values, unique: ['key'] });
    return { ...values, id: 0, undoneAt: null, undoneBy: null, error: null };
  }

  /** Whether the channel can do all a finding may lead to (a warning's ladder too): nothing for staff then. */
  private canCarryOut(channel: string, f: Finding, s: ModerationSettings): boolean {
    const caps = this.capabilities(channel);
    const can = (action: string) =>
      action === 'mute'
        ? caps.restrictMember
        : action === 'kick'
          ? caps.removeMember
          : action === 'ban'
            ? caps.banMember || caps.removeMember
            : true;
    if (f.deletes.length && !caps.deleteMessage && f.action === 'delete') return false;
    return can(f.action) && (f.action !== 'warn' || can(s.warnings.action));
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
    const who = mentionOf(o.member);
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
        ...callRef(first),
      });
    }
    // The message stays (WeChat): staff are told whatever else happens.
    let unhandled = cannotDelete;
    if (first.action === 'warn') {
      sink.say({
        text: this.t(o.locale, cannotDelete ? 'modWarnedKept' : 'modWarned', {
          member: who,
          count: Math.min(decision.warnings ?? 1, decision.limit),
          limit: decision.limit,
          reason: o.reason,
        }),
      });
    } else if (first.action === 'delete') {
      if (cannotDelete) sink.say({ text: this.t(o.locale, 'modCannotDelete', { member: who, reason: o.reason }) });
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
        sink.call({ op: 'restrict', userId, ...(untilMs === undefined ? {} : { untilMs }), ...callRef(row) });
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
        sink.call({ op, userId, ...callRef(row) });
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
    if (!call || (!call.actionId && !call.actionKey)) return;
    const { db } = this.deps;
    const action = await db.moderationAction.findUnique({
      where: call.actionId ? { id: call.actionId } : { key: call.actionKey as string },
    });
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

/** How a queued call names its decision: by id, or by key when it was written with the turn. */
function callRef(row: ActionRow): { actionId: number } | { actionKey: string } | Record<string, never> {
  if (row.id) return { actionId: row.id };
  return row.key ? { actionKey: row.key } : {};
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
    ...(m.sender.username ? { mention: `@${m.sender.username}` } : {}),
  };
}
