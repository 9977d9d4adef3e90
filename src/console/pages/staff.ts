// Staff and settings (owners): accounts (add with a one-time password, role, disable, new
// password), canned replies, and the audit log of staff actions. Everyone: their own password.
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
import { type Html, html } from '../html.js';
import { csrfField, formatTime, page } from '../layout.js';
import { verifyPassword } from '../passwords.js';
import { ROLES, type Role, type Session } from '../staff.js';

const MIN_PASSWORD = 10;

async function staffPage(c: ConsoleContext, session: Session, flash?: string): Promise<Html> {
  const t = textsOf(session);
  const lang = session.staff.locale;
  const [members, canned, log] = await Promise.all([
    c.staff.list(),
    c.reads.cannedReply.findMany({ orderBy: { shortcut: 'asc' } }),
    c.staff.auditLog(50),
  ]);
  const roleName = (r: string) => (r === 'owner' ? t.owner : t.agent);
  return page(
    session,
    { title: t.staff, section: 'staff', flash },
    html`<div class="table-wrap"><table>
<thead><tr><th>${t.name}</th><th>${t.email}</th><th>${t.role}</th><th>${t.lastSeen}</th><th></th></tr></thead>
<tbody>${members.map(
      (
        m,
      ) => html`<tr><td>${m.name}${m.disabled ? html` <span class="badge">${t.disable}</span>` : ''}</td><td>${m.email}</td><td>${roleName(m.role)}</td>
<td>${formatTime(m.lastLoginAt, lang, c.timezone)}</td>
<td>${
        m.id === session.staff.id
          ? ''
          : html`<form method="post" action="/console/staff/${m.id}" class="inline">${csrfField(session)}
<button name="op" value="${m.disabled ? 'enable' : 'disable'}" class="secondary">${m.disabled ? t.enable : t.disable}</button>
<button name="op" value="${m.role === 'owner' ? 'agent' : 'owner'}" class="secondary">${roleName(m.role === 'owner' ? 'agent' : 'owner')}</button>
<button name="op" value="reset" class="secondary">${t.resetPassword}</button></form>`
      }</td></tr>`,
    )}</tbody></table></div>
<form method="post" action="/console/staff" class="card row">${csrfField(session)}
  <div><label for="s-email">${t.email}</label><input id="s-email" name="email" type="email" required maxlength="200"></div>
  <div><label for="s-name">${t.name}</label><input id="s-name" name="name" required maxlength="100"></div>
  <div><label for="s-role">${t.role}</label><select id="s-role" name="role"><option value="agent">${t.agent}</option><option value="owner">${t.owner}</option></select></div>
  <button type="submit">${t.addStaff}</button>
</form>
<h2>${t.canned}</h2>
<div class="table-wrap"><table><thead><tr><th>${t.shortcut}</th><th>${t.text}</th><th></th></tr></thead>
<tbody>${canned.map(
      (r) =>
        html`<tr><td>/${r.shortcut}</td><td>${r.text}</td><td><form method="post" action="/console/canned/${r.id}/remove" class="inline">${csrfField(session)}<button class="secondary">${t.remove}</button></form></td></tr>`,
    )}</tbody></table></div>
<form method="post" action="/console/canned" class="card">${csrfField(session)}
  <label for="c-short">${t.shortcut}</label><input id="c-short" name="shortcut" required maxlength="40" pattern="[\\p{L}\\p{N}_-]+">
  <label for="c-text">${t.text}</label><textarea id="c-text" name="text" required maxlength="4000"></textarea>
  <p><button type="submit">${t.save}</button></p>
</form>
<h2>${t.audit}</h2>
<div class="table-wrap"><table><thead><tr><th>${t.when}</th><th>${t.staff}</th><th>${t.action}</th><th></th></tr></thead>
<tbody>${log.map((e) => html`<tr><td>${formatTime(e.at, lang, c.timezone)}</td><td>${e.staffName}</td><td>${e.action}</td><td>${e.target ?? ''}</td></tr>`)}</tbody></table></div>`,
  );
}

export async function staffPages(app: FastifyInstance, c: ConsoleContext): Promise<void> {
  app.get('/console/staff', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    requireOwner(session);
    return sendPage(reply, await staffPage(c, session, flashOf(request, textsOf(session))));
  });

  app.post('/console/staff', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    requireOwner(session);
    const role = field(request.body, 'role') as Role;
    if (!ROLES.includes(role)) throw new AppError('HTTP_BAD_REQUEST', 'role must be owner or agent');
    const email = field(request.body, 'email').trim();
    const name = field(request.body, 'name').trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || !name) throw new AppError('HTTP_BAD_REQUEST', textsOf(session).email);
    const added = await c.staff.add({ email, name, role });
    await audit(c, request, 'staff.add', `staff:${added.staff.id}`, { email, role });
    // Shown once, on this response only (not after a redirect).
    return sendPage(reply, await staffPage(c, session, textsOf(session).oneTimePassword(added.password)));
  });

  app.post('/console/staff/:id', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    requireOwner(session);
    const { id } = request.params as { id: string };
    const member = await c.staff.require(id);
    const op = field(request.body, 'op');
    if (id === session.staff.id) throw new AppError('HTTP_BAD_REQUEST', 'change your own account on the account page');
    if (op === 'reset') {
      const password = await c.staff.resetPassword(id);
      await audit(c, request, 'staff.reset_password', `staff:${id}`);
      return sendPage(
        reply,
        await staffPage(c, session, `${member.email}: ${textsOf(session).oneTimePassword(password)}`),
      );
    }
    if (op === 'disable' || op === 'enable') await c.staff.update(id, { disabled: op === 'disable' });
    else if (ROLES.includes(op as Role)) await c.staff.update(id, { role: op as Role });
    else throw new AppError('HTTP_BAD_REQUEST', 'unknown operation');
    await audit(c, request, `staff.${op}`, `staff:${id}`);
    return redirect(reply, '/console/staff', 'saved');
  });

  app.post('/console/canned', { schema: { hide: true } }, async (request, reply) => {
    requireOwner(sessionOf(request));
    const shortcut = field(request.body, 'shortcut').trim().replace(/^\//, '');
    const text = field(request.body, 'text').trim();
    if (!/^[\p{L}\p{N}_-]{1,40}$/u.test(shortcut) || !text || text.length > 4000) {
      throw new AppError('HTTP_BAD_REQUEST', 'a shortcut of letters, digits, - or _ and a text are needed');
    }
    await c.db.cannedReply.upsert({ where: { shortcut }, create: { shortcut, text }, update: { text } });
    await audit(c, request, 'canned.save', `canned:${shortcut}`);
    return redirect(reply, '/console/staff', 'saved');
  });

  app.post('/console/canned/:id/remove', { schema: { hide: true } }, async (request, reply) => {
    requireOwner(sessionOf(request));
    const id = Number((request.params as { id: string }).id);
    await c.db.cannedReply.deleteMany({ where: { id: Number.isInteger(id) ? id : -1 } });
    await audit(c, request, 'canned.remove', `canned:${id}`);
    return redirect(reply, '/console/staff', 'saved');
  });

  app.get('/console/account', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const t = textsOf(session);
    const body = html`<form method="post" action="/console/account" class="card">${csrfField(session)}
  <label for="current">${t.currentPassword}</label><input id="current" name="current" type="password" autocomplete="current-password" required>
  <label for="new">${t.newPassword}</label><input id="new" name="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD}" required>
  <p><button type="submit">${t.changePassword}</button></p>
</form>`;
    return sendPage(reply, page(session, { title: t.changePassword, flash: flashOf(request, t) }, body));
  });

  app.post('/console/account', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const row = await c.db.staff.findUniqueOrThrow({ where: { id: session.staff.id } });
    if (!(await verifyPassword(field(request.body, 'current'), row.passwordHash))) {
      throw new AppError('HTTP_BAD_REQUEST', textsOf(session).wrongPassword);
    }
    const password = field(request.body, 'password');
    if (password.length < MIN_PASSWORD || password.length > 500) {
      throw new AppError('HTTP_BAD_REQUEST', `${textsOf(session).newPassword}: ≥ ${MIN_PASSWORD}`);
    }
    await c.staff.setPassword(session.staff.id, password);
    await audit(c, request, 'staff.password', `staff:${session.staff.id}`);
    return redirect(reply, '/console/account', 'saved');
  });
}
