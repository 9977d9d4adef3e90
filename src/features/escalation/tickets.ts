// Tickets: a customer's case handed to staff. open → claimed → resolved (and reopened when the
// customer writes again soon after). One open ticket per customer: Customer.ticketId points at
// the latest one and is moved by a conditional update, so two instances cannot open two.
// Every change is one transaction with what it sends: the customer's messages (outbox) and the
// posts of every configured staff channel (Slack, a group-bot webhook…), each queued under its own
// outbox channel so each is paced and retried apart.
import type { Locale, Texts } from '../../engine/i18n.js';
import { AppError } from '../../errors.js';
import { toCustomerIn, toStaff } from '../../outbox/outreach.js';
import type { StaffChannel, StaffCustomer, StaffEvent } from '../../staff/channel.js';
import { type Db, isUniqueViolation, type Tx } from '../../store/index.js';
import { type CustomerChat, customerLocale } from '../../store/notify.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';
import type { Surveys } from '../feedback/index.js';
import type { CustomerContext } from './context.js';
import type { EscalationReason } from './detect.js';

export type { StaffChannel };

export type TicketReason = EscalationReason | 'unanswered';

export interface Ticket {
  id: number;
  customerId: string;
  channel: string;
  chatId: string;
  chatType: string;
  conversationId: string | null;
  status: string;
  reason: string;
  priority: string;
  trigger: string | null;
  assignee: string | null;
  slackTs: string | null;
  reminders: number;
  remindedAt: Date | null;
  createdAt: Date;
  claimedAt: Date | null;
  resolvedAt: Date | null;
}

export interface TicketsOptions {
  db: Db;
  provider: DatabaseProvider;
  clock: Clock;
  texts: Texts;
  defaultLocale: Locale;
  /** Asks for CSAT after a resolution; none when feedback is off. */
  surveys?: Surveys | undefined;
  /** The customer's context for staff (name, tier, points, CSAT, recent messages). */
  context: (customerId: string) => Promise<CustomerContext>;
  /** Who the customer is, for posts that need only their name (one query). */
  customer: (customerId: string) => Promise<StaffCustomer>;
  /** Every place staff are told about tickets; none = tickets only through the admin API. */
  staff?: readonly StaffChannel[] | undefined;
  /** Wakes the outbox dispatcher after something was queued. */
  onQueued: () => void;
  sla: { minutes: number; repeatMinutes: number; staffGroup?: string | undefined };
}

export interface OpenInput {
  customerId: string;
  /** The ticket Customer.ticketId pointed at when the customer was read (null for none). */
  previousTicketId: number | null;
  chat: { channel: string; chatId: string; chatType: 'private' | 'group' };
  reason: TicketReason;
  priority: 'high' | 'normal';
  trigger: string | null;
  authorName: string;
}

/** Who acts on a ticket: a Slack user (id) or an admin (name); sourceId makes a retried event count once. */
export interface Actor {
  name: string;
  sourceId?: string;
}

export class Tickets {
  private readonly staff: readonly StaffChannel[];

  constructor(private readonly o: TicketsOptions) {
    this.staff = o.staff ?? [];
  }

  /** Minutes staff have to claim a ticket before reminders (the console's countdown). */
  get slaMinutes(): number {
    return this.o.sla.minutes;
  }

  /** Whether any staff channel is told about tickets (else nothing is rendered or looked up for them). */
  private get told(): boolean {
    return this.staff.length > 0;
  }

  private now(): Date {
    return new Date(this.o.clock.now());
  }

  async get(id: number): Promise<Ticket | null> {
    return this.o.db.ticket.findUnique({ where: { id } });
  }

  async require(id: number): Promise<Ticket> {
    const ticket = await this.get(id);
    if (!ticket) throw new AppError('HTTP_NOT_FOUND', `no ticket ${id}`);
    return ticket;
  }

  async bySlackTs(ts: string): Promise<Ticket | null> {
    return this.o.db.ticket.findFirst({ where: { slackTs: ts } });
  }

  /** Called by the staff channel once the ticket's root message exists there. */
  async setSlackThread(id: number, channel: string, ts: string): Promise<void> {
    await this.o.db.ticket.update({ where: { id }, data: { slackChannel: channel, slackTs: ts } });
  }

  /**
   * Opens a ticket, unless the customer got one meanwhile (another instance, a double tap):
   * then that one is returned with created: false.
   */
  async open(input: OpenInput): Promise<{ ticket: Ticket; created: boolean }> {
    const { db } = this.o;
    const at = this.now();
    const context = this.told ? await this.o.context(input.customerId) : undefined;
    const conversation = await db.conversation.findUnique({
      where: { channel_chatId: { channel: input.chat.channel, chatId: input.chat.chatId } },
      select: { id: true },
    });
    try {
      const ticket = await db.$transaction(async (tx) => {
        const ticket = await tx.ticket.create({
          data: {
            customerId: input.customerId,
            ...input.chat,
            conversationId: conversation?.id ?? null,
            reason: input.reason,
            priority: input.priority,
            trigger: input.trigger,
            createdAt: at,
          },
        });
        const moved = await tx.customer.updateMany({
          where: { id: input.customerId, ticketId: input.previousTicketId },
          data: { ticketId: ticket.id },
        });
        if (moved.count !== 1) throw new LostRace();
        if (input.trigger) {
          await tx.ticketMessage.create({
            data: { ticketId: ticket.id, author: 'customer', authorName: input.authorName, text: input.trigger },
          });
        }
        await this.logEvent(tx, ticket, 'ticket_opened', at, { reason: input.reason, priority: input.priority });
        if (context) await this.toStaff(tx, { kind: 'opened', ticket, context, at });
        return ticket;
      });
      this.o.onQueued();
      return { ticket, created: true };
    } catch (err) {
      if (!(err instanceof LostRace)) throw err;
      const customer = await db.customer.findUniqueOrThrow({ where: { id: input.customerId } });
      const current = customer.ticketId ? await this.get(customer.ticketId) : null;
      if (current && current.status !== 'resolved') return { ticket: current, created: false };
      return this.open({ ...input, previousTicketId: customer.ticketId });
    }
  }

  /** A customer's message while their ticket is open: kept on the ticket and shown to staff. */
  async addCustomerMessage(ticket: Ticket, name: string, text: string): Promise<void> {
    const { db } = this.o;
    const at = this.now();
    const customer = this.told ? await this.o.customer(ticket.customerId) : undefined;
    await db.$transaction(async (tx) => {
      await tx.ticketMessage.create({ data: { ticketId: ticket.id, author: 'customer', authorName: name, text } });
      if (customer) await this.toStaff(tx, { kind: 'customer_message', ticket, customer, text, at });
    });
    if (customer) this.o.onQueued();
  }

  /** The customer wrote again soon after their ticket was resolved: it is open again. */
  async reopen(ticket: Ticket, name: string, text: string): Promise<boolean> {
    const { db } = this.o;
    const at = this.now();
    const context = this.told ? await this.o.context(ticket.customerId) : undefined;
    const reopened = await db.$transaction(async (tx) => {
      const changed = await tx.ticket.updateMany({
        where: { id: ticket.id, status: 'resolved' },
        data: { status: 'open', assignee: null, claimedAt: null, resolvedAt: null, reminders: 0, remindedAt: null },
      });
      if (changed.count !== 1) return null;
      const row = await tx.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
      await tx.ticketMessage.create({ data: { ticketId: ticket.id, author: 'customer', authorName: name, text } });
      await this.logEvent(tx, row, 'ticket_reopened', at);
      if (context) {
        await this.toStaff(tx, { kind: 'reopened', ticket: row, context, by: null, at });
        await this.toStaff(tx, { kind: 'customer_message', ticket: row, customer: context, text, at });
      }
      return row;
    });
    if (reopened && context) this.o.onQueued();
    return reopened !== null;
  }

  /**
   * A staff reply: relayed to the customer's chat as the business's message, and shown in every
   * staff channel but the one it was written in (origin: that channel's outbox name). Replying to an unclaimed ticket claims it.
   * Returns false when this sourceId was handled before (a retried Slack event).
   */
  async reply(id: number, text: string, by: Actor, origin?: string): Promise<boolean> {
    const { db, provider } = this.o;
    const ticket = await this.require(id);
    const at = this.now();
    const chat = await this.chatOf(ticket);
    const customer = this.told ? await this.o.customer(ticket.customerId) : undefined;
    try {
      await db.$transaction(async (tx) => {
        await tx.ticketMessage.create({
          data: { ticketId: id, author: 'staff', authorName: by.name, text, sourceId: by.sourceId ?? null },
        });
        // Transactional: the customer's own case is answered even after /stop.
        await toCustomerIn(
          tx,
          provider,
          ticket.customerId,
          { text, author: { name: by.name } },
          { purpose: 'transactional', kind: 'staff_reply', chat, at },
        );
        if (customer) {
          const event = { kind: 'staff_message' as const, ticket, customer, by: by.name, text, note: false, at };
          await this.toStaff(tx, event, origin);
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
    this.o.onQueued();
    // Someone else claiming it meanwhile is fine: the reply went out all the same.
    if (ticket.status === 'open') await this.claim(id, by).catch(ignoreConflict);
    return true;
  }

  /** An internal note: stays with staff, never reaches the customer. */
  async note(id: number, text: string, by: Actor, origin?: string): Promise<boolean> {
    const { db } = this.o;
    const ticket = await this.require(id);
    const at = this.now();
    const customer = this.told ? await this.o.customer(ticket.customerId) : undefined;
    try {
      await db.$transaction(async (tx) => {
        await tx.ticketMessage.create({
          data: { ticketId: id, author: 'note', authorName: by.name, text, sourceId: by.sourceId ?? null },
        });
        if (customer) {
          const event = { kind: 'staff_message' as const, ticket, customer, by: by.name, text, note: true, at };
          await this.toStaff(tx, event, origin);
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
    if (customer) this.o.onQueued();
    return true;
  }

  /** Takes an open ticket; claiming one's own again is harmless, someone else's is a conflict. */
  async claim(id: number, by: Actor): Promise<Ticket> {
    const { db } = this.o;
    const at = this.now();
    const ticket = await this.require(id);
    const context = this.told ? await this.o.context(ticket.customerId) : undefined;
    const claimed = await db.$transaction(async (tx) => {
      const changed = await tx.ticket.updateMany({
        where: { id, status: 'open' },
        data: { status: 'claimed', assignee: by.name, claimedAt: at },
      });
      const row = await tx.ticket.findUnique({ where: { id } });
      if (!row) throw new AppError('HTTP_NOT_FOUND', `no ticket ${id}`);
      if (changed.count === 1) {
        await this.logEvent(tx, row, 'ticket_claimed', at, { assignee: by.name });
        if (context) await this.toStaff(tx, { kind: 'claimed', ticket: row, context, by: by.name, at });
        return { row, changed: true };
      }
      if (row.status === 'claimed' && row.assignee === by.name) return { row, changed: false };
      throw new AppError('HTTP_CONFLICT', `ticket ${id} is ${row.status}${row.assignee ? ` (${row.assignee})` : ''}`);
    });
    if (claimed.changed && context) this.o.onQueued();
    return claimed.row;
  }

  /**
   * Closes a ticket: the customer is told and asked for a CSAT score. Resolving a resolved
   * ticket changes nothing (a double click, a retried event).
   */
  async resolve(id: number, by: Actor): Promise<Ticket> {
    const { db, provider, texts } = this.o;
    const at = this.now();
    const ticket = await this.require(id);
    if (ticket.status === 'resolved') return ticket;
    const chat = await this.chatOf(ticket);
    const context = this.told ? await this.o.context(ticket.customerId) : undefined;
    const locale = await customerLocale(db, ticket.customerId, this.o.defaultLocale);
    const resolved = await db.$transaction(async (tx) => {
      const changed = await tx.ticket.updateMany({
        where: { id, status: { in: ['open', 'claimed'] } },
        data: { status: 'resolved', resolvedAt: at, assignee: ticket.assignee ?? by.name },
      });
      if (changed.count !== 1) return null;
      const row = await tx.ticket.findUniqueOrThrow({ where: { id } });
      await this.logEvent(tx, row, 'ticket_resolved', at, { by: by.name });
      const told = { text: texts[locale].ticketResolved };
      await toCustomerIn(tx, provider, ticket.customerId, told, {
        purpose: 'transactional',
        kind: 'ticket_resolved',
        chat,
        at,
      });
      if (context) await this.toStaff(tx, { kind: 'resolved', ticket: row, context, by: by.name, at });
      return row;
    });
    if (!resolved) return this.require(id);
    // The CSAT survey is marketing (skipped after /stop), once per resolution. No chat to ask in
    // (HTTP_CONFLICT): the ticket is resolved all the same.
    const csatKey = `csat:ticket:${id}:${at.getTime()}`;
    await this.o.surveys
      ?.send(ticket.customerId, 'csat', 'ticket', (key) => texts[locale][key], csatKey)
      .catch(ignoreConflict);
    this.o.onQueued();
    return resolved;
  }

  /**
   * Reminds staff of tickets nobody claimed within the SLA, at most every repeatMinutes each;
   * high-priority ones mention the staff group. Returns how many reminders were queued.
   */
  async remindOverdue(): Promise<number> {
    const { db, sla } = this.o;
    if (!this.told) return 0;
    const now = this.now();
    const due = await db.ticket.findMany({
      where: {
        status: 'open',
        createdAt: { lte: new Date(now.getTime() - sla.minutes * 60_000) },
        OR: [{ remindedAt: null }, { remindedAt: { lte: new Date(now.getTime() - sla.repeatMinutes * 60_000) } }],
      },
      orderBy: { id: 'asc' },
      take: 100,
    });
    let queued = 0;
    for (const ticket of due) {
      // Read before the transaction: SQLite serves one connection at a time.
      const customer = await this.o.customer(ticket.customerId);
      const sent = await db.$transaction(async (tx) => {
        // Conditional on what we read: another instance reminding at the same time wins alone.
        const changed = await tx.ticket.updateMany({
          where: { id: ticket.id, status: 'open', remindedAt: ticket.remindedAt },
          data: { remindedAt: now, reminders: { increment: 1 } },
        });
        if (changed.count !== 1) return false;
        const waiting = Math.floor((now.getTime() - ticket.createdAt.getTime()) / 60_000);
        const mention = ticket.priority === 'high' ? sla.staffGroup : undefined;
        await this.toStaff(tx, { kind: 'reminder', ticket, customer, minutesWaiting: waiting, mention, at: now });
        return true;
      });
      if (sent) queued++;
    }
    if (queued) this.o.onQueued();
    return queued;
  }

  /**
   * Queues what every staff channel posts for one event, each under its own outbox channel.
   * origin: the staff channel the event was written in (a Slack thread reply), which already
   * shows it; the others are still told.
   */
  private async toStaff(tx: Tx, event: StaffEvent, origin?: string): Promise<void> {
    const posts = this.staff
      .filter((staff) => staff.channel !== origin)
      .flatMap((staff) =>
        staff.render(event).map((message) => ({ channel: staff.channel, chatId: staff.chatId, message })),
      );
    await toStaff(tx, this.o.provider, posts, event.at);
  }

  private async logEvent(tx: Tx, ticket: Ticket, kind: string, at: Date, extra: Record<string, unknown> = {}) {
    await tx.interaction.create({
      data: {
        customerId: ticket.customerId,
        conversationId: ticket.conversationId,
        channel: ticket.channel,
        direction: 'event',
        kind,
        payload: { ticketId: ticket.id, ...extra },
        createdAt: at,
      },
    });
  }

  private async chatOf(ticket: Ticket): Promise<CustomerChat> {
    let conversationId = ticket.conversationId;
    if (!conversationId) {
      const c = await this.o.db.conversation.findUniqueOrThrow({
        where: { channel_chatId: { channel: ticket.channel, chatId: ticket.chatId } },
        select: { id: true },
      });
      conversationId = c.id;
    }
    return {
      channel: ticket.channel,
      chatId: ticket.chatId,
      chatType: ticket.chatType === 'group' ? 'group' : 'private',
      conversationId,
    };
  }
}

class LostRace extends Error {}

function ignoreConflict(err: unknown): void {
  if (!(err instanceof AppError && err.code === 'HTTP_CONFLICT')) throw err;
}
