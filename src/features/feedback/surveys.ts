// Surveys in the chat: a rating (buttons, or the number as text), then an optional comment.
// The state lives in PendingDialog so it survives restarts and expires; poor scores open a
// follow-up for staff, and the customer hears back when it is handled (transactional). A survey
// the business starts (after a ticket, from the admin API) is marketing: not for opted-out customers.
import { randomUUID } from 'node:crypto';
import type { Locale } from '../../engine/i18n.js';
import type { OutboundMessage } from '../../engine/types.js';
import { AppError } from '../../errors.js';
import { decodeCursor, newestFirstAcross, olderThan, pageOf } from '../../http/paging.js';
import { type SkipReason, toCustomer, toCustomerIn } from '../../outbox/outreach.js';
import type { Politeness } from '../../outbox/politeness.js';
import type { PendingDialog } from '../../store/generated/sqlite/client.js';
import type { Db, Prisma, Tx } from '../../store/index.js';
import { customerLocale } from '../../store/notify.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';
import type { Loyalty } from '../loyalty/index.js';

export type SurveyKind = 'feedback' | 'csat' | 'nps';

export const scales: Record<SurveyKind, { min: number; max: number; poorAtMost: number }> = {
  feedback: { min: 1, max: 5, poorAtMost: 2 },
  csat: { min: 1, max: 5, poorAtMost: 2 },
  nps: { min: 0, max: 10, poorAtMost: 6 },
};

/** The summary's window when the request has no `since`. */
export const SUMMARY_DAYS = 90;
/** Every kind a Feedback row has (the kinds of scales). */
const SURVEY_KINDS = Object.keys(scales) as SurveyKind[];
/** Every status a FollowUp has: open until staff handle it. */
const FOLLOW_UP_STATUSES = ['open', 'handled'] as const;

export interface SurveyState {
  survey: SurveyKind;
  source: string;
  stage: 'score' | 'comment';
  reprompted: boolean;
  feedbackId?: number;
}

export interface Dialog {
  id: string;
  customerId: string;
  channel: string;
  chatId: string;
  state: SurveyState;
}

export const SURVEY_PAYLOAD = 'sv:';

type Texts = (key: 'surveyFeedback' | 'surveyCsat' | 'surveyNps') => string;

/** The rating question with one button per score (payload sv:<dialog>:<score>). */
export function ratingPrompt(kind: SurveyKind, dialogId: string, text: Texts): OutboundMessage {
  const { min, max } = scales[kind];
  const key = kind === 'nps' ? 'surveyNps' : kind === 'csat' ? 'surveyCsat' : 'surveyFeedback';
  const buttons = [];
  for (let n = min; n <= max; n++) buttons.push({ label: String(n), payload: `${SURVEY_PAYLOAD}${dialogId}:${n}` });
  return { text: text(key), buttons };
}

/** The summary's sums as the database returns them (see Surveys.summary). */
interface SummaryRow {
  csatCount: unknown;
  csatSum: unknown;
  csatSatisfied: unknown;
  npsCount: unknown;
  promoters: unknown;
  detractors: unknown;
}

export type SurveySent =
  | { status: 'queued'; dialog: Dialog }
  /** Quiet hours: the question goes out at releaseAt; the answer is awaited from now. */
  | { status: 'held'; dialog: Dialog; releaseAt: Date }
  | { status: 'skipped'; reason: SkipReason | 'duplicate' };

export class Surveys {
  constructor(
    private readonly db: Db,
    private readonly provider: DatabaseProvider,
    /** Awards loyalty.rules.feedback points for an answer; none when loyalty is off. */
    private readonly loyalty: Loyalty | undefined,
    private readonly clock: Clock,
    private readonly expiryHours: number,
    /** Quiet hours and the frequency cap of surveys nobody asked for (RAPPORT_CONFIG outreach). */
    private readonly polite: Politeness,
    /** Where the admin lists and the summary read (Store.reads). */
    private readonly reads: Db = db,
  ) {}

  private now(): Date {
    return new Date(this.clock.now());
  }

  /** Opens a survey in a chat, replacing one that was waiting there. */
  open(customerId: string, channel: string, chatId: string, survey: SurveyKind, source: string): Promise<Dialog> {
    return this.db.$transaction((tx) => this.openIn(tx, customerId, channel, chatId, survey, source, randomUUID()));
  }

  /** open() within the caller's transaction, under a dialog id chosen before (its buttons carry it). */
  private async openIn(
    db: Tx,
    customerId: string,
    channel: string,
    chatId: string,
    survey: SurveyKind,
    source: string,
    id: string,
  ): Promise<Dialog> {
    const state: SurveyState = { survey, source, stage: 'score', reprompted: false };
    const expiresAt = new Date(this.clock.now() + this.expiryHours * 3_600_000);
    await db.pendingDialog.deleteMany({ where: { customerId, channel, chatId, kind: 'survey' } });
    await db.pendingDialog.create({
      data: {
        id,
        customerId,
        channel,
        chatId,
        kind: 'survey',
        state: state as unknown as Prisma.InputJsonValue,
        expiresAt,
      },
    });
    return { id, customerId, channel, chatId, state };
  }

  /**
   * Sends a survey on the business's initiative (after a ticket, from the admin API, a campaign):
   * marketing, so `key` queues it once and an opted-out customer is skipped (and nothing waits
   * for their answer). No chat to send to is a conflict.
   */
  async send(customerId: string, survey: SurveyKind, source: string, text: Texts, key: string): Promise<SurveySent> {
    const id = randomUUID();
    const sent = await this.db.$transaction(async (tx) => {
      const sent = await toCustomerIn(tx, this.provider, customerId, ratingPrompt(survey, id, text), {
        purpose: 'marketing',
        kind: 'survey',
        key,
        at: this.now(),
        polite: this.polite,
      });
      if (sent.status !== 'queued' && sent.status !== 'held') return sent;
      return {
        ...sent,
        dialog: await this.openIn(tx, customerId, sent.chat.channel, sent.chat.chatId, survey, source, id),
      };
    });
    if (sent.status === 'skipped' && sent.reason === 'no_chat')
      throw new AppError('HTTP_CONFLICT', 'the customer has no chat to send a survey to');
    if (sent.status === 'queued') return { status: 'queued', dialog: sent.dialog };
    if (sent.status === 'held') return { status: 'held', dialog: sent.dialog, releaseAt: sent.releaseAt };
    return { status: 'skipped', reason: sent.status === 'duplicate' ? 'duplicate' : sent.reason };
  }

  /** The survey waiting among a chat's pending dialogs, if it has not expired (expired ones are removed). */
  async pending(dialogs: readonly PendingDialog[]): Promise<Dialog | null> {
    const rows = dialogs.filter((d) => d.kind === 'survey');
    if (!rows.length) return null;
    const now = this.now();
    const expired = rows.filter((r) => r.expiresAt <= now).map((r) => r.id);
    if (expired.length) await this.db.pendingDialog.deleteMany({ where: { id: { in: expired } } });
    const live = rows.find((r) => r.expiresAt > now);
    return live ? { ...live, state: live.state as unknown as SurveyState } : null;
  }

  async close(dialog: Dialog): Promise<void> {
    await this.db.pendingDialog.deleteMany({ where: { id: dialog.id } });
  }

  async markReprompted(dialog: Dialog): Promise<void> {
    await this.db.pendingDialog.update({
      where: { id: dialog.id },
      data: { state: { ...dialog.state, reprompted: true } as unknown as Prisma.InputJsonValue },
    });
  }

  /** Stores the score; opens a follow-up when it is poor; awards the feedback points once. */
  async score(dialog: Dialog, score: number) {
    const { survey, source } = dialog.state;
    const poor = score <= scales[survey].poorAtMost;
    const feedback = await this.db.$transaction(async (tx) => {
      const row = await tx.feedback.create({
        data: {
          customerId: dialog.customerId,
          channel: dialog.channel,
          kind: survey,
          score,
          source,
          createdAt: this.now(),
        },
      });
      // The latest score on the customer, for segments (csat.last, nps.last).
      if (survey !== 'feedback')
        await tx.customer.update({
          where: { id: dialog.customerId },
          data: survey === 'csat' ? { lastCsat: score } : { lastNps: score },
        });
      if (poor)
        await tx.followUp.create({
          data: { customerId: dialog.customerId, feedbackId: row.id, createdAt: this.now() },
        });
      await tx.pendingDialog.update({
        where: { id: dialog.id },
        data: { state: { ...dialog.state, stage: 'comment', feedbackId: row.id } as unknown as Prisma.InputJsonValue },
      });
      return row;
    });
    const award = await this.loyalty?.award(
      dialog.customerId,
      'feedback',
      this.loyalty.settings.rules.feedback,
      `feedback:${feedback.id}`,
    );
    return { feedback, poor, points: award?.applied ? award.entry.delta : 0 };
  }

  /** The points this survey's answer earned (for the thank-you). */
  async pointsFor(dialog: Dialog): Promise<number> {
    if (!dialog.state.feedbackId) return 0;
    const entry = await this.db.pointsEntry.findUnique({
      where: { idempotencyKey: `feedback:${dialog.state.feedbackId}` },
    });
    return entry?.delta ?? 0;
  }

  async comment(dialog: Dialog, text: string | null): Promise<void> {
    await this.db.$transaction([
      ...(text && dialog.state.feedbackId
        ? [this.db.feedback.update({ where: { id: dialog.state.feedbackId }, data: { comment: text.slice(0, 2000) } })]
        : []),
      this.db.pendingDialog.deleteMany({ where: { id: dialog.id } }),
    ]);
  }

  /**
   * A page of answers, newest first in (createdAt desc, id desc) order, the order of the
   * (kind, createdAt) index: all kinds are each kind's range merged. `cursor` is the previous
   * page's nextCursor.
   */
  async list(where: { since?: Date; kind?: string }, limit: number, cursor?: string) {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, ['date', 'int']);
    const read = (kind: string) =>
      this.reads.feedback.findMany({
        where: {
          kind,
          ...(where.since ? { createdAt: { gte: where.since } } : {}),
          ...(after ? { AND: [olderThan(after)] } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      });
    const rows = where.kind ? await read(where.kind) : await newestFirstAcross(SURVEY_KINDS, read, limit);
    return pageOf(rows, limit, (r) => [r.createdAt, r.id]);
  }

  /**
   * CSAT: average and share of 4–5; NPS: promoters 9–10, passives 7–8, detractors 0–6, score = %P − %D.
   * Counted by the database in one pass over the (kind, createdAt) index range: one row comes back,
   * whatever the number of answers (loading them to count in JS took 1.8 s at a million). Over the
   * last SUMMARY_DAYS days unless `since` says otherwise: a report costs its window, not all history.
   */
  async summary(since?: Date) {
    const from = since ?? new Date(this.clock.now() - SUMMARY_DAYS * 86_400_000);
    const [row] = await this.reads.$queryRaw<SummaryRow[]>`
      SELECT
        SUM(CASE WHEN kind <> 'nps' THEN 1 ELSE 0 END) AS "csatCount",
        SUM(CASE WHEN kind <> 'nps' THEN score ELSE 0 END) AS "csatSum",
        SUM(CASE WHEN kind <> 'nps' AND score >= 4 THEN 1 ELSE 0 END) AS "csatSatisfied",
        SUM(CASE WHEN kind = 'nps' THEN 1 ELSE 0 END) AS "npsCount",
        SUM(CASE WHEN kind = 'nps' AND score >= 9 THEN 1 ELSE 0 END) AS promoters,
        SUM(CASE WHEN kind = 'nps' AND score <= 6 THEN 1 ELSE 0 END) AS detractors
      FROM "Feedback"
      WHERE kind IN ('csat', 'feedback', 'nps') AND score IS NOT NULL AND "createdAt" >= ${from}`;
    // SUM is NULL over no rows, and a bigint (or numeric) that the drivers hand over as BigInt or text.
    const n = (v: unknown) => Number(v ?? 0);
    const csatCount = n(row?.csatCount);
    const csatSum = n(row?.csatSum);
    const npsCount = n(row?.npsCount);
    const promoters = n(row?.promoters);
    const detractors = n(row?.detractors);
    const round = (x: number) => Math.round(x * 1000) / 1000;
    return {
      csat: {
        count: csatCount,
        average: csatCount ? round(csatSum / csatCount) : null,
        satisfiedShare: csatCount ? round(n(row?.csatSatisfied) / csatCount) : null,
      },
      nps: {
        count: npsCount,
        promoters,
        passives: npsCount - promoters - detractors,
        detractors,
        score: npsCount ? Math.round(((promoters - detractors) / npsCount) * 100) : null,
      },
    };
  }

  /** A page of follow-ups, newest first in (createdAt desc, id desc) order, the (status, createdAt) index's. */
  async followUps(where: { status?: string }, limit: number, cursor?: string) {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, ['date', 'int']);
    const read = (status: string) =>
      this.reads.followUp.findMany({
        where: { status, ...(after ? { AND: [olderThan(after)] } : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        include: { feedback: true },
        take: limit + 1,
      });
    const rows = where.status ? await read(where.status) : await newestFirstAcross(FOLLOW_UP_STATUSES, read, limit);
    return pageOf(rows, limit, (r) => [r.createdAt, r.id]);
  }

  /** Staff say what was done; the customer is told in their chat (transactional: /stop does not hold). */
  async handle(followUpId: number, note: string, text: (note: string, locale: Locale) => string, fallback: Locale) {
    const followUp = await this.db.followUp.findUnique({ where: { id: followUpId }, include: { customer: true } });
    if (!followUp) throw new AppError('HTTP_NOT_FOUND', `no follow-up ${followUpId}`);
    if (followUp.status === 'handled') return { followUp, notified: false };
    const updated = await this.db.followUp.updateMany({
      where: { id: followUpId, status: 'open' },
      data: { status: 'handled', note, handledAt: this.now() },
    });
    if (updated.count === 0) return { followUp, notified: false };
    const locale = await customerLocale(this.db, followUp.customerId, fallback);
    const sent = await toCustomer(
      this.db,
      this.provider,
      followUp.customerId,
      { text: text(note, locale) },
      {
        purpose: 'transactional',
        kind: 'followup',
        key: `followup:${followUpId}`,
        at: this.now(),
      },
    );
    const notified = sent.status === 'queued';
    return { followUp: await this.db.followUp.findUniqueOrThrow({ where: { id: followUpId } }), notified };
  }
}
