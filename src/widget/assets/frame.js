// The chat in the widget's frame: a session of its own (anonymous, or the site's signed user),
// the whole conversation both ways after a reload, new messages by long polling, "typing…"
// while a turn runs, buttons that can be answered once, and the "me" panel (points, tier,
// rewards, the pending survey, opting out of offers). Text is only ever set as text (no HTML
// from messages); links are made clickable with rel=noopener.
(() => {
  const params = new URLSearchParams(location.search);
  // The page's language: the loader's data-locale (?locale=), or what the server chose for "/".
  const locale = (params.get('locale') ?? document.documentElement.lang) === 'en' ? 'en' : 'zh-CN';
  const T = {
    en: {
      me: 'Me',
      chat: 'Chat',
      close: 'Close',
      send: 'Send',
      message: 'Message',
      typing: 'typing…',
      placeholder: 'Type a message…',
      points: 'Points',
      tier: 'Tier',
      toNext: (n, tier) => `${n} more to ${tier}`,
      rewards: 'Rewards',
      redeem: 'Redeem',
      survey: 'A quick question',
      offers: 'Offers and news from us',
      unverified: 'We could not verify who you are: please sign in on the site again.',
      offline: 'Connection lost: trying again…',
      failed: 'Sending failed: please try again.',
      staff: 'Staff',
      noPoints: 'Points are not in use here.',
      sayHello: 'Say hello first: your points and rewards will show here.',
    },
    'zh-CN': {
      me: '我的',
      chat: '对话',
      close: '关闭',
      send: '发送',
      message: '消息',
      typing: '正在输入…',
      placeholder: '输入消息…',
      points: '积分',
      tier: '等级',
      toNext: (n, tier) => `再得 ${n} 积分升级为${tier}`,
      rewards: '可兑换奖励',
      redeem: '兑换',
      survey: '小调查',
      offers: '接收优惠和资讯',
      unverified: '无法验证您的身份，请在网站上重新登录。',
      offline: '连接中断，正在重试…',
      failed: '发送失败，请重试。',
      staff: '客服',
      noPoints: '本店未开通积分。',
      sayHello: '先和我们打个招呼吧，您的积分和奖励会显示在这里。',
    },
  }[locale];
  const $ = (id) => document.getElementById(id);
  const tellParent = (message) => parent.postMessage({ rapport: message }, '*');
  const log = $('log');
  const chat = $('chat');
  const typing = $('typing');
  const status = $('status');
  const text = $('text');
  const me = $('me');
  document.documentElement.style.setProperty('--accent', document.body.dataset.colour || '#2f6feb');
  $('send').textContent = T.send;
  $('close').textContent = '✕';
  $('close').setAttribute('aria-label', T.close);
  $('me-toggle').textContent = T.me;
  text.previousElementSibling.textContent = T.message;
  text.placeholder = T.placeholder;
  typing.textContent = T.typing;

  // Where the session token is kept. Browsers that block third-party storage (Safari, Firefox's
  // strict mode, Chromium with third-party cookies off) deny it to this frame on another site,
  // so the page's own script keeps it in the site's first-party storage and hands it over by
  // postMessage; this frame's storage serves when it is opened on its own; memory is the last resort.
  const framed = parent !== window;
  // Opened on its own (the web chat at "/"): no site around it to close it into.
  document.body.classList.toggle('standalone', !framed);
  $('close').hidden = !framed;
  const fromPage = {};
  const storage = (() => {
    try {
      localStorage.setItem('rapport.probe', '1');
      localStorage.removeItem('rapport.probe');
      return localStorage;
    } catch {
      return null;
    }
  })();
  const keep = (key, value) => {
    fromPage[key] = value;
    if (framed) tellParent({ type: 'store', key, value });
    else storage?.setItem(key, value);
  };
  const recall = (key) => fromPage[key] ?? (framed ? null : (storage?.getItem(key) ?? null));
  const handedOver = new Promise((resolve) => {
    if (!framed) return resolve();
    window.addEventListener('message', (event) => {
      if (event.source === parent && event.data?.rapport?.type === 'sessions') {
        Object.assign(fromPage, event.data.rapport.stored || {});
        resolve();
      }
    });
    // A page without the loader (the frame linked directly) never answers.
    setTimeout(resolve, 2000);
  });

  let token = null;
  const api = async (method, path, body) => {
    const response = await fetch(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok)
      throw Object.assign(new Error(data.error?.message || response.statusText), { status: response.status });
    return data;
  };

  async function signIn() {
    const userId = params.get('userId');
    const signature = params.get('signature');
    const key = userId ? `rapport.session.${userId}` : 'rapport.session';
    const saved = JSON.parse(recall(key) || 'null');
    if (saved?.token) {
      token = saved.token;
      try {
        const renewed = await api('POST', '/api/v1/sessions');
        if (!userId || renewed.userId === userId) {
          token = renewed.token;
          keep(key, JSON.stringify(renewed));
          return true;
        }
      } catch {}
      token = null;
    }
    try {
      const fresh = await api('POST', '/api/v1/sessions', userId ? { user: { id: userId }, signature } : undefined);
      token = fresh.token;
      keep(key, JSON.stringify(fresh));
      return true;
    } catch {
      show(T.unverified);
      return false;
    }
  }

  const show = (message) => {
    status.hidden = !message;
    status.textContent = message || '';
  };

  // ---- the conversation ----
  const seen = new Set();
  let cursor = null;
  let open = false;
  let unread = 0;

  const linkified = (value) => {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of value.matchAll(/https?:\/\/[^\s<>"'）)，。]+/g)) {
      fragment.append(value.slice(last, match.index));
      const a = document.createElement('a');
      a.href = match[0];
      a.textContent = match[0];
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      fragment.append(a);
      last = match.index + match[0].length;
    }
    fragment.append(value.slice(last));
    return fragment;
  };

  const disableEarlierChoices = () => {
    for (const button of log.querySelectorAll('.choices button')) button.disabled = true;
  };

  function render(item, { live = false } = {}) {
    const key = `${item.from}:${item.id}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (item.from === 'customer') {
      // The message this frame sent and showed at once: confirmed, not shown twice.
      const pending = [...log.querySelectorAll('[data-unconfirmed]')].find((li) => li.dataset.text === item.text);
      if (pending) {
        delete pending.dataset.unconfirmed;
        return;
      }
      // Read from the history, a later message of the visitor means the buttons before it were answered.
      if (!live) disableEarlierChoices();
    }
    const li = document.createElement('li');
    li.className = `msg ${item.from}`;
    if (item.from === 'staff') {
      const who = document.createElement('span');
      who.className = 'who';
      who.textContent = item.author?.name ? `${item.author.name} · ${T.staff}` : T.staff;
      li.append(who);
    }
    li.append(linkified(item.text || ''));
    if (item.buttons?.length) {
      const choices = document.createElement('div');
      choices.className = 'choices';
      for (const b of item.buttons) {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = b.label;
        button.addEventListener('click', () => send(b.label, b.payload));
        choices.append(button);
      }
      li.append(choices);
    }
    log.append(li);
    chat.scrollTop = chat.scrollHeight;
    if (live && item.from !== 'customer' && !open) {
      unread++;
      tellParent({ type: 'unread', count: unread });
    }
  }

  async function load(wait) {
    const query = new URLSearchParams({ include: 'both', limit: '100' });
    if (cursor) query.set('after', cursor);
    if (wait) query.set('wait', String(wait));
    const page = await api('GET', `/api/v1/messages?${query}`);
    for (const item of page.messages) render(item, { live: Boolean(wait) });
    cursor = page.cursor;
    return page.messages.length;
  }

  async function listen() {
    for (let failures = 0; ; ) {
      try {
        await load(25);
        failures = 0;
        show('');
      } catch (err) {
        if (err.status === 401) return show(T.unverified);
        failures++;
        if (failures > 1) show(T.offline);
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** failures)));
      }
    }
  }

  async function send(label, payload) {
    const value = (label ?? '').trim();
    if (!value && !payload) return;
    disableEarlierChoices();
    const li = document.createElement('li');
    li.className = 'msg customer pending';
    li.dataset.text = value;
    // Until the history brings this message back, it is this frame's own copy of it.
    li.dataset.unconfirmed = '1';
    li.textContent = value;
    log.append(li);
    chat.scrollTop = chat.scrollHeight;
    typing.hidden = false;
    try {
      // The site's language (data-locale) goes with the visitor's first message; /lang changes it later.
      const first = !log.querySelector('.msg.customer:not([data-unconfirmed])');
      const body = payload ? { payload } : { text: value };
      const result = await api('POST', '/api/v1/messages', first ? { ...body, user: { locale } } : body);
      li.classList.remove('pending');
      for (const reply of result.replies) render({ ...reply, from: 'bot' });
    } catch {
      li.remove();
      show(T.failed);
      if (!payload) text.value = value;
    } finally {
      typing.hidden = true;
    }
  }

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = text.value;
    text.value = '';
    send(value);
  });
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('composer').requestSubmit();
    }
  });
  $('close').addEventListener('click', () => tellParent({ type: 'close' }));

  // ---- the "me" panel ----
  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };

  async function showMe() {
    let data;
    try {
      data = await api('GET', '/api/v1/me');
    } catch (err) {
      // 404: nothing written yet, so no customer record to show.
      if (err.status !== 404) throw err;
      me.replaceChildren(el('p', { className: 'muted', textContent: T.sayHello }));
      return;
    }
    const name = (n) => (n ? (n[locale] ?? n.en ?? '') : '');
    me.replaceChildren();
    if (data.points) {
      const p = data.points;
      me.append(
        el('h2', { textContent: T.points }),
        el('div', { className: 'points', textContent: String(p.balance) }),
      );
      me.append(el('p', { textContent: `${T.tier}: ${name(p.tier?.name)}` }));
      if (p.nextTier && p.toNextTier !== null) {
        const share = Math.max(0, Math.min(1, p.balance / (p.balance + p.toNextTier)));
        const bar = el('div', { className: 'progress' }, el('span'));
        bar.firstChild.style.width = `${Math.round(share * 100)}%`;
        bar.setAttribute('role', 'progressbar');
        bar.setAttribute('aria-valuenow', String(Math.round(share * 100)));
        me.append(bar, el('p', { className: 'muted', textContent: T.toNext(p.toNextTier, name(p.nextTier.name)) }));
      }
    } else me.append(el('p', { className: 'muted', textContent: T.noPoints }));
    if (data.rewards?.length) {
      const cards = el('div', { className: 'cards' });
      for (const r of data.rewards) {
        const redeem = el('button', { type: 'button', textContent: T.redeem, disabled: !r.available });
        redeem.addEventListener('click', () => {
          redeem.disabled = true;
          togglePanel(false);
          // As the command, not the button's payload: the history then shows what was asked.
          send(`/redeem ${r.id}`);
        });
        cards.append(
          el(
            'div',
            { className: 'card' },
            el('strong', { textContent: name(r.name) }),
            el('span', { className: 'muted', textContent: `${r.cost} ${T.points}` }),
            redeem,
          ),
        );
      }
      me.append(el('h2', { textContent: T.rewards }), cards);
    }
    if (data.survey) {
      const choices = el('div', { className: 'choices' });
      for (const b of data.survey.buttons) {
        const button = el('button', { type: 'button', textContent: b.label });
        button.addEventListener('click', () => {
          togglePanel(false);
          send(b.label, b.payload);
        });
        choices.append(button);
      }
      me.append(el('h2', { textContent: T.survey }), el('p', { textContent: data.survey.question }), choices);
    }
    const toggle = el('input', { type: 'checkbox', id: 'offers', checked: !data.optedOut });
    toggle.setAttribute('role', 'switch');
    toggle.addEventListener('change', async () => {
      toggle.disabled = true;
      try {
        const saved = await api('PUT', '/api/v1/me/preferences', { optedOut: !toggle.checked });
        toggle.checked = !saved.optedOut;
      } catch {
        toggle.checked = !toggle.checked;
        show(T.failed);
      } finally {
        toggle.disabled = false;
      }
    });
    me.append(el('label', { className: 'switch', htmlFor: 'offers' }, el('span', { textContent: T.offers }), toggle));
  }

  function togglePanel(to) {
    me.hidden = !to;
    chat.hidden = to;
    $('composer').hidden = to;
    $('me-toggle').textContent = to ? T.chat : T.me;
    $('me-toggle').setAttribute('aria-expanded', String(to));
    if (to) showMe().catch(() => show(T.failed));
  }
  $('me-toggle').addEventListener('click', () => togglePanel(me.hidden));

  window.addEventListener('message', (event) => {
    if (event.source !== parent) return;
    if (event.data?.rapport === 'open') {
      open = true;
      unread = 0;
      tellParent({ type: 'unread', count: 0 });
      text.focus();
    } else if (event.data?.rapport === 'close') open = false;
  });

  (async () => {
    tellParent({ type: 'ready' });
    await handedOver;
    if (!(await signIn())) return;
    const greeting = document.body.dataset.greeting;
    try {
      while ((await load(0)) === 100);
    } catch {
      show(T.offline);
    }
    if (!log.children.length && greeting) {
      const li = el('li', { className: 'msg bot' });
      li.append(linkified(greeting));
      log.append(li);
    }
    listen();
  })();
})();
