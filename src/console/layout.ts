// The page shell: navigation, language switch, sign-out; one stylesheet and scripts served here.
import { type Html, html } from './html.js';
import type { Session } from './staff.js';
import { CONSOLE_TEXTS, type ConsoleTexts } from './texts.js';

export type Section = 'inbox' | 'customers' | 'knowledge' | 'reports' | 'campaigns' | 'moderation' | 'staff';

const NAV: { section: Section; path: string; ownerOnly?: boolean }[] = [
  { section: 'inbox', path: '/console' },
  { section: 'customers', path: '/console/customers' },
  { section: 'knowledge', path: '/console/knowledge' },
  { section: 'reports', path: '/console/reports', ownerOnly: true },
  { section: 'campaigns', path: '/console/campaigns', ownerOnly: true },
  { section: 'moderation', path: '/console/moderation' },
  { section: 'staff', path: '/console/staff', ownerOnly: true },
];

const head = (title: string, scripts: readonly string[]) => html`<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}'>
<title>${title}</title>
<link rel="stylesheet" href="/console/assets/console.css">
${scripts.map((s) => html`<script src="/console/assets/${s}" defer></script>`)}`;

export interface PageOptions {
  title: string;
  section?: Section;
  /** A message shown on top (after a form post). */
  flash?: string | undefined;
  /** Scripts beyond htmx and console.js ("chart.umd.min.js"). */
  scripts?: readonly string[];
}

export function page(session: Session, o: PageOptions, body: Html): Html {
  const t = CONSOLE_TEXTS[session.staff.locale];
  const lang = session.staff.locale;
  const nav = NAV.filter((n) => !n.ownerOnly || session.staff.role === 'owner');
  return html`<!doctype html>
<html lang="${lang}">
<head>${head(`${o.title} · ${t.appName}`, ['htmx.min.js', 'sse.js', ...(o.scripts ?? []), 'console.js'])}</head>
<body data-csrf="${session.csrf}">
<header class="top">
  <a class="brand" href="/console">Rapport</a>
  <nav aria-label="${t.appName}">
    ${nav.map((n) => html`<a href="${n.path}"${n.section === o.section ? html` aria-current="page"` : ''}>${t[n.section]}</a>`)}
  </nav>
  <div class="who">
    <a href="/console/account">${session.staff.name}</a>
    <form method="post" action="/console/locale" class="inline">
      <input type="hidden" name="_csrf" value="${session.csrf}">
      <input type="hidden" name="locale" value="${lang === 'en' ? 'zh-CN' : 'en'}">
      <button type="submit" class="link" lang="${lang === 'en' ? 'zh-CN' : 'en'}">${lang === 'en' ? '中文' : 'English'}</button>
    </form>
    <form method="post" action="/console/logout" class="inline">
      <input type="hidden" name="_csrf" value="${session.csrf}">
      <button type="submit" class="link">${t.signOut}</button>
    </form>
  </div>
</header>
<main>
${o.flash ? html`<p class="flash" role="status">${o.flash}</p>` : ''}
<h1>${o.title}</h1>
${body}
</main>
</body>
</html>`;
}

/** A page without the staff member (sign-in, errors before sign-in). */
export function barePage(t: ConsoleTexts, lang: string, title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="${lang}">
<head>${head(`${title} · ${t.appName}`, [])}</head>
<body class="bare"><main>${body}</main></body>
</html>`;
}

/** A hidden CSRF field for a form of this session. */
export const csrfField = (session: Session) => html`<input type="hidden" name="_csrf" value="${session.csrf}">`;

/** "3 min ago"-free dates: the staff member's locale, the business's time zone. */
export function formatTime(at: Date | string | null | undefined, locale: string, timeZone: string): string {
  if (!at) return '';
  const date = typeof at === 'string' ? new Date(at) : at;
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}
