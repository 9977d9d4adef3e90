// What staff read in Slack: one root message per ticket (who the customer is, what they said,
// Claim and Resolve buttons) and the ticket's conversation in its thread. Customer text is
// escaped so it can never mention @channel or forge a link.
import type { OutboundMessage } from '../../src/engine/types.js';
import type {
  CustomerContext,
  StaffChannel,
  StaffEvent,
  StaffReport,
  StaffTicket as Ticket,
} from '../../src/staff/channel.js';
import { sanitizeText } from '../../src/util/text.js';

export const CLAIM_ACTION = 'ticket_claim';
export const RESOLVE_ACTION = 'ticket_resolve';
/** The buttons on a group moderation case, and what each asks of moderation. */
export const MODERATION_ACTIONS = [
  ['mod_ban', 'ban'],
  ['mod_delete', 'delete'],
  ['mod_dismiss', 'dismiss'],
] as const;
/** How Slack users are stored as assignees: "slack:U0123". */
export const SLACK_ACTOR = 'slack:';

/** Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Staff text as Slack delivers it → plain text for the customer (links and mentions spelled out). */
export function plainFromSlack(text: string): string {
  // Whatever Slack delivers, the relayed text must be storable (it is logged and sent on).
  return sanitizeText(text)
    .replace(/<([^<>|]+)\|([^<>]+)>/g, '$2')
    .replace(/<[@#!]?([^<>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

/** "slack:U0123" → "<@U0123>" (Slack shows the name); admins' names as they are. */
export function who(actor: string | null): string {
  if (!actor) return 'nobody';
  return actor.startsWith(SLACK_ACTOR) ? `<@${actor.slice(SLACK_ACTOR.length)}>` : escapeMrkdwn(actor);
}

const quote = (text: string, max = 600) =>
  escapeMrkdwn(text.length > max ? `${text.slice(0, max - 1)}…` : text)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');

const statusLine: Record<string, string> = {
  open: ':red_circle: open, waiting for someone to claim it',
  claimed: ':large_yellow_circle: claimed by',
  resolved: ':white_check_mark: resolved by',
};

export class SlackStaffChannel implements StaffChannel {
  readonly channel = 'slack';

  constructor(readonly chatId: string) {}

  /** One root message per ticket, rewritten when its state changes; everything else in its thread. */
  render(event: StaffEvent): OutboundMessage[] {
    const { ticket } = event;
    switch (event.kind) {
      case 'opened':
        return [this.root(ticket, event.context)];
      case 'customer_message':
        return [this.customerMessage(ticket, event.customer.name, event.text)];
      case 'staff_message':
        return [this.staffMessage(ticket, event.by, event.text, event.note)];
      case 'claimed':
      case 'resolved':
      case 'reopened': {
        const root = this.root(ticket, event.context);
        return [this.statusMessage(ticket, event.by), { ...root, thread: { key: String(ticket.id), role: 'update' } }];
      }
      case 'reminder':
        return [this.reminder(ticket, event.minutesWaiting, event.mention)];
    }
  }

  /** A group moderation case: who, where, what was said, and Ban / Delete / Dismiss. */
  renderReport(r: StaffReport): OutboundMessage[] {
    const title =
      r.kind === 'report'
        ? `:triangular_flag_on_post: *Reported in a group* by ${escapeMrkdwn(r.reporter?.name ?? r.reporter?.id ?? 'a member')}`
        : ':warning: *The bot could not act in a group*: please handle it';
    const lines = [
      title,
      `*Group:* ${escapeMrkdwn(r.groupTitle ?? r.chatId)} (${r.channel})`,
      `*Member:* ${escapeMrkdwn(r.member.name ?? r.member.id)} (${escapeMrkdwn(r.member.id)})`,
    ];
    if (r.reason) lines.push(`*Reason:* ${escapeMrkdwn(r.reason)}`);
    if (r.text) lines.push('*Message:*', quote(r.text));
    lines.push(`_Case #${r.actionId}_`);
    return [
      {
        text: lines.join('\n'),
        buttons: [
          { label: 'Ban', payload: `mod_ban:${r.actionId}` },
          { label: 'Delete', payload: `mod_delete:${r.actionId}` },
          { label: 'Dismiss', payload: `mod_dismiss:${r.actionId}` },
        ],
      },
    ];
  }

  root(ticket: Ticket, c: CustomerContext): OutboundMessage {
    const priority = ticket.priority === 'high' ? ' · :rotating_light: *high priority*' : '';
    const status =
      ticket.status === 'open'
        ? statusLine.open
        : `${statusLine[ticket.status] ?? ticket.status} ${who(ticket.assignee)}`;
    const csat = c.csat ? `${c.csat.average}/5 over ${c.csat.count} survey(s)` : 'no answers yet';
    const lines = [
      `*Ticket #${ticket.id}* · ${ticket.reason}${priority}`,
      `*Customer:* ${escapeMrkdwn(c.name)} · ${c.identities.map((i) => `${i.channel}:${escapeMrkdwn(i.externalId)}`).join(', ')}`,
      `${c.tier === null ? '' : `*Tier:* ${escapeMrkdwn(c.tier)} · *Points:* ${c.points} · `}*Stage:* ${c.stage} · *Past CSAT:* ${csat}`,
      `*Status:* ${status}`,
    ];
    if (ticket.trigger) lines.push('*Message:*', quote(ticket.trigger));
    if (c.recent.length) {
      lines.push('*Recent conversation:*');
      for (const r of c.recent)
        lines.push(`${r.direction === 'in' ? ':bust_in_silhouette:' : ':robot_face:'} ${quote(r.text, 200).slice(2)}`);
    }
    lines.push('_Reply in this thread to answer the customer; start with `note:` to keep it internal._');
    return {
      text: lines.join('\n'),
      ...(ticket.status === 'resolved'
        ? {}
        : {
            buttons: [
              ...(ticket.status === 'open' ? [{ label: 'Claim', payload: `${CLAIM_ACTION}:${ticket.id}` }] : []),
              { label: 'Resolve', payload: `${RESOLVE_ACTION}:${ticket.id}` },
            ],
          }),
      thread: { key: String(ticket.id), role: 'root' },
    };
  }

  customerMessage(ticket: Ticket, name: string, text: string): OutboundMessage {
    return this.inThread(ticket, `:bust_in_silhouette: *${escapeMrkdwn(name)}:*\n${quote(text, 3000)}`);
  }

  staffMessage(ticket: Ticket, by: string, text: string, note: boolean): OutboundMessage {
    const label = note ? ':memo: note from' : ':speech_balloon: reply sent to the customer by';
    return this.inThread(ticket, `${label} ${who(by)}:\n${quote(text, 3000)}`);
  }

  statusMessage(ticket: Ticket, by: string | null): OutboundMessage {
    const text =
      ticket.status === 'open'
        ? ':arrows_counterclockwise: The customer wrote again: ticket reopened.'
        : `${statusLine[ticket.status] ?? ticket.status} ${who(by)}`;
    return this.inThread(ticket, text);
  }

  reminder(ticket: Ticket, minutesWaiting: number, mention: string | undefined): OutboundMessage {
    const to = mention ? `${mention} ` : '';
    return this.inThread(
      ticket,
      `:alarm_clock: ${to}Ticket #${ticket.id} (${ticket.priority} priority) has waited ${minutesWaiting} min and nobody has claimed it.`,
    );
  }

  private inThread(ticket: Ticket, text: string): OutboundMessage {
    return { text, thread: { key: String(ticket.id), role: 'reply' } };
  }
}
