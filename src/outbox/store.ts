// Outbox rows: claimed with a lease so several instances can share one database.
import type { OutboundMessage } from '../engine/types.js';
import type { Db } from '../store/index.js';

export interface OutboxRow {
  id: number;
  channel: string;
  chatId: string;
  chatType: 'private' | 'group';
  customerId: string | null;
  attempts: number;
  message: OutboundMessage;
}

const chatKey = (channel: string, chatId: string) => `${channel}\u0000${chatId}`;

export interface ClaimOptions {
  owner: string;
  now: Date;
  leaseMs: number;
  limit: number;
  channels: string[];
  /** Chats this instance is already sending to (their order is its job). */
  busyChats: ReadonlySet<string>;
  /** At most this many messages of one chat per claim, so a paced chat finishes within its lease. */
  perChat?: number;
}

/**
 * Claims due messages, oldest first, keeping each chat's order: a chat is skipped while another
 * instance holds a lease on one of its messages, and after a message that waits for its retry.
 *
 * A claimed row keeps status "sending" with nextAttemptAt moved to the end of its lease, so
 * "due" is one indexed condition for both fresh messages and leases that ran out (a crash).
 */
export async function claimDue(db: Db, o: ClaimOptions): Promise<OutboxRow[]> {
  if (!o.channels.length) return [];
  const open = { status: { in: ['pending', 'sending'] }, channel: { in: o.channels } };
  const [candidates, blockers] = await Promise.all([
    db.outbox.findMany({
      where: { ...open, nextAttemptAt: { lte: o.now } },
      orderBy: { id: 'asc' },
      take: o.limit,
      select: { id: true, channel: true, chatId: true },
    }),
    db.outbox.findMany({
      where: { ...open, nextAttemptAt: { gt: o.now } },
      orderBy: { id: 'asc' },
      take: 1000,
      select: { id: true, channel: true, chatId: true },
    }),
  ]);
  if (!candidates.length) return [];
  const firstBlocked = new Map<string, number>();
  for (const b of blockers) {
    const key = chatKey(b.channel, b.chatId);
    if (!firstBlocked.has(key)) firstBlocked.set(key, b.id);
  }
  const perChat = new Map<string, number>();
  const ids = candidates
    .filter((c) => {
      const key = chatKey(c.channel, c.chatId);
      if (o.busyChats.has(key)) return false;
      const blockedFrom = firstBlocked.get(key);
      if (blockedFrom !== undefined && c.id > blockedFrom) return false;
      const taken = perChat.get(key) ?? 0;
      if (taken >= (o.perChat ?? 10)) return false;
      perChat.set(key, taken + 1);
      return true;
    })
    .map((c) => c.id);
  if (!ids.length) return [];
  const leaseUntil = new Date(o.now.getTime() + o.leaseMs);
  await db.outbox.updateMany({
    where: { id: { in: ids }, status: { in: ['pending', 'sending'] }, nextAttemptAt: { lte: o.now } },
    data: { status: 'sending', leaseOwner: o.owner, nextAttemptAt: leaseUntil },
  });
  const claimed = await db.outbox.findMany({
    where: { id: { in: ids }, status: 'sending', leaseOwner: o.owner, nextAttemptAt: leaseUntil },
    orderBy: { id: 'asc' },
    select: { id: true, channel: true, chatId: true, chatType: true, customerId: true, attempts: true, message: true },
  });
  return claimed.map((r) => ({
    ...r,
    chatType: r.chatType === 'group' ? 'group' : 'private',
    message: r.message as unknown as OutboundMessage,
  }));
}

export { chatKey };

export async function markSent(db: Db, ids: number[], at: Date): Promise<void> {
  if (!ids.length) return;
  await db.outbox.updateMany({
    where: { id: { in: ids } },
    data: { status: 'sent', sentAt: at, leaseOwner: null },
  });
}

export async function scheduleRetry(db: Db, id: number, attempts: number, at: Date, error: string): Promise<void> {
  await db.outbox.update({
    where: { id },
    data: { status: 'pending', attempts, nextAttemptAt: at, lastError: error, leaseOwner: null },
  });
}

export async function markFailed(db: Db, id: number, attempts: number, error: string): Promise<void> {
  await db.outbox.update({
    where: { id },
    data: { status: 'failed', attempts, lastError: error, leaseOwner: null },
  });
}

/** Gives claimed rows back untouched (a message before them in the chat must go first). */
export async function release(db: Db, ids: number[], owner: string, at: Date): Promise<void> {
  if (!ids.length) return;
  await db.outbox.updateMany({
    where: { id: { in: ids }, leaseOwner: owner, status: 'sending' },
    data: { status: 'pending', leaseOwner: null, nextAttemptAt: at },
  });
}

/** Messages sent to one chat of a channel, oldest first, after a cursor (the last id seen). */
export async function listChatMessages(db: Db, channel: string, chatId: string, after: number, limit: number) {
  const rows = await db.outbox.findMany({
    where: { channel, chatId, id: { gt: after }, status: { not: 'failed' } },
    orderBy: { id: 'asc' },
    take: limit,
    select: { id: true, message: true, createdAt: true },
  });
  return rows.map((r) => ({ id: r.id, createdAt: r.createdAt, ...(r.message as unknown as OutboundMessage) }));
}
