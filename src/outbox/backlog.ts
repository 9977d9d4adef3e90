// How far behind the outbox is: messages not sent yet (waiting, being sent, or waiting for a retry)
// and how long the oldest of them has waited. For /readyz and /metrics.
import type { Db } from '../store/index.js';

export interface OutboxBacklog {
  pending: number;
  oldestPendingSeconds: number;
}

export async function outboxBacklog(db: Db, now: Date): Promise<OutboxBacklog> {
  // The count reads an index over the unsent rows: its cost grows with the backlog, not the table
  // (SQLite at 1M unsent rows: ~0.1 s). Ids grow with creation, so the oldest unsent message is
  // the first of a status in Outbox(status, id): one index lookup per status.
  const [pending, ...firsts] = await Promise.all([
    db.outbox.count({ where: { status: { in: ['pending', 'sending'] } } }),
    ...['pending', 'sending'].map((status) =>
      db.outbox.findFirst({ where: { status }, orderBy: { id: 'asc' }, select: { id: true, createdAt: true } }),
    ),
  ]);
  const oldest = firsts.filter((r) => r !== null).sort((a, b) => a.id - b.id)[0];
  if (!pending || !oldest) return { pending: 0, oldestPendingSeconds: 0 };
  const waited = (now.getTime() - oldest.createdAt.getTime()) / 1000;
  return { pending, oldestPendingSeconds: Math.max(0, Math.round(waited)) };
}
