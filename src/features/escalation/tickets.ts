// Tickets: a customer's case handed to staff. open → claimed → resolved (and reopened when the
// customer writes again soon after). One open ticket per customer: Customer.ticketId points at
// the latest one and is moved by a conditional update, so two instances cannot open two.
// Every change is one transaction with what it sends: the customer's messages (outbox) and, when
// a staff channel (Slack) is configured, the posts staff see in the ticket's thread.
import type { Locale, Texts } from '../../engine/i18n.js';
import type { OutboundMessage } from '../../engine/types.js';
import { AppError } from '../../errors.js';
import { insertMany } from '../../store/bulk.js';
import { type Db, isUniqueViolation, type Tx } from '../../store/index.js';
import { type CustomerChat, chatWrites, customerLocale } from '../../store/notify.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';
import type { Surveys } from '../feedback/surveys.js';
import type { CustomerContext } from './context.js';
import type { EscalationReason } from './detect.js';

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

/** Renders what staff see in a staff channel (Slack); the outbox delivers it. */
export interface StaffChannel {
  /** The outbox channel name, such as "slack". */
  readonly channel: string;
  /** Where tickets are posted (a Slack channel id). */
  readonly chatId: string;
  root(ticket: Ticket, context: CustomerContext): OutboundMessage;
  customerMessage(ticket: Ticket, name: string, text: string): OutboundMessage;
  staffMessage(ticket: Ticket, who: string, text: string, note: boolean): OutboundMessage;
  /** A change of state (claimed, resolved, reopened) in the thread. */
  statusMessage(ticket: Ticket, by: string | null): OutboundMessage;
  reminder(ticket: Ticket, minutesWaiting: number, mention: string | undefined): OutboundMessage;
}

export interface TicketsOptions {
  db: Db;
  provider: DatabaseProvider;
  clock: Clock;
  texts: Texts;
  defaultLocale: Locale;
  surveys: Surveys;
  /** The customer's context for staff (name, tier, points, CSAT, recent messages). */
  context: (customerId: string) => Promise<CustomerContext>;
  staff?: StaffChannel | undefined;
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
  constructor(private readonly o: TicketsOptions) {}

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
    const { db, staff } = this.o;
    const at = this.now();
    const context = staff ? await this.o.context(input.customerId) : undefined;
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
        if (staff && context) await this.toStaff(tx, staff.root(ticket, context), at);
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
    const { db, staff } = this.o;
    const at = this.now();
    await db.$transaction(async (tx) => {
      await tx.ticketMessage.create({ data: { ticketId: ticket.id, author: 'customer', authorName: name, text } });
      if (staff) await this.toStaff(tx, staff.customerMessage(ticket, name, text), at);
    });
    if (staff) this.o.onQueued();
  }

  /** The customer wrote again soon after their ticket was resolved: it is open again. */
  async reopen(ticket: Ticket, name: string, text: string): Promise<boolean> {
    const { db, staff } = this.o;
    const at = this.now();
    const reopened = await db.$transaction(async (tx) => {
      const changed = await tx.ticket.updateMany({
        where: { id: ticket.id, status: 'resolved' },
        data: { status: 'open', assignee: null, claimedAt: null, resolvedAt: null, reminders: 0, remindedAt: null },
      });
      if (changed.count !== 1) return null;
      const row = await tx.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
      await tx.ticketMessage.create({ data: { ticketId: ticket.id, author: 'customer', authorName: name, text } });
      await this.logEvent(tx, row, 'ticket_reopened', at);
      if (staff) {
        await this.toStaff(tx, staff.statusMessage(row, null), at);
        await this.toStaff(tx, staff.customerMessage(row, name, text), at);
      }
      return row;
    });
    if (reopened && staff) {
      await this.updateRoot(reopened);
      this.o.onQueued();
    }
    return reopened !== null;
  }

  /**
   * A staff reply: relayed to the customer's chat as the business's message (and into the
   * staff thread when it did not come from there). Replying to an unclaimed ticket claims it.
   * Returns false when this sourceId was handled before (a retried Slack event).
   */
  async reply(id: number, text: string, by: Actor, fromStaffChannel = false): Promise<boolean> {
    const { db, provider, staff } = this.o;
    const ticket = await this.require(id);
    const at = this.now();
    const chat = await this.chatOf(ticket);
    try {
      await db.$transaction(async (tx) => {
        await tx.ticketMessage.create({
          data: { ticketId: id, author: 'staff', authorName: by.name, text, sourceId: by.sourceId ?? null },
        });
        for (const write of chatWrites(tx, provider, ticket.customerId, chat, { text }, 'staff_reply', at)) await write;
        if (staff && !fromStaffChannel) await this.toStaff(tx, staff.staffMessage(ticket, by.name, text, false), at);
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
  async note(id: number, text: string, by: Actor, fromStaffChannel = false): Promise<boolean> {
    const { db, staff } = this.o;
    const ticket = await this.require(id);
    const at = this.now();
    try {
      await db.$transaction(async (tx) => {
        await tx.ticketMessage.create({
          data: { ticketId: id, author: 'note', authorName: by.name, text, sourceId: by.sourceId ?? null },
        });
        if (staff && !fromStaffChannel) await this.toStaff(tx, staff.staffMessage(ticket, by.name, text, true), at);
      });
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
    if (staff && !fromStaffChannel) this.o.onQueued();
    return true;
  }

  /** Takes an open ticket; claiming one's own again is harmless, someone else's is a conflict. */
  async claim(id: number, by: Actor): Promise<Ticket> {
    const { db, staff } = this.o;
    const at = this.now();
    const claimed = await db.$transaction(async (tx) => {
      const changed = await tx.ticket.updateMany({
        where: { id, status: 'open' },
        data: { status: 'claimed', assignee: by.name, claimedAt: at },
      });
      const row = await tx.ticket.findUnique({ where: { id } });
      if (!row) throw new AppError('HTTP_NOT_FOUND', `no ticket ${id}`);
      if (changed.count === 1) {
        await this.logEvent(tx, row, 'ticket_claimed', at, { assignee: by.name });
        if (staff) await this.toStaff(tx, staff.statusMessage(row, by.name), at);
        return { row, changed: true };
      }
      if (row.status === 'claimed' && row.assignee === by.name) return { row, changed: false };
      throw new AppError('HTTP_CONFLICT', `ticket ${id} is ${row.status}${row.assignee ? ` (${row.assignee})` : ''}`);
    });
    if (claimed.changed && staff) {
      await this.updateRoot(claimed.row);
      this.o.onQueued();
    }
    return claimed.row;
  }

  /**
   * Closes a ticket: the customer is told and asked for a CSAT score. Resolving a resolved
   * ticket changes nothing (a double click, a retried event).
   */
  async resolve(id: number, by: Actor): Promise<Ticket> {
    const { db, provider, staff, texts } = this.o;
    const at = this.now();
    const ticket = await this.require(id);
    if (ticket.status === 'resolved') return ticket;
    const chat = await this.chatOf(ticket);
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
      for (const write of chatWrites(tx, provider, ticket.customerId, chat, told, 'ticket_resolved', at)) await write;
      if (staff) await this.toStaff(tx, staff.statusMessage(row, by.name), at);
      return row;
    });
    if (!resolved) return this.require(id);
    // No chat to ask in (HTTP_CONFLICT): the ticket is resolved all the same.
    await this.o.surveys.send(ticket.customerId, 'csat', 'ticket', (key) => texts[locale][key]).catch(ignoreConflict);
    if (staff) await this.updateRoot(resolved);
    this.o.onQueued();
    return resolved;
  }

  /**
   * Reminds staff of tickets nobody claimed within the SLA, at most every repeatMinutes each;
   * high-priority ones mention the staff group. Returns how many reminders were queued.
   */
  async remindOverdue(): Promise<number> {
    const { db, staff, sla } = this.o;
    if (!staff) return 0;
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
      const sent = await db.$transaction(async (tx) => {
        // Conditional on what we read: another instance reminding at the same time wins alone.
        const changed = await tx.ticket.updateMany({
          where: { id: ticket.id, status: 'open', remindedAt: ticket.remindedAt },
          data: { remindedAt: now, reminders: { increment: 1 } },
        });
        if (changed.count !== 1) return false;
        const waiting = Math.floor((now.getTime() - ticket.createdAt.getTime()) / 60_000);
        const mention = ticket.priority === 'high' ? sla.staffGroup : undefined;
        await this.toStaff(tx, staff.reminder(ticket, waiting, mention), now);
        return true;
      });
      if (sent) queued++;
    }
    if (queued) this.o.onQueued();
    return queued;
  }

  /** Rewrites the ticket's root message in the staff channel (status, assignee). */
  private async updateRoot(ticket: Ticket): Promise<void> {
    const { staff, db } = this.o;
    if (!staff) return;
    const context = await this.o.context(ticket.customerId);
    const root = staff.root(ticket, context);
    await this.toStaff(db, { ...root, thread: { key: String(ticket.id), role: 'update' } }, this.now());
  }

  private async toStaff(db: Db | Tx, message: OutboundMessage, at: Date): Promise<void> {
    const { staff, provider } = this.o;
    if (!staff) return;
    await insertMany(
      db,
      provider,
      'Outbox',
      [
        {
          channel: staff.channel,
          chatId: staff.chatId,
          chatType: 'group',
          customerId: null,
          message: message as unknown as object,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: at,
          createdAt: at,
        },
      ],
      { json: ['message'] },
    );
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
