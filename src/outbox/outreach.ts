// One way out: every Outbox row is written here (the engine's turn commit excepted, whose replies
// answer the customer's own message). A message to a customer carries a purpose, and the purpose
// decides whether /stop holds: `marketing` (wishes, congratulations, referral notices, surveys
// nobody asked for, campaigns) is never queued for a customer who opted out, nor to an account
// the platform marked unreachable (blocked the bot), and it always carries an idempotency key, so
// a job run twice, or by two instances at once, queues it once (Outbox.dedupeKey is unique).
// What was skipped is logged as an `outreach_skipped` event on the customer, for staff to see.
import type { Locale, Texts } from '../engine/i18n.js';
import type { OutboundMessage } from '../engine/types.js';
import { insertMany } from '../store/bulk.js';
import type { Db, Tx } from '../store/index.js';
import { type CustomerChat, customerLocale, latestChat } from '../store/notify.js';
import type { DatabaseProvider } from '../store/schema-engine.js';
import type { Clock } from '../util/clock.js';

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
export type CustomerSend =
  | (SendBase & { purpose: 'reply' | 'transactional'; key?: string })
  | (SendBase & { purpose: 'marketing'; key: string });

export type SkipReason = 'opted_out' | 'unreachable' | 'no_chat';

export type Sent =
  | { status: 'queued'; outboxId: number; chat: CustomerChat }
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
    const reason = await marketingRefused(tx, customerId, chat);
    if (reason) {
      await tx.interaction.create({
        data: {
          customerId,
          conversationId: chat.conversationId,
          channel: chat.channel,
          direction: 'event',
          kind: 'outreach_skipped',
          text: message.text,
          payload: { purpose: send.purpose, kind: send.kind, reason, key: send.key },
          createdAt: at,
        },
      });
      return { status: 'skipped', reason };
    }
  }
  const key = send.key ?? null;
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
  // Its key was queued before (a job run twice, another instance): nothing more to do.
  if (outboxId === undefined) return { status: 'duplicate' };
  await tx.interaction.create({
    data: {
      customerId,
      conversationId: chat.conversationId,
      channel: chat.channel,
      direction: 'out',
      kind: send.kind,
      text: message.text,
      ...(message.buttons ? { payload: { buttons: message.buttons } as object } : {}),
      createdAt: at,
    },
  });
  return { status: 'queued', outboxId: Number(outboxId), chat };
}

/** Why marketing may not go to this customer in this chat, if it may not. */
async function marketingRefused(db: Tx, customerId: string, chat: CustomerChat): Promise<SkipReason | null> {
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
  send: CustomerSend,
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
  send: CustomerSend,
): Promise<Sent> {
  const locale = await customerLocale(tx, customerId, o.defaultLocale);
  const at = send.at ?? new Date(o.clock.now());
  return toCustomerIn(tx, o.provider, customerId, { text: textFor(locale) }, { ...send, at });
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
