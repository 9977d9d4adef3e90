// Messages the business sends on its own (a follow-up, a survey): queued in the outbox for the
// chat where the customer last wrote, and logged, in one transaction.
import { detectLocale, type Locale, normalizeLocale, type Texts } from '../engine/i18n.js';
import type { OutboundMessage } from '../engine/types.js';
import type { Clock } from '../util/clock.js';
import { insertMany } from './bulk.js';
import type { Db, Tx } from './index.js';
import type { DatabaseProvider } from './schema-engine.js';

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

export interface CustomerChat {
  channel: string;
  chatId: string;
  chatType: 'private' | 'group';
  conversationId: string;
}

/** The language to write to a customer on our own: their choice, else that of their recent messages. */
export async function customerLocale(db: Db, customerId: string, fallback: Locale): Promise<Locale> {
  const customer = await db.customer.findUnique({ where: { id: customerId }, select: { locale: true } });
  const chosen = normalizeLocale(customer?.locale);
  if (chosen) return chosen;
  const recent = await db.interaction.findMany({
    where: { customerId, direction: 'in' },
    orderBy: { id: 'desc' },
    take: 10,
    select: { text: true, payload: true },
  });
  for (const r of recent) {
    const locale =
      detectLocale(r.text ?? undefined) ?? normalizeLocale((r.payload as { localeHint?: string } | null)?.localeHint);
    if (locale) return locale;
  }
  return fallback;
}

/** The private chat the customer wrote from most recently, if any. */
export async function latestChat(db: Db, customerId: string): Promise<CustomerChat | null> {
  const last = await db.interaction.findFirst({
    where: { customerId, direction: 'in', conversation: { kind: 'private' } },
    orderBy: { id: 'desc' },
    select: { conversation: { select: { id: true, channel: true, chatId: true } } },
  });
  const c = last?.conversation;
  return c ? { channel: c.channel, chatId: c.chatId, chatType: 'private', conversationId: c.id } : null;
}

/** The two writes that send a message of our own: its interaction and its outbox row (returns the id). */
export function chatWrites(
  db: Db | Tx,
  provider: DatabaseProvider,
  customerId: string,
  chat: CustomerChat,
  message: OutboundMessage,
  kind: string,
  at: Date,
) {
  return [
    insertMany(
      db,
      provider,
      'Interaction',
      [
        {
          customerId,
          conversationId: chat.conversationId,
          channel: chat.channel,
          direction: 'out',
          kind,
          text: message.text,
          payload: message.buttons ? { buttons: message.buttons } : null,
          platformMessageId: null,
          createdAt: at,
        },
      ],
      { json: ['payload'] },
    ),
    insertMany(
      db,
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
        },
      ],
      { json: ['message'], returning: ['id'] },
    ),
  ] as const;
}

export async function enqueueToChat(
  db: Db,
  provider: DatabaseProvider,
  customerId: string,
  chat: CustomerChat,
  message: OutboundMessage,
  kind: string,
  at: Date,
): Promise<number> {
  const [, rows] = await db.$transaction([...chatWrites(db, provider, customerId, chat, message, kind, at)]);
  return Number((rows as { id: unknown }[])[0]?.id);
}

/**
 * Sends a message of the business's own to a customer, in their language and their latest chat.
 * Returns false when there is no chat to send to.
 */
export async function notifyCustomer(
  db: Db,
  provider: DatabaseProvider,
  customerId: string,
  fallback: Locale,
  textFor: (locale: Locale) => string,
  kind: string,
  at: Date,
): Promise<boolean> {
  const chat = await latestChat(db, customerId);
  if (!chat) return false;
  const locale = await customerLocale(db, customerId, fallback);
  await enqueueToChat(db, provider, customerId, chat, { text: textFor(locale) }, kind, at);
  return true;
}
