// The console's behaviour beyond plain forms: CSRF header for htmx, the "/" canned-reply picker,
// and Chart.js charts whose points open the list behind them. No inline script (the CSP forbids it).
(() => {
  const csrf = document.body.dataset.csrf;
  document.body.addEventListener('htmx:configRequest', (event) => {
    if (csrf) event.detail.headers['x-csrf-token'] = csrf;
  });

  // Canned replies: typing "/" at the start of the reply box lists them; Enter or a click inserts one.
  for (const box of document.querySelectorAll('textarea[data-canned]')) {
    let replies = null;
    const list = document.createElement('ul');
    list.className = 'canned';
    list.setAttribute('role', 'listbox');
    list.hidden = true;
    box.after(list);
    let selected = 0;
    const choose = (item) => {
      box.value = item.text;
      list.hidden = true;
      box.focus();
    };
    const show = async () => {
      const value = box.value;
      if (!value.startsWith('/') || value.includes('\n')) {
        list.hidden = true;
        return;
      }
      if (!replies) replies = await fetch(box.dataset.canned, { credentials: 'same-origin' }).then((r) => r.json());
      const typed = value.slice(1).toLowerCase();
      const matches = replies.filter(
        (r) => r.shortcut.toLowerCase().startsWith(typed) || r.text.toLowerCase().includes(typed),
      );
      list.replaceChildren(
        ...matches.slice(0, 8).map((r, i) => {
          const li = document.createElement('li');
          li.setAttribute('role', 'option');
          li.setAttribute('aria-selected', String(i === selected));
          li.textContent = `/${r.shortcut} — ${r.text}`;
          li.addEventListener('mousedown', (e) => {
            e.preventDefault();
            choose(r);
          });
          li.reply = r;
          return li;
        }),
      );
      list.hidden = matches.length === 0;
    };
    box.addEventListener('input', () => {
      selected = 0;
      show();
    });
    box.addEventListener('keydown', (e) => {
      if (list.hidden) return;
      const items = [...list.children];
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        selected = (selected + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
        for (const [i, li] of items.entries()) li.setAttribute('aria-selected', String(i === selected));
      } else if (e.key === 'Enter' && items[selected]) {
        e.preventDefault();
        choose(items[selected].reply);
      } else if (e.key === 'Escape') {
        list.hidden = true;
      }
    });
  }

  // Charts: <canvas data-chart="ID"> with its data in <script type="application/json" id="ID">.
  if (window.Chart) {
    for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
      const spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
      const chart = new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: 'nearest', intersect: false },
          scales: spec.stacked
            ? { x: { stacked: true }, y: { stacked: true, beginAtZero: true } }
            : { y: { beginAtZero: true } },
          onClick: (_event, elements) => {
            const hit = elements[0];
            if (!hit || !spec.drill) return;
            const dataset = spec.datasets[hit.datasetIndex];
            const url = new URL(spec.drill, location.href);
            url.searchParams.set('day', spec.labels[hit.index]);
            if (dataset.series) url.searchParams.set('series', dataset.series);
            location.href = url.toString();
          },
        },
      });
      canvas.chart = chart;
    }
  }
})();
