// Customers: search by name, channel id or #tag, filter by a saved segment, page by cursor; a
// customer's page with the 360 card, tags, the timeline of interactions, the points ledger (with
// a manual adjustment for owners) and the accounts /link merged into them.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import {
  audit,
  type ConsoleContext,
  field,
  flashOf,
  redirect,
  requireOwner,
  sendPage,
  sessionOf,
  textsOf,
} from '../context.js';
import { html } from '../html.js';
import { csrfField, formatTime, page } from '../layout.js';
import { customerCard, type Profile } from './customer-card.js';

interface Interaction {
  id: number;
  channel: string;
  direction: 'in' | 'out' | 'event';
  kind: string;
  text: string | null;
  payload: unknown;
  createdAt: string;
}

interface Ledger {
  balance: number;
  ledger: { id: number; kind: string; delta: number; reason: string; createdAt: string }[];
  nextCursor: string | null;
}

const PAGE = 50;

/** Customers carrying a tag, most recently seen first, through CustomerTag(tag, customerId). */
async function byTag(c: ConsoleContext, tag: string, cursor: string | undefined) {
  const rows = await c.reads.customerTag.findMany({
    where: { tag, ...(cursor ? { customerId: { gt: cursor } } : {}) },
    orderBy: { customerId: 'asc' },
    take: PAGE + 1,
    select: { customerId: true },
  });
  const ids = rows.slice(0, PAGE).map((r) => r.customerId);
  const customers = await c.reads.customer.findMany({
    where: { id: { in: ids } },
    include: { identities: { select: { channel: true, externalId: true } } },
  });
  return {
    customers: customers.map((x) => ({ ...x, lastSeenAt: x.lastSeenAt.toISOString() })),
    nextCursor: rows.length > PAGE ? (ids.at(-1) ?? null) : null,
  };
}

export async function customerPages(app: FastifyInstance, c: ConsoleContext): Promise<void> {
  app.get('/console/customers', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const t = textsOf(session);
    const lang = session.staff.locale;
    const q = request.query as { q?: string; segment?: string; cursor?: string };
    const text = (q.q ?? '').trim().slice(0, 200);
    const segments = await c.api
      .get<{ segments: { id: string; name: string }[] }>('/api/v1/segments')
      .catch(() => ({ segments: [] }));
    const result: {
      customers: Pick<Profile, 'id' | 'displayName' | 'stage' | 'lastSeenAt' | 'identities'>[];
      nextCursor: string | null;
    } = text.startsWith('#')
      ? await byTag(c, text.slice(1).trim(), q.cursor)
      : await c.api.get('/api/v1/customers', {
          q: text || undefined,
          segment: q.segment || undefined,
          cursor: q.cursor,
          limit: PAGE,
        });
    const next = new URLSearchParams({ ...(text ? { q: text } : {}), ...(q.segment ? { segment: q.segment } : {}) });
    const body = html`<form method="get" action="/console/customers" class="row card" role="search">
  <div><label for="q">${t.search}</label><input id="q" name="q" value="${text}" placeholder="${t.searchHint}, #tag"></div>
  <div><label for="segment">${t.segment}</label><select id="segment" name="segment">
    <option value="">${t.anySegment}</option>
    ${segments.segments.map((s) => html`<option value="${s.id}"${s.id === q.segment ? html` selected` : ''}>${s.name}</option>`)}
  </select></div>
  <button type="submit">${t.search}</button>
</form>
<div class="table-wrap"><table>
  <thead><tr><th>${t.name}</th><th>${t.identities}</th><th>${t.stage}</th><th>${t.lastSeen}</th></tr></thead>
  <tbody>${result.customers.map(
    (x) => html`<tr><td><a href="/console/customers/${x.id}">${x.displayName ?? x.id.slice(0, 8)}</a></td>
<td>${x.identities.map((i) => html`<div>${i.channel}: ${i.externalId}</div>`)}</td>
<td><span class="badge">${x.stage}</span></td><td>${formatTime(x.lastSeenAt, lang, c.timezone)}</td></tr>`,
  )}</tbody>
</table></div>
${result.customers.length === 0 ? html`<p class="muted">${t.none}</p>` : ''}
${result.nextCursor ? html`<p class="pager"><a class="button secondary" href="/console/customers?${next.toString()}${next.size ? '&' : ''}cursor=${result.nextCursor}">${t.next}</a></p>` : ''}`;
    return sendPage(reply, page(session, { title: t.customers, section: 'customers' }, body));
  });

  app.get('/console/customers/:id', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const t = textsOf(session);
    const lang = session.staff.locale;
    const { id } = request.params as { id: string };
    const { cursor } = request.query as { cursor?: string };
    const path = `/api/v1/customers/${encodeURIComponent(id)}`;
    const [timeline, points, merges] = await Promise.all([
      c.api.get<{ interactions: Interaction[]; nextCursor: string | null }>(`${path}/interactions`, {
        limit: PAGE,
        cursor,
      }),
      c.api.getOptional<Ledger>(`${path}/points`, { limit: 20 }),
      c.reads.interaction.findMany({
        where: { customerId: id, kind: { in: ['customer_merged', 'identity_unlinked'] } },
        orderBy: { id: 'desc' },
        take: 20,
      }),
    ]);
    const when = (at: string | Date) => formatTime(at, lang, c.timezone);
    const body = html`<div class="ticket-layout">
<div>
  <h2>${t.timeline}</h2>
  <div class="table-wrap"><table>
    <thead><tr><th>${t.when}</th><th>${t.action}</th><th>${t.text}</th></tr></thead>
    <tbody>${timeline.interactions.map(
      (i) =>
        html`<tr><td>${when(i.createdAt)}</td><td><span class="badge">${i.direction}</span> ${i.kind} · ${i.channel}</td><td>${i.text ?? ''}</td></tr>`,
    )}</tbody>
  </table></div>
  ${timeline.nextCursor ? html`<p class="pager"><a class="button secondary" href="/console/customers/${id}?cursor=${timeline.nextCursor}">${t.next}</a></p>` : ''}
  ${
    points
      ? html`<h2>${t.ledger}</h2>
  <div class="table-wrap"><table>
    <thead><tr><th>${t.when}</th><th>${t.action}</th><th>${t.points}</th><th>${t.why}</th></tr></thead>
    <tbody>${points.ledger.map((e) => html`<tr><td>${when(e.createdAt)}</td><td>${e.kind}</td><td>${e.delta > 0 ? `+${e.delta}` : e.delta}</td><td>${e.reason}</td></tr>`)}</tbody>
  </table></div>
  ${
    session.staff.role === 'owner'
      ? html`<form method="post" action="/console/customers/${id}/points" class="card row">
    ${csrfField(session)}<input type="hidden" name="key" value="${randomUUID()}">
    <div><label for="delta">${t.delta}</label><input id="delta" name="delta" type="number" step="1" required></div>
    <div><label for="why">${t.why}</label><input id="why" name="reason" maxlength="200" required></div>
    <button type="submit">${t.adjustPoints}</button>
  </form>`
      : ''
  }`
      : ''
  }
  <h2>${t.merges}</h2>
  ${merges.length ? html`<ul>${merges.map((m) => html`<li>${when(m.createdAt)} · ${m.kind} · ${JSON.stringify(m.payload ?? {})}</li>`)}</ul>` : html`<p class="muted">${t.none}</p>`}
</div>
<aside>${await customerCard(c, session, id, { tagsEditable: true })}</aside>
</div>`;
    return sendPage(
      reply,
      page(session, { title: t.customers, section: 'customers', flash: flashOf(request, t) }, body),
    );
  });

  app.post('/console/customers/:id/tags', { schema: { hide: true } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const tag = field(request.body, 'tag').trim();
    await c.api.post(`/api/v1/customers/${encodeURIComponent(id)}/tags`, { tags: [tag] });
    await audit(c, request, 'customer.tag', `customer:${id}`, { tag });
    return redirect(reply, `/console/customers/${id}`, 'saved');
  });

  app.post('/console/customers/:id/tags/remove', { schema: { hide: true } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const tag = field(request.body, 'tag');
    await c.api.delete(`/api/v1/customers/${encodeURIComponent(id)}/tags/${encodeURIComponent(tag)}`);
    await audit(c, request, 'customer.untag', `customer:${id}`, { tag });
    return redirect(reply, `/console/customers/${id}`, 'saved');
  });

  app.post('/console/customers/:id/points', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    requireOwner(session);
    const { id } = request.params as { id: string };
    const delta = Number(field(request.body, 'delta'));
    const reason = field(request.body, 'reason').trim();
    if (!Number.isInteger(delta) || delta === 0) throw new AppError('HTTP_BAD_REQUEST', textsOf(session).delta);
    await c.api.post(`/api/v1/customers/${encodeURIComponent(id)}/points`, {
      delta,
      reason: `${reason.slice(0, 150)} (${session.staff.name})`,
      idempotencyKey: `console:${field(request.body, 'key') || randomUUID()}`,
    });
    await audit(c, request, 'customer.points', `customer:${id}`, { delta, reason });
    return redirect(reply, `/console/customers/${id}`, 'saved');
  });
}
