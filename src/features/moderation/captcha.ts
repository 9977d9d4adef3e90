// The newcomer captcha (Telegram, or any channel that can restrict members and show buttons): a
// member who joins is muted and asked to press "我不是机器人 / I'm human"; only their own press
// counts and lifts the mute; without it within captchaSeconds they are removed (ban, then unban,
// so they may come back) and the question is deleted. The deadline is in GroupMember, so the
// `moderation-captcha` job finds it after a restart; a timer in this process is on time.
import type { TurnContext } from '../../engine/context.js';
import type { Db } from '../../store/index.js';
import { type GroupRules, type Member, type Moderation, mentionOf, senderOf } from './moderation.js';
import { eventPayload } from './records.js';
import { OutboxSink, turnSink } from './sink.js';

export const CAPTCHA_PAYLOAD = 'captcha:';
/** A join told twice (Telegram's new_chat_members message and its chat_member update) counts once. */
const SAME_JOIN_MS = 5 * 60_000;
const BATCH = 200;

export class Captcha {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly mod: Moderation) {}

  /** A member joined: noted (newcomers' first hours count from now), and asked the captcha. */
  async joined(ctx: TurnContext, g: GroupRules, now: Date): Promise<void> {
    const { db } = this.mod.deps;
    const m = ctx.message;
    const member = senderOf(ctx);
    const where = { channel_chatId_memberId: { channel: m.channel, chatId: m.chatId, memberId: member.id } };
    const before = await db.groupMember.findUnique({ where, select: { joinedAt: true } });
    if (before?.joinedAt && now.getTime() - before.joinedAt.getTime() < SAME_JOIN_MS) return;
    const s = g.settings;
    const caps = this.mod.capabilities(m.channel);
    const ask =
      s.newcomers !== false &&
      s.newcomers.captcha &&
      caps.restrictMember &&
      caps.buttons &&
      !(s.exempt.admins && (await this.mod.isAdmin(m.channel, m.chatId, member.id)));
    const seconds = s.newcomers ? s.newcomers.captchaSeconds : 0;
    const key = `captcha:${m.channel}:${m.chatId}:${member.id}:${now.getTime()}`;
    const captcha = ask
      ? { captcha: 'pending', captchaUntil: new Date(now.getTime() + seconds * 1000), captchaKey: key }
      : { captcha: null, captchaUntil: null, captchaKey: null };
    const fields = { customerId: member.customerId, name: member.name, joinedAt: now, ...captcha };
    await db.groupMember.upsert({
      where,
      create: { channel: m.channel, chatId: m.chatId, memberId: member.id, firstSeenAt: now, ...fields },
      update: fields,
    });
    this.mod.rememberJoin(m.channel, m.chatId, member.id, now.getTime());
    if (!ask) return;
    const decision = await this.mod.decide(
      { channel: m.channel, chatId: m.chatId, member, rule: 'captcha', action: 'mute', actor: 'rule', now },
      s,
      { reason: 'captcha', text: null, messageId: null, key: `${m.channel}:${m.platformMessageId}:captcha` },
    );
    const row = decision.rows[0];
    if (!row) return;
    ctx.event('moderation', eventPayload(row));
    if (s.mode === 'dryRun') return;
    const locale = this.mod.locale(s);
    const sink = turnSink(ctx);
    sink.call({ op: 'restrict', userId: member.id, actionId: row.id });
    sink.say({
      text: this.mod.t(locale, 'modCaptcha', { member: mentionOf(member), seconds }),
      buttons: [{ label: this.mod.t(locale, 'modCaptchaButton'), payload: `${CAPTCHA_PAYLOAD}${member.id}` }],
      track: true,
      key,
    });
    this.timeoutAfter(seconds * 1000);
  }

  /** A press of the captcha button: the newcomer's own lifts their mute; anyone else's does nothing. */
  async pressed(ctx: TurnContext, g: GroupRules, now: Date): Promise<void> {
    const { db } = this.mod.deps;
    const m = ctx.message;
    const target = m.payload?.slice(CAPTCHA_PAYLOAD.length);
    if (target !== m.sender.id) return;
    const { count } = await db.groupMember.updateMany({
      where: { channel: m.channel, chatId: m.chatId, memberId: target, captcha: 'pending' },
      data: { captcha: 'passed' },
    });
    if (!count) return;
    const member = senderOf(ctx);
    const s = g.settings;
    const decision = await this.mod.decide(
      {
        channel: m.channel,
        chatId: m.chatId,
        member,
        rule: 'captcha',
        action: 'unmute',
        actor: `member:${member.id}`,
        now,
      },
      s,
      { reason: 'captcha passed', text: null, messageId: null, key: `${m.channel}:${m.platformMessageId}:captcha` },
    );
    const row = decision.rows[0];
    if (!row) return;
    ctx.event('moderation', eventPayload(row));
    if (s.mode === 'dryRun') return;
    const sink = turnSink(ctx);
    sink.call({ op: 'unrestrict', userId: member.id, actionId: row.id });
    if (m.buttonMessageId) sink.call({ op: 'delete', messageId: m.buttonMessageId, actionId: row.id });
  }

  /** Removes the newcomers whose captcha ran out (the `moderation-captcha` job); returns how many. */
  async expire(): Promise<number> {
    const { db, clock } = this.mod.deps;
    const now = new Date(clock.now());
    const due = await db.groupMember.findMany({
      where: { captcha: 'pending', captchaUntil: { lte: now } },
      take: BATCH,
    });
    let removed = 0;
    for (const member of due) {
      // The claim: of two instances (or the timer and the job) one removes the member.
      const { count } = await db.groupMember.updateMany({
        where: { channel: member.channel, chatId: member.chatId, memberId: member.memberId, captcha: 'pending' },
        data: { captcha: 'failed' },
      });
      if (!count) continue;
      await this.remove(db, member, now);
      removed++;
    }
    if (removed) this.mod.deps.notify();
    return removed;
  }

  private async remove(
    db: Db,
    row: {
      channel: string;
      chatId: string;
      memberId: string;
      customerId: string | null;
      name: string | null;
      captchaKey: string | null;
    },
    now: Date,
  ): Promise<void> {
    const g = await this.mod.rules(row.channel, row.chatId);
    const member: Member = { id: row.memberId, name: row.name ?? row.memberId, customerId: row.customerId };
    const decision = await this.mod.decide(
      { channel: row.channel, chatId: row.chatId, member, rule: 'captcha', action: 'kick', actor: 'rule', now },
      g.settings,
      { reason: 'captcha not answered', text: null, messageId: null, key: `${row.captchaKey}:timeout` },
    );
    const action = decision.rows[0];
    if (!action) return;
    await db.interaction.create({
      data: {
        customerId: row.customerId,
        channel: row.channel,
        direction: 'event',
        kind: 'moderation',
        payload: eventPayload(action) as object,
        createdAt: now,
      },
    });
    if (g.settings.mode === 'dryRun') return;
    const sink = new OutboxSink(
      { channel: row.channel, chatId: row.chatId, customerId: row.customerId },
      this.mod.deps.provider,
    );
    sink.call({ op: 'remove', userId: row.memberId, actionId: action.id });
    const question = row.captchaKey
      ? await db.outbox.findUnique({
          where: { dedupeKey: row.captchaKey },
          select: { id: true, status: true, platformMessageId: true },
        })
      : null;
    if (question?.platformMessageId) {
      sink.call({ op: 'delete', messageId: question.platformMessageId, actionId: action.id });
    } else if (question?.status === 'pending') {
      await db.outbox.updateMany({ where: { id: question.id, status: 'pending' }, data: { status: 'cancelled' } });
    }
    await sink.queue(db, now);
  }

  /** Runs the expiry once the captcha's time is up (unref'd: it never keeps the process alive). */
  private timeoutAfter(ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.expire().catch((err: unknown) => this.mod.deps.logger.error({ err }, 'moderation: captcha timeout failed'));
    }, ms + 1000);
    timer.unref();
    this.timers.add(timer);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
