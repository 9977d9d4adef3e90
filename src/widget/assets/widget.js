// Rapport's chat widget: one <script src=".../widget.js" async> on any site adds a chat bubble.
// The chat itself runs in a frame served by Rapport (its own origin, storage and styles); this
// script only draws the bubble and the panel, in a shadow root so that the host page's CSS
// and ours never meet. Attributes: data-locale, data-user-id and data-user-signature.
(() => {
  const script = document.currentScript;
  if (!script || window.__rapportWidget) return;
  window.__rapportWidget = true;
  const config = /*CONFIG*/ { colour: '#2f6feb', position: 'right', title: { 'zh-CN': '', en: '' } };
  const base = new URL(script.src).origin;
  const data = script.dataset;
  const locale = /^en/i.test(data.locale || navigator.language || '') ? 'en' : 'zh-CN';
  const labels = locale === 'en' ? ['Chat with us', 'Close the chat', 'unread'] : ['在线咨询', '关闭对话', '条未读'];
  const frameUrl = new URL('/widget/frame', base);
  frameUrl.searchParams.set('locale', locale);
  if (data.userId) frameUrl.searchParams.set('userId', data.userId);
  if (data.userSignature) frameUrl.searchParams.set('signature', data.userSignature);

  // An element name no site styles, reset inline with !important (which beats any stylesheet rule,
  // and is CSSOM, so a site's CSP allows it): the site's CSS cannot give our anchor a box.
  const host = document.createElement('rapport-widget');
  host.style.setProperty('all', 'initial', 'important');
  const root = host.attachShadow({ mode: 'open' });
  const side = config.position === 'left' ? 'left' : 'right';
  root.innerHTML = `<style>
:host { all: initial; }
.bubble { all: initial; position: fixed; bottom: 20px; ${side}: 20px; z-index: 2147483000; width: 60px; height: 60px;
  border-radius: 50%; background: ${config.colour}; box-shadow: 0 4px 14px rgba(0,0,0,.25); cursor: pointer;
  display: flex; align-items: center; justify-content: center; }
.bubble:focus-visible { outline: 3px solid #111; outline-offset: 3px; }
.bubble svg { width: 30px; height: 30px; fill: #fff; }
.badge { all: initial; position: absolute; top: -4px; ${side === 'right' ? 'left' : 'right'}: -4px; min-width: 22px; height: 22px;
  padding: 0 6px; box-sizing: border-box; border-radius: 11px; background: #d92d20; color: #fff; font: 700 13px/22px system-ui, sans-serif; text-align: center; }
.badge[hidden], .panel[hidden] { display: none; }
.panel { all: initial; position: fixed; bottom: 92px; ${side}: 20px; z-index: 2147483000; width: 380px; height: min(640px, calc(100dvh - 112px));
  border-radius: 14px; overflow: hidden; box-shadow: 0 8px 30px rgba(0,0,0,.3); background: #fff; display: block; }
.panel iframe { all: initial; width: 100%; height: 100%; border: 0; display: block; }
@media (max-width: 480px) { .panel { inset: 0; width: 100vw; height: 100dvh; border-radius: 0; }
  .bubble[aria-expanded="true"] { display: none; } }
</style>
<div class="panel" hidden></div>
<button class="bubble" type="button" aria-expanded="false"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg><span class="badge" hidden></span></button>`;
  const bubble = root.querySelector('.bubble');
  const badge = root.querySelector('.badge');
  const panel = root.querySelector('.panel');
  const frame = document.createElement('iframe');
  frame.title = config.title[locale] || labels[0];
  frame.src = frameUrl.toString();
  frame.allow = 'clipboard-write';
  panel.append(frame);
  bubble.setAttribute('aria-label', labels[0]);

  const STORE = `rapport:${base}`;
  const stored = () => {
    try {
      return JSON.parse(localStorage.getItem(STORE) || '{}');
    } catch {
      return {};
    }
  };
  let open = false;
  const tell = (message) => frame.contentWindow?.postMessage({ rapport: message }, base);
  const toggle = (to) => {
    open = to;
    panel.hidden = !open;
    bubble.setAttribute('aria-expanded', String(open));
    bubble.setAttribute('aria-label', open ? labels[1] : labels[0]);
    tell(open ? 'open' : 'close');
    if (open) {
      badge.hidden = true;
      frame.focus();
    }
  };
  bubble.addEventListener('click', () => toggle(!open));
  window.addEventListener('message', (event) => {
    if (event.origin !== base || event.source !== frame.contentWindow) return;
    const message = event.data?.rapport;
    if (message?.type === 'unread' && !open) {
      badge.hidden = !message.count;
      badge.textContent = String(message.count);
      bubble.setAttribute('aria-label', `${labels[0]} (${message.count} ${labels[2]})`);
    } else if (message?.type === 'close') toggle(false);
    else if (message?.type === 'ready') {
      tell({ type: 'sessions', stored: stored() });
      tell(open ? 'open' : 'close');
    } else if (message?.type === 'store' && typeof message.key === 'string' && typeof message.value === 'string') {
      // The chat's session, kept in this site's own storage (the frame's may be blocked as third-party).
      try {
        localStorage.setItem(STORE, JSON.stringify({ ...stored(), [message.key]: message.value }));
      } catch {}
    }
  });
  const attach = () => document.body.append(host);
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach);
})();
