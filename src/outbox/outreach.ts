// One way out: every Outbox row is written here (the engine's turn commit excepted, whose replies
// answer the customer's own message). A message to a customer carries a purpose, and the purpose
// decides whether /stop holds: `marketing` (wishes, congratulations, referral notices, surveys
// nobody asked for, campaigns) is never queued for a customer who opted out, nor to an account
// the platform marked unreachable (blocked the bot), and it always carries an idempotency key, so
// a job run twice, or by two instances at once, queues it once (Outbox.dedupeKey is unique).
// What was skipped is logged as an `outreach_skipped` event on the customer, for staff to see.
// Marketing also keeps the business's manners (./politeness.ts): quiet hours hold it, the
// frequency cap skips it, and its key is recorded for good in MarketingSend.
import type { Locale, Texts } from '../engine/i18n.js';
import type { OutboundMessage } from '../engine/types.js';
import { insertMany } from '../store/bulk.js';
import type { Db, Tx } from '../store/index.js';
import { type CustomerChat, customerLocale, latestChat } from '../store/notify.js';
import type { DatabaseProvider } from '../store/schema-engine.js';
import type { Clock } from '../util/clock.js';
import { capReached, type Politeness, quietUntil } from './politeness.js';

/**
 * reply: answers what the customer just asked; transactional: the customer's own business
 * (a staff reply to their ticket, its resolution, a follow-up's result); marketing: anything the
 * business starts on its own.
 */
export type Purpose = 'reply' | 'transactional' | 'marketing';

/** What a feature needs to send messages of the business's own. */
export interface Outreach {
  db: Db;
  provider: DatabaseProvider;
  texts: Texts;
  defaultLocale: Locale;
  clock: Clock;
  /** Wakes the dispatcher after something was queued. */
  onQueued: () => void;
  /** Quiet hours and the frequency cap of marketing (RAPPORT_CONFIG outreach). */
  politeness: Politeness;
}

interface SendBase {
  /** The interaction's kind in the customer's log: birthday, tier_reached, staff_reply, … */
  kind: string;
  /** Default: the private chat the customer last wrote from. */
  chat?: CustomerChat;
  /** Default: now. */
  at?: Date;
}

/**
 * Marketing needs a key: the same key is queued once, for as long as its row is kept (sent rows are
 * pruned after outbox.retainDays; each such message also follows a change recorded once elsewhere).
 */
type OwnSend = SendBase & { purpose: 'reply' | 'transactional'; key?: string };
/** `priority: 'high'` passes the frequency cap (points about to expire, a tier reached), never quiet hours. */
type MarketingSendSpec = SendBase & { purpose: 'marketing'; key: string; priority?: 'high' };

/** A send through an Outreach (notify, notifyIn): marketing takes the Outreach's politeness. */
export type OutreachSend = OwnSend | MarketingSendSpec;
/** A send given its politeness by the caller (toCustomer, toCustomerIn). */
export type CustomerSend = OwnSend | (MarketingSendSpec & { polite: Politeness });

export type SkipReason = 'opted_out' | 'unreachable' | 'no_chat' | 'capped';

export type Sent =
  | { status: 'queued'; outboxId: number; chat: CustomerChat }
  /** Quiet hours: delivered at releaseAt (the outreach-release job), unless the customer opts out first. */
  | { status: 'held'; releaseAt: Date; chat: CustomerChat }
  | { status: 'duplicate' }
  | { status: 'skipped'; reason: SkipReason };

/** Queues a message to a customer in a transaction of its own, or says why not. */
export function toCustomer(
  db: Db,
  provider: DatabaseProvider,
  customerId: string,
  message: OutboundMessage,
  send: CustomerSend,
): Promise<Sent> {
  return db.$transaction((tx) => toCustomerIn(tx, provider, customerId, message, send));
}

/**
 * Queues a message to a customer within the caller's transaction (so a ticket's reply and its
 * outbox row commit together), or says why not. The caller wakes the dispatcher when it got
 * `queued` (notify() does so itself).
 */
export async function toCustomerIn(
  tx: Tx,
  provider: DatabaseProvider,
  customerId: string,
  message: OutboundMessage,
  send: CustomerSend,
): Promise<Sent> {
  const at = send.at ?? new Date();
  const chat = send.chat ?? (await latestChat(tx, customerId));
  if (!chat) return { status: 'skipped', reason: 'no_chat' };
  if (send.purpose === 'marketing') {
    message = { ...message, marketing: true };
    if (await tx.marketingSend.findUnique({ where: { dedupeKey: send.key }, select: { id: true } }))
      return { status: 'duplicate' };
    const reason =
      (await marketingRefused(tx, customerId, chat)) ??
      (send.priority !== 'high' && (await capReached(tx, customerId, send.polite, at)) ? 'capped' : null);
    if (reason) {
      await logSkipped(tx, customerId, chat, message, { kind: send.kind, key: send.key, reason }, at);
      return { status: 'skipped', reason };
    }
    // The key's record for good; a run that raced this one to it stops here.
    const gate = await insertMany(
      tx,
      provider,
      'MarketingSend',
      [{ customerId, kind: send.kind, dedupeKey: send.key, at }],
      { returning: ['id'], skipConflictsOn: ['dedupeKey'] },
    );
    if (!gate.length) return { status: 'duplicate' };
    const releaseAt = quietUntil(at, send.polite.quietHours, send.polite.timezone);
    if (releaseAt) {
      await tx.heldMessage.create({
        data: {
          customerId,
          channel: chat.channel,
          chatId: chat.chatId,
          chatType: chat.chatType,
          conversationId: chat.conversationId,
          message: message as unknown as object,
          kind: send.kind,
          dedupeKey: send.key,
          releaseAt,
          createdAt: at,
        },
      });
      return { status: 'held', releaseAt, chat };
    }
  }
  const outboxId = await queueIn(tx, provider, customerId, chat, message, send.kind, send.key ?? null, at);
  // Its key was queued before (a job run twice, another instance): nothing more to do.
  if (outboxId === undefined) return { status: 'duplicate' };
  if (send.purpose === 'marketing') await recordQueued(tx, send.key, outboxId);
  return { status: 'queued', outboxId, chat };
}

/** Notes a marketing key's Outbox row (campaign stats read sent and failed through it). */
export async function recordQueued(tx: Tx, key: string, outboxId: number): Promise<void> {
  await tx.marketingSend.update({ where: { dedupeKey: key }, data: { outboxId } });
}

/** The Outbox row and its `out` interaction; undefined when the key was queued before. */
export async function queueIn(
  tx: Tx,
  provider: DatabaseProvider,
  customerId: string,
  chat: CustomerChat,
  message: OutboundMessage,
  kind: string,
  key: string | null,
  at: Date,
): Promise<number | undefined> {
  const rows = await insertMany(
    tx,
    provider,
    'Outbox',
    [
      {
        channel: chat.channel,
        chatId: chat.chatId,
        chatType: chat.chatType,
        customerId,
        message: message as unknown as object,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: at,
        createdAt: at,
        dedupeKey: key,
      },
    ],
    { json: ['message'], returning: ['id'], ...(key ? { skipConflictsOn: ['dedupeKey'] } : {}) },
  );
  const outboxId = rows[0]?.id;
  if (outboxId === undefined) return undefined;
  await tx.interaction.create({
    data: {
      customerId,
      conversationId: chat.conversationId,
      channel: chat.channel,
      direction: 'out',
      kind,
      text: message.text,
      ...(message.buttons ? { payload: { buttons: message.buttons } as object } : {}),
      createdAt: at,
    },
  });
  return Number(outboxId);
}

export async function logSkipped(
  tx: Tx,
  customerId: string,
  chat: CustomerChat,
  message: OutboundMessage,
  what: { kind: string; key: string; reason: SkipReason },
  at: Date,
): Promise<void> {
  await tx.interaction.create({
    data: {
      customerId,
      conversationId: chat.conversationId,
      channel: chat.channel,
      direction: 'event',
      kind: 'outreach_skipped',
      text: message.text,
      payload: { purpose: 'marketing', kind: what.kind, reason: what.reason, key: what.key },
      createdAt: at,
    },
  });
}

/** Held messages released per transaction. */
const RELEASE_BATCH = 200;

/**
 * Moves the held messages whose quiet hours are over to the Outbox (the outreach-release job),
 * checking the opt-out again (a /stop during the night holds); returns how many were queued.
 * Each row is taken by deleting it, so two instances release it once.
 */
export async function releaseHeld(db: Db, provider: DatabaseProvider, now: Date, onQueued: () => void) {
  let queued = 0;
  for (;;) {
    const due = await db.heldMessage.findMany({
      where: { releaseAt: { lte: now } },
      orderBy: [{ releaseAt: 'asc' }, { id: 'asc' }],
      take: RELEASE_BATCH,
    });
    if (!due.length) break;
    queued += await db.$transaction(async (tx) => {
      let n = 0;
      for (const held of due) {
        const { count } = await tx.heldMessage.deleteMany({ where: { id: held.id } });
        if (!count) continue; // another instance released it
        const chat: CustomerChat = {
          channel: held.channel,
          chatId: held.chatId,
          chatType: held.chatType === 'group' ? 'group' : 'private',
          conversationId: held.conversationId,
        };
        const message = held.message as unknown as OutboundMessage;
        const reason = await marketingRefused(tx, held.customerId, chat);
        if (reason) {
          await logSkipped(tx, held.customerId, chat, message, { kind: held.kind, key: held.dedupeKey, reason }, now);
          continue;
        }
        const outboxId = await queueIn(tx, provider, held.customerId, chat, message, held.kind, held.dedupeKey, now);
        if (outboxId === undefined) continue;
        await recordQueued(tx, held.dedupeKey, outboxId);
        n++;
      }
      return n;
    });
    if (due.length < RELEASE_BATCH) break;
  }
  if (queued) onQueued();
  return queued;
}

/** Why marketing may not go to this customer in this chat, if it may not. */
export async function marketingRefused(db: Tx, customerId: string, chat: CustomerChat): Promise<SkipReason | null> {
  const customer = await db.customer.findUnique({ where: { id: customerId }, select: { optedOut: true } });
  if (!customer || customer.optedOut) return 'opted_out';
  // A private chat's id is its account's id on the platform.
  if (chat.chatType === 'private') {
    const identity = await db.channelIdentity.findUnique({
      where: { channel_externalId: { channel: chat.channel, externalId: chat.chatId } },
      select: { reachable: true },
    });
    if (identity && !identity.reachable) return 'unreachable';
  }
  return null;
}

/**
 * A text of the business's own, in the customer's language (their choice, else that of their
 * recent messages), to their latest chat; wakes the dispatcher when something was queued.
 */
export async function notify(
  o: Outreach,
  customerId: string,
  textFor: (locale: Locale) => string,
  send: OutreachSend,
): Promise<Sent> {
  const sent = await o.db.$transaction((tx) => notifyIn(tx, o, customerId, textFor, send));
  if (sent.status === 'queued') o.onQueued();
  return sent;
}

/**
 * notify() within the caller's transaction, so what it announces (points, a reward) and the
 * message commit together or not at all. The caller wakes the dispatcher (o.onQueued) once its
 * transaction committed: woken earlier, it would not see the row yet.
 */
export async function notifyIn(
  tx: Tx,
  o: Outreach,
  customerId: string,
  textFor: (locale: Locale) => string,
  send: OutreachSend,
): Promise<Sent> {
  const locale = await customerLocale(tx, customerId, o.defaultLocale);
  const at = send.at ?? new Date(o.clock.now());
  const full: CustomerSend = send.purpose === 'marketing' ? { ...send, at, polite: o.politeness } : { ...send, at };
  return toCustomerIn(tx, o.provider, customerId, { text: textFor(locale) }, full);
}

/** A post for staff (a Slack channel, a staff webhook): one destination of the outbox. */
export interface StaffPost {
  /** The outbox channel name, such as "slack". */
  channel: string;
  chatId: string;
  message: OutboundMessage;
  /** Once-only, like marketing's: a post two instances would both queue (a reminder). */
  key?: string;
}

/** Queues posts for staff (in the caller's transaction); returns how many were queued (keys seen before are not). */
export async function toStaff(db: Db | Tx, provider: DatabaseProvider, posts: StaffPost[], at: Date): Promise<number> {
  if (!posts.length) return 0;
  const rows = await insertMany(
    db,
    provider,
    'Outbox',
    posts.map((post) => ({
      channel: post.channel,
      chatId: post.chatId,
      chatType: 'group',
      customerId: null,
      message: post.message as unknown as object,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
      dedupeKey: post.key ?? null,
    })),
    // Rows without a key never conflict (NULLs are distinct in a unique index).
    { json: ['message'], returning: ['id'], skipConflictsOn: ['dedupeKey'] },
  );
  return rows.length;
}

/**
 * Queues messages and moderation calls for a group chat (in the caller's transaction, or alone):
 * what group moderation does outside a turn (a captcha's timeout, an undo, staff's buttons).
 */
export async function toGroup(
  db: Db | Tx,
  provider: DatabaseProvider,
  chat: { channel: string; chatId: string; customerId: string | null },
  messages: readonly OutboundMessage[],
  at: Date,
): Promise<void> {
  if (!messages.length) return;
  await insertMany(
    db,
    provider,
    'Outbox',
    messages.map((message) => ({
      channel: chat.channel,
      chatId: chat.chatId,
      chatType: 'group',
      customerId: chat.customerId,
      message: message as unknown as object,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
      dedupeKey: message.key ?? null,
    })),
    { json: ['message'] },
  );
}
