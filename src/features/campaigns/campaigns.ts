// Campaigns: one message to the customers a rule tree selects, in each one's language, now or at
// a set time. When sending starts, the audience is selected once, by the database, into
// CampaignTarget (one INSERT … SELECT: the rules are evaluated once, however the planner likes,
// not once a batch). It is then walked in customer-id order, `campaigns.batchSize` (2,000) at a
// time, each batch one transaction through the outbox's marketing path (marketingBatch: opt-out,
// unreachable accounts, the frequency cap, quiet hours, each key once) that deletes the targets it
// enqueued, so a campaign to 100,000 customers is fifty short transactions, resumable from its
// cursor after a crash or a restart.
//
// Several instances may run the job at once, and a campaign created to go now also starts in the
// background: the selection and each batch first claim the campaign row (audience not selected
// yet; status still "sending" and cursor unchanged) in the transaction that does the work, so of
// two runs one does it and the other finds the row moved and goes on from there (or stops). Each
// customer is messaged once (the MarketingSend key `campaign:<id>:<customer>` would refuse a
// second) and counted once.
import type { Logger } from 'pino';
import { format, type Locale, locales } from '../../engine/i18n.js';
import type { Button } from '../../engine/types.js';
import { AppError } from '../../errors.js';
import { type CursorKey, decodeCursor, pageOf } from '../../http/paging.js';
import type { Outreach } from '../../outbox/outreach.js';
import { type BatchItem, type BatchOutcome, marketingBatch } from '../../outbox/outreach-batch.js';
import { type Db, Prisma, type Tx } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';
import type { Segments } from '../segments/index.js';
import { type Outcomes, outcomesFinal, outcomesOf, REPLY_WINDOW_HOURS } from './stats.js';

const REPLY_WINDOW_MS = REPLY_WINDOW_HOURS * 3_600_000;
/**
 * A campaign with this many messages has its live outcomes counted at most every RECOUNT_MS: the
 * count reads every message (0.5 s at 100,000 on PostgreSQL), and a dashboard polling every second
 * kept a core of the database busy with it while the campaign was being queued.
 */
export const LARGE_CAMPAIGN = 10_000;
const RECOUNT_MS = 5_000;

/**
 * Customers per batch by default (`campaigns.batchSize`). Each batch is a dozen statements whatever
 * its size, so larger batches queue faster: 100,000 customers took 38 s in batches of 500 and 15 s
 * in batches of 2,000 (SQLite, 120,000 customers); 5,000 gained little more.
 */
export const BATCH_SIZE = 2000;
export const TEXT_MAX = 4000;
/** What a campaign's texts may say about the customer: {name}, {business}, {points}. */
export const PLACEHOLDERS = ['name', 'business', 'points'] as const;

export type CampaignStatus = 'scheduled' | 'sending' | 'sent' | 'cancelled';

/** Campaign.message: the text in both languages and the buttons under it. */
export interface CampaignMessage {
  'zh-CN': string;
  en: string;
  buttons?: Button[];
}

export interface NewCampaign {
  name: string;
  segmentId?: string;
  rules?: unknown;
  message: Record<Locale, string>;
  buttons?: Button[];
  /** Default: now. */
  sendAt?: Date;
}

export interface CampaignStats {
  /** Customers the rules selected when sending started. */
  targeted: number;
  /** Messages accepted: queued to the outbox at once, or held through quiet hours (deferredQuietHours of them). */
  queued: number;
  sent: number;
  failed: number;
  skippedOptedOut: number;
  skippedCapped: number;
  /** No chat to write to (the customer never wrote in a private chat), or the platform says the account is gone. */
  skippedUnreachable: number;
  deferredQuietHours: number;
  replied: number;
}

export interface CampaignView {
  id: string;
  name: string;
  status: CampaignStatus;
  sendAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
  cancelledAt: Date | null;
  segmentId: string | null;
  stats: CampaignStats;
}

export interface CampaignsOptions {
  db: Db;
  /** Lists and stats (Store.reads: off the main thread on SQLite). */
  reads: Db;
  outreach: Outreach;
  segments: Segments;
  /** Customers per transaction. */
  batchSize: number;
  clock: Clock;
  businessName: Record<Locale, string>;
  logger: Logger;
}

type Row = Prisma.CampaignGetPayload<object>;

/** A batch found the campaign moved on (another run took the batch, or it was cancelled). */
class Lost extends Error {}

export class Campaigns {
  /** The live outcomes last counted here, by campaign (see LARGE_CAMPAIGN). */
  private readonly recounted = new Map<string, { at: number; outcomes: Outcomes }>();
  /** Campaigns this instance is enqueueing: a second run here waits for the first instead of racing it. */
  private readonly running = new Map<string, Promise<number>>();
  private stopping = false;

  constructor(private readonly o: CampaignsOptions) {}

  /** Checks and stores a campaign; one due now starts in the background (the job would take it within a minute). */
  async create(input: NewCampaign): Promise<{ id: string; status: CampaignStatus }> {
    const name = input.name.trim();
    if (!name) throw new AppError('HTTP_BAD_REQUEST', 'body: name must not be blank');
    if ((input.segmentId === undefined) === (input.rules === undefined)) {
      throw new AppError('HTTP_BAD_REQUEST', 'body: give exactly one of segmentId and rules');
    }
    for (const locale of locales) checkText(input.message[locale], `message.${locale}`);
    let rules: unknown = input.rules;
    if (input.segmentId !== undefined) {
      const segment = await this.o.db.segment.findUnique({ where: { id: input.segmentId }, select: { rules: true } });
      if (!segment) throw new AppError('HTTP_NOT_FOUND', `no segment ${input.segmentId}`);
      // Copied: the campaign keeps the audience it was created with, whatever happens to the segment.
      rules = segment.rules;
      this.o.segments.parse(rules, `segment ${input.segmentId}: rules`);
    } else {
      this.o.segments.parse(rules);
    }
    const now = this.o.clock.now();
    const sendAt = input.sendAt ?? new Date(now);
    const status: CampaignStatus = sendAt.getTime() > now ? 'scheduled' : 'sending';
    const message: CampaignMessage = {
      'zh-CN': input.message['zh-CN'],
      en: input.message.en,
      ...(input.buttons?.length ? { buttons: input.buttons } : {}),
    };
    const row = await this.o.db.campaign.create({
      data: {
        name,
        segmentId: input.segmentId ?? null,
        rules: rules as Prisma.InputJsonValue,
        message: message as unknown as Prisma.InputJsonValue,
        status,
        sendAt,
        createdAt: new Date(now),
      },
      select: { id: true },
    });
    if (status === 'sending') this.startInBackground(row.id);
    return { id: row.id, status };
  }

  async get(id: string, db: Db = this.o.reads): Promise<CampaignView> {
    const row = await db.campaign.findUnique({ where: { id } });
    if (!row) throw new AppError('HTTP_NOT_FOUND', `no campaign ${id}`);
    return (await this.views([row], db))[0] as CampaignView;
  }

  /** Newest first, paged by (createdAt, id). */
  async list(limit: number, cursor?: string): Promise<{ items: CampaignView[]; nextCursor: string | null }> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, ['date', 'string']);
    const rows = await this.o.reads.campaign.findMany({
      where: after
        ? { createdAt: { lte: after[0] }, OR: [{ createdAt: { lt: after[0] } }, { id: { lt: after[1] } }] }
        : {},
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    const page = pageOf(rows, limit, (r): CursorKey[] => [r.createdAt, r.id]);
    return { items: await this.views(page.items, this.o.reads), nextCursor: page.nextCursor };
  }

  /**
   * Stops what is not sent yet: no more batches, the held messages deleted, the pending outbox rows
   * set to "cancelled" (the dispatcher claims pending rows only). A message already being sent goes.
   * A sent campaign (every customer enqueued) can be cancelled while some of its messages wait (held
   * through the night, or in the outbox); once nothing waits, like a cancelled one, it is a 409.
   */
  async cancel(id: string): Promise<CampaignView> {
    const now = new Date(this.o.clock.now());
    await this.o.db.$transaction(async (tx) => {
      const before = await tx.campaign.findUnique({ where: { id }, select: { status: true } });
      if (!before) throw new AppError('HTTP_NOT_FOUND', `no campaign ${id}`);
      const conflict = () =>
        new AppError('HTTP_CONFLICT', `campaign ${id} is ${before.status}: nothing left to cancel`);
      // The status first, so a batch running now either committed before (its rows are cancelled
      // below) or finds the campaign cancelled when it claims the row, and does nothing.
      const { count } = await tx.campaign.updateMany({
        where: { id, status: { not: 'cancelled' } },
        data: { status: 'cancelled', cancelledAt: now },
      });
      if (!count) throw conflict();
      await tx.campaignTarget.deleteMany({ where: { campaignId: id } });
      // Found through the campaign's MarketingSend rows (indexed by campaignId). Held first: one the
      // release job moves meanwhile is in the Outbox when the next statement looks.
      const held = await tx.$executeRaw`
        DELETE FROM "HeldMessage" WHERE "dedupeKey" IN (
          SELECT ms."dedupeKey" FROM "MarketingSend" ms WHERE ms."campaignId" = ${id} AND ms."outboxId" IS NULL)`;
      const pending = await tx.$executeRaw`
        UPDATE "Outbox" SET "status" = 'cancelled', "leaseOwner" = NULL
        WHERE "status" = 'pending' AND "id" IN (
          SELECT ms."outboxId" FROM "MarketingSend" ms WHERE ms."campaignId" = ${id} AND ms."outboxId" IS NOT NULL)`;
      // Everything went out already: nothing to stop (rolled back, the campaign stays sent).
      if (before.status === 'sent' && !held && !pending) throw conflict();
      this.o.logger.info({ campaign: id, held, pending }, 'campaign cancelled');
    });
    return this.get(id, this.o.db);
  }

  /**
   * The job: scheduled campaigns that are due start sending, and every sending campaign is
   * enqueued to its end (or until it is cancelled). Returns how many messages were queued or held.
   */
  async runDue(): Promise<number> {
    const now = new Date(this.o.clock.now());
    await this.o.db.campaign.updateMany({
      where: { status: 'scheduled', sendAt: { lte: now } },
      data: { status: 'sending' },
    });
    const sending = await this.o.db.campaign.findMany({
      where: { status: 'sending' },
      orderBy: [{ sendAt: 'asc' }],
      select: { id: true },
    });
    let queued = 0;
    for (const { id } of sending) {
      try {
        queued += await this.send(id);
      } catch (err) {
        // One campaign's trouble (rules that no longer hold: a tier renamed) does not hold up the others.
        this.o.logger.error({ err, campaign: id }, 'campaign: enqueueing failed');
      }
    }
    return queued;
  }

  /** Enqueues a sending campaign from its cursor to its end; in this instance, once at a time. */
  send(id: string): Promise<number> {
    const current = this.running.get(id);
    // The run in progress does the work: this one waits for it and adds nothing.
    if (current) return current.then(() => 0);
    const run = this.walk(id).finally(() => this.running.delete(id));
    this.running.set(id, run);
    return run;
  }

  /** Waits for the background runs, and starts no more (the job takes over at the next start). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Resolves when this instance has no campaign in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  private startInBackground(id: string): void {
    if (this.stopping) return;
    // Not awaited by the request: a large audience takes a while. A failure is logged and the job retries.
    this.send(id).catch((err: unknown) =>
      this.o.logger.error({ err, campaign: id }, 'campaign: enqueueing in the background failed'),
    );
  }

  private async walk(id: string): Promise<number> {
    const campaign = await this.o.db.campaign.findUnique({ where: { id } });
    if (campaign?.status !== 'sending') return 0;
    // Relative dates ({"daysAgo": 30}) count from the start of this run, the same for every batch.
    const where = this.o.segments.where(campaign.rules, `campaign ${id}: rules`);
    const message = campaign.message as unknown as CampaignMessage;
    if (!campaign.audienceAt && !(await this.selectAudience(id, campaign.cursor, where))) return 0;
    let cursor = campaign.cursor;
    let queued = 0;
    while (!this.stopping) {
      const step = await this.batch(id, cursor, message);
      if (!step) break; // another run or a cancel got there first
      queued += step.accepted;
      // Woken after the commit: earlier, the dispatcher would not see the rows yet.
      if (step.queuedNow) this.o.outreach.onQueued();
      if (step.done) break;
      cursor = step.cursor;
    }
    return queued;
  }

  /**
   * The audience into CampaignTarget, once: false when the campaign stopped sending meanwhile. A
   * campaign that was part-way through before audiences were selected goes on after its cursor.
   * Another run that selected first is fine: its rows are there.
   */
  private async selectAudience(id: string, cursor: string | null, where: Prisma.Sql): Promise<boolean> {
    const at = new Date(this.o.clock.now());
    return this.o.db.$transaction(
      async (tx) => {
        const claim = await tx.campaign.updateMany({
          where: { id, status: 'sending', audienceAt: null },
          data: { audienceAt: at, updatedAt: at },
        });
        if (!claim.count) {
          const now = await tx.campaign.findUnique({ where: { id }, select: { status: true } });
          return now?.status === 'sending';
        }
        const after = cursor === null ? Prisma.empty : Prisma.sql` AND c."id" > ${cursor}`;
        const selected = await tx.$executeRaw`
          INSERT INTO "CampaignTarget" ("campaignId", "customerId")
          SELECT ${id}, c."id" FROM "Customer" c WHERE (${where})${after}`;
        // PostgreSQL plans the batches' reads from statistics, which do not know these rows yet:
        // it took a bitmap scan and a sort of the whole audience for each page of 500 (50 ms a batch
        // at 100,000; 5 ms with statistics).
        if (this.o.outreach.provider === 'postgresql') await tx.$executeRawUnsafe('ANALYZE "CampaignTarget"');
        await tx.campaign.update({ where: { id }, data: { targeted: { increment: selected } } });
        this.o.logger.info({ campaign: id, selected }, 'campaign audience selected');
        return true;
      },
      // One statement over the whole customer table: a million customers take seconds.
      { maxWait: 10_000, timeout: 120_000 },
    );
  }

  /**
   * One batch: the next batchSize customers of the audience after `cursor`, each messaged
   * through marketingBatch, the cursor and counters moved, in one transaction. Null when the
   * campaign is no longer at `cursor` or no longer sending.
   */
  private async batch(id: string, cursor: string | null, message: CampaignMessage) {
    const at = new Date(this.o.clock.now());
    try {
      return await this.o.db.$transaction(
        async (tx) => {
          // The optimistic check, done first: it takes the campaign row's lock on PostgreSQL (a
          // second run at this cursor waits here, then finds the cursor moved) and SQLite's write
          // lock, so nothing is read before the batch is ours.
          const claim = await tx.campaign.updateMany({
            where: { id, status: 'sending', cursor },
            data: { updatedAt: at },
          });
          if (!claim.count) throw new Lost();
          const targets = await this.nextTargets(tx, id, cursor);
          // A customer deleted since the selection comes back "gone": left out, not counted.
          const outcomes = targets.length
            ? await marketingBatch(tx, this.o.outreach, this.items(id, targets, message), {
                kind: 'campaign',
                at,
                campaignId: id,
              })
            : new Map<string, BatchOutcome>();
          const counts = tally(outcomes.values());
          const done = targets.length < this.o.batchSize;
          const last = targets.at(-1) ?? cursor;
          // Enqueued: out of the audience (done: the rest too, customers deleted since the selection).
          await tx.$executeRaw`DELETE FROM "CampaignTarget" WHERE "campaignId" = ${id}${
            done || last === null ? Prisma.empty : Prisma.sql` AND "customerId" <= ${last}`
          }`;
          await tx.campaign.update({
            where: { id },
            data: {
              cursor: last,
              queued: { increment: counts.queued + counts.held },
              deferredQuietHours: { increment: counts.held },
              skippedOptedOut: { increment: counts.opted_out },
              skippedCapped: { increment: counts.capped },
              // No chat to write to, or none the platform lets us reach: not reachable either way.
              skippedNoChat: { increment: counts.no_chat + counts.unreachable },
              ...(done ? { status: 'sent', finishedAt: at } : {}),
            },
          });
          return { cursor: last, accepted: counts.queued + counts.held, queuedNow: counts.queued > 0, done };
        },
        // A batch writes a few thousand rows: more than the 5 s default on a busy database.
        { maxWait: 10_000, timeout: 60_000 },
      );
    } catch (err) {
      if (err instanceof Lost) return null;
      throw err;
    }
  }

  /** The audience's next targets after the cursor, in id order (CampaignTarget's key). */
  private async nextTargets(tx: Tx, id: string, cursor: string | null): Promise<string[]> {
    const after = cursor === null ? Prisma.empty : Prisma.sql` AND t."customerId" > ${cursor}`;
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT t."customerId" AS id FROM "CampaignTarget" t WHERE t."campaignId" = ${id}${after}
      ORDER BY t."customerId" LIMIT ${this.o.batchSize}`;
    return rows.map((r) => r.id);
  }

  private items(id: string, customers: readonly string[], message: CampaignMessage) {
    const { businessName } = this.o;
    return customers.map(
      (customerId): BatchItem => ({
        customerId,
        key: `campaign:${id}:${customerId}`,
        text: (locale, customer) =>
          format(message[locale], {
            name: customer.displayName ?? '',
            business: businessName[locale],
            points: customer.pointsBalance,
          }),
        ...(message.buttons?.length ? { buttons: message.buttons } : {}),
      }),
    );
  }

  /**
   * The campaigns with their outcomes: stored ones as they are, the others counted over their
   * messages (a campaign to 100,000 customers: about 0.3 s on PostgreSQL). Counted outcomes that can
   * no longer change are stored, so an old campaign is counted once, not on every list.
   */
  private async views(rows: Row[], db: Db): Promise<CampaignView[]> {
    const now = this.o.clock.now();
    const counted = new Map<string, Outcomes>();
    const live: string[] = [];
    for (const r of rows) {
      if (r.outcomes !== null) continue;
      const recent = this.recounted.get(r.id);
      if (recent && r.queued >= LARGE_CAMPAIGN && now - recent.at < RECOUNT_MS) counted.set(r.id, recent.outcomes);
      else live.push(r.id);
    }
    for (const [id, outcomes] of await outcomesOf(db, this.o.outreach.provider, live)) {
      counted.set(id, outcomes);
      this.recounted.set(id, { at: now, outcomes });
    }
    const settled = rows.filter((r) => {
      const ended = r.finishedAt ?? r.cancelledAt;
      return r.outcomes === null && r.status !== 'sending' && ended && ended.getTime() + REPLY_WINDOW_MS < now;
    });
    for (const id of await outcomesFinal(
      db,
      settled.map((r) => r.id),
    )) {
      const outcomes = counted.get(id);
      this.recounted.delete(id);
      if (!outcomes) continue;
      await this.o.db.campaign.updateMany({
        where: { id, outcomes: { equals: Prisma.DbNull } },
        data: { outcomes: outcomes as unknown as Prisma.InputJsonValue },
      });
    }
    return rows.map((r) =>
      view(r, (r.outcomes as Outcomes | null) ?? counted.get(r.id) ?? { sent: 0, failed: 0, replied: 0 }),
    );
  }
}

function view(r: Row, outcomes: Outcomes): CampaignView {
  return {
    id: r.id,
    name: r.name,
    status: r.status as CampaignStatus,
    sendAt: r.sendAt,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
    cancelledAt: r.cancelledAt,
    segmentId: r.segmentId,
    stats: {
      targeted: r.targeted,
      queued: r.queued,
      sent: outcomes.sent,
      failed: outcomes.failed,
      skippedOptedOut: r.skippedOptedOut,
      skippedCapped: r.skippedCapped,
      skippedUnreachable: r.skippedNoChat,
      deferredQuietHours: r.deferredQuietHours,
      replied: outcomes.replied,
    },
  };
}

/** How many of each outcome; one the batch never gave counts 0. */
function tally(outcomes: Iterable<BatchOutcome>) {
  const counts = new Map<BatchOutcome, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  const of = (o: BatchOutcome) => counts.get(o) ?? 0;
  return {
    queued: of('queued'),
    held: of('held'),
    opted_out: of('opted_out'),
    capped: of('capped'),
    no_chat: of('no_chat'),
    unreachable: of('unreachable'),
  };
}

/** A text of the message: not blank, and only the placeholders the job fills in. */
function checkText(text: string, path: string): void {
  if (!text.trim()) throw new AppError('HTTP_BAD_REQUEST', `${path}: must not be blank`);
  // Characters as the route's schema counts them (code points, not UTF-16 units).
  if ([...text].length > TEXT_MAX)
    throw new AppError('HTTP_BAD_REQUEST', `${path}: longer than ${TEXT_MAX} characters`);
  for (const [, key] of text.matchAll(/\{(\w+)\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(key as string)) {
      throw new AppError(
        'HTTP_BAD_REQUEST',
        `${path}: unknown placeholder {${key}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`,
      );
    }
  }
}
