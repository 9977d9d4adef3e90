// Campaigns (owners: create from a segment with a preview count, list with results, cancel) and
// the moderation log (undo), as far as the campaigns and moderation APIs offer.
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

interface Campaign {
  id: string;
  name: string;
  status: string;
  sendAt: string;
  stats: { targeted: number; queued: number; sent: number; failed: number; replied: number; skippedOptedOut: number };
}
interface ModerationAction {
  id: number;
  channel: string;
  chatId: string;
  memberId: string;
  memberName: string | null;
  rule: string;
  action: string;
  reason: string | null;
  text: string | null;
  dryRun: boolean;
  at: string;
  undone: boolean;
  error: string | null;
}

const UNDOABLE = new Set(['warn', 'mute', 'ban']);

export async function managementPages(app: FastifyInstance, c: ConsoleContext): Promise<void> {
  app.get('/console/campaigns', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    requireOwner(session);
    const t = textsOf(session);
    const lang = session.staff.locale;
    const q = request.query as { segment?: string; cursor?: string };
    const [campaigns, segments] = await Promise.all([
      c.api.getOptional<{ campaigns: Campaign[]; nextCursor: string | null }>('/api/v1/campaigns', {
        limit: 50,
        cursor: q.cursor,
      }),
      c.api.getOptional<{ segments: { id: string; name: string }[] }>('/api/v1/segments'),
    ]);
    if (!campaigns)
      return sendPage(
        reply,
        page(session, { title: t.campaigns, section: 'campaigns' }, html`<p class="card">${t.featureOff}</p>`),
      );
    const chosen = q.segment
      ? await c.api.getOptional<{ count?: number }>(`/api/v1/segments/${encodeURIComponent(q.segment)}`)
      : null;
    const body = html`<form method="get" action="/console/campaigns" class="card row">
  <div><label for="seg">${t.audience}</label><select id="seg" name="segment" required>
    ${(segments?.segments ?? []).map((s) => html`<option value="${s.id}"${s.id === q.segment ? html` selected` : ''}>${s.name}</option>`)}
  </select></div>
  <button type="submit" class="secondary">${t.preview}</button>
  ${chosen?.count !== undefined ? html`<p role="status"><strong>${chosen.count}</strong> ${t.customers}</p>` : ''}
</form>
${
  q.segment
    ? html`<form method="post" action="/console/campaigns" class="card">${csrfField(session)}
  <input type="hidden" name="segmentId" value="${q.segment}">
  <label for="cname">${t.name}</label><input id="cname" name="name" required maxlength="100">
  <label for="zh">${t.message} (中文)</label><textarea id="zh" name="zh" required maxlength="1000"></textarea>
  <label for="en">${t.message} (English)</label><textarea id="en" name="en" required maxlength="1000"></textarea>
  <p><button type="submit">${t.create}</button></p>
</form>`
    : ''
}
<div class="table-wrap"><table>
<thead><tr><th>${t.name}</th><th>${t.status}</th><th>${t.when}</th><th>targeted</th><th>sent</th><th>failed</th><th>replied</th><th></th></tr></thead>
<tbody>${campaigns.campaigns.map(
      (x) => html`<tr><td>${x.name}</td><td>${x.status}</td><td>${formatTime(x.sendAt, lang, c.timezone)}</td>
<td>${x.stats.targeted}</td><td>${x.stats.sent}</td><td>${x.stats.failed}</td><td>${x.stats.replied}</td>
<td>${
        x.status === 'scheduled' || x.status === 'sending'
          ? html`<form method="post" action="/console/campaigns/${x.id}/cancel" class="inline">${csrfField(session)}<button type="submit" class="secondary">${t.cancel}</button></form>`
          : ''
      }</td></tr>`,
    )}</tbody></table></div>`;
    return sendPage(
      reply,
      page(session, { title: t.campaigns, section: 'campaigns', flash: flashOf(request, t) }, body),
    );
  });

  app.post('/console/campaigns', { schema: { hide: true } }, async (request, reply) => {
    requireOwner(sessionOf(request));
    const b = request.body;
    const created = await c.api.post<{ id: string }>('/api/v1/campaigns', {
      name: field(b, 'name').trim(),
      segmentId: field(b, 'segmentId'),
      message: { 'zh-CN': field(b, 'zh').trim(), en: field(b, 'en').trim() },
    });
    await audit(c, request, 'campaign.create', `campaign:${created.id}`);
    return redirect(reply, '/console/campaigns', 'saved');
  });

  app.post('/console/campaigns/:id/cancel', { schema: { hide: true } }, async (request, reply) => {
    requireOwner(sessionOf(request));
    const { id } = request.params as { id: string };
    await c.api.post(`/api/v1/campaigns/${encodeURIComponent(id)}/cancel`);
    await audit(c, request, 'campaign.cancel', `campaign:${id}`);
    return redirect(reply, '/console/campaigns', 'done');
  });

  app.get('/console/moderation', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const t = textsOf(session);
    const lang = session.staff.locale;
    const { cursor } = request.query as { cursor?: string };
    const log = await c.api.getOptional<{ actions: ModerationAction[]; nextCursor: string | null }>(
      '/api/v1/moderation/actions',
      {
        limit: 50,
        cursor,
      },
    );
    if (!log)
      return sendPage(
        reply,
        page(session, { title: t.moderation, section: 'moderation' }, html`<p class="card">${t.featureOff}</p>`),
      );
    const body = html`<div class="table-wrap"><table>
<thead><tr><th>${t.when}</th><th>${t.group}</th><th>${t.member}</th><th>${t.rule}</th><th>${t.action}</th><th>${t.text}</th><th></th></tr></thead>
<tbody>${log.actions.map(
      (
        a,
      ) => html`<tr><td>${formatTime(a.at, lang, c.timezone)}</td><td>${a.channel}: ${a.chatId}</td><td>${a.memberName ?? a.memberId}</td>
<td>${a.rule}</td><td>${a.action}${a.dryRun ? ' (dry run)' : ''}${a.undone ? html` <span class="badge">${t.undo}</span>` : ''}${a.error ? html`<div class="error">${a.error}</div>` : ''}</td>
<td>${a.text ?? ''}</td>
<td>${
        UNDOABLE.has(a.action) && !a.undone && !a.dryRun
          ? html`<form method="post" action="/console/moderation/${a.id}/undo" class="inline">${csrfField(session)}<button type="submit" class="secondary">${t.undo}</button></form>`
          : ''
      }</td></tr>`,
    )}</tbody></table></div>
${log.actions.length ? '' : html`<p class="muted">${t.none}</p>`}
${log.nextCursor ? html`<p class="pager"><a class="button secondary" href="/console/moderation?cursor=${log.nextCursor}">${t.next}</a></p>` : ''}`;
    return sendPage(
      reply,
      page(session, { title: t.moderation, section: 'moderation', flash: flashOf(request, t) }, body),
    );
  });

  app.post('/console/moderation/:id/undo', { schema: { hide: true } }, async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    if (!Number.isInteger(id) || id < 1) throw new AppError('HTTP_NOT_FOUND', 'no such decision');
    await c.api.post(`/api/v1/moderation/actions/${id}/undo`, {});
    await audit(c, request, 'moderation.undo', `moderation:${id}`);
    return redirect(reply, '/console/moderation', 'done');
  });
}
