// Knowledge upkeep: the loaded entries and load errors, the questions the bot could not answer
// (grouped when the embedding model is there) with "attach to entry", and the learned and
// candidate ways of asking with approve / remove. All through the knowledge admin API.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { audit, type ConsoleContext, field, flashOf, redirect, sendPage, sessionOf, textsOf } from '../context.js';
import { html } from '../html.js';
import { csrfField, formatTime, page } from '../layout.js';

interface KnowledgeView {
  counts: { entries: number };
  errors: { file: string; line?: number; message: string }[];
  entries: { id: string; questions: string[]; answer: string; locale: string; learned?: string[] }[];
  nextCursor: string | null;
}
interface Unanswered {
  questions: { question: string; count: number; lastAskedAt: string; variants?: { question: string }[] }[];
}
interface Learned {
  learned: { id: number; entryId: string; question: string; source: string; customers: number; createdAt: string }[];
  candidates: { entryId: string; question: string; customers: number; lastAt: string }[];
}

export async function knowledgePages(app: FastifyInstance, c: ConsoleContext): Promise<void> {
  app.get('/console/knowledge', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const t = textsOf(session);
    const lang = session.staff.locale;
    const { cursor } = request.query as { cursor?: string };
    const kb = await c.api.getOptional<KnowledgeView>('/api/v1/knowledge', { limit: 100, cursor });
    if (!kb) {
      return sendPage(
        reply,
        page(session, { title: t.knowledge, section: 'knowledge' }, html`<p class="card">${t.featureOff}</p>`),
      );
    }
    const [unanswered, learned] = await Promise.all([
      c.api.get<Unanswered>('/api/v1/knowledge/unanswered', { limit: 50 }),
      c.api.get<Learned>('/api/v1/knowledge/learned', { limit: 50 }),
    ]);
    const entryOptions = kb.entries.map(
      (e) => html`<option value="${e.id}">${e.id} · ${e.questions[0] ?? ''}</option>`,
    );
    const body = html`
<section>
  <h2>${t.unanswered}</h2>
  <datalist id="entry-ids">${entryOptions}</datalist>
  <div class="table-wrap"><table>
    <thead><tr><th>${t.question}</th><th>${t.times}</th><th>${t.when}</th><th>${t.attachTo}</th></tr></thead>
    <tbody>${unanswered.questions.map(
      (
        q,
        i,
      ) => html`<tr><td>${q.question}${q.variants?.length ? html`<div class="muted">${q.variants.map((v) => v.question).join(' · ')}</div>` : ''}</td>
<td>${q.count}</td><td>${formatTime(q.lastAskedAt, lang, c.timezone)}</td>
<td><form method="post" action="/console/knowledge/learned" class="row">${csrfField(session)}
<input type="hidden" name="question" value="${q.question}">
<label class="sr" for="attach-${i}">${t.entry}</label>
<input id="attach-${i}" name="entryId" list="entry-ids" required maxlength="200" aria-label="${t.entry}">
<button type="submit">${t.attachTo}</button></form>
<details><summary>${t.newEntry}</summary>
<form method="post" action="/console/knowledge/entries">${csrfField(session)}
<input type="hidden" name="question" value="${q.question}">
<label for="answer-${i}">${t.answer}</label><textarea id="answer-${i}" name="answer" required maxlength="4000"></textarea>
<label for="locale-${i}">${t.language}</label><select id="locale-${i}" name="locale"><option value="zh-CN">中文</option><option value="en">English</option></select>
<p><button type="submit">${t.newEntry}</button></p></form></details></td></tr>`,
    )}</tbody>
  </table></div>
  ${unanswered.questions.length ? '' : html`<p class="muted">${t.none}</p>`}
</section>
<section>
  <h2>${t.learned}</h2>
  <div class="table-wrap"><table>
    <thead><tr><th>${t.question}</th><th>${t.entry}</th><th>${t.customers}</th><th></th></tr></thead>
    <tbody>
    ${learned.candidates.map(
      (x) => html`<tr><td>${x.question}</td><td>${x.entryId}</td><td>${x.customers}</td>
<td><form method="post" action="/console/knowledge/learned" class="inline">${csrfField(session)}
<input type="hidden" name="question" value="${x.question}"><input type="hidden" name="entryId" value="${x.entryId}">
<button type="submit">${t.approve}</button></form></td></tr>`,
    )}
    ${learned.learned.map(
      (
        x,
      ) => html`<tr><td>${x.question} <span class="badge ok">${x.source}</span></td><td>${x.entryId}</td><td>${x.customers}</td>
<td><form method="post" action="/console/knowledge/learned/${x.id}/remove" class="inline">${csrfField(session)}
<button type="submit" class="secondary">${t.remove}</button></form></td></tr>`,
    )}
    </tbody>
  </table></div>
</section>
<section>
  <h2>${t.loadErrors}</h2>
  ${kb.errors.length ? html`<ul>${kb.errors.map((e) => html`<li class="error">${e.file}${e.line ? `:${e.line}` : ''} · ${e.message}</li>`)}</ul>` : html`<p class="muted">${t.none}</p>`}
  <form method="post" action="/console/knowledge/reload">${csrfField(session)}<button type="submit" class="secondary">${t.reload}</button></form>
</section>
<section>
  <h2>${t.entries} (${kb.counts.entries})</h2>
  <div class="table-wrap"><table>
    <thead><tr><th>ID</th><th>${t.question}</th><th>${t.answer}</th></tr></thead>
    <tbody>${kb.entries.map(
      (e) =>
        html`<tr><td>${e.id}</td><td>${e.questions.join(' / ')}${e.learned?.length ? html`<div class="muted">${e.learned.join(' / ')}</div>` : ''}</td><td>${e.answer}</td></tr>`,
    )}</tbody>
  </table></div>
  ${kb.nextCursor ? html`<p class="pager"><a class="button secondary" href="/console/knowledge?cursor=${kb.nextCursor}">${t.next}</a></p>` : ''}
</section>`;
    return sendPage(
      reply,
      page(session, { title: t.knowledge, section: 'knowledge', flash: flashOf(request, t) }, body),
    );
  });

  app.post('/console/knowledge/learned', { schema: { hide: true } }, async (request, reply) => {
    const entryId = field(request.body, 'entryId').trim();
    const question = field(request.body, 'question').trim();
    await c.api.post('/api/v1/knowledge/learned', { entryId, question });
    await audit(c, request, 'knowledge.learn', `entry:${entryId}`, { question });
    return redirect(reply, '/console/knowledge', 'saved');
  });

  app.post('/console/knowledge/entries', { schema: { hide: true } }, async (request, reply) => {
    const question = field(request.body, 'question').trim();
    const locale = field(request.body, 'locale') === 'en' ? 'en' : 'zh-CN';
    const created = await c.api.post<{ id: string }>('/api/v1/knowledge/entries', {
      questions: [question],
      answer: field(request.body, 'answer').trim(),
      locale,
    });
    await audit(c, request, 'knowledge.entry', `entry:${created.id}`, { question });
    return redirect(reply, '/console/knowledge', 'saved');
  });

  app.post('/console/knowledge/learned/:id/remove', { schema: { hide: true } }, async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    if (!Number.isInteger(id)) throw new AppError('HTTP_NOT_FOUND', 'no such learned question');
    await c.api.delete(`/api/v1/knowledge/learned/${id}`);
    await audit(c, request, 'knowledge.forget', `learned:${id}`);
    return redirect(reply, '/console/knowledge', 'saved');
  });

  app.post('/console/knowledge/reload', { schema: { hide: true } }, async (request, reply) => {
    await c.api.post('/api/v1/knowledge/reload');
    await audit(c, request, 'knowledge.reload');
    return redirect(reply, '/console/knowledge', 'done');
  });
}
