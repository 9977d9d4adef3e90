// Where and in which language to write to a customer on the business's own initiative. The
// writing itself is src/outbox/outreach.ts's alone.
import { detectLocale, type Locale, normalizeLocale } from '../engine/i18n.js';
import type { Db, Tx } from './index.js';

export interface CustomerChat {
  channel: string;
  chatId: string;
  chatType: 'private' | 'group';
  conversationId: string;
}

/** The language to write to a customer on our own: their choice, else that of their recent messages. */
export async function customerLocale(db: Db | Tx, customerId: string, fallback: Locale): Promise<Locale> {
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
export async function latestChat(db: Db | Tx, customerId: string): Promise<CustomerChat | null> {
  const last = await db.interaction.findFirst({
    where: { customerId, direction: 'in', conversation: { kind: 'private' } },
    orderBy: { id: 'desc' },
    select: { conversation: { select: { id: true, channel: true, chatId: true } } },
  });
  const c = last?.conversation;
  return c ? { channel: c.channel, chatId: c.chatId, chatType: 'private', conversationId: c.id } : null;
}
