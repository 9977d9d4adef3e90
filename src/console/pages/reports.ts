// Reports (owners): one page per report of the reports API with a date range, charts drawn by
// Chart.js (served here), the table behind them, a CSV download, and a drill-down from a point of
// a chart to the records behind it.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { type ConsoleContext, requireOwner, sendPage, sessionOf, textsOf } from '../context.js';
import { type Html, html, jsonBlock } from '../html.js';
import { page } from '../layout.js';
import type { ConsoleLocale } from '../staff.js';

type Localized = Record<ConsoleLocale, string>;
interface ReportList {
  reports: { name: string; title: Localized }[];
}
interface Report {
  report: string;
  from: string;
  to: string;
  columns: { key: string; title: Localized }[];
  rows: Record<string, string | number | null>[];
  summary: Record<string, unknown>;
}

/** What each report plots: charts of some columns, each column a series the drill-down filters by. */
interface ChartSpec {
  type: 'line' | 'bar';
  stacked?: boolean;
  /** Columns to plot; undefined = every numeric column but the day and totals. */
  columns?: readonly { key: string; series: string }[];
}
const CHARTS: Record<string, readonly ChartSpec[]> = {
  messages: [{ type: 'bar', stacked: true }],
  faq: [
    {
      type: 'bar',
      stacked: true,
      columns: [
        { key: 'answered', series: 'answered' },
        { key: 'suggested', series: 'suggested' },
        { key: 'unknown', series: 'unknown' },
      ],
    },
  ],
  tickets: [
    {
      type: 'line',
      columns: [
        { key: 'opened', series: 'opened' },
        { key: 'resolved', series: 'resolved' },
      ],
    },
  ],
  feedback: [
    { type: 'line', columns: [{ key: 'csatAverage', series: 'csat' }] },
    { type: 'line', columns: [{ key: 'nps', series: 'nps' }] },
    {
      type: 'bar',
      columns: [
        { key: 'csatCount', series: 'csat' },
        { key: 'npsCount', series: 'nps' },
      ],
    },
  ],
  points: [
    {
      type: 'bar',
      columns: [
        { key: 'issued', series: 'issued' },
        { key: 'redeemed', series: 'redeemed' },
        { key: 'expired', series: 'expired' },
      ],
    },
  ],
  stages: [{ type: 'line' }],
  campaigns: [
    {
      type: 'bar',
      columns: [
        { key: 'sent', series: 'sent' },
        { key: 'failed', series: 'failed' },
        { key: 'replied', series: 'replied' },
      ],
    },
  ],
};
const COLOURS = ['#2f6feb', '#12b76a', '#f79009', '#d92d20', '#7a5af8', '#06aed4', '#667085', '#ee46bc'];
const NOT_PLOTTED = new Set(['day', 'total', 'name', 'id', 'status', 'answeredShare', 'createdAt', 'campaignId']);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const rangeOf = (query: unknown) => {
  const q = query as { from?: string; to?: string };
  return {
    ...(q.from && DAY.test(q.from) ? { from: q.from } : {}),
    ...(q.to && DAY.test(q.to) ? { to: q.to } : {}),
  };
};

function charts(report: Report, lang: ConsoleLocale): Html {
  const specs = CHARTS[report.report] ?? [{ type: 'line' as const }];
  const isSeries = report.columns.some((col) => col.key === 'day');
  const labels = report.rows.map((r) => String(r.day ?? r.name ?? r.id ?? ''));
  return html`${specs.map((spec, i) => {
    const numeric = report.columns.filter(
      (col) => !NOT_PLOTTED.has(col.key) && report.rows.some((r) => typeof r[col.key] === 'number'),
    );
    const columns = spec.columns ?? numeric.map((col) => ({ key: col.key, series: col.key }));
    const datasets = columns
      .filter((col) => report.columns.some((x) => x.key === col.key))
      .map((col, j) => ({
        label: report.columns.find((x) => x.key === col.key)?.title[lang] ?? col.key,
        series: col.series,
        data: report.rows.map((r) => r[col.key] ?? null),
        backgroundColor: COLOURS[j % COLOURS.length],
        borderColor: COLOURS[j % COLOURS.length],
        spanGaps: true,
      }));
    const id = `chart-${report.report}-${i}`;
    const drill = isSeries ? `/console/reports/${report.report}/items?from=${report.from}&to=${report.to}` : undefined;
    return html`<div class="card"><div class="chart-box"><canvas data-chart="${id}" role="img" aria-label="${datasets.map((d) => d.label).join(', ')}"></canvas></div></div>
${jsonBlock(id, { type: spec.type, stacked: spec.stacked ?? false, labels, datasets, drill })}`;
  })}`;
}

function table(report: Report, lang: ConsoleLocale): Html {
  return html`<div class="table-wrap"><table>
<thead><tr>${report.columns.map((col) => html`<th scope="col">${col.title[lang] ?? col.key}</th>`)}</tr></thead>
<tbody>${report.rows.map((r) => html`<tr>${report.columns.map((col) => html`<td>${r[col.key] ?? ''}</td>`)}</tr>`)}</tbody>
</table></div>`;
}

/** The summaries' figures by name, in both languages; shares shown as percentages, times in minutes. */
const SUMMARY_LABELS: Record<string, Localized> = {
  total: { 'zh-CN': '合计', en: 'Total' },
  byChannel: { 'zh-CN': '按渠道', en: 'By channel' },
  answered: { 'zh-CN': '已回答', en: 'Answered' },
  suggested: { 'zh-CN': '给出建议', en: 'Suggested' },
  unknown: { 'zh-CN': '未能回答', en: 'Unknown' },
  answeredShare: { 'zh-CN': '回答率', en: 'Answered share' },
  suggestedShare: { 'zh-CN': '建议率', en: 'Suggested share' },
  unknownShare: { 'zh-CN': '未回答率', en: 'Unknown share' },
  opened: { 'zh-CN': '新建工单', en: 'Opened' },
  resolved: { 'zh-CN': '已解决', en: 'Resolved' },
  firstResponse: { 'zh-CN': '首次响应（分钟）', en: 'First response (min)' },
  resolution: { 'zh-CN': '解决用时（分钟）', en: 'Resolution (min)' },
  slaMinutes: { 'zh-CN': 'SLA（分钟）', en: 'SLA (min)' },
  withinSla: { 'zh-CN': 'SLA 内响应', en: 'Within SLA' },
  withinSlaCount: { 'zh-CN': 'SLA 内响应数', en: 'Within SLA (count)' },
  csatCount: { 'zh-CN': 'CSAT 数', en: 'CSAT answers' },
  csatAverage: { 'zh-CN': 'CSAT 平均分', en: 'CSAT average' },
  npsCount: { 'zh-CN': 'NPS 数', en: 'NPS answers' },
  nps: { 'zh-CN': 'NPS', en: 'NPS' },
  promoters: { 'zh-CN': '推荐者', en: 'Promoters' },
  passives: { 'zh-CN': '中立者', en: 'Passives' },
  detractors: { 'zh-CN': '贬损者', en: 'Detractors' },
  issued: { 'zh-CN': '发放', en: 'Issued' },
  redeemed: { 'zh-CN': '兑换', en: 'Redeemed' },
  expired: { 'zh-CN': '过期', en: 'Expired' },
  now: { 'zh-CN': '当前', en: 'Now' },
  campaigns: { 'zh-CN': '活动数', en: 'Campaigns' },
  targeted: { 'zh-CN': '目标客户', en: 'Targeted' },
  sent: { 'zh-CN': '已发送', en: 'Sent' },
  failed: { 'zh-CN': '失败', en: 'Failed' },
  replied: { 'zh-CN': '回复', en: 'Replied' },
};

function summary(report: Report, lang: ConsoleLocale): Html {
  const entries = Object.entries(report.summary ?? {});
  if (!entries.length) return html``;
  const show = (key: string, v: unknown): string => {
    if (v === null || v === undefined) return '–';
    if (typeof v === 'number' && /Share$|^withinSla$/.test(key)) return `${Math.round(v * 1000) / 10}%`;
    if (typeof v === 'number') return String(Math.round(v * 100) / 100);
    if (typeof v === 'object')
      return Object.entries(v)
        .map(([k, x]) => `${SUMMARY_LABELS[k]?.[lang] ?? k} ${show(k, x)}`)
        .join(lang === 'en' ? ', ' : '，');
    return String(v);
  };
  return html`<dl class="facts card">${entries.map(([k, v]) => html`<dt>${SUMMARY_LABELS[k]?.[lang] ?? k}</dt><dd>${show(k, v)}</dd>`)}</dl>`;
}

export async function reportPages(app: FastifyInstance, c: ConsoleContext): Promise<void> {
  const list = async () => (await c.api.getOptional<ReportList>('/api/v1/reports'))?.reports ?? [];

  app.get('/console/reports', { schema: { hide: true } }, async (request, reply) => {
    requireOwner(sessionOf(request));
    const first = (await list())[0];
    if (!first) throw new AppError('HTTP_NOT_FOUND', textsOf(sessionOf(request)).featureOff);
    return reply.code(303).header('location', `/console/reports/${first.name}`).send();
  });

  app.get('/console/reports/:name', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    requireOwner(session);
    const t = textsOf(session);
    const lang = session.staff.locale;
    const { name } = request.params as { name: string };
    if (name.endsWith('.csv')) return csv(name.slice(0, -4), request.query, reply);
    const [reports, report] = await Promise.all([
      list(),
      c.api.get<Report>(`/api/v1/reports/${encodeURIComponent(name)}`, rangeOf(request.query)),
    ]);
    const title = reports.find((r) => r.name === name)?.title[lang] ?? name;
    const body = html`<nav class="filters" aria-label="${t.reports}">${reports.map(
      (r) =>
        html`<a href="/console/reports/${r.name}?from=${report.from}&to=${report.to}" aria-current="${String(r.name === name)}">${r.title[lang]}</a>`,
    )}</nav>
<form method="get" class="row card">
  <div><label for="from">${t.from}</label><input id="from" name="from" type="date" value="${report.from}"></div>
  <div><label for="to">${t.to}</label><input id="to" name="to" type="date" value="${report.to}"></div>
  <button type="submit">${t.show}</button>
  <a class="button secondary" href="/console/reports/${name}.csv?from=${report.from}&to=${report.to}" download>${t.downloadCsv}</a>
</form>
${summary(report, lang)}
${charts(report, lang)}
<p class="muted">${t.drillHint}</p>
<details><summary>${t.details}</summary>${table(report, lang)}</details>`;
    return sendPage(reply, page(session, { title, section: 'reports', scripts: ['chart.umd.min.js'] }, body));
  });

  const csv = async (name: string, query: unknown, reply: import('fastify').FastifyReply) => {
    const response = await c.api.raw(`/api/v1/reports/${encodeURIComponent(name)}.csv`, rangeOf(query));
    if (response.statusCode >= 400) throw new AppError('HTTP_NOT_FOUND', `no report ${name}`);
    return reply
      .code(200)
      .type(String(response.headers['content-type'] ?? 'text/csv; charset=utf-8'))
      .header(
        'content-disposition',
        String(response.headers['content-disposition'] ?? `attachment; filename="${name}.csv"`),
      )
      .send(response.rawPayload);
  };

  app.get('/console/reports/:name/items', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    requireOwner(session);
    const t = textsOf(session);
    const { name } = request.params as { name: string };
    const q = request.query as { day?: string; series?: string; cursor?: string };
    const items = await c.api.get<{ items: Record<string, unknown>[]; nextCursor: string | null }>(
      `/api/v1/reports/${encodeURIComponent(name)}/items`,
      { ...rangeOf(request.query), day: q.day, series: q.series, cursor: q.cursor, limit: 50 },
    );
    const keys = [...new Set(items.items.flatMap((i) => Object.keys(i)))];
    const link = (key: string, value: unknown) =>
      key === 'customerId' && typeof value === 'string'
        ? html`<a href="/console/customers/${value}">${value.slice(0, 8)}</a>`
        : name === 'tickets' && key === 'id'
          ? html`<a href="/console/tickets/${String(value)}">#${String(value)}</a>`
          : typeof value === 'object' && value !== null
            ? JSON.stringify(value)
            : String(value ?? '');
    const next = new URLSearchParams({
      ...rangeOf(request.query),
      ...(q.day ? { day: q.day } : {}),
      ...(q.series ? { series: q.series } : {}),
    });
    const body = html`<p><a href="/console/reports/${name}?${new URLSearchParams(rangeOf(request.query)).toString()}">${t.back}</a></p>
<div class="table-wrap"><table>
<thead><tr>${keys.map((k) => html`<th scope="col">${k}</th>`)}</tr></thead>
<tbody>${items.items.map((i) => html`<tr>${keys.map((k) => html`<td>${link(k, i[k])}</td>`)}</tr>`)}</tbody>
</table></div>
${items.items.length ? '' : html`<p class="muted">${t.none}</p>`}
${items.nextCursor ? html`<p class="pager"><a class="button secondary" href="?${next.toString()}&cursor=${items.nextCursor}">${t.next}</a></p>` : ''}`;
    const title = `${t.details} · ${name} · ${q.day ?? ''} ${q.series ?? ''}`;
    return sendPage(reply, page(session, { title, section: 'reports' }, body));
  });
}
