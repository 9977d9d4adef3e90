// The chat widget (README: "Chat widget"): /widget.js, the one script a business adds to its site,
// and the frame it opens (/widget/frame with its script and stylesheet), which is also the built-in
// web chat at "/". The frame is served here,
// on Rapport's origin: it talks to the API channel as a first party and keeps its session in its
// own storage, and the host page's styles cannot reach it.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { CoreSettings } from '../config.js';
import { escapeHtml } from '../util/text.js';

type WidgetSettings = CoreSettings['widget'];
type Localized = { 'zh-CN': string; en: string };

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
const fill = (text: string, business: string) => text.replaceAll('{business}', business);

export interface WidgetOptions {
  settings: WidgetSettings;
  businessName: Localized;
}

/** The loader with the business's settings written into it (the only part that is not static). */
export function widgetScript(o: WidgetOptions): string {
  const title = {
    'zh-CN': fill(o.settings.title['zh-CN'], o.businessName['zh-CN']),
    en: fill(o.settings.title.en, o.businessName.en),
  };
  const config = JSON.stringify({ colour: o.settings.colour, position: o.settings.position, title }).replace(
    /</g,
    '\\u003c',
  );
  return asset('widget.js').replace(/\/\*CONFIG\*\/ \{[^;]*\}/, config);
}

/** Who may frame the chat: the allowed origins, or any site when none are listed. */
export function frameAncestors(allowed: readonly string[]): string {
  return allowed.length ? ["'self'", ...allowed].join(' ') : '*';
}

export async function widgetRoutes(app: FastifyInstance, o: WidgetOptions): Promise<void> {
  const script = widgetScript(o);
  const frameScript = asset('frame.js');
  const frameStyle = asset('frame.css');
  const frameTemplate = asset('frame.html');
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
    `frame-ancestors ${frameAncestors(o.settings.allowedOrigins)}`,
  ].join('; ');
  const pages = Object.fromEntries(
    (['zh-CN', 'en'] as const).map((lang) => [
      lang,
      frameTemplate
        .replace('<html lang="zh-CN">', `<html lang="${lang}">`)
        .replace('{{message}}', lang === 'en' ? 'Message' : '消息')
        .replaceAll('{{title}}', escapeHtml(fill(o.settings.title[lang], o.businessName[lang])))
        .replace('{{greeting}}', escapeHtml(fill(o.settings.greeting[lang], o.businessName[lang])))
        .replace('{{colour}}', o.settings.colour),
    ]),
  ) as Record<'zh-CN' | 'en', string>;

  // Other sites load these: helmet's same-origin resource policy would block them.
  const shared = { 'cross-origin-resource-policy': 'cross-origin', 'cache-control': 'public, max-age=300' };

  app.get('/widget.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.headers(shared).type('text/javascript; charset=utf-8').send(script),
  );
  app.get('/widget/frame.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.headers(shared).type('text/javascript; charset=utf-8').send(frameScript),
  );
  app.get('/widget/frame.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.headers(shared).type('text/css; charset=utf-8').send(frameStyle),
  );
  // The built-in web chat at "/" is the same chat, full page: framed by Rapport's own pages only.
  const ownPolicy = policy.replace(/frame-ancestors [^;]*/, "frame-ancestors 'self'");
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const { locale } = request.query as { locale?: string };
    const english = locale === undefined ? /^\s*en/i.test(request.headers['accept-language'] ?? '') : locale === 'en';
    return reply
      .headers({ 'content-security-policy': ownPolicy, 'cache-control': 'no-cache' })
      .type('text/html; charset=utf-8')
      .send(pages[english ? 'en' : 'zh-CN']);
  });

  app.get('/widget/frame', { schema: { hide: true } }, async (request, reply) => {
    const { locale } = request.query as { locale?: string };
    reply.removeHeader('x-frame-options');
    return reply
      .headers({ 'content-security-policy': policy, 'cache-control': 'no-cache', 'referrer-policy': 'no-referrer' })
      .type('text/html; charset=utf-8')
      .send(pages[locale === 'en' ? 'en' : 'zh-CN']);
  });
}
