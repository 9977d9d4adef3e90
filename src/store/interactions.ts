// The interaction log: every inbound and outbound message and every engine event.
import type { ChatType, OutboundMessage, QueuedMessage } from '../engine/types.js';
import { type Db, isUniqueViolation, type Prisma } from './index.js';

export interface InboundRecord {
  customerId: string;
  conversationId: string;
  channel: string;
  kind: string;
  text: string | null;
  payload: Record<string, unknown> | null;
  platformMessageId: string | null;
}

/** Stores an inbound message; returns null when this platform message id was stored before. */
export async function recordInbound(db: Db, rec: InboundRecord): Promise<{ id: number } | null> {
  try {
    return await db.interaction.create({
      data: { ...rec, direction: 'in', payload: (rec.payload ?? undefined) as Prisma.InputJsonValue | undefined },
      select: { id: true },
    });
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

export interface TurnWrite {
  customerId: string;
  conversationId: string | null;
  channel: string;
  chatId: string;
  chatType: ChatType;
  replies: OutboundMessage[];
  events: { kind: string; text?: string; payload?: Record<string, unknown> }[];
  customerUpdate: Prisma.CustomerUpdateInput;
  /** The engine's clock: when the replies become due. */
  now: Date;
}


/**
 * Writes a turn's outcome in one transaction: outbound messages and events into the log,
 * the replies into the outbox, and the customer's changes. Nothing is sent before this commits.
 */
export async function commitTurn(db: Db, turn: TurnWrite): Promise<QueuedMessage[]> {
  const base = { customerId: turn.customerId, conversationId: turn.conversationId, channel: turn.channel };
  const log = [
    ...turn.replies.map((r) => ({
      ...base,
      direction: 'out',
      kind: 'message',
      text: r.text,
      payload: r.buttons ? { buttons: r.buttons } : undefined,
    })),
    ...turn.events.map((e) => ({ ...base, direction: 'event', kind: e.kind, text: e.text ?? null, payload: e.payload })),
  ] as Prisma.InteractionCreateManyInput[];
  const [, queued] = await db.$transaction([
    db.interaction.createMany({ data: log }),
    db.outbox.createManyAndReturn({
      data: turn.replies.map((message) => ({
        channel: turn.channel,
        chatId: turn.chatId,
        chatType: turn.chatType,
        customerId: turn.customerId,
        message: message as unknown as Prisma.InputJsonValue,
        createdAt: turn.now,
        nextAttemptAt: turn.now,
      })),
      select: { id: true, message: true, createdAt: true },
    }),
    db.customer.update({ where: { id: turn.customerId }, data: turn.customerUpdate, select: { id: true } }),
  ]);
  return queued
    .sort((a, b) => a.id - b.id)
    .map((row) => ({ id: row.id, createdAt: row.createdAt, ...(row.message as unknown as OutboundMessage) }));
}

export async function listInteractions(db: Db, customerId: string, limit: number) {
  return db.interaction.findMany({
    where: { customerId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit,
    select: {
      id: true,
      channel: true,
      direction: true,
      kind: true,
      text: true,
      payload: true,
      platformMessageId: true,
      createdAt: true,
    },
  });
}
