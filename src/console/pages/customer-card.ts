// Customer 360: who the customer is across channels, their stage and RFM, tier and points, recent
// purchases, CSAT/NPS answers, past tickets and tags. Beside a ticket and on the customer page.
import type { ConsoleContext } from '../context.js';
import { type Html, html } from '../html.js';
import { formatTime } from '../layout.js';
import type { Session } from '../staff.js';
import { CONSOLE_TEXTS } from '../texts.js';

export interface Profile {
  id: string;
  displayName: string | null;
  locale: string | null;
  stage: string;
  optedOut: boolean;
  createdAt: string;
  lastSeenAt: string;
  identities: { channel: string; externalId: string }[];
  points?: { balance: number; tier: string; tierName?: Record<string, string> };
  purchases?: { count: number; amount: number };
  lastPurchaseAt?: string | null;
  rfm?: { recency: number; frequency: number; monetary: number } | null;
  tags?: string[];
}

/** The facts beside a ticket: reads that are index lookups by customer. */
async function history(c: ConsoleContext, customerId: string, exceptTicket?: number) {
  const [purchases, feedback, tickets] = await Promise.all([
    c.reads.purchase.findMany({ where: { customerId }, orderBy: { at: 'desc' }, take: 5 }),
    c.reads.feedback.findMany({
      where: { customerId, kind: { in: ['csat', 'nps'] } },
      orderBy: { createdAt: 'desc' },
      take: 10,
    }),
    c.reads.ticket.findMany({
      where: { customerId, ...(exceptTicket ? { id: { not: exceptTicket } } : {}) },
      orderBy: { id: 'desc' },
      take: 10,
      select: { id: true, status: true, reason: true, createdAt: true },
    }),
  ]);
  return { purchases, feedback, tickets };
}

export async function customerCard(
  c: ConsoleContext,
  session: Session,
  customerId: string,
  o: { exceptTicket?: number; tagsEditable?: boolean } = {},
): Promise<Html> {
  const t = CONSOLE_TEXTS[session.staff.locale];
  const lang = session.staff.locale;
  const profile = await c.api.getOptional<Profile>(`/api/v1/customers/${encodeURIComponent(customerId)}`);
  if (!profile) return html`<p class="muted">${t.notFound}</p>`;
  const h = await history(c, customerId, o.exceptTicket);
  const tierName = profile.points?.tierName?.[lang] ?? profile.points?.tier;
  const tags = profile.tags ?? [];
  return html`<section class="card" aria-label="${profile.displayName ?? profile.id}">
  <h2><a href="/console/customers/${profile.id}">${profile.displayName ?? profile.id.slice(0, 8)}</a></h2>
  <dl class="facts">
    <dt>${t.identities}</dt><dd>${profile.identities.map((i) => html`<div>${i.channel}: ${i.externalId}</div>`)}</dd>
    <dt>${t.stage}</dt><dd><span class="badge">${profile.stage}</span>${profile.optedOut ? html` <span class="badge">${t.optedOut}</span>` : ''}</dd>
    ${profile.rfm ? html`<dt>${t.rfm}</dt><dd>R${profile.rfm.recency} F${profile.rfm.frequency} M${profile.rfm.monetary}</dd>` : ''}
    ${profile.points ? html`<dt>${t.tier}</dt><dd>${tierName}</dd><dt>${t.points}</dt><dd>${profile.points.balance}</dd>` : ''}
    ${profile.purchases ? html`<dt>${t.purchases}</dt><dd>${profile.purchases.count} · ${profile.purchases.amount.toFixed(2)}</dd>` : ''}
    <dt>${t.lastSeen}</dt><dd>${formatTime(profile.lastSeenAt, lang, c.timezone)}</dd>
  </dl>
  <h3>${t.recentPurchases}</h3>
  ${h.purchases.length ? html`<ul>${h.purchases.map((p) => html`<li>${formatTime(p.at, lang, c.timezone)} · ${p.amount.toFixed(2)} · ${p.orderId}</li>`)}</ul>` : html`<p class="muted">${t.none}</p>`}
  <h3>${t.csatNps}</h3>
  ${h.feedback.length ? html`<ul>${h.feedback.map((f) => html`<li>${f.kind.toUpperCase()} ${f.score ?? '–'} · ${formatTime(f.createdAt, lang, c.timezone)}${f.comment ? html` · ${f.comment}` : ''}</li>`)}</ul>` : html`<p class="muted">${t.none}</p>`}
  <h3>${t.pastTickets}</h3>
  ${h.tickets.length ? html`<ul>${h.tickets.map((x) => html`<li><a href="/console/tickets/${x.id}">#${x.id}</a> ${x.status} · ${x.reason} · ${formatTime(x.createdAt, lang, c.timezone)}</li>`)}</ul>` : html`<p class="muted">${t.none}</p>`}
  <h3>${t.tags}</h3>
  <p>${tags.length ? tags.map((tag) => html`<span class="badge">${tag}</span> `) : html`<span class="muted">${t.none}</span>`}</p>
  ${o.tagsEditable ? tagForms(session, profile.id, tags) : ''}
</section>`;
}

function tagForms(session: Session, customerId: string, tags: string[]): Html {
  const t = CONSOLE_TEXTS[session.staff.locale];
  return html`<form method="post" action="/console/customers/${customerId}/tags" class="row">
  <input type="hidden" name="_csrf" value="${session.csrf}">
  <div><label for="tag">${t.addTag}</label><input id="tag" name="tag" maxlength="50" required></div>
  <button type="submit">${t.addTag}</button>
</form>
${tags.map(
  (tag) => html`<form method="post" action="/console/customers/${customerId}/tags/remove" class="inline">
  <input type="hidden" name="_csrf" value="${session.csrf}"><input type="hidden" name="tag" value="${tag}">
  <button type="submit" class="secondary" aria-label="${t.remove} ${tag}">${t.remove} ${tag}</button>
</form> `,
)}`;
}
