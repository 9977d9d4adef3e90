// GET /api/v1/messages?include=both: the whole conversation of an API chat, what the customer
// wrote merged in time order with what was sent to them (the bot's and staff's messages). Pure.
//
// Two sources, each read in id order after a position of its own: the outbox (what was sent) and
// the customer's inbound messages. The cursor carries both positions, "<outbox id>_<message id>",
// so a page never repeats or skips an item of either, whatever arrives meanwhile.
import type { QueuedMessage } from '../../src/engine/types.js';
import { AppError } from '../../src/errors.js';
import { MAX_INTEGER_ID } from '../../src/http/schemas.js';

/** A message the customer sent in the chat (a button press shown as its label). */
export interface CustomerMessage {
  id: number;
  text: string;
  createdAt: Date;
}

export interface ChatPosition {
  /** The last outbox id returned (what was sent to the customer). */
  outbox: number;
  /** The last interaction id of the customer's own messages returned. */
  inbound: number;
}

/** The `after` query parameter: a plain number (include=replies) or "<outbox>_<inbound>" (include=both). */
export const AFTER_PATTERN = '^[0-9]{1,15}(_[0-9]{1,15})?$';

// Ids are 32-bit integers in the database: a cursor past the largest has nothing after it
// (PostgreSQL refuses the comparison with a larger number).
const id = (digits: string) => Math.min(Number(digits), MAX_INTEGER_ID);

/** The outbox position of a cursor (include=replies): a plain number, or the first half of a both-cursor. */
export function repliesAfter(after: string | undefined): number {
  return after ? id(after.split('_')[0] as string) : 0;
}

/** Both positions of a cursor (include=both); a plain number (an include=replies cursor) is a 400. */
export function bothAfter(after: string | undefined): ChatPosition {
  if (!after) return { outbox: 0, inbound: 0 };
  const [outbox, inbound] = after.split('_');
  if (inbound === undefined) {
    throw new AppError(
      'HTTP_BAD_REQUEST',
      'querystring/after: with include=both the cursor is "<outbox id>_<message id>", as a response gave it (a plain number is a cursor of include=replies); leave after out to start',
    );
  }
  return { outbox: id(outbox as string), inbound: id(inbound) };
}

export function encodeBoth(position: ChatPosition): string {
  return `${position.outbox}_${position.inbound}`;
}

export type ChatItem = { kind: 'sent'; message: QueuedMessage } | { kind: 'customer'; message: CustomerMessage };

/**
 * The first `limit` items of both lists (each in id order) merged by time, a customer's message
 * before what was sent at the same instant (it came first), and the position after them. Each
 * list's taken items are a prefix of it, so the position never passes an item not returned.
 */
export function mergeChat(
  sent: readonly QueuedMessage[],
  customer: readonly CustomerMessage[],
  after: ChatPosition,
  limit: number,
): { items: ChatItem[]; position: ChatPosition } {
  const items: ChatItem[] = [];
  let i = 0;
  let j = 0;
  while (items.length < limit) {
    const s = sent[i];
    const c = customer[j];
    if (!s && !c) break;
    if (c && (!s || c.createdAt.getTime() <= s.createdAt.getTime())) {
      items.push({ kind: 'customer', message: c });
      j++;
    } else if (s) {
      items.push({ kind: 'sent', message: s });
      i++;
    }
  }
  return {
    items,
    position: {
      outbox: i ? (sent[i - 1] as QueuedMessage).id : after.outbox,
      inbound: j ? (customer[j - 1] as CustomerMessage).id : after.inbound,
    },
  };
}

/**
 * An item as GET /api/v1/messages?include=both shows it. A customer's message gets the negative of
 * its id, a space of its own: what was sent keeps its (positive) outbox id.
 */
export function renderItem(item: ChatItem) {
  if (item.kind === 'customer') {
    const m = item.message;
    return { id: -m.id, from: 'customer' as const, text: m.text, createdAt: m.createdAt.toISOString() };
  }
  const m = item.message;
  return {
    id: m.id,
    from: m.author ? ('staff' as const) : ('bot' as const),
    ...(m.author ? { author: { name: m.author.name } } : {}),
    text: m.text,
    ...(m.buttons?.length ? { buttons: m.buttons } : {}),
    createdAt: m.createdAt.toISOString(),
  };
}
