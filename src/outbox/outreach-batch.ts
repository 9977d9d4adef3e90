// Marketing to many customers at once (occasions, campaigns): the rules of toCustomerIn
// (./outreach.ts: opt-out, unreachable accounts, the key recorded once, the frequency cap, quiet
// hours) decided for a whole batch with a few set-wise reads and multi-row writes, in one
// transaction. Writing to 100,000 customers one by one costs several statements each; a batch
// costs about a dozen whatever its size, each binding its rows or ids as one parameter
// (src/store/json-rows.ts).
import { type Locale, normalizeLocale } from '../engine/i18n.js';
import type { Button, OutboundMessage } from '../engine/types.js';
import { Prisma, type Tx } from '../store/index.js';
import { type ColumnType, insertRows, inValues } from '../store/json-rows.js';
import { type CustomerChat, detectedLocales } from '../store/notify.js';
import type { DatabaseProvider } from '../store/schema-engine.js';
import type { Outreach, SkipReason } from './outreach.js';
import { quietUntil } from './politeness.js';

/** What a customer of the batch is told, in their language. */
export interface BatchItem {
  customerId: string;
  key: string;
  text: (locale: Locale, customer: { displayName: string | null; pointsBalance: number }) => string;
  buttons?: Button[];
  priority?: 'high';
  /** Only for customers who read this language (Christmas greetings to English readers). */
  only?: Locale;
}

/**
 * other_language: the item was `only` for a language the customer does not read; gone: the customer
 * was deleted meanwhile (neither is logged).
 */
export type BatchOutcome = 'queued' | 'held' | 'duplicate' | 'other_language' | 'gone' | SkipReason;

export interface BatchOptions {
  /** The interaction's kind: occasion, campaign, … */
  kind: string;
  at: Date;
  /** Marks the rows of a campaign (its stats). */
  campaignId?: string;
}

/** A customer's private chat, and whether the platform still lets us write to it. */
type Reachable = CustomerChat & { reachable: boolean };

/**
 * Each customer's private chat: the conversation of their account (a private chat's id is the
 * account's id), found from ChannelIdentity by index; a customer with accounts on several channels
 * gets the one they wrote from last (the only case that reads the interaction log). A customer with
 * no private conversation never wrote to us in private: no chat.
 */
async function privateChats(
  tx: Tx,
  provider: DatabaseProvider,
  ids: readonly string[],
): Promise<Map<string, Reachable>> {
  const rows = await tx.$queryRaw<
    { customerId: string; id: string; channel: string; chatId: string; reachable: boolean | number }[]
  >`
    SELECT i."customerId" AS "customerId", c."id" AS id, c."channel" AS channel, c."chatId" AS "chatId",
           i."reachable" AS reachable
    FROM "ChannelIdentity" i
    JOIN "Conversation" c ON c."channel" = i."channel" AND c."chatId" = i."externalId" AND c."kind" = 'private'
    WHERE ${inValues(provider, Prisma.sql`i."customerId"`, ids)}`;
  const options = new Map<string, Reachable[]>();
  for (const r of rows) {
    const chat: Reachable = {
      channel: r.channel,
      chatId: r.chatId,
      chatType: 'private',
      conversationId: r.id,
      reachable: Boolean(r.reachable),
    };
    options.set(r.customerId, [...(options.get(r.customerId) ?? []), chat]);
  }
  const chats = new Map<string, Reachable>();
  const several: string[] = [];
  for (const [id, list] of options) {
    if (list.length === 1) chats.set(id, list[0] as Reachable);
    else several.push(id);
  }
  if (several.length) {
    const latest = await tx.$queryRaw<{ customerId: string; conversationId: string }[]>`
      SELECT i."customerId" AS "customerId", i."conversationId" AS "conversationId" FROM "Interaction" i
      WHERE i."id" IN (
        SELECT MAX(i2."id") FROM "Interaction" i2
        WHERE ${inValues(provider, Prisma.sql`i2."customerId"`, several)} AND i2."direction" = 'in'
          AND ${inValues(
            provider,
            Prisma.sql`i2."conversationId"`,
            several.flatMap((id) => (options.get(id) ?? []).map((c) => c.conversationId)),
          )}
        GROUP BY i2."customerId")`;
    const last = new Map(latest.map((r) => [r.customerId, r.conversationId]));
    for (const id of several) {
      const list = options.get(id) ?? [];
      chats.set(id, list.find((c) => c.conversationId === last.get(id)) ?? (list[0] as Reachable));
    }
  }
  return chats;
}

/**
 * Queues (or holds, or skips) one marketing message per item, in the caller's transaction;
 * returns each item's outcome by key. Items must have distinct keys.
 */
export async function marketingBatch(
  tx: Tx,
  o: Outreach,
  items: readonly BatchItem[],
  options: BatchOptions,
): Promise<Map<string, BatchOutcome>> {
  const outcome = new Map<string, BatchOutcome>();
  if (!items.length) return outcome;
  const { at, kind } = options;
  const polite = o.politeness;
  // Every read below looks customers or keys up by index. PostgreSQL's statistics lag tables that
  // a campaign is filling (MarketingSend, Outbox) and it chose sequential scans with a 2,000-value
  // filter: 50-170 ms a statement. Index lookups only, for this transaction.
  if (o.provider === 'postgresql') await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
  const ids = [...new Set(items.map((i) => i.customerId))];
  const keys = Prisma.sql`"dedupeKey"`;
  const seen = await tx.$queryRaw<{ dedupeKey: string }[]>`
    SELECT "dedupeKey" FROM "MarketingSend" WHERE ${inValues(
      o.provider,
      keys,
      items.map((i) => i.key),
    )}`;
  for (const s of seen) outcome.set(s.dedupeKey, 'duplicate');
  const customers = new Map(
    (
      await tx.$queryRaw<
        { id: string; optedOut: boolean | number; locale: string | null; displayName: string | null; points: unknown }[]
      >`
        SELECT "id", "optedOut", "locale", "displayName", "pointsBalance" AS points FROM "Customer"
        WHERE ${inValues(o.provider, Prisma.sql`"id"`, ids)}`
    ).map((c) => [
      c.id,
      {
        optedOut: Boolean(c.optedOut),
        locale: c.locale,
        displayName: c.displayName,
        pointsBalance: Number(c.points),
      },
    ]),
  );
  const chats = await privateChats(tx, o.provider, ids);
  const recent = new Map<string, number>();
  if (polite.frequencyCap) {
    const since = new Date(at.getTime() - polite.frequencyCap.days * 86_400_000);
    const counts = await tx.$queryRaw<{ customerId: string; n: unknown }[]>`
      SELECT "customerId", COUNT(*) AS n FROM "MarketingSend"
      WHERE ${inValues(o.provider, Prisma.sql`"customerId"`, ids)} AND "at" > ${since}
      GROUP BY "customerId"`;
    for (const c of counts) recent.set(c.customerId, Number(c.n));
  }
  const releaseAt = quietUntil(at, polite.quietHours, polite.timezone);
  // Customers who chose no language: that of their recent messages, read for all of them at once.
  const detected = await detectedLocales(
    tx,
    o.provider,
    ids.filter((id) => chats.has(id) && !normalizeLocale(customers.get(id)?.locale)),
    o.defaultLocale,
  );
  type Go = { item: BatchItem; target: CustomerChat; message: OutboundMessage };
  const go: Go[] = [];
  const skipped: { item: BatchItem; target: CustomerChat; reason: SkipReason }[] = [];
  for (const item of items) {
    if (outcome.has(item.key)) continue;
    const customer = customers.get(item.customerId);
    const target = chats.get(item.customerId);
    if (!customer || !target) {
      outcome.set(item.key, customer ? 'no_chat' : 'gone');
      continue;
    }
    const locale = normalizeLocale(customer.locale) ?? detected.get(item.customerId) ?? o.defaultLocale;
    if (item.only && locale !== item.only) {
      outcome.set(item.key, 'other_language');
      continue;
    }
    const count = recent.get(item.customerId) ?? 0;
    const reason: SkipReason | null = customer.optedOut
      ? 'opted_out'
      : !target.reachable
        ? 'unreachable'
        : polite.frequencyCap && item.priority !== 'high' && count >= polite.frequencyCap.messages
          ? 'capped'
          : null;
    if (reason) {
      outcome.set(item.key, reason);
      skipped.push({ item, target, reason });
      continue;
    }
    recent.set(item.customerId, count + 1);
    const text = item.text(locale, customer);
    go.push({
      item,
      target,
      message: item.buttons?.length ? { text, buttons: item.buttons, marketing: true } : { text, marketing: true },
    });
  }
  if (skipped.length) {
    await insertRows(
      tx,
      o.provider,
      'Interaction',
      EVENT_COLUMNS,
      skipped.map(({ item, target, reason }) => ({
        customerId: item.customerId,
        conversationId: target.conversationId,
        channel: target.channel,
        payload: { purpose: 'marketing', kind, reason, key: item.key },
      })),
      { same: { direction: 'event', kind: 'outreach_skipped', createdAt: at } },
    );
  }
  if (!go.length) return outcome;
  if (releaseAt) {
    // Held: the keys' records first (a run that raced this one to a key keeps it, and this one
    // skips it), then the messages kept out of the Outbox until releaseAt.
    const mine = await recordKeys(tx, o.provider, go, options);
    const holding = go.filter(({ item }) => mine.has(item.key));
    for (const { item } of go) if (!mine.has(item.key)) outcome.set(item.key, 'duplicate');
    if (!holding.length) return outcome;
    await insertRows(
      tx,
      o.provider,
      'HeldMessage',
      {
        customerId: 'text',
        channel: 'text',
        chatId: 'text',
        chatType: 'text',
        conversationId: 'text',
        message: 'json',
        kind: 'text',
        dedupeKey: 'text',
        releaseAt: 'timestamp',
        createdAt: 'timestamp',
      },
      holding.map(({ item, target, message }) => ({
        customerId: item.customerId,
        channel: target.channel,
        chatId: target.chatId,
        chatType: target.chatType,
        conversationId: target.conversationId,
        message,
        dedupeKey: item.key,
      })),
      { same: { kind, releaseAt, createdAt: at } },
    );
    for (const { item } of holding) outcome.set(item.key, 'held');
    return outcome;
  }

  // Queued now: the Outbox rows first, so each key's record is written with its row's id (noting
  // the ids on the records afterwards was an UPDATE of every record, a tenth of a campaign batch on
  // PostgreSQL). The Outbox's unique key settles a race with another batch: the loser's row is not
  // inserted. A key another send recorded meanwhile without an Outbox row yet (a single send
  // records its key first; a held one has none) is refused by the record's own unique key below,
  // and this batch's row for it deleted before anyone can see it.
  const queued = await insertRows(
    tx,
    o.provider,
    'Outbox',
    {
      channel: 'text',
      chatId: 'text',
      chatType: 'text',
      customerId: 'text',
      message: 'json',
      status: 'text',
      attempts: 'int',
      nextAttemptAt: 'timestamp',
      createdAt: 'timestamp',
      dedupeKey: 'text',
    },
    go.map(({ item, target, message }) => ({
      channel: target.channel,
      chatId: target.chatId,
      chatType: target.chatType,
      customerId: item.customerId,
      message,
      dedupeKey: item.key,
    })),
    {
      same: { status: 'pending', attempts: 0, nextAttemptAt: at, createdAt: at },
      returning: ['id', 'dedupeKey'],
      skipConflictsOn: ['dedupeKey'],
    },
  );
  const outboxIds = new Map(queued.map((q) => [String(q.dedupeKey), Number(q.id)]));
  const inOutbox = go.filter(({ item }) => outboxIds.has(item.key));
  const mine = inOutbox.length ? await recordKeys(tx, o.provider, inOutbox, options, outboxIds) : new Set<string>();
  const stale = inOutbox.filter(({ item }) => !mine.has(item.key)).map(({ item }) => outboxIds.get(item.key) as number);
  if (stale.length) await tx.$executeRaw`DELETE FROM "Outbox" WHERE ${inValues(o.provider, Prisma.sql`"id"`, stale)}`;
  const logged = inOutbox.filter(({ item }) => mine.has(item.key));
  if (logged.length) {
    await insertRows(
      tx,
      o.provider,
      'Interaction',
      { ...EVENT_COLUMNS, text: 'text' },
      logged.map(({ item, target, message }) => ({
        customerId: item.customerId,
        conversationId: target.conversationId,
        channel: target.channel,
        text: message.text,
        payload: message.buttons ? { buttons: message.buttons } : null,
      })),
      { same: { direction: 'out', kind, createdAt: at } },
    );
  }
  for (const { item } of go) outcome.set(item.key, mine.has(item.key) ? 'queued' : 'duplicate');
  return outcome;
}

/**
 * Records each item's key for good (MarketingSend), with its Outbox row's id when it has one;
 * returns the keys recorded here (a key recorded before, by another run, is left out).
 */
async function recordKeys(
  tx: Tx,
  provider: DatabaseProvider,
  items: readonly { item: BatchItem }[],
  options: BatchOptions,
  outboxIds?: ReadonlyMap<string, number>,
): Promise<Set<string>> {
  const recorded = await insertRows(
    tx,
    provider,
    'MarketingSend',
    {
      customerId: 'text',
      kind: 'text',
      dedupeKey: 'text',
      at: 'timestamp',
      campaignId: 'text',
      outboxId: 'int',
    },
    items.map(({ item }) => ({
      customerId: item.customerId,
      dedupeKey: item.key,
      outboxId: outboxIds?.get(item.key) ?? null,
    })),
    {
      same: { kind: options.kind, at: options.at, campaignId: options.campaignId ?? null },
      returning: ['dedupeKey'],
      skipConflictsOn: ['dedupeKey'],
    },
  );
  return new Set(recorded.map((r) => String(r.dedupeKey)));
}

/** The interaction log's columns a batch writes. */
const EVENT_COLUMNS = {
  customerId: 'text',
  conversationId: 'text',
  channel: 'text',
  direction: 'text',
  kind: 'text',
  payload: 'json',
  createdAt: 'timestamp',
} as const satisfies Record<string, ColumnType>;
