// Marketing to many customers at once (occasions, campaigns): the rules of toCustomerIn
// (./outreach.ts: opt-out, unreachable accounts, the key recorded once, the frequency cap, quiet
// hours) decided for a whole batch with a few set-wise reads and multi-row writes, in one
// transaction. Writing to 100,000 customers one by one costs several statements each; a batch
// of 500 costs about ten.
import { type Locale, normalizeLocale } from '../engine/i18n.js';
import type { Button, OutboundMessage } from '../engine/types.js';
import { insertMany } from '../store/bulk.js';
import { Prisma, type Tx } from '../store/index.js';
import { type CustomerChat, detectedLocales } from '../store/notify.js';
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

/** other_language: the item was `only` for a language the customer does not read (nothing logged). */
export type BatchOutcome = 'queued' | 'held' | 'duplicate' | 'other_language' | SkipReason;

export interface BatchOptions {
  /** The interaction's kind: occasion, campaign, … */
  kind: string;
  at: Date;
  /** Marks the rows of a campaign (its stats). */
  campaignId?: string;
}

/**
 * Each customer's private chat: the conversation of their account (a private chat's id is the
 * account's id), found from ChannelIdentity by index; a customer with accounts on several channels
 * gets the one they wrote from last (the only case that reads the interaction log). A customer with
 * no private conversation never wrote to us in private: no chat.
 */
async function privateChats(tx: Tx, ids: readonly string[]): Promise<Map<string, CustomerChat>> {
  const identities = await tx.channelIdentity.findMany({
    where: { customerId: { in: [...ids] } },
    select: { customerId: true, channel: true, externalId: true },
  });
  if (!identities.length) return new Map();
  const conversations = await tx.$queryRaw<{ id: string; channel: string; chatId: string }[]>`
    SELECT c."id" AS id, c."channel" AS channel, c."chatId" AS "chatId" FROM "Conversation" c
    WHERE c."kind" = 'private'
      AND (c."channel", c."chatId") IN (VALUES ${Prisma.join(identities.map((i) => Prisma.sql`(${i.channel}, ${i.externalId})`))})`;
  const byChat = new Map(conversations.map((c) => [`${c.channel}\u0000${c.chatId}`, c]));
  const options = new Map<string, CustomerChat[]>();
  for (const i of identities) {
    const c = byChat.get(`${i.channel}\u0000${i.externalId}`);
    if (!c) continue;
    const chat: CustomerChat = { channel: c.channel, chatId: c.chatId, chatType: 'private', conversationId: c.id };
    options.set(i.customerId, [...(options.get(i.customerId) ?? []), chat]);
  }
  const chats = new Map<string, CustomerChat>();
  const several: string[] = [];
  for (const [id, list] of options) {
    if (list.length === 1) chats.set(id, list[0] as CustomerChat);
    else several.push(id);
  }
  if (several.length) {
    const latest = await tx.$queryRaw<{ customerId: string; conversationId: string }[]>`
      SELECT i."customerId" AS "customerId", i."conversationId" AS "conversationId" FROM "Interaction" i
      WHERE i."id" IN (
        SELECT MAX(i2."id") FROM "Interaction" i2
        WHERE i2."customerId" IN (${Prisma.join(several)}) AND i2."direction" = 'in'
          AND i2."conversationId" IN (${Prisma.join(several.flatMap((id) => (options.get(id) ?? []).map((c) => c.conversationId)))})
        GROUP BY i2."customerId")`;
    const last = new Map(latest.map((r) => [r.customerId, r.conversationId]));
    for (const id of several) {
      const list = options.get(id) ?? [];
      chats.set(id, list.find((c) => c.conversationId === last.get(id)) ?? (list[0] as CustomerChat));
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
  const ids = [...new Set(items.map((i) => i.customerId))];
  const seen = await tx.marketingSend.findMany({
    where: { dedupeKey: { in: items.map((i) => i.key) } },
    select: { dedupeKey: true },
  });
  for (const s of seen) outcome.set(s.dedupeKey, 'duplicate');
  const customers = new Map(
    (
      await tx.customer.findMany({
        where: { id: { in: ids } },
        select: { id: true, optedOut: true, locale: true, displayName: true, pointsBalance: true },
      })
    ).map((c) => [c.id, c]),
  );
  const chats = await privateChats(tx, ids);
  const unreachable = new Set(
    (
      await tx.channelIdentity.findMany({
        where: { customerId: { in: ids }, reachable: false },
        select: { channel: true, externalId: true },
      })
    ).map((i) => `${i.channel}\u0000${i.externalId}`),
  );
  const recent = new Map<string, number>();
  if (polite.frequencyCap) {
    const counts = await tx.marketingSend.groupBy({
      by: ['customerId'],
      where: { customerId: { in: ids }, at: { gt: new Date(at.getTime() - polite.frequencyCap.days * 86_400_000) } },
      _count: { _all: true },
    });
    for (const c of counts) recent.set(c.customerId, c._count._all);
  }
  const releaseAt = quietUntil(at, polite.quietHours, polite.timezone);
  // Customers who chose no language: that of their recent messages, read for all of them at once.
  const detected = await detectedLocales(
    tx,
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
      outcome.set(item.key, customer ? 'no_chat' : 'opted_out');
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
      : unreachable.has(`${target.channel}\u0000${target.chatId}`)
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
    await insertMany(
      tx,
      o.provider,
      'Interaction',
      skipped.map(({ item, target, reason }) => ({
        customerId: item.customerId,
        conversationId: target.conversationId,
        channel: target.channel,
        direction: 'event',
        kind: 'outreach_skipped',
        payload: { purpose: 'marketing', kind, reason, key: item.key },
        createdAt: at,
      })),
      { json: ['payload'] },
    );
  }
  if (!go.length) return outcome;
  // The keys' records first: a run that raced this one to a key keeps it, and this one skips it.
  const gated = await insertMany(
    tx,
    o.provider,
    'MarketingSend',
    go.map(({ item }) => ({
      customerId: item.customerId,
      kind,
      dedupeKey: item.key,
      at,
      campaignId: options.campaignId ?? null,
    })),
    { returning: ['dedupeKey'], skipConflictsOn: ['dedupeKey'] },
  );
  const mine = new Set(gated.map((g) => String(g.dedupeKey)));
  const sending = go.filter((g) => {
    if (mine.has(g.item.key)) return true;
    outcome.set(g.item.key, 'duplicate');
    return false;
  });
  if (!sending.length) return outcome;

  if (releaseAt) {
    await insertMany(
      tx,
      o.provider,
      'HeldMessage',
      sending.map(({ item, target, message }) => ({
        customerId: item.customerId,
        channel: target.channel,
        chatId: target.chatId,
        chatType: target.chatType,
        conversationId: target.conversationId,
        message: message as unknown as object,
        kind,
        dedupeKey: item.key,
        releaseAt,
        createdAt: at,
      })),
      { json: ['message'] },
    );
    for (const { item } of sending) outcome.set(item.key, 'held');
    return outcome;
  }

  const queued = await insertMany(
    tx,
    o.provider,
    'Outbox',
    sending.map(({ item, target, message }) => ({
      channel: target.channel,
      chatId: target.chatId,
      chatType: target.chatType,
      customerId: item.customerId,
      message: message as unknown as object,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
      dedupeKey: item.key,
    })),
    { json: ['message'], returning: ['id', 'dedupeKey'], skipConflictsOn: ['dedupeKey'] },
  );
  const outboxIds = new Map(queued.map((q) => [String(q.dedupeKey), Number(q.id)]));
  await linkOutbox(tx, outboxIds);
  const logged = sending.filter(({ item }) => outboxIds.has(item.key));
  if (logged.length) {
    await insertMany(
      tx,
      o.provider,
      'Interaction',
      logged.map(({ item, target, message }) => ({
        customerId: item.customerId,
        conversationId: target.conversationId,
        channel: target.channel,
        direction: 'out',
        kind,
        text: message.text,
        payload: message.buttons ? { buttons: message.buttons } : null,
        createdAt: at,
      })),
      { json: ['payload'] },
    );
  }
  for (const { item } of sending) outcome.set(item.key, outboxIds.has(item.key) ? 'queued' : 'duplicate');
  return outcome;
}

/** Notes each key's Outbox row on its MarketingSend record, in one statement. */
async function linkOutbox(tx: Tx, outboxIds: Map<string, number>): Promise<void> {
  if (!outboxIds.size) return;
  const cases = Prisma.join(
    [...outboxIds].map(([key, id]) => Prisma.sql`WHEN ${key} THEN CAST(${id} AS INTEGER)`),
    ' ',
  );
  await tx.$executeRaw`
    UPDATE "MarketingSend" SET "outboxId" = CASE "dedupeKey" ${cases} END
    WHERE "dedupeKey" IN (${Prisma.join([...outboxIds.keys()])})`;
}
