// How far behind the outbox is: messages not sent yet (waiting, being sent, or waiting for a retry)
// and how long the oldest of them has waited. For /readyz and /metrics.
import type { Db } from '../store/index.js';

export interface OutboxBacklog {
  pending: number;
  oldestPendingSeconds: number;
}

export async function outboxBacklog(db: Db, now: Date): Promise<OutboxBacklog> {
  // Counted through the (status, nextAttemptAt) index: the cost grows with the backlog, not the table.
  // Ids grow with creation, so the smallest pending id is the oldest pending message.
  const { _count, _min } = await db.outbox.aggregate({
    where: { status: { in: ['pending', 'sending'] } },
    _count: { _all: true },
    _min: { id: true },
  });
  if (!_count._all || _min.id === null) return { pending: 0, oldestPendingSeconds: 0 };
  const oldest = await db.outbox.findUnique({ where: { id: _min.id }, select: { createdAt: true } });
  const waited = oldest ? (now.getTime() - oldest.createdAt.getTime()) / 1000 : 0;
  return { pending: _count._all, oldestPendingSeconds: Math.max(0, Math.round(waited)) };
}
