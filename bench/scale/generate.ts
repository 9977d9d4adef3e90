// The seeded world of npm run bench:data: customers with a channel identity each (some with a
// second), a private conversation per identity, interactions over their life, feedback and
// follow-ups, a points ledger with expiry lots (some due), tickets, and the outbox rows of the
// last weeks. Deterministic: customer i is the same on every run and every database, so the
// benchmark can pick its query inputs (ids, external ids, names) without reading them back.
// Rows are arrays in the column order of TABLES; dates are epoch milliseconds, JSON is text.
import {
  COMMANDS,
  FEEDBACK_COMMENTS,
  FIRST_NAMES,
  GIVEN,
  INBOUND_EN,
  INBOUND_ZH,
  LAST_NAMES,
  REPLIES_EN,
  REPLIES_ZH,
  SURNAMES,
  TOPICS_EN,
  TOPICS_ZH,
  UNANSWERED_EN,
  UNANSWERED_ZH,
} from './texts.js';

export type ColumnType = 'text' | 'int' | 'bool' | 'date' | 'json';
export type Value = string | number | boolean | null;
export type Row = Value[];

/** The tables seeded, in an order that satisfies their foreign keys, and the columns written. */
export const TABLES = {
  Customer: {
    id: 'text',
    displayName: 'text',
    locale: 'text',
    stage: 'text',
    optedOut: 'bool',
    createdAt: 'date',
    updatedAt: 'date',
    lastSeenAt: 'date',
    pointsBalance: 'int',
    birthday: 'text',
    ticketId: 'int',
    purchaseCount: 'int',
    purchaseAmount: 'int',
    firstPurchaseAt: 'date',
    lastPurchaseAt: 'date',
    lastCsat: 'int',
    lastNps: 'int',
  },
  Purchase: { customerId: 'text', orderId: 'text', amount: 'int', at: 'date', createdAt: 'date' },
  ChannelIdentity: {
    id: 'text',
    channel: 'text',
    externalId: 'text',
    customerId: 'text',
    displayName: 'text',
    reachable: 'bool',
    createdAt: 'date',
  },
  Conversation: { id: 'text', channel: 'text', chatId: 'text', kind: 'text', createdAt: 'date' },
  Interaction: {
    customerId: 'text',
    conversationId: 'text',
    channel: 'text',
    direction: 'text',
    kind: 'text',
    text: 'text',
    payload: 'json',
    platformMessageId: 'text',
    createdAt: 'date',
    handledAt: 'date',
  },
  Outbox: {
    channel: 'text',
    chatId: 'text',
    chatType: 'text',
    customerId: 'text',
    message: 'json',
    status: 'text',
    attempts: 'int',
    nextAttemptAt: 'date',
    lastError: 'text',
    createdAt: 'date',
    sentAt: 'date',
  },
  PointsEntry: {
    id: 'int',
    customerId: 'text',
    kind: 'text',
    delta: 'int',
    reason: 'text',
    idempotencyKey: 'text',
    expiresAt: 'date',
    expiryDone: 'bool',
    meta: 'json',
    createdAt: 'date',
  },
  Feedback: {
    id: 'int',
    customerId: 'text',
    channel: 'text',
    kind: 'text',
    score: 'int',
    comment: 'text',
    source: 'text',
    createdAt: 'date',
  },
  FollowUp: {
    id: 'int',
    customerId: 'text',
    feedbackId: 'int',
    status: 'text',
    note: 'text',
    createdAt: 'date',
    handledAt: 'date',
  },
  Ticket: {
    id: 'int',
    customerId: 'text',
    channel: 'text',
    chatId: 'text',
    chatType: 'text',
    conversationId: 'text',
    status: 'text',
    reason: 'text',
    priority: 'text',
    trigger: 'text',
    assignee: 'text',
    createdAt: 'date',
    updatedAt: 'date',
    claimedAt: 'date',
    resolvedAt: 'date',
  },
  TicketMessage: { ticketId: 'int', author: 'text', authorName: 'text', text: 'text', createdAt: 'date' },
} as const satisfies Record<string, Record<string, ColumnType>>;

export type Table = keyof typeof TABLES;
export const TABLE_NAMES = Object.keys(TABLES) as Table[];
/** Tables whose ids the seed gives (PostgreSQL's sequences are moved past them afterwards). */
export const GIVEN_IDS: Table[] = ['PointsEntry', 'Feedback', 'FollowUp', 'Ticket'];

export type Chunk = Record<Table, Row[]>;

const DAY = 86_400_000;
const HISTORY_DAYS = 730;
/** Sent outbox rows are kept this long before outbox-prune (outbox.retainDays 30) deletes them; seeded back this far. */
const OUTBOX_DAYS = 40;

export interface Plan {
  customers: number;
  interactions: number;
  /** The seed's "now": every date is before it. */
  now: number;
  /**
   * Lots that expired more than this long ago were dealt with by earlier runs of the expiry job
   * (expire entry written, expiryDone set); those since are due for the first run.
   */
  expiryBacklogDays: number;
}

/** mulberry32: small, fast, good enough for test data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
/** Skewed to the front of the list: the common things are asked most. */
const pickCommon = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * r() * list.length)] as T;
const hex = (r: () => number, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
};
const uuid = (r: () => number) =>
  `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-${'89ab'[Math.floor(r() * 4)]}${hex(r, 3)}-${hex(r, 12)}`;

export interface SeededCustomer {
  index: number;
  id: string;
  name: string | null;
  chinese: boolean;
  channel: string;
  externalId: string;
  locale: string | null;
  createdAt: number;
  lastSeenAt: number;
  interactions: number;
  r: () => number;
}

function externalIdOf(r: () => number, channel: string, i: number): string {
  if (channel === 'telegram') return String(1_000_000_000 + i * 13 + Math.floor(r() * 13));
  if (channel === 'wechat') return `wxid_${hex(r, 6)}${i.toString(36)}`;
  return `visitor-${uuid(r)}`;
}

/** Customer i's own fields (the rest of its rows are drawn from the same generator, in order). */
export function customerAt(i: number, plan: Plan): SeededCustomer {
  const r = random(Math.imul(i + 1, 2654435761) ^ 0x5eed);
  const chinese = r() < 0.55;
  const named = r() >= 0.08;
  const name = !named
    ? null
    : chinese
      ? pick(r, SURNAMES) + pick(r, GIVEN) + (r() < 0.6 ? pick(r, GIVEN) : '')
      : `${pick(r, FIRST_NAMES)} ${pick(r, LAST_NAMES)}`;
  const channel = !named ? 'api' : chinese ? (r() < 0.7 ? 'wechat' : 'telegram') : r() < 0.65 ? 'telegram' : 'api';
  const lastSeenAt = plan.now - Math.floor(r() * HISTORY_DAYS * DAY);
  const createdAt = lastSeenAt - Math.floor(r() * (lastSeenAt - (plan.now - HISTORY_DAYS * DAY)));
  const mean = plan.interactions / plan.customers;
  // Exponential around the mean: most customers wrote a little, a few wrote a lot.
  const interactions = Math.max(1, Math.min(Math.round(mean * 15), Math.round(-Math.log(1 - r()) * mean)));
  return {
    index: i,
    id: uuid(r),
    name,
    chinese,
    channel,
    externalId: externalIdOf(r, channel, i),
    locale: chinese ? (r() < 0.7 ? 'zh-CN' : null) : r() < 0.7 ? 'en' : null,
    createdAt,
    lastSeenAt,
    interactions,
    r,
  };
}

/** Ids handed out so far (autoincrement tables whose ids the seed gives), and inbound message numbers. */
export interface Counters {
  entry: number;
  feedback: number;
  followUp: number;
  ticket: number;
  message: number;
}

export const newCounters = (): Counters => ({ entry: 0, feedback: 0, followUp: 0, ticket: 0, message: 0 });

export function emptyChunk(): Chunk {
  return Object.fromEntries(TABLE_NAMES.map((t) => [t, []])) as unknown as Chunk;
}

const EVENT_KINDS = [
  'faq_answered',
  'faq_answered',
  'faq_answered',
  'faq_unanswered',
  'faq_unanswered',
  'faq_unanswered',
  'faq_suggested',
  'feedback',
  'feedback_points',
  'escalated',
  'locale_changed',
  'tier_reached',
];
const TICKET_REASONS = ['human', 'human', 'human', 'complaint', 'complaint', 'unanswered', 'money', 'safety', 'legal'];

/** Appends customer i and everything of theirs to `chunk`. */
export function addCustomer(chunk: Chunk, i: number, plan: Plan, ids: Counters): SeededCustomer {
  const c = customerAt(i, plan);
  const { r } = c;
  const now = plan.now;
  const second = r() < 0.05 ? (c.channel === 'wechat' ? 'telegram' : 'wechat') : null;
  const conversationId = uuid(r);
  const identities: [string, string, string][] = [[c.channel, c.externalId, conversationId]];
  if (second) identities.push([second, externalIdOf(r, second, i), uuid(r)]);
  for (const [channel, externalId, conversation] of identities) {
    chunk.ChannelIdentity.push([uuid(r), channel, externalId, c.id, c.name, r() >= 0.02, c.createdAt]);
    chunk.Conversation.push([conversation, channel, externalId, 'private', c.createdAt]);
  }

  // Interactions over the customer's life, the last one when they were last seen.
  const life = c.lastSeenAt - c.createdAt;
  const times = Array.from({ length: c.interactions }, () => c.createdAt + Math.floor(r() * life)).sort(
    (a, b) => a - b,
  );
  times[times.length - 1] = c.lastSeenAt;
  const zh = c.chinese;
  for (const at of times) {
    const u = r();
    let row: Row;
    if (u < 0.42) {
      const v = r();
      const kind = v < 0.85 ? 'message' : v < 0.95 ? 'command' : 'button';
      const text =
        kind === 'command' ? pick(r, COMMANDS) : kind === 'button' ? 'faq:1' : pick(r, zh ? INBOUND_ZH : INBOUND_EN);
      const messageId = `seed-${++ids.message}`;
      row = [c.id, conversationId, c.channel, 'in', kind, text, null, messageId, at, at + 40];
    } else if (u < 0.84) {
      const text = pick(r, zh ? REPLIES_ZH : REPLIES_EN);
      row = [c.id, conversationId, c.channel, 'out', 'message', text, null, null, at, null];
      if (at > now - OUTBOX_DAYS * DAY) {
        const failed = r() < 0.02;
        chunk.Outbox.push([
          c.channel,
          c.externalId,
          'private',
          c.id,
          JSON.stringify({ text }),
          failed ? 'failed' : 'sent',
          failed ? 5 : 1,
          at,
          failed ? '403: bot was blocked by the user' : null,
          at,
          failed ? null : at + 300,
        ]);
      }
    } else {
      const kind = pick(r, EVENT_KINDS);
      let text: string | null = null;
      let payload: string | null = null;
      if (kind === 'faq_unanswered') {
        // Most ask the common questions; a long tail asks them about one thing or another.
        const question = pickCommon(r, zh ? UNANSWERED_ZH : UNANSWERED_EN);
        text = r() < 0.6 ? question : `${question} ${pick(r, zh ? TOPICS_ZH : TOPICS_EN)}`;
        payload = JSON.stringify({ question: text, locale: zh ? 'zh-CN' : 'en' });
      } else if (kind === 'faq_answered') {
        payload = JSON.stringify({ entryId: `faq-${Math.floor(r() * 40)}`, score: Math.round(r() * 100) / 100 });
      }
      row = [c.id, conversationId, c.channel, 'event', kind, text, payload, null, at, null];
    }
    chunk.Interaction.push(row);
  }

  // Feedback: a survey answer from one customer in five, two from one in twenty.
  const answers = r() < 0.2 ? (r() < 0.25 ? 2 : 1) : 0;
  for (let k = 0; k < answers; k++) {
    const id = ++ids.feedback;
    const at = c.createdAt + Math.floor(r() * life);
    const v = r();
    const kind = v < 0.5 ? 'csat' : v < 0.85 ? 'nps' : 'feedback';
    const score =
      kind === 'nps' ? Math.min(10, Math.floor(11 * Math.sqrt(r()))) : Math.min(5, 1 + Math.floor(5 * Math.sqrt(r())));
    const source = kind === 'feedback' ? 'command' : pick(r, ['ticket', 'followup', 'campaign', 'command']);
    chunk.Feedback.push([id, c.id, c.channel, kind, score, r() < 0.2 ? pick(r, FEEDBACK_COMMENTS) : null, source, at]);
    if ((kind === 'nps' && score <= 6) || (kind !== 'nps' && score <= 2)) {
      const handled = at < now - 7 * DAY ? r() < 0.9 : r() < 0.3;
      chunk.FollowUp.push([
        ++ids.followUp,
        c.id,
        id,
        handled ? 'handled' : 'open',
        handled ? 'called back' : null,
        at,
        handled ? Math.min(now, at + DAY) : null,
      ]);
    }
  }

  let balance = 0;
  if (r() < 0.5) balance = addLedger(chunk, c, plan, ids);

  let ticketId: number | null = null;
  if (r() < 0.02) {
    ticketId = ++ids.ticket;
    const at = c.createdAt + Math.floor(r() * life);
    const recent = c.lastSeenAt > now - 3 * DAY;
    const v = r();
    const status = recent ? (v < 0.6 ? 'open' : v < 0.8 ? 'claimed' : 'resolved') : v < 0.95 ? 'resolved' : 'open';
    const reason = pick(r, TICKET_REASONS);
    const assignee = status === 'open' ? null : `staff-${1 + Math.floor(r() * 5)}`;
    const trigger = pick(r, zh ? INBOUND_ZH : INBOUND_EN);
    chunk.Ticket.push([
      ticketId,
      c.id,
      c.channel,
      c.externalId,
      'private',
      conversationId,
      status,
      reason,
      ['money', 'safety', 'legal'].includes(reason) ? 'high' : 'normal',
      trigger,
      assignee,
      at,
      at + 3_600_000,
      assignee ? at + 600_000 : null,
      status === 'resolved' ? at + 3_600_000 : null,
    ]);
    chunk.TicketMessage.push([ticketId, 'customer', c.name, trigger, at]);
    if (assignee)
      chunk.TicketMessage.push([
        ticketId,
        'staff',
        assignee,
        zh ? '您好,我来帮您看看。' : 'Hi, let me check.',
        at + 600_000,
      ]);
  }

  const birthday = r() < 0.3 ? birthdayOf(r) : null;
  const optedOut = r() < 0.03;
  // Purchases: 45 % bought, most once or twice, a few often; each an order of its own.
  const buys = r() < 0.45 ? Math.min(40, Math.max(1, Math.round(-Math.log(1 - r()) * 2.5))) : 0;
  const bought = Array.from({ length: buys }, () => c.createdAt + Math.floor(r() * (now - c.createdAt))).sort(
    (a, b) => a - b,
  );
  let amount = 0;
  bought.forEach((at, k) => {
    const price = 15 + Math.floor(r() * 185);
    amount += price;
    chunk.Purchase.push([c.id, `seed-${c.index}-${k}`, price, at, at]);
  });
  const csat = r() < 0.25 ? 1 + Math.floor(r() * 5) : null;
  const nps = r() < 0.15 ? Math.floor(r() * 11) : null;
  chunk.Customer.push([
    c.id,
    c.name,
    c.locale,
    stageOf(bought, c.lastSeenAt, now),
    optedOut,
    c.createdAt,
    c.lastSeenAt,
    c.lastSeenAt,
    balance,
    birthday,
    ticketId,
    buys,
    amount,
    bought[0] ?? null,
    bought.at(-1) ?? null,
    csat,
    nps,
  ]);
  return c;
}

/** The lifecycle stage the daily job would give (src/features/lifecycle/stage.ts, its default settings). */
function stageOf(purchases: number[], lastSeenAt: number, now: number): string {
  const last = purchases.at(-1);
  if (last === undefined) return 'prospect';
  const idle = (now - Math.max(last, lastSeenAt)) / DAY;
  if (idle >= 180) return 'churned';
  if (idle >= 60) return 'at_risk';
  if (purchases.filter((at) => at >= now - 365 * DAY).length >= 5) return 'loyal';
  return now - (purchases[0] as number) <= 30 * DAY ? 'new' : 'active';
}

const DAYS_IN = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function birthdayOf(r: () => number): string {
  const month = Math.floor(r() * 12);
  const day = 1 + Math.floor(r() * (DAYS_IN[month] as number));
  return `${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

interface Lot {
  entry: LedgerRow;
  remaining: number;
  expiresAt: number;
}

interface LedgerRow {
  id: number;
  kind: string;
  delta: number;
  reason: string;
  key: string;
  expiresAt: number | null;
  expiryDone: boolean;
  lot?: Lot;
  at: number;
}

/**
 * A member's ledger: awards (each a lot that expires a year later), perhaps a spend, and the
 * expiries that earlier runs of the job wrote, replayed in time order with the oldest points
 * consumed first (src/features/loyalty/lots.ts) so the balance is the ledger's sum. Returns it.
 */
function addLedger(chunk: Chunk, c: SeededCustomer, plan: Plan, ids: Counters): number {
  const { r } = c;
  const life = c.lastSeenAt - c.createdAt;
  const cutoff = plan.now - plan.expiryBacklogDays * DAY;
  const events: { at: number; kind: 'award' | 'spend' | 'expire'; lot?: Lot; amount?: number }[] = [];
  const awards = 1 + Math.floor(r() * 5);
  for (let k = 0; k < awards; k++) {
    const at = c.createdAt + Math.floor(r() * life);
    const delta = pick(r, [10, 20, 50, 100, 200]);
    const entry: LedgerRow = {
      id: 0,
      kind: 'award',
      delta,
      reason: pick(r, ['purchase', 'purchase', 'checkin', 'welcome', 'feedback']),
      key: '',
      expiresAt: at + 365 * DAY,
      expiryDone: false,
      at,
    };
    const lot: Lot = { entry, remaining: delta, expiresAt: at + 365 * DAY };
    events.push({ at, kind: 'award', lot });
    // The job ran at 03:15 after the lot's time; lots since the cutoff wait for the next run.
    if (lot.expiresAt < cutoff) events.push({ at: lot.expiresAt + 3 * 3_600_000, kind: 'expire', lot });
  }
  if (r() < 0.3)
    events.push({ at: c.createdAt + Math.floor(r() * life), kind: 'spend', amount: pick(r, [50, 100, 150, 300]) });
  events.sort((a, b) => a.at - b.at);

  const open: Lot[] = [];
  const rows: LedgerRow[] = [];
  let balance = 0;
  for (const e of events) {
    if (e.kind === 'award' && e.lot) {
      open.push(e.lot);
      rows.push(e.lot.entry);
      balance += e.lot.remaining;
    } else if (e.kind === 'spend') {
      let owed = Math.min(balance, e.amount ?? 0);
      if (!owed) continue;
      rows.push({
        id: 0,
        kind: 'spend',
        delta: -owed,
        reason: 'redemption',
        key: '',
        expiresAt: null,
        expiryDone: false,
        at: e.at,
      });
      balance -= owed;
      for (const lot of open.sort((a, b) => a.expiresAt - b.expiresAt)) {
        const take = Math.min(owed, lot.remaining);
        lot.remaining -= take;
        owed -= take;
        if (!owed) break;
      }
    } else if (e.lot) {
      e.lot.entry.expiryDone = true;
      if (e.lot.remaining > 0) {
        rows.push({
          id: 0,
          kind: 'expire',
          delta: -e.lot.remaining,
          reason: 'expiry',
          key: '',
          expiresAt: null,
          expiryDone: false,
          lot: e.lot,
          at: e.at,
        });
        balance -= e.lot.remaining;
        e.lot.remaining = 0;
      }
    }
  }
  // Ledger order is id order: ids in time order, then the expiries can name their lots.
  for (const row of rows) {
    row.id = ++ids.entry;
    row.key = row.kind === 'expire' ? `expire:${row.lot?.entry.id}` : `seed:${c.index}:${row.id}`;
  }
  for (const row of rows) {
    const meta =
      row.kind === 'expire' && row.lot
        ? JSON.stringify({ lotEntryId: row.lot.entry.id, expiredAt: new Date(row.lot.expiresAt).toISOString() })
        : null;
    chunk.PointsEntry.push([
      row.id,
      c.id,
      row.kind,
      row.delta,
      row.reason,
      row.key,
      row.expiresAt,
      row.expiryDone,
      meta,
      row.at,
    ]);
  }
  return balance;
}
