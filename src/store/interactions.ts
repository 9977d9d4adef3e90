// The interaction log: every inbound and outbound message and every engine event.
// Inbound messages and turn outcomes are written in batches (see src/util/group-commit.ts).
import type { TurnRow } from '../engine/context.js';
import type { ChatType, OutboundMessage, QueuedMessage } from '../engine/types.js';
import { decodeCursor, olderThan, pageOf } from '../http/paging.js';
import { insertMany } from './bulk.js';
import type { Customer } from './customers.js';
import { hotQuery } from './direct-pg.js';
import { type Db, Prisma } from './index.js';
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
  const inserted =
    provider === 'postgresql'
      ? await insertInboundPostgres(db, recs)
      : await insertMany(
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

/** The same INSERT over arrays: eight parameters whatever the batch size (a VALUES list takes nine a row). */
function insertInboundPostgres(db: Db, recs: InboundRecord[]) {
  return hotQuery<{ id: number; channel: string; platformMessageId: string | null }>(
    db,
    Prisma.sql`
    INSERT INTO "Interaction"
      ("customerId", "conversationId", channel, direction, kind, text, payload, "platformMessageId", "createdAt")
    SELECT "customerId", "conversationId", channel, 'in', kind, text, payload, "platformMessageId", "createdAt"
    FROM unnest(
      ${recs.map((r) => r.customerId)}::text[],
      ${recs.map((r) => r.conversationId)}::text[],
      ${recs.map((r) => r.channel)}::text[],
      ${recs.map((r) => r.kind)}::text[],
      ${recs.map((r) => r.text)}::text[],
      ${recs.map((r) => (r.payload === null ? null : JSON.stringify(r.payload)))}::jsonb[],
      ${recs.map((r) => r.platformMessageId)}::text[],
      ${recs.map((r) => r.createdAt)}::timestamp(3)[]
    ) AS r("customerId", "conversationId", channel, kind, text, payload, "platformMessageId", "createdAt")
    ON CONFLICT (channel, "platformMessageId") DO NOTHING
    RETURNING id, channel, "platformMessageId"`,
  );
}

const keyOf = (channel: string, platformMessageId: string) => `${channel}\u0000${platformMessageId}`;

/** Of messages already stored, those whose turn never committed: key → inbound id. */
async function unhandledRepeats(db: Db, repeats: InboundRecord[]): Promise<Map<string, number>> {
  if (!repeats.length) return new Map();
  // Read by the unique key (channel, platformMessageId) alone and filter here: with `direction`
  // and `handledAt IS NULL` in the WHERE, SQLite's planner walks Interaction(direction, …) instead,
  // every inbound row: 2.7 s a repeated message at 10M interactions, on the thread that serves messages.
  const rows = await db.interaction.findMany({
    where: {
      channel: { in: [...new Set(repeats.map((r) => r.channel))] },
      platformMessageId: { in: [...new Set(repeats.map((r) => r.platformMessageId as string))] },
    },
    select: { id: true, channel: true, platformMessageId: true, direction: true, handledAt: true },
  });
  return new Map(
    rows
      .filter((r) => r.direction === 'in' && r.handledAt === null)
      .map((r) => [keyOf(r.channel, r.platformMessageId as string), r.id]),
  );
}

/** What a turn may change on its customer besides lastSeenAt. */
export type CustomerChanges = Partial<Pick<Customer, 'locale' | 'optedOut' | 'displayName' | 'stage'>>;

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
  /** Rows of features written in the same transaction (TurnRow). */
  rows?: TurnRow[];
  /** Changes to the customer besides lastSeenAt (which is set to `now`). */
  customerPatch: CustomerChanges;
  /** The engine's clock: when the turn happened and its replies become due. */
  now: Date;
}

// Types, not interfaces: insertMany takes them as records.
type LogEntry = {
  customerId: string;
  conversationId: string | null;
  channel: string;
  platformMessageId: null;
  direction: string;
  kind: string;
  text: string | null;
  payload: object | null;
  createdAt: Date;
};

type OutboxEntry = {
  channel: string;
  chatId: string;
  chatType: string;
  customerId: string;
  message: object;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  createdAt: Date;
  dedupeKey: string | null;
};

/**
 * A turn that changes nothing else on its customer moves lastSeenAt only when it is this much
 * later: each update of a Customer row writes every index of it again (the list's order, the name
 * search), and a conversation's messages come seconds apart. "Last seen" is exact to a minute.
 */
export const LAST_SEEN_STEP_MS = 60_000;

interface Queued {
  id: number;
  createdAt: Date;
  /** Taken by the committing instance's sender in the same statement (OutboxLease). */
  claimed?: boolean;
}

/**
 * A claim the committing instance's sender offers (Dispatcher.lease): a reply to a chat with no
 * message still open before it is written as already claimed by `owner` until `until`, and handed
 * straight to that sender, so the sender need not find it again. The rest wait for a claim as before.
 */
export interface OutboxLease {
  owner: string;
  until: Date;
  /** The channels the sender has adapters for. */
  channels: string[];
}

/** An outbox row written as claimed, with what its sender needs to send it. */
export interface ClaimedReply {
  id: number;
  channel: string;
  chatId: string;
  chatType: ChatType;
  customerId: string;
  message: OutboundMessage;
}

export interface CommittedTurns {
  /** Each turn's replies as queued, in the order of the turns. */
  queued: QueuedMessage[][];
  /** The replies claimed for the lease's owner, in id order (none without a lease, or on SQLite). */
  claimed: ClaimedReply[];
}

/**
 * Writes the outcome of several turns in one transaction: outbound messages and events into
 * the log, replies into the outbox, the customers' changes. Nothing is sent before this commits.
 * With a lease, PostgreSQL also claims the replies it can for that lease's owner (see OutboxLease):
 * there a claim costs round trips; on SQLite it does not, and the dispatcher claims them as before.
 */
export async function commitTurns(
  db: Db,
  provider: DatabaseProvider,
  turns: TurnWrite[],
  lease: OutboxLease | null = null,
): Promise<CommittedTurns> {
  const log: LogEntry[] = turns.flatMap((t) => {
    const base = {
      customerId: t.customerId,
      conversationId: t.conversationId,
      channel: t.channel,
      platformMessageId: null,
    };
    return [
      // A moderation call is logged by moderation's own event, not as a message.
      ...t.replies
        .filter((r) => !r.moderation)
        .map((r) => ({
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
  const outbox: OutboxEntry[] = turns.flatMap((t) =>
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
      dedupeKey: message.key ?? null,
    })),
  );
  const written =
    provider === 'postgresql'
      ? await writeTurnsPostgres(db, turns, log, outbox, lease)
      : await writeTurnsPortable(db, provider, turns, log, outbox);
  // Rows get increasing ids in the order they were listed; RETURNING's own order is not promised.
  const rows = written.sort((a, b) => a.id - b.id);
  const claimed: ClaimedReply[] = [];
  let next = 0;
  const queued = turns.map((t) =>
    t.replies.map((message) => {
      const row = rows[next++] as Queued;
      if (row.claimed) {
        const { channel, chatId, chatType, customerId } = t;
        claimed.push({ id: row.id, channel, chatId, chatType, customerId, message });
      }
      return { ...message, id: row.id, createdAt: row.createdAt };
    }),
  );
  return { queued, claimed };
}

/** One transaction of a few statements (SQLite runs in-process: statements cost no round trip). */
async function writeTurnsPortable(
  db: Db,
  provider: DatabaseProvider,
  turns: TurnWrite[],
  log: LogEntry[],
  outbox: OutboxEntry[],
): Promise<Queued[]> {
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
    ops.push(
      db.customer.updateMany({
        where: {
          id: { in: [...new Set(plain)] },
          lastSeenAt: { lt: new Date(lastSeen.getTime() - LAST_SEEN_STEP_MS) },
        },
        data: { lastSeenAt: lastSeen },
      }),
    );
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
  const stopping = optingOut(turns);
  if (stopping.length) {
    ops.push(db.$executeRaw`
      UPDATE "Outbox" SET "status" = 'cancelled', "leaseOwner" = NULL
      WHERE "status" = 'pending' AND "id" IN (
        SELECT ms."outboxId" FROM "MarketingSend" ms
        WHERE ms."customerId" IN (${Prisma.join(stopping)}) AND ms."outboxId" IS NOT NULL)`);
  }
  ops.push(...featureRows(db, provider, turns));
  const results = await db.$transaction(ops);
  if (!outbox.length) return [];
  return (results[outboxAt] as { id: unknown; createdAt: unknown }[]).map((r) => ({
    id: Number(r.id),
    createdAt: new Date(r.createdAt as string | Date),
  }));
}

/**
 * The same writes as one statement, so one round trip and one implicit transaction: each step
 * is a data-modifying WITH query over arrays (unnest), and the statement fails whole.
 */
async function writeTurnsPostgres(
  db: Db,
  turns: TurnWrite[],
  log: LogEntry[],
  outbox: OutboxEntry[],
  lease: OutboxLease | null,
): Promise<Queued[]> {
  const lastSeen = new Date(Math.max(...turns.map((t) => t.now.getTime())));
  const inbound = turns.map((t) => t.inboundId).filter((id) => id !== null);
  const customers = customerUpdates(turns);
  const json = (value: object | null) => (value === null ? null : JSON.stringify(value));
  // As with Prisma, undefined leaves a field alone and null clears it.
  const set = (c: CustomerChanges, field: keyof CustomerChanges) => c[field] !== undefined;
  // A trigger on handledAt aborts the statement when one of the messages was handled already.
  const statement = Prisma.sql`
    WITH handled AS (
      UPDATE "Interaction" SET "handledAt" = ${lastSeen} WHERE id = ANY(${inbound}::int[])
    ), logged AS (
      INSERT INTO "Interaction"
        ("customerId", "conversationId", channel, direction, kind, text, payload, "createdAt")
      SELECT * FROM unnest(
        ${log.map((l) => l.customerId)}::text[],
        ${log.map((l) => l.conversationId)}::text[],
        ${log.map((l) => l.channel)}::text[],
        ${log.map((l) => l.direction)}::text[],
        ${log.map((l) => l.kind)}::text[],
        ${log.map((l) => l.text)}::text[],
        ${log.map((l) => json(l.payload))}::jsonb[],
        ${log.map((l) => l.createdAt)}::timestamp(3)[]
      )
    ), replies AS MATERIALIZED (
      -- Claimable: the lease's sender serves the channel, and no message of the chat is open before
      -- it, so a chat's messages still go out in order. OFFSET 0 keeps the check a probe of
      -- Outbox_open_chat_idx per reply, not a hash of every open message.
      SELECT o.*, o.channel = ANY(${lease?.channels ?? []}::text[]) AND NOT EXISTS (
        SELECT 1 FROM "Outbox" p
        WHERE p.channel = o.channel AND p."chatId" = o."chatId" AND p.status IN ('pending', 'sending')
        OFFSET 0
      ) AS claim
      FROM unnest(
        ${outbox.map((o) => o.channel)}::text[],
        ${outbox.map((o) => o.chatId)}::text[],
        ${outbox.map((o) => o.chatType)}::text[],
        ${outbox.map((o) => o.customerId)}::text[],
        ${outbox.map((o) => json(o.message))}::jsonb[],
        ${outbox.map((o) => o.createdAt)}::timestamp(3)[],
        ${outbox.map((o) => o.dedupeKey)}::text[]
      ) AS o(channel, "chatId", "chatType", "customerId", message, at, "dedupeKey")
    ), queued AS (
      INSERT INTO "Outbox" (channel, "chatId", "chatType", "customerId", message, status, attempts,
        "leaseOwner", "nextAttemptAt", "createdAt", "dedupeKey")
      SELECT channel, "chatId", "chatType", "customerId", message,
        CASE WHEN claim THEN 'sending' ELSE 'pending' END, 0,
        CASE WHEN claim THEN ${lease?.owner ?? null}::text END,
        CASE WHEN claim THEN ${lease?.until ?? null}::timestamp(3) ELSE at END,
        at, "dedupeKey"
      FROM replies
      RETURNING id, "createdAt", status = 'sending' AS claimed
    ), seen AS (
      UPDATE "Customer" c SET
        "lastSeenAt" = u.at,
        "updatedAt" = ${new Date()},
        locale = CASE WHEN u."setLocale" THEN u.locale ELSE c.locale END,
        "displayName" = CASE WHEN u."setDisplayName" THEN u."displayName" ELSE c."displayName" END,
        "optedOut" = COALESCE(u."optedOut", c."optedOut"),
        stage = COALESCE(u.stage, c.stage)
      FROM unnest(
        ${customers.map((u) => u.id)}::text[],
        ${customers.map((u) => u.at)}::timestamp(3)[],
        ${customers.map((u) => set(u.changes, 'locale'))}::boolean[],
        ${customers.map((u) => u.changes.locale ?? null)}::text[],
        ${customers.map((u) => set(u.changes, 'displayName'))}::boolean[],
        ${customers.map((u) => u.changes.displayName ?? null)}::text[],
        ${customers.map((u) => u.changes.optedOut ?? null)}::boolean[],
        ${customers.map((u) => u.changes.stage ?? null)}::text[],
        ${customers.map((u) => Object.keys(u.changes).length > 0)}::boolean[]
      ) AS u(id, at, "setLocale", locale, "setDisplayName", "displayName", "optedOut", stage, changed)
      -- The id list again: the planner then finds the customers by key, whatever its statistics say.
      WHERE c.id = u.id AND c.id = ANY(${customers.map((u) => u.id)}::text[])
        AND (u.changed OR c."lastSeenAt" < u.at - ${LAST_SEEN_STEP_MS} * interval '1 millisecond')
    ), stopped AS (
      UPDATE "Outbox" o SET status = 'cancelled', "leaseOwner" = NULL
      WHERE o.status = 'pending' AND o.id IN (
        SELECT ms."outboxId" FROM "MarketingSend" ms
        WHERE ms."customerId" = ANY(${optingOut(turns)}::text[]) AND ms."outboxId" IS NOT NULL)
    )
    SELECT id, "createdAt", claimed FROM queued`;
  // Features' rows are rare (a moderation decision): then one transaction of two statements or more.
  const rows = featureRows(db, 'postgresql', turns);
  if (!rows.length) return hotQuery<Queued>(db, statement);
  const [queued] = (await db.$transaction([db.$queryRaw<Queued[]>(statement), ...rows])) as [Queued[]];
  return queued;
}

/** One INSERT per table of the turns' feature rows (TurnRow). */
function featureRows(db: Db, provider: DatabaseProvider, turns: TurnWrite[]): Prisma.PrismaPromise<unknown>[] {
  const byTable = new Map<string, TurnRow[]>();
  for (const row of turns.flatMap((t) => t.rows ?? [])) {
    const key = `${row.table}\u0000${(row.unique ?? []).join(',')}\u0000${Object.keys(row.values).join(',')}`;
    byTable.set(key, [...(byTable.get(key) ?? []), row]);
  }
  return [...byTable.values()].map((rows) => {
    const [first] = rows as [TurnRow];
    return insertMany(
      db,
      provider,
      first.table,
      rows.map((r) => r.values),
      first.unique ? { skipConflictsOn: first.unique } : {},
    );
  });
}

/**
 * The customers these turns opt out (/stop): their marketing still waiting in the outbox (a
 * campaign of 100,000 at Telegram's pace waits up to an hour) is cancelled in the same commit, as
 * the campaign cancel does, so it never reaches them. Held messages are checked again when released.
 */
function optingOut(turns: TurnWrite[]): string[] {
  return [...new Set(turns.filter((t) => t.customerPatch.optedOut === true).map((t) => t.customerId))];
}

/**
 * One update per customer (a statement may change a row once): when it was last seen, and the
 * changes of its turns, a later turn's winning.
 */
function customerUpdates(turns: TurnWrite[]): { id: string; at: Date; changes: CustomerChanges }[] {
  const byId = new Map<string, { id: string; at: Date; changes: CustomerChanges }>();
  for (const t of turns) {
    const seen = byId.get(t.customerId);
    const changes = Object.fromEntries(Object.entries(t.customerPatch).filter(([, v]) => v !== undefined));
    if (!seen) byId.set(t.customerId, { id: t.customerId, at: t.now, changes });
    else {
      if (t.now > seen.at) seen.at = t.now;
      Object.assign(seen.changes, changes);
    }
  }
  // In id order: commits of several instances lock shared customers in one order (no deadlock).
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** True when this inbound message's turn has committed (a failed commit may have lost to it). */
export async function isHandled(db: Db, inboundId: number): Promise<boolean> {
  const row = await db.interaction.findUnique({ where: { id: inboundId }, select: { handledAt: true } });
  return row?.handledAt != null;
}

/**
 * A page of a customer's interactions, newest first, in (createdAt desc, id desc) order: the order
 * of the (customerId, createdAt) index, so page 1,000 costs what page 1 does. `cursor` is the
 * `nextCursor` of the previous page (a 400 when it is not one). The rows are returned as before,
 * with the cursor of the next page (null on the last) beside them.
 */
export async function listInteractions(
  db: Db,
  customerId: string,
  limit: number,
  cursor?: string,
): Promise<{ interactions: InteractionRow[]; nextCursor: string | null }> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor, ['date', 'int']);
  const rows = await db.interaction.findMany({
    where: { customerId, ...(after ? { AND: [olderThan(after)] } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
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
  const page = pageOf(rows, limit, (r) => [r.createdAt, r.id]);
  return { interactions: page.items, nextCursor: page.nextCursor };
}

export interface InteractionRow {
  id: number;
  channel: string;
  direction: string;
  kind: string;
  text: string | null;
  payload: Prisma.JsonValue;
  platformMessageId: string | null;
  createdAt: Date;
}
