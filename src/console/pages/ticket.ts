// One ticket: the conversation (what the customer said before, then the ticket's own messages:
// customer, staff replies, internal notes), the customer 360 beside it, and reply / note / claim /
// resolve. Replies go through the admin API: they reach the customer's channel and Slack's thread.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { audit, type ConsoleContext, field, flashOf, redirect, sendPage, sessionOf, textsOf } from '../context.js';
import { type Html, html } from '../html.js';
import { csrfField, formatTime, page } from '../layout.js';
import type { Session } from '../staff.js';
import { customerCard } from './customer-card.js';
import { type ApiTicket, customerName, slaBadge, slaMinutesLeft } from './inbox.js';

interface TicketDetail extends ApiTicket {
  recent: { direction: 'in' | 'out'; channel: string; text: string; createdAt: string }[];
  messages: {
    id: number;
    author: 'customer' | 'staff' | 'note';
    authorName: string | null;
    text: string;
    createdAt: string;
  }[];
  messagesNextCursor: string | null;
}

const idOf = (params: unknown) => {
  const id = Number((params as { id: string }).id);
  if (!Number.isInteger(id) || id <= 0) throw new AppError('HTTP_NOT_FOUND', 'no such ticket');
  return id;
};

async function loadTicket(c: ConsoleContext, id: number): Promise<TicketDetail> {
  const ticket = await c.api.get<TicketDetail>(`/api/v1/tickets/${id}`);
  // The detail carries the first messages; a long ticket's later ones follow page by page.
  let cursor = ticket.messagesNextCursor;
  while (cursor) {
    const more = await c.api.get<{ messages: TicketDetail['messages']; nextCursor: string | null }>(
      `/api/v1/tickets/${id}/messages`,
      { cursor, limit: 500 },
    );
    ticket.messages.push(...more.messages);
    cursor = more.nextCursor;
  }
  return ticket;
}

/** Remembers that this staff member has seen the ticket up to its latest message. */
async function markRead(c: ConsoleContext, staffId: string, ticket: TicketDetail): Promise<void> {
  const lastMessageId = ticket.messages.at(-1)?.id ?? 0;
  await c.db.ticketRead.upsert({
    where: { staffId_ticketId: { staffId, ticketId: ticket.id } },
    create: { staffId, ticketId: ticket.id, lastMessageId },
    update: { lastMessageId, at: new Date(c.clock.now()) },
  });
}

/** What the bot said to the customer while the ticket was open (acknowledgements, the CSAT question). */
async function botMessages(c: ConsoleContext, ticket: TicketDetail) {
  const until = ticket.resolvedAt ? new Date(Date.parse(ticket.resolvedAt) + BOT_AFTER_RESOLVED_MS) : undefined;
  return c.reads.interaction.findMany({
    where: {
      customerId: ticket.customer.id,
      direction: 'out',
      kind: { not: 'staff_reply' },
      text: { not: null },
      createdAt: { gte: new Date(ticket.createdAt), ...(until ? { lte: until } : {}) },
    },
    orderBy: { id: 'asc' },
    take: 200,
    select: { text: true, createdAt: true },
  });
}
/** Bot messages this long after the resolution still belong to the ticket (resolution notice, survey). */
const BOT_AFTER_RESOLVED_MS = 5 * 60_000;

type Line = { author: 'customer' | 'bot' | 'staff' | 'note'; name: string | null; text: string; at: string };

async function conversation(c: ConsoleContext, session: Session, ticket: TicketDetail): Promise<Html> {
  const t = textsOf(session);
  const lang = session.staff.locale;
  const when = (at: string) => formatTime(at, lang, c.timezone);
  const labels = { customer: t.fromCustomer, bot: t.fromBot, staff: t.fromStaff, note: t.note };
  // The trigger is the ticket's first message: not shown twice.
  const before = ticket.recent.filter(
    (m, i) => !(i === ticket.recent.length - 1 && m.direction === 'in' && m.text === ticket.trigger),
  );
  const lines: Line[] = [
    ...ticket.messages.map((m) => ({ author: m.author, name: m.authorName, text: m.text, at: m.createdAt })),
    ...(await botMessages(c, ticket)).map((m) => ({
      author: 'bot' as const,
      name: null,
      text: m.text ?? '',
      at: m.createdAt.toISOString(),
    })),
  ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const item = (l: Line) =>
    html`<li class="${l.author}" data-author="${l.author}"><span class="who">${labels[l.author]}${l.name ? ` · ${l.name}` : ''} · ${when(l.at)}</span>${l.text}</li>`;
  return html`${
    before.length
      ? html`<h2>${t.before}</h2><ol class="messages">${before.map((m) =>
          item({ author: m.direction === 'in' ? 'customer' : 'bot', name: null, text: m.text, at: m.createdAt }),
        )}</ol>`
      : ''
  }
<h2>${t.conversation}</h2>
<ol class="messages" data-count="${ticket.messages.length}">${lines.map(item)}</ol>`;
}

export async function ticketPages(app: FastifyInstance, c: ConsoleContext): Promise<void> {
  app.get('/console/tickets/:id', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const t = textsOf(session);
    const ticket = await loadTicket(c, idOf(request.params));
    await markRead(c, session.staff.id, ticket);
    const action = (name: string, label: string, cls = '', title = '') =>
      html`<form method="post" action="/console/tickets/${ticket.id}/${name}" class="inline">${csrfField(session)}<button type="submit" class="${cls}" title="${title}">${label}</button></form>`;
    // Only a ticket the detector opened on a message can teach it (not /human, not the FAQ's button).
    const detected = ticket.trigger && ticket.reason !== 'unanswered';
    const resolved = ticket.status === 'resolved';
    const body = html`<div class="ticket-layout">
<div>
  <div class="card">
    <span class="badge">${ticket.status}</span>
    ${ticket.priority === 'high' ? html`<span class="badge high">${t.highPriority}</span>` : ''}
    <span class="badge">${ticket.reason}</span>
    ${ticket.assignee ? html`<span class="badge">${t.assignee}: ${ticket.assignee}</span>` : ''}
    ${slaBadge(t, slaMinutesLeft(ticket, c.slaMinutes, c.clock.now()))}
    <div class="muted">${ticket.channel} · ${t.opened} ${formatTime(ticket.createdAt, session.staff.locale, c.timezone)}</div>
    <div class="actions">
      ${ticket.status === 'open' ? action('claim', t.claim, 'secondary') : ''}
      ${resolved ? '' : action('resolve', t.resolve, 'secondary')}
      ${detected ? action('not-a-complaint', t.notComplaint, 'secondary', t.notComplaintHint) : ''}
    </div>
  </div>
  <div hx-ext="sse" sse-connect="/console/events">
    <div id="conversation" hx-get="/console/tickets/${ticket.id}/conversation" hx-trigger="sse:tickets">${await conversation(c, session, ticket)}</div>
  </div>
  <form method="post" action="/console/tickets/${ticket.id}/messages" class="card">
    ${csrfField(session)}
    <label for="reply">${t.reply}</label>
    <textarea id="reply" name="text" maxlength="4000" required data-canned="/console/canned.json" aria-describedby="reply-hint"></textarea>
    <p id="reply-hint" class="muted">${t.cannedHint}</p>
    <div class="actions">
      <button type="submit" name="action" value="send">${t.send}</button>
      <button type="submit" name="action" value="note" class="secondary">${t.addNote}</button>
    </div>
  </form>
</div>
<aside>${await customerCard(c, session, ticket.customer.id, { exceptTicket: ticket.id })}</aside>
</div>`;
    const title = `${t.ticket} #${ticket.id} · ${customerName(ticket)}`;
    return sendPage(reply, page(session, { title, section: 'inbox', flash: flashOf(request, t) }, body));
  });

  app.get('/console/tickets/:id/conversation', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const ticket = await loadTicket(c, idOf(request.params));
    await markRead(c, session.staff.id, ticket);
    return sendPage(reply, await conversation(c, session, ticket));
  });

  app.post('/console/tickets/:id/messages', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const id = idOf(request.params);
    const text = field(request.body, 'text').trim();
    if (!text) throw new AppError('HTTP_BAD_REQUEST', textsOf(session).reply);
    const note = field(request.body, 'action') === 'note';
    await c.api.post(`/api/v1/tickets/${id}/messages`, { text, note, author: session.staff.name });
    await audit(c, request, note ? 'ticket.note' : 'ticket.reply', `ticket:${id}`, { length: text.length });
    return redirect(reply, `/console/tickets/${id}`, 'done');
  });

  for (const act of ['claim', 'resolve', 'not-a-complaint'] as const) {
    app.post(`/console/tickets/:id/${act}`, { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request);
      const id = idOf(request.params);
      const body = act === 'claim' ? { assignee: session.staff.name } : { by: session.staff.name };
      await c.api.post(`/api/v1/tickets/${id}/${act}`, body);
      await audit(c, request, `ticket.${act}`, `ticket:${id}`);
      return redirect(reply, `/console/tickets/${id}`, 'done');
    });
  }

  app.get('/console/canned.json', { schema: { hide: true } }, async () => {
    const rows = await c.reads.cannedReply.findMany({ orderBy: { shortcut: 'asc' }, take: 500 });
    return rows.map((r) => ({ shortcut: r.shortcut, text: r.text }));
  });
}
