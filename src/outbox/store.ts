// Outbox rows: claimed with a lease so several instances can share one database.
import type { OutboundMessage } from '../engine/types.js';
import { hasDirect, hotQuery } from '../store/direct-pg.js';
import { type Db, Prisma } from '../store/index.js';
import type { DatabaseProvider } from '../store/schema-engine.js';

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
  /** The planners differ: each gets the query it reads in index order (inIdOrder). */
  provider: DatabaseProvider;
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

const OPEN = ['pending', 'sending'];

/** The columns a claim reads to decide; the message itself is read for the rows it got. */
interface Scanned {
  id: number;
  channel: string;
  chatId: string;
  nextAttemptAt: Date;
}

/** How many pages (of `limit` rows per status) one claim reads at most before it settles for what it has. */
const MAX_PAGES = 20;

/**
 * Claims due messages, oldest first, keeping each chat's order: a chat is skipped while another
 * instance holds a lease on one of its messages, and after a message that waits for its retry.
 *
 * A claimed row keeps status "sending" with nextAttemptAt moved to the end of its lease, so a
 * lease that ran out (a crash) makes the row due again like a fresh message.
 */
export async function claimDue(db: Db, o: ClaimOptions): Promise<OutboxRow[]> {
  if (!o.channels.length) return [];
  const picked = await pickDue(db, o);
  if (!picked.length) return [];
  const ids = picked.map((r) => r.id);
  const leaseUntil = new Date(o.now.getTime() + o.leaseMs);
  const claimed = await db.outbox.updateManyAndReturn({
    // "Neither sent nor failed" rather than "pending or sending": SQLite then finds the ids by their
    // key, where `status IN (…)` made it walk Outbox(status, nextAttemptAt) over the whole due set.
    // Nor cancelled: a campaign cancelled between the read above and this update stays unsent.
    where: { id: { in: ids }, status: { notIn: ['sent', 'failed', 'cancelled'] }, nextAttemptAt: { lte: o.now } },
    data: { status: 'sending', leaseOwner: o.owner, nextAttemptAt: leaseUntil },
    select: { id: true, channel: true, chatId: true, chatType: true, customerId: true, attempts: true, message: true },
  });
  claimed.sort((a, b) => a.id - b.id);
  // Another instance took a chat's earlier message between our read and our update: that chat's
  // later messages go back, to be sent after it.
  const got = new Set(claimed.map((r) => r.id));
  const missed = new Set<string>();
  const giveBack = new Set<number>();
  for (const row of picked) {
    const key = chatKey(row.channel, row.chatId);
    if (!got.has(row.id)) missed.add(key);
    else if (missed.has(key)) giveBack.add(row.id);
  }
  await release(db, [...giveBack], o.owner, o.now);
  return claimed
    .filter((r) => !giveBack.has(r.id))
    .map((r) => ({
      ...r,
      chatType: r.chatType === 'group' ? 'group' : 'private',
      message: r.message as unknown as OutboundMessage,
    }));
}

/**
 * Picks what a claim may take. The open messages are read in id order, one index range per status
 * and channel (Outbox(status, channel, id), see inIdOrder), and merged here: no query sorts the due
 * set, however large the backlog, and none reads another channel's rows (a channel without an
 * adapter here, or one this instance is not claiming for now, may hold a long backlog). Checked
 * with EXPLAIN QUERY PLAN on SQLite ("SEARCH … USING INDEX Outbox_status_channel_id_idx", no "USE
 * TEMP B-TREE") and EXPLAIN on PostgreSQL (pending rows: "Index Scan using
 * Outbox_status_channel_id_idx", no "Sort"); npm run bench:outbox prints the plans.
 *
 * A message not due yet (a retry waiting, another instance's lease) closes its chat for this claim,
 * as does the perChat limit; the next pages leave closed and busy chats out in the query itself, so
 * a chat's long backlog costs one page. After MAX_PAGES pages (thousands of chats that must wait,
 * all ahead of the rest) the claim settles for what it found.
 */
async function pickDue(db: Db, o: ClaimOptions): Promise<Scanned[]> {
  const perChat = o.perChat ?? 10;
  const closed = new Set(o.busyChats);
  const taken = new Map<string, number>();
  const picked: Scanned[] = [];
  let after = 0;
  for (let page = 0; page < MAX_PAGES && picked.length < o.limit; page++) {
    const leftOut = chatsLeftOut(closed);
    const reads = await Promise.all(
      OPEN.flatMap((status) =>
        o.channels.map((channel) => {
          const inOrder = inIdOrder(o.provider, status, channel);
          const chats = leftOut.get(channel);
          // Rows this instance is sending under a live lease are its lanes' (their chats are busy):
          // not read again. One whose lease ran out (its lane died with the database) is retaken.
          const others =
            status === 'sending'
              ? { OR: [{ leaseOwner: null }, { leaseOwner: { not: o.owner } }, { nextAttemptAt: { lte: o.now } }] }
              : {};
          return db.outbox.findMany({
            where: { ...inOrder.where, ...others, id: { gt: after }, ...(chats ? { chatId: { notIn: chats } } : {}) },
            orderBy: inOrder.orderBy,
            take: o.limit,
            select: { id: true, channel: true, chatId: true, nextAttemptAt: true },
          });
        }),
      ),
    );
    // A full page may stop before rows of the other reads: merge up to the first full page's end.
    const end = Math.min(...reads.map((rows) => (rows.length === o.limit ? (rows.at(-1) as Scanned).id : Infinity)));
    const rows = reads
      .flat()
      .filter((r) => r.id <= end)
      .sort((a, b) => a.id - b.id);
    for (const row of rows) {
      const key = chatKey(row.channel, row.chatId);
      if (closed.has(key)) continue;
      if (row.nextAttemptAt > o.now) {
        closed.add(key);
        continue;
      }
      picked.push(row);
      const count = (taken.get(key) ?? 0) + 1;
      taken.set(key, count);
      if (count >= perChat) closed.add(key);
      if (picked.length >= o.limit) break;
    }
    if (end === Infinity) break;
    after = end;
  }
  return picked;
}

/**
 * One status's rows of one channel in id order, read from Outbox(status, channel, id) without a
 * sort. SQLite seeks `status = ? AND channel = ? AND id > ?`. PostgreSQL gets the status as a range
 * ordered by the index's columns: with `status = ?` its planner, once its statistics say most rows
 * are sent, walks the primary key through every sent row before the backlog (EXPLAIN ANALYZE: 0.6 s
 * a page with 1M sent rows before 200k pending; this form: 0.15 ms).
 */
function inIdOrder(provider: DatabaseProvider, status: string, channel: string) {
  return provider === 'postgresql'
    ? {
        where: { status: { gte: status, lte: status }, channel },
        orderBy: [{ status: 'asc' as const }, { channel: 'asc' as const }, { id: 'asc' as const }],
      }
    : { where: { status, channel }, orderBy: [{ id: 'asc' as const }] };
}

/**
 * At most this many closed chats are left out by the query itself; past that (a campaign has
 * thousands of chats in flight) the rest are skipped as the rows are read. A statement has a
 * limit of bound parameters (Prisma's SQLite driver: 999), which every closed chat would otherwise use.
 */
const LEAVE_OUT_MAX = 400;

/** The closed chats the queries leave out, by channel (LEAVE_OUT_MAX of them at most). */
function chatsLeftOut(closed: ReadonlySet<string>): Map<string, string[]> {
  const byChannel = new Map<string, string[]>();
  let left = 0;
  for (const key of closed) {
    if (++left > LEAVE_OUT_MAX) break;
    const [channel, chatId] = key.split('\u0000') as [string, string];
    const chats = byChannel.get(channel);
    if (chats) chats.push(chatId);
    else byChannel.set(channel, [chatId]);
  }
  return byChannel;
}

export { chatKey };

export async function markSent(db: Db, ids: number[], at: Date): Promise<void> {
  if (!ids.length) return;
  // Once a lane on the message path: on PostgreSQL through its plain pool (src/store/direct-pg.ts).
  if (hasDirect(db)) {
    await hotQuery(
      db,
      Prisma.sql`UPDATE "Outbox" SET status = 'sent', "sentAt" = ${at}, "leaseOwner" = NULL WHERE id = ANY(${ids}::int[])`,
    );
    return;
  }
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

/** Puts a claimed row back until `at` without counting an attempt (marketing in quiet hours). */
export async function deferUntil(db: Db, id: number, at: Date): Promise<void> {
  await db.outbox.update({ where: { id }, data: { status: 'pending', nextAttemptAt: at, leaseOwner: null } });
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

/**
 * Messages sent to one chat of a channel, oldest first, after a cursor (the last id seen); not
 * those that failed, nor those cancelled before they went (a cancelled campaign's).
 */
export async function listChatMessages(db: Db, channel: string, chatId: string, after: number, limit: number) {
  const rows = await db.outbox.findMany({
    where: { channel, chatId, id: { gt: after }, status: { notIn: ['failed', 'cancelled'] } },
    orderBy: { id: 'asc' },
    take: limit,
    select: { id: true, message: true, createdAt: true },
  });
  return rows.map((r) => ({ id: r.id, createdAt: r.createdAt, ...(r.message as unknown as OutboundMessage) }));
}

/** Ids per DELETE when pruning: each is a short statement of its own, never one long transaction. */
const PRUNE_BATCH = 5_000;

/**
 * Deletes the messages sent before `before`, in batches, found through Outbox(status, sentAt);
 * pending, sending and failed rows stay. The interaction log keeps what was sent.
 * Returns how many rows went.
 */
export async function pruneSent(db: Db, before: Date, batch = PRUNE_BATCH): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await db.outbox.findMany({
      where: { status: 'sent', sentAt: { lt: before } },
      select: { id: true },
      take: batch,
    });
    if (!rows.length) return deleted;
    const { count } = await db.outbox.deleteMany({
      where: { id: { in: rows.map((r) => r.id) }, status: 'sent' },
    });
    deleted += count;
    if (rows.length < batch) return deleted;
  }
}
