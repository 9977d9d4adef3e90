// Dialogs waiting for a customer's next message (a survey's question), read for a whole batch of
// the message path at once.
import { hasDirect, hotQuery } from './direct-pg.js';
import type { PendingDialog } from './generated/sqlite/client.js';
import { type Db, Prisma } from './index.js';

/** The pending dialogs of these chats (channels × chat ids: a superset the caller sorts out). */
export function pendingDialogsOf(db: Db, channels: string[], chatIds: string[]): Promise<PendingDialog[]> {
  // Once a flush: on PostgreSQL through the message path's plain pool (src/store/direct-pg.ts).
  if (hasDirect(db)) {
    return hotQuery<PendingDialog>(
      db,
      Prisma.sql`SELECT * FROM "PendingDialog" WHERE channel = ANY(${channels}::text[]) AND "chatId" = ANY(${chatIds}::text[])`,
    );
  }
  return db.pendingDialog.findMany({ where: { channel: { in: channels }, chatId: { in: chatIds } } });
}
