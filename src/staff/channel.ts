// The seam between tickets and the places staff work (Slack, group-bot webhooks, …). Tickets turn
// every change into a StaffEvent and ask each configured StaffChannel what to post; the posts are
// queued in the outbox under the channel's own name, so each is paced and retried on its own.
// What comes back (thread replies, buttons) reaches tickets through StaffDesk, never the database:
// adapters implement StaffChannel and receive a StaffDesk, and import nothing else of the features.
import type { OutboundMessage } from '../engine/types.js';

/** A ticket as staff channels see it. */
export interface StaffTicket {
  id: number;
  customerId: string;
  /** The customer's chat the ticket came from. */
  channel: string;
  chatId: string;
  status: string;
  reason: string;
  priority: string;
  /** What the customer said that opened it (null for /human without words). */
  trigger: string | null;
  assignee: string | null;
  reminders: number;
  createdAt: Date;
}

/** Who the customer is, for posts that show only a line about them. */
export interface StaffCustomer {
  id: string;
  name: string;
}

/** What staff see about a customer when a ticket reaches them: who, where, how valuable, how satisfied so far. */
export interface CustomerContext extends StaffCustomer {
  identities: { channel: string; externalId: string }[];
  stage: string;
  /** Null when loyalty is off. */
  points: number | null;
  tier: string | null;
  /** Past CSAT answers: how many and their average (1–5). */
  csat: { count: number; average: number } | null;
  /** The latest messages both ways, oldest first. */
  recent: { direction: 'in' | 'out'; text: string; at: Date }[];
}

interface EventBase {
  ticket: StaffTicket;
  at: Date;
}

/** One change of a ticket, as every staff channel is told of it. */
export type StaffEvent =
  | (EventBase & { kind: 'opened'; context: CustomerContext })
  | (EventBase & { kind: 'customer_message'; customer: StaffCustomer; text: string })
  /** A staff reply (sent to the customer) or an internal note, posted from somewhere else than this channel. */
  | (EventBase & { kind: 'staff_message'; customer: StaffCustomer; by: string; text: string; note: boolean })
  /** claimed, resolved, or reopened by the customer writing again (by = null). */
  | (EventBase & { kind: 'claimed' | 'resolved' | 'reopened'; context: CustomerContext; by: string | null })
  /** Nobody claimed it within the SLA; mention = the staff group to call on (high priority only). */
  | (EventBase & {
      kind: 'reminder';
      customer: StaffCustomer;
      minutesWaiting: number;
      mention: string | undefined;
    });

export type StaffEventKind = StaffEvent['kind'];

/**
 * A group moderation case for staff: a member's /report, or an act the bot could not carry out
 * (WeChat cannot delete others' messages; the bot is not an admin). `actionId` is the decision in
 * the audit log (GET /api/v1/moderation/actions) the staff's buttons act on.
 */
export interface StaffReport {
  actionId: number;
  kind: 'report' | 'cannot_act';
  channel: string;
  chatId: string;
  groupTitle: string | null;
  member: { id: string; name: string | null };
  /** Who reported (a member's /report). */
  reporter: { id: string; name: string | null } | null;
  text: string | null;
  reason: string | null;
  at: Date;
}

/** A place staff are told about tickets. */
export interface StaffChannel {
  /** The outbox channel its posts are queued under; a MessageSender of the same name delivers them. */
  readonly channel: string;
  /** Where in that channel (a Slack channel id, the webhook's format). */
  readonly chatId: string;
  /** What to post for one event, in order; [] = nothing for this event. */
  render(event: StaffEvent): OutboundMessage[];
  /** What to post for a moderation case (none: this channel is not told of them). */
  renderReport?(report: StaffReport): OutboundMessage[];
}

/** What a staff channel with buttons (Slack) may do about a moderation case, by its action id. */
export interface ModerationDesk {
  /** ban: the reported member; delete: the reported message; dismiss: nothing, the case is closed. */
  act(actionId: number, act: 'ban' | 'delete' | 'dismiss', by: StaffActor): Promise<void>;
}

/** Someone acting on a ticket from a staff channel; sourceId makes a retried event count once. */
export interface StaffActor {
  name: string;
  sourceId?: string;
}

/** What a staff channel that talks back (Slack) may do to tickets: the narrow way in. */
export interface StaffDesk {
  /** The ticket whose thread root has this id in the staff channel (a Slack ts). */
  ticketByThread(threadId: string): Promise<number | null>;
  threadOf(ticketId: number): Promise<string | null>;
  setThread(ticketId: number, place: string, threadId: string): Promise<void>;
  /** A reply for the customer, written in the staff channel (so not echoed back there). */
  reply(ticketId: number, text: string, by: StaffActor): Promise<void>;
  note(ticketId: number, text: string, by: StaffActor): Promise<void>;
  /** Throws a conflict when someone else holds it, not found when it is gone. */
  claim(ticketId: number, by: StaffActor): Promise<void>;
  resolve(ticketId: number, by: StaffActor): Promise<void>;
}
