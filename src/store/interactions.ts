// The interaction log: every inbound and outbound message and every engine event.
// Inbound messages and turn outcomes are written in batches (see src/util/group-commit.ts).
import type { ChatType, OutboundMessage, QueuedMessage } from '../engine/types.js';
import { insertMany } from './bulk.js';
import type { Db, Prisma } from './index.js';
import type { DatabaseProvider } from './schema-engine.js';

export interface InboundRecord {
  customerId: string;
  conversationId: string;
  channel: string;
  kind: string;
  text: string | null;
  payload: Record<string, unknown> | null;
  platformMessageId: string | null;
  createdAt: Date;
}

/** A stored inbound message: new, or stored before but never handled (a crash came between). */
export interface StoredInbound {
  id: number;
  redelivered: boolean;
}

/**
 * Stores inbound messages in one statement. A message whose platform id was stored and handled
 * before, or appears earlier in the batch, gets null: it is a repeat and must not be handled again.
 * One stored but never handled (its process died mid-turn) comes back as `redelivered`: its turn
 * is owed. The unique key (channel, platformMessageId) decides, so this holds across instances too.
 */
export async function recordInboundBatch(
  db: Db,
  provider: DatabaseProvider,
  recs: InboundRecord[],
): Promise<(StoredInbound | null)[]> {
  if (!recs.length) return [];
  const inserted = await insertMany(
    db,
    provider,
    'Interaction',
    recs.map((r) => ({ ...r, direction: 'in' })),
    {
      json: ['payload'],
      returning: ['id', 'channel', 'platformMessageId'],
      skipConflictsOn: ['channel', 'platformMessageId'],
    },
  );
  // Rows get increasing ids in VALUES order; RETURNING's own order is not promised.
  const rows = inserted
    .map((r) => ({
      id: Number(r.id),
      key: r.platformMessageId === null ? null : keyOf(r.channel as string, r.platformMessageId as string),
    }))
    .sort((a, b) => a.id - b.id);
  const stored = new Set(rows.map((r) => r.key).filter((k) => k !== null));
  const unhandled = await unhandledRepeats(
    db,
    recs.filter((r) => r.platformMessageId !== null && !stored.has(keyOf(r.channel, r.platformMessageId))),
  );
  let next = 0;
  return recs.map((r) => {
    if (r.platformMessageId !== null) {
      const key = keyOf(r.channel, r.platformMessageId);
      // Only the first row with a key can have been stored; later ones in the batch are repeats.
      if (!stored.delete(key)) {
        const id = unhandled.get(key);
        unhandled.delete(key);
        return id === undefined ? null : { id, redelivered: true };
      }
    }
    const row = rows[next++];
    return row ? { id: row.id, redelivered: false } : null;
  });
}

const keyOf = (channel: string, platformMessageId: string) => `${channel}\u0000${platformMessageId}`;

/** Of messages already stored, those whose turn never committed: key → inbound id. */
async function unhandledRepeats(db: Db, repeats: InboundRecord[]): Promise<Map<string, number>> {
  if (!repeats.length) return new Map();
  const rows = await db.interaction.findMany({
    where: {
      direction: 'in',
      handledAt: null,
      channel: { in: [...new Set(repeats.map((r) => r.channel))] },
      platformMessageId: { in: [...new Set(repeats.map((r) => r.platformMessageId as string))] },
    },
    select: { id: true, channel: true, platformMessageId: true },
  });
  return new Map(rows.map((r) => [keyOf(r.channel, r.platformMessageId as string), r.id]));
}

export interface TurnWrite {
  /** The inbound message this turn answers: marked handled in the same transaction. */
  inboundId: number | null;
  customerId: string;
  conversationId: string | null;
  channel: string;
  chatId: string;
  chatType: ChatType;
  replies: OutboundMessage[];
  events: { kind: string; text?: string; payload?: Record<string, unknown> }[];
  /** Changes to the customer besides lastSeenAt (which is set to `now`). */
  customerPatch: Prisma.CustomerUpdateInput;
  /** The engine's clock: when the turn happened and its replies become due. */
  now: Date;
}

/**
 * Writes the outcome of several turns in one transaction: outbound messages and events into
 * the log, replies into the outbox, the customers' changes. Nothing is sent before this commits.
 */
export async function commitTurns(db: Db, provider: DatabaseProvider, turns: TurnWrite[]): Promise<QueuedMessage[][]> {
  const log = turns.flatMap((t) => {
    const base = {
      customerId: t.customerId,
      conversationId: t.conversationId,
      channel: t.channel,
      platformMessageId: null,
    };
    return [
      ...t.replies.map((r) => ({
        ...base,
        direction: 'out',
        kind: 'message',
        text: r.text,
        payload: r.buttons ? { buttons: r.buttons } : null,
        createdAt: t.now,
      })),
      ...t.events.map((e) => ({
        ...base,
        direction: 'event',
        kind: e.kind,
        text: e.text ?? null,
        payload: e.payload ?? null,
        createdAt: t.now,
      })),
    ];
  });
  const outbox = turns.flatMap((t) =>
    t.replies.map((message) => ({
      channel: t.channel,
      chatId: t.chatId,
      chatType: t.chatType,
      customerId: t.customerId,
      message: message as unknown as object,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: t.now,
      createdAt: t.now,
    })),
  );
  const lastSeen = new Date(Math.max(...turns.map((t) => t.now.getTime())));
  const plain = turns.filter((t) => Object.keys(t.customerPatch).length === 0).map((t) => t.customerId);
  const patched = turns.filter((t) => Object.keys(t.customerPatch).length > 0);

  const ops: Prisma.PrismaPromise<unknown>[] = [];
  const inbound = turns.map((t) => t.inboundId).filter((id) => id !== null);
  if (inbound.length) {
    // A database trigger aborts the transaction when one of them was handled already.
    ops.push(db.interaction.updateMany({ where: { id: { in: inbound } }, data: { handledAt: lastSeen } }));
  }
  if (log.length) ops.push(insertMany(db, provider, 'Interaction', log, { json: ['payload'] }));
  const outboxAt = ops.length;
  if (outbox.length) {
    ops.push(insertMany(db, provider, 'Outbox', outbox, { json: ['message'], returning: ['id', 'createdAt'] }));
  }
  if (plain.length) {
    ops.push(db.customer.updateMany({ where: { id: { in: [...new Set(plain)] } }, data: { lastSeenAt: lastSeen } }));
  }
  for (const t of patched) {
    ops.push(
      db.customer.update({
        where: { id: t.customerId },
        data: { ...t.customerPatch, lastSeenAt: t.now },
        select: { id: true },
      }),
    );
  }
  const results = await db.$transaction(ops);
  const queued = outbox.length
    ? (results[outboxAt] as { id: unknown; createdAt: unknown }[])
        .map((r) => ({ id: Number(r.id), createdAt: new Date(r.createdAt as string | Date) }))
        .sort((a, b) => a.id - b.id)
    : [];
  let next = 0;
  return turns.map((t) =>
    t.replies.map((message) => {
      const row = queued[next++] as { id: number; createdAt: Date };
      return { ...message, id: row.id, createdAt: row.createdAt };
    }),
  );
}

/** True when this inbound message's turn has committed (a failed commit may have lost to it). */
export async function isHandled(db: Db, inboundId: number): Promise<boolean> {
  const row = await db.interaction.findUnique({ where: { id: inboundId }, select: { handledAt: true } });
  return row?.handledAt != null;
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
