// The staff console at /console: server-rendered pages (htmx for live parts), signed in with a
// staff account. Sessions are cookies (httpOnly, SameSite=Strict) backed by the database; every
// form post carries the session's CSRF token; sign-in attempts are limited per address.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { secretsEqual } from '../http/auth.js';
import { statusOfCode } from '../http/errors.js';
import { assetRoutes } from './assets.js';
import { type ConsoleContext, field, sendPage, sessionOf, setSession, textsOf } from './context.js';
import { html } from './html.js';
import { barePage } from './layout.js';
import { TicketFeed } from './live.js';
import { customerPages } from './pages/customers.js';
import { inboxPages } from './pages/inbox.js';
import { knowledgePages } from './pages/knowledge.js';
import { loginPage } from './pages/login.js';
import { managementPages } from './pages/management.js';
import { reportPages } from './pages/reports.js';
import { staffPages } from './pages/staff.js';
import { ticketPages } from './pages/ticket.js';
import { CONSOLE_LOCALES, type ConsoleLocale } from './staff.js';
import { CONSOLE_TEXTS, localeOfHeader } from './texts.js';

export const SESSION_COOKIE = 'rapport_session';
/** Sign-in attempts per client address per minute (the account itself locks after 5 wrong passwords). */
const LOGIN_PER_MINUTE = 10;

/** Paths anyone may open: the sign-in page and the stylesheet and scripts. */
const isPublic = (url: string) =>
  url === '/console/login' || url.startsWith('/console/login?') || url.startsWith('/console/assets/');

/** A form post from another site is refused even before the token check (Origin, when sent, must be ours). */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin || origin === 'null') return origin !== 'null';
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export async function consoleRoutes(app: FastifyInstance, c: ConsoleContext): Promise<void> {
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: () => new AppError('HTTP_RATE_LIMITED', 'too many sign-in attempts'),
  });
  const feed = new TicketFeed(c.db, (err) => c.logger.warn({ err }, 'console live feed poll failed'));
  app.addHook('onClose', async () => feed.close());

  app.addHook('onRequest', async (request, reply) => {
    if (isPublic(request.url)) return;
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await c.staff.session(token) : null;
    if (!session) {
      if (request.method === 'GET' && !request.headers['hx-request']) {
        const next = encodeURIComponent(request.url);
        return reply.code(303).header('location', `/console/login?next=${next}`).send();
      }
      throw new AppError('HTTP_UNAUTHORIZED', 'sign in first');
    }
    setSession(request, session);
  });
  app.addHook('preHandler', async (request) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    if (!sameOrigin(request)) throw new AppError('HTTP_FORBIDDEN', 'cross-site form post refused');
    if (isPublic(request.url)) return;
    const session = sessionOf(request);
    const given = field(request.body, '_csrf') || String(request.headers['x-csrf-token'] ?? '');
    if (!secretsEqual(given, session.csrf))
      throw new AppError('HTTP_FORBIDDEN', 'the form is out of date: reload the page');
  });

  app.setErrorHandler((err, request, reply) => errorPage(err, request, reply));
  // A not-found handler belongs to a prefix: this one answers unknown /console/… paths with a page.
  await app.register(
    async (scope) =>
      scope.setNotFoundHandler((request, reply) =>
        errorPage(new AppError('HTTP_NOT_FOUND', `no page ${request.url.split('?')[0]}`), request, reply),
      ),
    { prefix: '/console' },
  );

  await app.register(assetRoutes);

  app.get('/console/login', { schema: { hide: true } }, async (request, reply) => {
    const t = CONSOLE_TEXTS[localeOfHeader(request.headers['accept-language'])];
    const { next } = request.query as { next?: string };
    return sendPage(reply, loginPage(t, localeOfHeader(request.headers['accept-language']), safeNext(next)));
  });

  app.post(
    '/console/login',
    { schema: { hide: true }, config: { rateLimit: { max: LOGIN_PER_MINUTE, timeWindow: 60_000 } } },
    async (request, reply) => {
      const locale = localeOfHeader(request.headers['accept-language']);
      const t = CONSOLE_TEXTS[locale];
      const email = field(request.body, 'email').slice(0, 200);
      const next = safeNext(field(request.body, 'next'));
      const result = await c.staff.signIn(email, field(request.body, 'password').slice(0, 500));
      if (!result.ok) {
        await c.staff.audit({ staff: { id: null, name: email }, action: 'login_failed', ip: request.ip });
        const message = result.reason === 'locked' ? t.locked : t.wrongPassword;
        return sendPage(reply, loginPage(t, locale, next, { email, error: message }), 401);
      }
      await c.staff.audit({
        staff: { id: result.session.staff.id, name: result.session.staff.name },
        action: 'login',
        ip: request.ip,
      });
      reply.setCookie(SESSION_COOKIE, result.token, {
        path: '/console',
        httpOnly: true,
        sameSite: 'strict',
        secure: 'auto',
      });
      return reply.code(303).header('location', next).send();
    },
  );

  app.post('/console/logout', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    await c.staff.signOut(session.id);
    await c.staff.audit({
      staff: { id: session.staff.id, name: session.staff.name },
      action: 'logout',
      ip: request.ip,
    });
    reply.clearCookie(SESSION_COOKIE, { path: '/console' });
    return reply.code(303).header('location', '/console/login').send();
  });

  app.post('/console/locale', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const locale = field(request.body, 'locale');
    if (!CONSOLE_LOCALES.includes(locale as ConsoleLocale)) throw new AppError('HTTP_BAD_REQUEST', 'unknown language');
    await c.staff.setLocale(session.staff.id, locale as ConsoleLocale);
    const back = safeNext(refererPath(request));
    return reply.code(303).header('location', back).send();
  });

  app.get('/console/events', { schema: { hide: true } }, async (_request, reply) => {
    reply.hijack();
    feed.add(reply.raw);
  });

  for (const pages of [
    inboxPages,
    ticketPages,
    customerPages,
    knowledgePages,
    reportPages,
    managementPages,
    staffPages,
  ]) {
    await app.register(pages, c);
  }
}

/** Only a path of the console itself (no open redirect to another site). */
function safeNext(next: string | undefined): string {
  return next && /^\/console(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : '/console';
}

function refererPath(request: FastifyRequest): string | undefined {
  const referer = request.headers.referer;
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    return url.host === request.headers.host ? url.pathname + url.search.replace(/[?&]flash=\w+/, '') : undefined;
  } catch {
    return undefined;
  }
}

function errorPage(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const status =
    err instanceof AppError ? statusOfCode(err.code) : ((err as { statusCode?: number }).statusCode ?? 500);
  const known = status < 500;
  if (!known) request.log.error({ err }, 'console page failed');
  let t = CONSOLE_TEXTS[localeOfHeader(request.headers['accept-language'])];
  let lang = localeOfHeader(request.headers['accept-language']);
  try {
    const session = sessionOf(request);
    t = textsOf(session);
    lang = session.staff.locale;
  } catch {}
  if (request.url.startsWith('/console/login') && status === 429) {
    return sendPage(
      reply,
      loginPage(t, lang, '/console', { email: field(request.body, 'email'), error: t.rateLimited }),
      429,
    );
  }
  const message = known ? (err as Error).message : t.failed;
  const body = html`<div class="card"><p class="error" role="alert">${message}</p>
<p><a href="/console">${t.back}</a></p></div>`;
  return sendPage(reply, barePage(t, lang, String(status), body), status);
}
