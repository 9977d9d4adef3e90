// The inbox: open and claimed tickets, newest or most urgent first, with priority, the SLA
// countdown and unread marks; the list reloads itself when tickets change (server-sent events).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ConsoleContext, flashOf, sendPage, sessionOf, textsOf } from '../context.js';
import { type Html, html } from '../html.js';
import { formatTime, page } from '../layout.js';
import type { Session } from '../staff.js';
import type { ConsoleTexts } from '../texts.js';

export interface ApiTicket {
  id: number;
  status: 'open' | 'claimed' | 'resolved';
  reason: string;
  priority: 'high' | 'normal';
  channel: string;
  chatId: string;
  trigger: string | null;
  assignee: string | null;
  reminders: number;
  createdAt: string;
  claimedAt: string | null;
  resolvedAt: string | null;
  customer: { id: string; displayName: string | null; identities: { channel: string; externalId: string }[] };
}

const FILTERS = ['all', 'mine', 'unassigned', 'high'] as const;
type Filter = (typeof FILTERS)[number];
const SORTS = ['newest', 'urgent'] as const;
type Sort = (typeof SORTS)[number];
/** The inbox shows at most this many of each status (a small business has far fewer open). */
const PER_STATUS = 200;

function viewOf(request: FastifyRequest): { filter: Filter; sort: Sort } {
  const q = request.query as { filter?: string; sort?: string };
  return {
    filter: FILTERS.includes(q.filter as Filter) ? (q.filter as Filter) : 'all',
    sort: SORTS.includes(q.sort as Sort) ? (q.sort as Sort) : 'newest',
  };
}

export const customerName = (t: Pick<ApiTicket, 'customer'>) =>
  t.customer.displayName ?? t.customer.identities[0]?.externalId ?? t.customer.id.slice(0, 8);

/** Minutes left to claim an open ticket (negative: over); undefined when not counting. */
export function slaMinutesLeft(ticket: Pick<ApiTicket, 'status' | 'createdAt'>, sla: number | undefined, now: number) {
  if (sla === undefined || ticket.status !== 'open') return undefined;
  return Math.floor((Date.parse(ticket.createdAt) + sla * 60_000 - now) / 60_000);
}

export function slaBadge(t: ConsoleTexts, left: number | undefined): Html | string {
  if (left === undefined) return '';
  return left >= 0
    ? html`<span class="badge ok">${t.slaLeft(left)}</span>`
    : html`<span class="badge over">${t.slaOver(-left)}</span>`;
}

/** Tickets with customer messages newer than what this staff member has read. */
async function unreadOf(c: ConsoleContext, staffId: string, ids: number[]): Promise<Set<number>> {
  if (!ids.length) return new Set();
  const [latest, reads] = await Promise.all([
    c.reads.ticketMessage.groupBy({
      by: ['ticketId'],
      where: { ticketId: { in: ids }, author: 'customer' },
      _max: { id: true },
    }),
    c.reads.ticketRead.findMany({ where: { staffId, ticketId: { in: ids } } }),
  ]);
  const seen = new Map(reads.map((r) => [r.ticketId, r.lastMessageId]));
  const unread = new Set<number>();
  for (const row of latest) {
    const last = row._max.id ?? 0;
    if (last > (seen.get(row.ticketId) ?? -1)) unread.add(row.ticketId);
  }
  // A ticket never opened by this staff member is unread even without customer messages.
  for (const id of ids) if (!seen.has(id)) unread.add(id);
  return unread;
}

async function inboxList(c: ConsoleContext, session: Session, filter: Filter, sort: Sort): Promise<Html> {
  const t = textsOf(session);
  const [open, claimed] = await Promise.all(
    (['open', 'claimed'] as const).map((status) =>
      c.api.get<{ tickets: ApiTicket[] }>('/api/v1/tickets', { status, limit: PER_STATUS }),
    ),
  );
  let tickets = [...(open?.tickets ?? []), ...(claimed?.tickets ?? [])];
  if (filter === 'mine') tickets = tickets.filter((x) => x.assignee === session.staff.name);
  if (filter === 'unassigned') tickets = tickets.filter((x) => x.status === 'open');
  if (filter === 'high') tickets = tickets.filter((x) => x.priority === 'high');
  const now = c.clock.now();
  tickets.sort((a, b) => {
    if (sort === 'urgent') {
      const rank = (x: ApiTicket) => (x.priority === 'high' ? 0 : 1) * 2 + (x.status === 'open' ? 0 : 1);
      return rank(a) - rank(b) || Date.parse(a.createdAt) - Date.parse(b.createdAt);
    }
    return Date.parse(b.createdAt) - Date.parse(a.createdAt);
  });
  const unread = await unreadOf(
    c,
    session.staff.id,
    tickets.map((x) => x.id),
  );
  if (!tickets.length) return html`<p class="card">${t.noTickets}</p>`;
  const lang = session.staff.locale;
  return html`<ul class="tickets">${tickets.map(
    (x) => html`<li class="${unread.has(x.id) ? 'is-unread' : ''}" data-ticket="${x.id}">
  <a class="title" href="/console/tickets/${x.id}">#${x.id} · ${customerName(x)}</a>
  ${unread.has(x.id) ? html`<span class="badge unread">${t.unread}</span>` : ''}
  ${x.priority === 'high' ? html`<span class="badge high">${t.highPriority}</span>` : ''}
  <span class="badge">${x.reason}</span>
  <span class="badge">${x.status === 'open' ? t.unassigned : `${t.assignee}: ${x.assignee ?? ''}`}</span>
  ${slaBadge(t, slaMinutesLeft(x, c.slaMinutes, now))}
  <div class="muted">${x.channel} · ${formatTime(x.createdAt, lang, c.timezone)}</div>
  ${x.trigger ? html`<div>${x.trigger.length > 160 ? `${x.trigger.slice(0, 160)}…` : x.trigger}</div>` : ''}
</li>`,
  )}</ul>`;
}

export async function inboxPages(app: FastifyInstance, c: ConsoleContext): Promise<void> {
  app.get('/console', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const t = textsOf(session);
    const { filter, sort } = viewOf(request);
    const link = (f: Filter, s: Sort) => `/console?filter=${f}&sort=${s}`;
    const labels: Record<Filter, string> = { all: t.all, mine: t.mine, unassigned: t.unassigned, high: t.highPriority };
    const body = html`<nav class="filters" aria-label="${t.filter}">
  ${FILTERS.map((f) => html`<a href="${link(f, sort)}" aria-current="${String(f === filter)}">${labels[f]}</a>`)}
  <span class="muted">·</span>
  ${SORTS.map((s) => html`<a href="${link(filter, s)}" aria-current="${String(s === sort)}">${s === 'newest' ? t.newest : t.urgent}</a>`)}
</nav>
<div hx-ext="sse" sse-connect="/console/events">
  <div id="inbox-list" aria-live="polite" hx-get="/console/inbox/list?filter=${filter}&sort=${sort}" hx-trigger="sse:tickets, every 60s">
    ${await inboxList(c, session, filter, sort)}
  </div>
</div>
<p class="muted">${t.live}</p>`;
    return sendPage(reply, page(session, { title: t.inbox, section: 'inbox', flash: flashOf(request, t) }, body));
  });

  app.get('/console/inbox/list', { schema: { hide: true } }, async (request, reply) => {
    const { filter, sort } = viewOf(request);
    return sendPage(reply, await inboxList(c, sessionOf(request), filter, sort));
  });
}
