// Sends queued messages through their channel adapters: per-chat order, pacing, retries with
// backoff, and whatever a stopped or crashed process left behind (its leases expire).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChannelAdapter, MessageSender } from '../engine/channel.js';
import { performCall } from '../engine/moderation.js';
import { errorMessage, ModerationError, SendError } from '../errors.js';
import type { Db } from '../store/index.js';
import type { ClaimedReply, OutboxLease } from '../store/interactions.js';
import type { DatabaseProvider } from '../store/schema-engine.js';
import { type Clock, systemClock } from '../util/clock.js';
import { GroupCommit } from '../util/group-commit.js';
import { Pacer } from './pacer.js';
import { type QuietHours, quietUntil } from './politeness.js';
import {
  chatKey,
  claimDue,
  deferUntil,
  markFailed,
  markSent,
  type OutboxRow,
  release,
  scheduleRetry,
} from './store.js';

export interface DispatcherOptions {
  db: Db;
  provider: DatabaseProvider;
  adapters: ReadonlyMap<string, MessageSender>;
  logger: Logger;
  clock?: Clock;
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How often to look for due messages when nobody wakes the dispatcher. */
  pollMs?: number;
  /**
   * How long a claim holds without renewal. The owner renews its claims every third of it while
   * it lives, so a crashed instance's messages are taken over within this time, and a live one's never.
   */
  leaseMs?: number;
  batchSize?: number;
  random?: () => number;
  /** Called for every send attempt's outcome (metrics). */
  onSend?: (channel: string, outcome: SendOutcome) => void;
  /**
   * Quiet hours in the business's time zone: a marketing message still waiting when they begin
   * (a campaign at the platform's pace) is put back until they end.
   */
  quietHours?: { hours: QuietHours | false; timezone: string };
  /** A queued moderation call the platform refused for good (the bot lacks rights; WeChat cannot). */
  onModerationFailed?: (row: OutboxRow, error: ModerationError) => Promise<void>;
}

/** sent; retry = failed, tried again later; failed = given up; unreachable = the recipient is gone. */
export type SendOutcome = 'sent' | 'retry' | 'failed' | 'unreachable';

export class Dispatcher {
  readonly owner = randomUUID();
  private readonly clock: Clock;
  private readonly pacer: Pacer;
  /** The chats this instance is sending to, each with the lane that sends its messages now. */
  private readonly busy = new Map<string, Promise<void>>();
  /** Outbox ids this instance has claimed and not finished: their leases are renewed. */
  private readonly held = new Set<number>();
  private renewal: NodeJS.Timeout | undefined;
  private readonly lanes = new Set<Promise<void>>();
  /** Claimed rows not finished yet, by channel (see inFlightMax). */
  private readonly inFlight = new Map<string, number>();
  private running = false;
  /** Resolves when stop() is called: lanes waiting for their pace give their rows back. */
  private stopping: Promise<void>;
  private signalStop: () => void = () => {};
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private woken = false;
  /**
   * Counts notify() calls. A claim leaves out the chats this instance is sending to, so a lane that
   * ends after messages were queued may have held some back: it wakes the claim loop then. A lane
   * that ends with nothing queued meanwhile does not (its replies came from the turn commit).
   */
  private notices = 0;
  /** Lanes report what they sent; one update marks the sends of all lanes. */
  private readonly sentMarks: GroupCommit<number[], undefined>;

  constructor(private readonly o: DispatcherOptions) {
    this.clock = o.clock ?? systemClock;
    this.pacer = new Pacer(() => this.clock.now());
    this.stopping = new Promise((resolve) => {
      this.signalStop = resolve;
    });
    this.sentMarks = new GroupCommit(async (batches) => {
      await markSent(o.db, batches.flat(), new Date(this.clock.now()));
      return batches.map(() => ({ ok: true, value: undefined }));
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.renewal = setInterval(() => void this.renewLeases(), this.leaseMs / 3);
    this.renewal.unref();
  }

  private get leaseMs(): number {
    return this.o.leaseMs ?? 15_000;
  }

  /** Keeps this instance's claims from expiring while it works through them (paced chats wait). */
  async renewLeases(): Promise<void> {
    if (!this.held.size) return;
    try {
      await this.o.db.outbox.updateMany({
        where: { id: { in: [...this.held] }, leaseOwner: this.owner, status: 'sending' },
        data: { nextAttemptAt: new Date(this.clock.now() + this.leaseMs) },
      });
    } catch (err) {
      this.o.logger.error({ err }, 'outbox: renewing leases failed');
    }
  }

  /** Stops claiming, lets the messages in flight finish, leaves the rest for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.signalStop();
    this.notify();
    await this.loop;
    await this.settle();
    clearInterval(this.renewal);
  }

  /** New messages were queued: look now instead of at the next poll. */
  notify(): void {
    this.notices++;
    this.wakeLoop();
  }

  private wakeLoop(): void {
    this.woken = true;
    this.wake?.();
  }

  /** One pass: claims due messages and starts sending them; returns how many it claimed. */
  async tick(): Promise<number> {
    const channels = [...this.o.adapters.keys()].filter(
      (channel) => (this.inFlight.get(channel) ?? 0) < this.inFlightMax(channel),
    );
    if (!channels.length) return 0;
    const rows = await claimDue(this.o.db, {
      provider: this.o.provider,
      owner: this.owner,
      now: new Date(this.clock.now()),
      leaseMs: this.leaseMs,
      limit: this.batchSize,
      channels,
      busyChats: new Set(this.busy.keys()),
    });
    this.startLanes(rows);
    return rows.length;
  }

  private get batchSize(): number {
    return this.o.batchSize ?? 200;
  }

  /**
   * How many of a channel's messages this instance may hold before claims leave the channel out:
   * what its channel-wide pacing (Telegram: 30 a second) lets out in half a lease, and never less
   * than one claim (a claim may take one claim's worth beyond it). A campaign's
   * backlog then stays in the database, where other instances can share it, instead of being
   * claimed into lanes that wait for their pace, and each claim skips a few hundred busy chats, not
   * tens of thousands. Channels without such pacing send as fast as they are claimed.
   */
  private inFlightMax(channel: string): number {
    const rules = this.o.adapters.get(channel)?.capabilities.pacing ?? [];
    let max = Number.POSITIVE_INFINITY;
    for (const rule of rules) {
      if (rule.scope !== 'channel') continue;
      max = Math.min(max, Math.max(this.batchSize, Math.floor((rule.max * this.leaseMs) / rule.windowMs / 2)));
    }
    return max;
  }

  /**
   * The claim a turn commit may take for this instance (src/store/interactions.ts OutboxLease),
   * or null while stopped: replies claimed in the commit come back through adopt().
   */
  lease(): OutboxLease | null {
    if (!this.running) return null;
    return {
      owner: this.owner,
      until: new Date(this.clock.now() + this.leaseMs),
      channels: [...this.o.adapters.keys()],
    };
  }

  /** Sends replies a turn commit claimed for this instance (see lease()), each chat's after what it is sending. */
  adopt(replies: ClaimedReply[]): void {
    const rows = replies.map((r) => ({ ...r, attempts: 0 }));
    if (this.running) {
      this.startLanes(rows);
      return;
    }
    // Stopped between the lease and the commit: the rows go back, for the next start or another instance.
    release(
      this.o.db,
      rows.map((r) => r.id),
      this.owner,
      new Date(this.clock.now()),
    ).catch((err) => this.o.logger.error({ err }, 'outbox: giving back claimed replies failed; their lease expires'));
  }

  /** One lane per chat; a chat already being sent to gets its new lane after the one running. */
  private startLanes(rows: OutboxRow[]): void {
    const byChat = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const key = chatKey(row.channel, row.chatId);
      const list = byChat.get(key);
      if (list) list.push(row);
      else byChat.set(key, [row]);
    }
    for (const [key, chatRows] of byChat) {
      for (const row of chatRows) this.held.add(row.id);
      const channel = (chatRows[0] as OutboxRow).channel;
      this.inFlight.set(channel, (this.inFlight.get(channel) ?? 0) + chatRows.length);
      const before = this.busy.get(key);
      const noticesBefore = this.notices;
      const lane: Promise<void> = (before ? before.then(() => this.sendLane(chatRows)) : this.sendLane(chatRows)).then(
        (gaveBack) => {
          for (const row of chatRows) this.held.delete(row.id);
          if (this.busy.get(key) === lane) this.busy.delete(key);
          this.lanes.delete(lane);
          const had = this.inFlight.get(channel) ?? 0;
          const left = had - chatRows.length;
          if (left > 0) this.inFlight.set(channel, left);
          else this.inFlight.delete(channel);
          // The channel had its fill (claims left it out) and has room again: its backlog waits in the database.
          const max = this.inFlightMax(channel);
          const room = had >= max && left < max;
          if (gaveBack || room || this.notices !== noticesBefore) this.wakeLoop();
        },
      );
      this.busy.set(key, lane);
      this.lanes.add(lane);
    }
  }

  /** Waits for every lane started so far. */
  async settle(): Promise<void> {
    while (this.lanes.size) await Promise.all(this.lanes);
  }

  /** Sends until nothing is due now (tests and benchmarks). */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.tick();
      await this.settle();
      if (!claimed) return;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        this.woken = false;
        await this.tick();
      } catch (err) {
        this.o.logger.error({ err }, 'outbox: claiming failed; retrying');
      }
      if (!this.running) break;
      if (!this.woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.o.pollMs ?? 1000);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /** Sends a chat's claimed rows in order; true when some were given back or left for a retry. */
  private async sendLane(rows: OutboxRow[]): Promise<boolean> {
    const { db } = this.o;
    const sent: number[] = [];
    const flush = async () => {
      if (sent.length) await this.sentMarks.submit(sent.splice(0));
    };
    try {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as OutboxRow;
        const adapter = this.o.adapters.get(row.channel);
        if (!adapter) break;
        if (row.message.marketing && this.o.quietHours) {
          const until = quietUntil(new Date(this.clock.now()), this.o.quietHours.hours, this.o.quietHours.timezone);
          if (until) {
            await flush();
            await deferUntil(db, row.id, until);
            continue;
          }
        }
        // A moderation call counts against the channel's overall limit only: a raid's deletions
        // must not wait behind a group's 20 messages a minute.
        const call = row.message.moderation;
        const rules = call
          ? adapter.capabilities.pacing.filter((r) => r.scope === 'channel')
          : adapter.capabilities.pacing;
        for (let wait = this.pacer.delay(rules, row.channel, row.chatId, row.chatType); wait > 0; ) {
          await flush();
          const stopped = await Promise.race([
            this.clock.sleep(wait).then(() => false),
            this.stopping.then(() => true),
          ]);
          if (stopped) {
            // Shutting down: what is left of this chat goes out after the next start.
            await release(
              db,
              rows.slice(i).map((r) => r.id),
              this.owner,
              new Date(this.clock.now()),
            );
            return true;
          }
          wait = this.pacer.delay(rules, row.channel, row.chatId, row.chatType);
        }
        this.pacer.record(rules, row.channel, row.chatId, row.chatType);
        try {
          if (call) {
            await performCall(adapter as ChannelAdapter, row.chatId, call).catch((err: unknown) => {
              throw asSendError(err);
            });
          } else {
            const platformId = await adapter.send(
              { chatId: row.chatId, chatType: row.chatType, outboxId: row.id },
              row.message,
            );
            if (row.message.track && typeof platformId === 'string') {
              await db.outbox.update({ where: { id: row.id }, data: { platformMessageId: platformId } });
            }
          }
          sent.push(row.id);
          this.o.onSend?.(row.channel, 'sent');
        } catch (err) {
          await flush();
          const stopLane = await this.failed(row, err);
          if (stopLane) {
            await release(
              db,
              rows.slice(i + 1).map((r) => r.id),
              this.owner,
              new Date(this.clock.now()),
            );
            return true;
          }
        }
      }
      await flush();
      return false;
    } catch (err) {
      // The database went away mid-lane: leases expire and the rows are retried.
      this.o.logger.error({ err }, 'outbox: lane failed');
      return true;
    }
  }

  /** Records a failed send; returns true when the chat's later messages must wait. */
  private async failed(row: OutboxRow, err: unknown): Promise<boolean> {
    const { db, logger } = this.o;
    const attempts = row.attempts + 1;
    const message = errorMessage(err);
    const sendError = err instanceof SendError ? err : undefined;
    if (sendError?.unreachable) {
      logger.warn({ channel: row.channel, chatId: row.chatId, outboxId: row.id }, 'outbox: recipient unreachable');
      await markFailed(db, row.id, attempts, message);
      this.o.onSend?.(row.channel, 'unreachable');
      if (row.chatType === 'private') {
        await db.channelIdentity.updateMany({
          where: { channel: row.channel, externalId: row.chatId },
          data: { reachable: false },
        });
      }
      await this.logFailure(row, message);
      return false;
    }
    if (sendError?.permanent || attempts >= (this.o.maxAttempts ?? 8)) {
      logger.warn({ channel: row.channel, outboxId: row.id, attempts, err: message }, 'outbox: giving up on message');
      await markFailed(db, row.id, attempts, message);
      this.o.onSend?.(row.channel, 'failed');
      await this.logFailure(row, message);
      const cause = sendError?.cause;
      if (row.message.moderation) {
        const refused =
          cause instanceof ModerationError ? cause : new ModerationError('ADAPTER_UNAVAILABLE', message, { cause });
        await this.o.onModerationFailed?.(row, refused).catch((err: unknown) => {
          logger.error({ err, outboxId: row.id }, 'outbox: reporting a refused moderation call failed');
        });
      }
      return false;
    }
    this.o.onSend?.(row.channel, 'retry');
    const delay = sendError?.retryAfterMs ?? this.backoff(attempts);
    logger.info({ channel: row.channel, outboxId: row.id, attempts, delay, err: message }, 'outbox: retry scheduled');
    await scheduleRetry(db, row.id, attempts, new Date(this.clock.now() + delay), message);
    return true;
  }

  /** Exponential backoff with ±20 % jitter, capped. */
  backoff(attempts: number): number {
    const base = this.o.retryBaseMs ?? 2000;
    const max = this.o.retryMaxMs ?? 15 * 60_000;
    const raw = Math.min(max, base * 2 ** (attempts - 1));
    const jitter = 0.8 + 0.4 * (this.o.random ?? Math.random)();
    return Math.round(raw * jitter);
  }

  private async logFailure(row: OutboxRow, error: string): Promise<void> {
    await this.o.db.interaction.create({
      data: {
        customerId: row.customerId,
        channel: row.channel,
        direction: 'event',
        kind: 'delivery_failed',
        text: row.message.moderation ? `${row.message.moderation.op} (moderation)` : row.message.text.slice(0, 500),
        payload: { outboxId: row.id, error },
      },
    });
  }
}

/**
 * A refused moderation call as the dispatcher's retry rules read it: a platform or network that
 * did not answer is retried (after retry_after when given); a refusal (rights, a message too old,
 * something the channel cannot do) is final.
 */
function asSendError(err: unknown): SendError {
  if (!(err instanceof ModerationError)) return new SendError(errorMessage(err), { cause: err });
  if (err.code === 'ADAPTER_UNAVAILABLE') {
    return new SendError(err.message, {
      ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
      cause: err,
    });
  }
  return new SendError(err.message, { permanent: true, cause: err });
}
