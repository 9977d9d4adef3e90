// The audit log of moderation (ModerationAction): each decision stored once, before anything is
// done about it, and what the warn ladder and the report limit count.
import { insertMany } from '../../store/bulk.js';
import type { Db, Prisma, Tx } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';

export type ActionRow = Prisma.ModerationActionGetPayload<object>;

export interface NewAction {
  channel: string;
  chatId: string;
  memberId: string;
  memberName?: string | null;
  customerId?: string | null;
  rule: string;
  action: string;
  reason?: string | null;
  text?: string | null;
  messageId?: string | null;
  actor: string;
  dryRun: boolean;
  until?: Date | null;
  at: Date;
  /** One decision per key: a replayed turn finds the row it stored the first time. */
  key?: string;
}

/** A decision's columns as stored (long texts cut). */
export function storedValues(action: NewAction) {
  return {
    channel: action.channel,
    chatId: action.chatId,
    memberId: action.memberId,
    memberName: action.memberName ?? null,
    customerId: action.customerId ?? null,
    rule: action.rule,
    action: action.action,
    reason: action.reason?.slice(0, 500) ?? null,
    text: action.text?.slice(0, 2000) ?? null,
    messageId: action.messageId ?? null,
    actor: action.actor,
    dryRun: action.dryRun,
    until: action.until ?? null,
    at: action.at,
    key: action.key ?? null,
  };
}

/** Stores a decision; with a key seen before, returns the row stored then. One statement. */
export async function record(db: Db | Tx, provider: DatabaseProvider, action: NewAction): Promise<ActionRow> {
  const data = storedValues(action);
  const [row] = await insertMany(db, provider, 'ModerationAction', [data], {
    returning: ['id'],
    ...(action.key ? { skipConflictsOn: ['key'] } : {}),
  });
  const found = row
    ? { id: Number(row.id) }
    : await db.moderationAction.findUnique({ where: { key: action.key as string }, select: { id: true } });
  if (!found) throw new Error(`moderation action ${action.key} neither stored nor found`);
  // The row as stored (without a read when it was just written).
  if (row) return { ...data, id: found.id, undoneAt: null, undoneBy: null, error: null };
  return (await db.moderationAction.findUnique({ where: { id: found.id } })) as ActionRow;
}

/** A member's warnings in a group that still count: not undone, within the window, of the same mode. */
export function countWarnings(
  db: Db | Tx,
  w: { channel: string; chatId: string; memberId: string; dryRun: boolean; since: Date },
): Promise<number> {
  return db.moderationAction.count({
    where: {
      channel: w.channel,
      chatId: w.chatId,
      memberId: w.memberId,
      action: 'warn',
      undoneAt: null,
      dryRun: w.dryRun,
      at: { gt: w.since },
    },
  });
}

/** The API's view of a decision (GET /api/v1/moderation/actions). */
export function actionView(a: ActionRow) {
  return {
    id: a.id,
    channel: a.channel,
    chatId: a.chatId,
    memberId: a.memberId,
    memberName: a.memberName,
    customerId: a.customerId,
    rule: a.rule,
    action: a.action,
    reason: a.reason,
    text: a.text,
    messageId: a.messageId,
    actor: a.actor,
    dryRun: a.dryRun,
    until: a.until,
    at: a.at,
    undone: a.undoneAt !== null,
    undoneAt: a.undoneAt,
    undoneBy: a.undoneBy,
    error: a.error,
  };
}

/** What the `moderation` interaction of a decision says. */
export function eventPayload(a: ActionRow): Record<string, unknown> {
  return {
    // A decision written with its turn has its id only once committed: its key names it.
    ...(a.id ? { actionId: a.id } : { actionKey: a.key }),
    chatId: a.chatId,
    memberId: a.memberId,
    rule: a.rule,
    action: a.action,
    actor: a.actor,
    dryRun: a.dryRun,
    ...(a.reason ? { reason: a.reason } : {}),
  };
}
