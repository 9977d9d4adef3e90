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

/**
 * Stores inbound messages in one statement. A message whose platform id was stored before, or
 * appears earlier in the batch, gets null: it is a repeat and must not be handled again.
 * The unique key (channel, platformMessageId) decides, so this holds across instances too.
 */
export async function recordInboundBatch(
  db: Db,
  provider: DatabaseProvider,
  recs: InboundRecord[],
): Promise<({ id: number } | null)[]> {
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
      key: r.platformMessageId === null ? null : `${r.channel}\u0000${r.platformMessageId}`,
    }))
    .sort((a, b) => a.id - b.id);
  const stored = new Set(rows.map((r) => r.key).filter((k) => k !== null));
  let next = 0;
  return recs.map((r) => {
    if (r.platformMessageId !== null) {
      const key = `${r.channel}\u0000${r.platformMessageId}`;
      // Only the first row with a key can have been stored; later ones in the batch are repeats.
      if (!stored.delete(key)) return null;
    }
    const row = rows[next++];
    return row ? { id: row.id } : null;
  });
}

export interface TurnWrite {
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
