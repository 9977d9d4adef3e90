// Messages that were stored but never handled: the process died between intake and the turn's
// commit. At start-up every such message is handled, in order; afterwards the same look runs
// periodically for another instance's crash, leaving alone messages young enough to be mid-turn
// somewhere. A replay racing a live turn is harmless: the database lets one commit through.
import type { Logger } from 'pino';
import { type Db, Prisma } from '../store/index.js';
import type { DatabaseProvider } from '../store/schema-engine.js';
import { type Clock, systemClock } from '../util/clock.js';
import type { StoredMessage } from './engine.js';
import type { InboundMessage } from './types.js';

export interface ReplayTarget {
  replayStored(stored: StoredMessage): Promise<unknown>;
}

export interface ReplayOptions {
  db: Db;
  provider: DatabaseProvider;
  engine: ReplayTarget;
  logger: Logger;
  clock?: Clock;
  /** A message younger than this may be mid-turn in another instance (longer than any turn). */
  graceMs?: number;
  /** How often to look for another instance's leftovers. */
  everyMs?: number;
  /** A message whose replay failed this often is given up (logged): it must not loop forever. */
  maxAttempts?: number;
  batch?: number;
}

interface Row {
  id: number;
  channel: string;
  kind: string;
  text: string | null;
  payload: unknown;
  platformMessageId: string | null;
  customerId: string | null;
  conversationId: string | null;
  conversation: { chatId: string; kind: string } | null;
}

/** Rebuilds the message an adapter delivered from its stored row (see inboundPayload in engine.ts). */
export function storedMessage(row: Row): StoredMessage | undefined {
  if (!row.customerId || !row.conversationId || !row.conversation) return undefined;
  const p = (row.payload ?? {}) as {
    button?: string;
    localeHint?: string;
    group?: boolean;
    mentioned?: boolean;
    sender?: string;
    joined?: boolean;
    media?: boolean;
    forwarded?: boolean;
    urls?: string[];
    /** As stored: the date as its ISO text. */
    replyTo?: Omit<NonNullable<InboundMessage['replyTo']>, 'sentAt'> & { sentAt?: string };
    buttonMessageId?: string;
    sentAt?: string;
  };
  const replyTo = p.replyTo
    ? { ...p.replyTo, ...(p.replyTo.sentAt ? { sentAt: new Date(p.replyTo.sentAt) } : {}) }
    : undefined;
  const { chatId } = row.conversation;
  const message: InboundMessage = {
    channel: row.channel,
    chatId,
    chatType: row.conversation.kind === 'group' ? 'group' : 'private',
    sender: { id: p.sender ?? chatId, ...(p.localeHint ? { locale: p.localeHint } : {}) },
    ...(row.text !== null ? { text: row.text } : {}),
    ...(p.button !== undefined ? { payload: p.button } : {}),
    mentioned: p.group ? p.mentioned === true : true,
    ...(row.platformMessageId !== null ? { platformMessageId: row.platformMessageId } : {}),
    ...(row.kind === 'unsupported' ? { unsupported: true } : {}),
    ...(p.joined ? { joined: true } : {}),
    ...(p.media ? { media: true } : {}),
    ...(p.forwarded ? { forwarded: true } : {}),
    ...(p.urls ? { urls: p.urls } : {}),
    ...(replyTo ? { replyTo: replyTo as NonNullable<InboundMessage['replyTo']> } : {}),
    ...(p.buttonMessageId ? { buttonMessageId: p.buttonMessageId } : {}),
    ...(p.sentAt ? { sentAt: new Date(p.sentAt) } : {}),
  };
  return { inboundId: row.id, customerId: row.customerId, conversationId: row.conversationId, message };
}

export class InboundReplay {
  private readonly clock: Clock;
  private readonly failures = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly o: ReplayOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** Handles everything left unhandled so far, then keeps looking every `everyMs`. */
  async start(): Promise<void> {
    await this.run(0);
    this.timer = setInterval(() => void this.run(this.o.graceMs ?? 60_000), this.o.everyMs ?? 15_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over messages older than `graceMs`; returns how many it handed to the engine. */
  run(graceMs: number): Promise<number> {
    this.running ??= this.pass(graceMs)
      .catch((err: unknown) => {
        this.o.logger.error({ err }, 'replay of unhandled messages failed; trying again later');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async pass(graceMs: number): Promise<number> {
    const { db, logger } = this.o;
    const due = await db.$queryRaw<{ id: number | bigint }[]>(
      unhandledBefore(this.o.provider, new Date(this.clock.now() - graceMs), this.o.batch ?? 500),
    );
    if (!due.length) return 0;
    const rows: Row[] = await db.interaction.findMany({
      where: { id: { in: due.map((r) => Number(r.id)) }, handledAt: null },
      orderBy: { id: 'asc' },
      select: {
        id: true,
        channel: true,
        kind: true,
        text: true,
        payload: true,
        platformMessageId: true,
        customerId: true,
        conversationId: true,
        conversation: { select: { chatId: true, kind: true } },
      },
    });
    if (!rows.length) return 0;
    logger.info({ messages: rows.length }, 'handling messages that were stored but never answered');
    // Each chat's messages in order (the engine's per-chat lock keeps the order of these calls).
    const turns = rows.map(async (row) => {
      const stored = storedMessage(row);
      if (!stored) return this.giveUp(row.id, 'its customer or chat is gone');
      try {
        await this.o.engine.replayStored(stored);
        this.failures.delete(row.id);
      } catch (err) {
        const attempts = (this.failures.get(row.id) ?? 0) + 1;
        this.failures.set(row.id, attempts);
        logger.error({ err, interactionId: row.id, attempts }, 'replayed message failed');
        if (attempts >= (this.o.maxAttempts ?? 5)) await this.giveUp(row.id, `failed ${attempts} times`);
      }
    });
    await Promise.all(turns);
    return rows.length;
  }

  private async giveUp(id: number, why: string): Promise<void> {
    this.failures.delete(id);
    this.o.logger.error({ interactionId: id }, `stored message left unanswered: ${why}`);
    await this.o.db.interaction.updateMany({
      where: { id, handledAt: null },
      data: { handledAt: new Date(this.clock.now()) },
    });
  }
}

/**
 * The oldest inbound messages stored before `due` and never handled, by the partial index
 * Interaction_unhandled_idx. Its condition is written out as literals, so PostgreSQL's planner sees
 * the query falls within it (a bound 'in' would hide that); SQLite is told the index by name, as
 * without statistics it would pick (direction, createdAt) and walk every inbound message before `due`.
 */
export function unhandledBefore(provider: DatabaseProvider, due: Date, limit: number): Prisma.Sql {
  const index = provider === 'sqlite' ? Prisma.raw(' INDEXED BY "Interaction_unhandled_idx"') : Prisma.empty;
  return Prisma.sql`
    SELECT "id" FROM "Interaction"${index}
    WHERE "direction" = 'in' AND "handledAt" IS NULL AND "createdAt" <= ${due}
    ORDER BY "id" LIMIT ${limit}`;
}
