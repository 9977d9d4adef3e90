// What every console page handler gets: the admin API (in-process), the database for the few
// console-only reads (read marks, canned replies), the staff accounts and the business's clock.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Db, Prisma } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { AdminApi } from './admin-api.js';
import type { Html } from './html.js';
import type { Session, StaffAccounts } from './staff.js';
import { CONSOLE_TEXTS, type ConsoleTexts } from './texts.js';

export interface ConsoleContext {
  api: AdminApi;
  db: Db;
  reads: Db;
  staff: StaffAccounts;
  clock: Clock;
  logger: Logger;
  timezone: string;
  /** Minutes to claim a ticket (escalation.slaMinutes); undefined when escalation is off. */
  slaMinutes: number | undefined;
}

const sessions = new WeakMap<FastifyRequest, Session>();

export function setSession(request: FastifyRequest, session: Session): void {
  sessions.set(request, session);
}

/** The signed-in staff member's session (the auth hook put it there). */
export function sessionOf(request: FastifyRequest): Session {
  const session = sessions.get(request);
  if (!session) throw new AppError('HTTP_UNAUTHORIZED', 'sign in first');
  return session;
}

export function textsOf(session: Session): ConsoleTexts {
  return CONSOLE_TEXTS[session.staff.locale];
}

export function requireOwner(session: Session): void {
  if (session.staff.role !== 'owner') throw new AppError('HTTP_FORBIDDEN', textsOf(session).forbidden);
}

export function sendPage(reply: FastifyReply, page: Html, status = 200) {
  return (
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      // Same-origin form posts then carry their Origin (no-referrer would send "null"), which sign-in checks.
      .header('referrer-policy', 'same-origin')
      .send(page.value)
  );
}

/** After a form post: back to a page (303, so a reload does not post again). */
export function redirect(reply: FastifyReply, to: string, flash?: 'saved' | 'done') {
  const url = flash ? `${to}${to.includes('?') ? '&' : '?'}flash=${flash}` : to;
  return reply.code(303).header('location', url).send();
}

/** The flash message of a redirect, from the known few (never text from the URL). */
export function flashOf(request: FastifyRequest, t: ConsoleTexts): string | undefined {
  const flash = (request.query as { flash?: string }).flash;
  return flash === 'saved' ? t.saved : flash === 'done' ? t.done : undefined;
}

/** Records a staff action with the staff member who did it. */
export async function audit(
  c: ConsoleContext,
  request: FastifyRequest,
  action: string,
  target?: string,
  detail?: Prisma.InputJsonValue,
): Promise<void> {
  const { staff } = sessionOf(request);
  await c.staff.audit({
    staff: { id: staff.id, name: staff.name },
    action,
    ...(target ? { target } : {}),
    ...(detail !== undefined ? { detail } : {}),
    ip: request.ip,
  });
}

/** A form field as text ('' when absent); forms post strings. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
