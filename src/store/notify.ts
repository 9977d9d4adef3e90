// Where and in which language to write to a customer on the business's own initiative. The
// writing itself is src/outbox/outreach.ts's alone.
import { detectLocale, type Locale, normalizeLocale } from '../engine/i18n.js';
import { type Db, Prisma, type Tx } from './index.js';
import { inValues } from './json-rows.js';
import type { DatabaseProvider } from './schema-engine.js';

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

/**
 * customerLocale for many customers whose choice is not set, in one query: the language of each
 * one's latest messages that say (up to 10 back), else `fallback`.
 */
export async function detectedLocales(
  db: Db | Tx,
  provider: DatabaseProvider,
  customerIds: readonly string[],
  fallback: Locale,
) {
  const found = new Map<string, Locale>();
  if (!customerIds.length) return found;
  const rows = await db.$queryRaw<{ customerId: string; text: string | null; payload: unknown }[]>`
    SELECT r."customerId" AS "customerId", r."text" AS text, r."payload" AS payload FROM (
      SELECT i."customerId", i."text", i."payload",
             ROW_NUMBER() OVER (PARTITION BY i."customerId" ORDER BY i."id" DESC) AS n
      FROM "Interaction" i
      WHERE ${inValues(provider, Prisma.sql`i."customerId"`, customerIds)} AND i."direction" = 'in') r
    WHERE r.n <= 10
    ORDER BY r."customerId", r.n`;
  for (const r of rows) {
    if (found.has(r.customerId)) continue;
    const payload = typeof r.payload === 'string' ? parseJson(r.payload) : r.payload;
    const locale =
      detectLocale(r.text ?? undefined) ?? normalizeLocale((payload as { localeHint?: string } | null)?.localeHint);
    if (locale) found.set(r.customerId, locale);
  }
  for (const id of customerIds) if (!found.has(id)) found.set(id, fallback);
  return found;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
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
