// A customer's side of one private chat, for the chat itself to show (the API channel's web chat):
// who the chat's account belongs to, and what the customer wrote there. What was sent to them is
// the outbox's (src/outbox/store.ts listChatMessages).
import type { Locale } from '../engine/i18n.js';
import type { Button } from '../engine/types.js';
import type { Db } from './index.js';
import { customerLocale } from './notify.js';

/** The customer a private chat's account belongs to (a private chat's id is its account's id). */
export interface ChatCustomer {
  id: string;
  displayName: string | null;
  locale: string | null;
  optedOut: boolean;
}

export async function chatCustomer(db: Db, channel: string, chatId: string): Promise<ChatCustomer | null> {
  const identity = await db.channelIdentity.findUnique({
    where: { channel_externalId: { channel, externalId: chatId } },
    select: { customer: { select: { id: true, displayName: true, locale: true, optedOut: true } } },
  });
  return identity?.customer ?? null;
}

/** A message the customer sent: its interaction id, and a button press shown as the button's label. */
export interface CustomerMessage {
  id: number;
  text: string;
  createdAt: Date;
}

/** How far back a button press looks for the message that carried the button. */
const LABEL_LOOKBACK = 200;

/**
 * What the customer of a private chat wrote there (their inbound interactions: messages, commands,
 * button presses), oldest first, after a cursor (the last interaction id seen). A press shows the
 * label of the button it pressed, found on the latest message sent to the chat with that payload
 * before it (the interaction log keeps them), else its payload.
 */
export async function listCustomerMessages(
  db: Db,
  channel: string,
  chatId: string,
  after: number,
  limit: number,
): Promise<CustomerMessage[]> {
  const [identity, conversation] = await Promise.all([
    db.channelIdentity.findUnique({
      where: { channel_externalId: { channel, externalId: chatId } },
      select: { customerId: true },
    }),
    db.conversation.findUnique({ where: { channel_chatId: { channel, chatId } }, select: { id: true } }),
  ]);
  if (!identity || !conversation) return [];
  // Through the customer: the (customerId, createdAt) index holds a customer's rows together.
  const where = { customerId: identity.customerId, conversationId: conversation.id };
  const rows = await db.interaction.findMany({
    where: { ...where, direction: 'in', id: { gt: after } },
    orderBy: { id: 'asc' },
    take: limit,
    select: { id: true, text: true, payload: true, createdAt: true },
  });
  const presses = rows.filter((r) => !r.text && pressed(r.payload) !== undefined);
  let sent: { payload: unknown; createdAt: Date }[] = [];
  if (presses.length) {
    const latest = new Date(Math.max(...presses.map((r) => r.createdAt.getTime())));
    sent = await db.interaction.findMany({
      where: { ...where, direction: 'out', createdAt: { lte: latest } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: LABEL_LOOKBACK,
      select: { payload: true, createdAt: true },
    });
  }
  return rows.map((r) => {
    if (r.text) return { id: r.id, text: r.text, createdAt: r.createdAt };
    const payload = pressed(r.payload) ?? '';
    const label = sent
      .filter((s) => s.createdAt <= r.createdAt)
      .flatMap((s) => buttonsOf(s.payload))
      .find((b) => b.payload === payload)?.label;
    return { id: r.id, text: label || payload, createdAt: r.createdAt };
  });
}

/** The payload of a pressed button, as the engine logs it ({"button": …}). */
function pressed(payload: unknown): string | undefined {
  const button = (payload as { button?: unknown } | null)?.button;
  return typeof button === 'string' ? button : undefined;
}

/** The buttons of a logged outbound message ({"buttons": […]}). */
function buttonsOf(payload: unknown): Button[] {
  const buttons = (payload as { buttons?: unknown } | null)?.buttons;
  return Array.isArray(buttons)
    ? buttons.filter((b): b is Button => typeof b?.label === 'string' && typeof b?.payload === 'string')
    : [];
}

/** What the features show a customer about themselves (FeatureParts.panel, through the registry). */
export type PanelOf = (
  customerId: string,
  chat: { channel: string; chatId: string },
  locale: Locale,
) => Promise<Record<string, unknown>>;

/**
 * A private chat's customer as they see themselves (GET /api/v1/me): who they are, the language
 * the bot writes to them in, whether they opted out, and what the features add (points, rewards,
 * a waiting survey; null and [] while those features are off). Null when nobody wrote from it.
 */
export async function visitorPanel(db: Db, channel: string, chatId: string, fallback: Locale, panel: PanelOf) {
  const customer = await chatCustomer(db, channel, chatId);
  if (!customer) return null;
  const locale = await customerLocale(db, customer.id, fallback);
  return {
    userId: chatId,
    displayName: customer.displayName,
    locale,
    optedOut: customer.optedOut,
    points: null,
    rewards: [],
    survey: null,
    ...(await panel(customer.id, { channel, chatId }, locale)),
  };
}
