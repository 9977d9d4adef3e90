// The ticket event every staff webhook post is made from. With STAFF_WEBHOOK_FORMAT=json it is
// posted as is (the documented JSON event); the group-bot formats render its facts as a message.
import type { Locale } from '../../src/engine/i18n.js';
import type { StaffEvent, StaffEventKind, StaffReport } from '../../src/staff/channel.js';
import { webhookTexts } from './texts.js';

export type TicketEventName =
  | 'ticket.opened'
  | 'ticket.message'
  | 'ticket.claimed'
  | 'ticket.resolved'
  | 'ticket.reopened'
  | 'ticket.reminder';

const names: Record<StaffEventKind, TicketEventName> = {
  opened: 'ticket.opened',
  customer_message: 'ticket.message',
  staff_message: 'ticket.message',
  claimed: 'ticket.claimed',
  resolved: 'ticket.resolved',
  reopened: 'ticket.reopened',
  reminder: 'ticket.reminder',
};

/** The JSON event (README: "Staff channels"). */
export interface TicketEvent {
  event: TicketEventName;
  at: string;
  ticket: {
    id: number;
    status: string;
    reason: string;
    priority: string;
    trigger: string | null;
    assignee: string | null;
    createdAt: string;
    customer: { id: string; name: string; channel: string };
    url: string;
  };
  /** ticket.message: what was written, by whom. */
  message?: { author: 'customer' | 'staff' | 'note'; name: string; text: string };
  /** ticket.claimed, ticket.resolved: who did it. */
  by?: string;
  /** ticket.reminder: how long it has waited unclaimed. */
  minutesWaiting?: number;
}

export function ticketEvent(event: StaffEvent, publicUrl: string): TicketEvent {
  const { ticket } = event;
  const customer = 'context' in event ? event.context : event.customer;
  const body: TicketEvent = {
    event: names[event.kind],
    at: event.at.toISOString(),
    ticket: {
      id: ticket.id,
      status: ticket.status,
      reason: ticket.reason,
      priority: ticket.priority,
      trigger: ticket.trigger,
      assignee: ticket.assignee,
      createdAt: ticket.createdAt.toISOString(),
      customer: { id: customer.id, name: customer.name, channel: ticket.channel },
      url: `${publicUrl}/api/v1/tickets/${ticket.id}`,
    },
  };
  if (event.kind === 'customer_message') body.message = { author: 'customer', name: customer.name, text: event.text };
  if (event.kind === 'staff_message') {
    body.message = { author: event.note ? 'note' : 'staff', name: event.by, text: event.text };
  }
  if ((event.kind === 'claimed' || event.kind === 'resolved') && event.by) body.by = event.by;
  if (event.kind === 'reminder') body.minutesWaiting = event.minutesWaiting;
  return body;
}

/** What a group-bot post shows, in the business's language. */
export interface PostFacts {
  /** The headline, with 【紧急】/[URGENT] before it when everyone should look now. */
  title: string;
  /** Label and value lines: customer, reason, priority, trigger, and the new message if any. */
  lines: [string, string][];
  linkLabel: string;
  url: string;
  /** A high-priority ticket opened or waiting: the post calls on everyone in the group (@all). */
  urgent: boolean;
}

const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));

export function postFacts(e: TicketEvent, locale: Locale): PostFacts {
  const t = webhookTexts[locale];
  const values = { id: e.ticket.id, by: e.by ?? e.message?.name ?? '', minutes: e.minutesWaiting ?? 0 };
  const headline: Record<TicketEventName, string> = {
    'ticket.opened': t.opened,
    'ticket.message':
      e.message?.author === 'customer' ? t.customerWrote : e.message?.author === 'note' ? t.staffNote : t.staffReplied,
    'ticket.claimed': t.claimed,
    'ticket.resolved': t.resolved,
    'ticket.reopened': t.reopened,
    'ticket.reminder': t.reminder,
  };
  const urgent = e.ticket.priority === 'high' && (e.event === 'ticket.opened' || e.event === 'ticket.reminder');
  const lines: [string, string][] = [
    [t.customer, `${e.ticket.customer.name} (${e.ticket.customer.channel})`],
    [t.reason, t.reasons[e.ticket.reason] ?? e.ticket.reason],
    [t.priority, t.priorities[e.ticket.priority] ?? e.ticket.priority],
  ];
  if (e.ticket.trigger) lines.push([t.trigger, clip(e.ticket.trigger, 500)]);
  if (e.message) lines.push([t.message, clip(e.message.text, 1000)]);
  return {
    title: `${urgent ? t.urgent : ''}${fill(headline[e.event], values)}`,
    lines,
    linkLabel: t.open,
    url: e.ticket.url,
    urgent,
  };
}

/** Group bots cap a message at a few KB (WeCom: 4,096 bytes of markdown): long texts are cut. */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The JSON event of a moderation case (README: "Staff channels"). */
export interface ReportEvent {
  event: 'moderation.report' | 'moderation.cannot_act';
  at: string;
  case: {
    id: number;
    channel: string;
    chatId: string;
    group: string | null;
    member: { id: string; name: string | null };
    reporter: { id: string; name: string | null } | null;
    text: string | null;
    reason: string | null;
    url: string;
  };
}

export function reportEvent(r: StaffReport, publicUrl: string): ReportEvent {
  const chat = encodeURIComponent(`${r.channel}:${r.chatId}`);
  return {
    event: r.kind === 'report' ? 'moderation.report' : 'moderation.cannot_act',
    at: r.at.toISOString(),
    case: {
      id: r.actionId,
      channel: r.channel,
      chatId: r.chatId,
      group: r.groupTitle,
      member: r.member,
      reporter: r.reporter,
      text: r.text,
      reason: r.reason,
      url: `${publicUrl}/api/v1/moderation/actions?chat=${chat}&member=${encodeURIComponent(r.member.id)}`,
    },
  };
}

export function reportFacts(e: ReportEvent, locale: Locale): PostFacts {
  const t = webhookTexts[locale];
  const c = e.case;
  const lines: [string, string][] = [
    [t.group, `${c.group ?? c.chatId} (${c.channel})`],
    [t.member, `${c.member.name ?? c.member.id} (${c.member.id})`],
  ];
  if (c.reporter) lines.push([t.reporter, c.reporter.name ?? c.reporter.id]);
  if (c.reason) lines.push([t.reason, clip(c.reason, 500)]);
  if (c.text) lines.push([t.message, clip(c.text, 1000)]);
  return {
    title: fill(e.event === 'moderation.report' ? t.reported : t.cannotAct, { id: c.id }),
    lines,
    linkLabel: t.open,
    url: c.url,
    urgent: false,
  };
}
