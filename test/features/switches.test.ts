// Features switched off with `enabled: false`: their commands leave /help, their routes and jobs
// are not set up, features that only use them carry on, those that need them refuse to start,
// and their data still moves when two customers merge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { buildApp } from '../../src/app.js';
import { admin, silentLogger, testApp, testConfig } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

type Reply = { text: string; buttons?: { label: string; payload: string }[] };

const OFF = [
  'loyalty:\n  enabled: false',
  'referrals:\n  enabled: false',
  'birthdays:\n  enabled: false',
  'faq:\n  enabled: false',
  'lifecycle:\n  enabled: false',
  'segments:\n  enabled: false',
  // Campaigns need segments: off with them.
  'campaigns:\n  enabled: false',
].join('\n');

describeOnEachDatabase('features switched off', (database) => {
  let app: App;
  let seq = 0;

  beforeAll(async () => {
    app = await testApp(database().url, { yaml: OFF });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const send = async (user: string, body: Record<string, unknown>) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: user }, ...body },
    });
    expect(res.statusCode).toBe(200);
    return res.json().replies as Reply[];
  };
  const idOf = async (user: string) =>
    (await app.server.inject({ url: `/api/v1/customers?externalId=${user}`, headers: admin })).json().customers[0]
      .id as string;

  it('leaves their commands out of /help in both languages, and answers them as unknown', async () => {
    const user = `off-${++seq}`;
    const [zh] = await send(user, { text: '/help' });
    expect(zh?.text).toContain('/feedback');
    expect(zh?.text).toContain('/human');
    for (const gone of ['/points', '/checkin', '/rewards', '/birthday', '/invite'])
      expect(zh?.text).not.toContain(gone);
    await send(user, { text: '/lang en' });
    const [en] = await send(user, { text: '/help' });
    expect(en?.text).toContain('/link join your accounts');
    expect(en?.text).not.toContain('/points');
    const [points] = await send(user, { text: '/points' });
    expect(points?.text).toBe("Sorry, I don't know the command /points. Send /help to see what I can do.");
    // care stays: each of its occasions is switched off on its own (outreach.occasions.<name>.enabled).
    expect(app.features.names).toEqual([
      'core',
      'limits',
      'moderation',
      'feedback',
      'escalation',
      'linking',
      'care',
      'reports',
    ]);
  });

  it('sets up none of their routes or jobs; the profile has no points', async () => {
    const user = `off-${++seq}`;
    await send(user, { text: '/start' });
    const id = await idOf(user);
    const purchase = await app.server.inject({
      method: 'POST',
      url: `/api/v1/customers/${id}/purchases`,
      headers: admin,
      payload: { amount: 30, orderId: 'o-1' },
    });
    expect(purchase.statusCode).toBe(404);
    expect((await app.server.inject({ url: '/api/v1/knowledge', headers: admin })).statusCode).toBe(404);
    const profile = (await app.server.inject({ url: `/api/v1/customers/${id}`, headers: admin })).json();
    expect(profile).not.toHaveProperty('points');
    expect(app.jobs.jobs.map((j) => j.name)).toEqual([
      'outbox-prune',
      'outreach-release',
      'moderation-captcha',
      'ticket-reminders',
      'care-occasions',
    ]);
    const jobs = (await app.server.inject({ url: '/api/v1/jobs', headers: admin })).json().jobs;
    expect(jobs.map((j: { name: string }) => j.name)).toEqual([
      'outbox-prune',
      'outreach-release',
      'moderation-captcha',
      'ticket-reminders',
      'care-occasions',
    ]);
  });

  it('lets the features that only use them carry on: surveys without points, tickets, the fallback', async () => {
    const user = `off-${++seq}`;
    const [prompt] = await send(user, { text: '/feedback' });
    await send(user, { payload: prompt?.buttons?.[4]?.payload });
    const [thanks] = await send(user, { text: '很好' });
    expect(thanks?.text).toBe('感谢您的反馈，我们会认真对待！');
    const [handoff] = await send(user, { text: '/human' });
    expect(handoff?.text).toMatch(/转接人工客服/);
    const id = await idOf(user);
    const tickets = (await app.server.inject({ url: '/api/v1/tickets', headers: admin })).json().tickets;
    expect(tickets.filter((t: { customer: { id: string } }) => t.customer.id === id)).toHaveLength(1);
    // With the FAQ off, a question gets the fallback.
    const asker = `off-${++seq}`;
    await send(asker, { text: '/start' });
    const question = await send(asker, { text: '你们几点开门' });
    expect(question.map((r) => r.text)).toContain('抱歉，我暂时无法回答这个问题。发送 /help 查看我能做什么。');
  });

  it('still moves a switched-off feature’s data when two customers merge', async () => {
    const [a, b] = [`off-${++seq}`, `off-${++seq}`];
    await send(a, { text: '/start' });
    await send(b, { text: '/start' });
    const [idA, idB] = [await idOf(a), await idOf(b)];
    // Points earned while loyalty was on: a ledger row and the balance.
    await app.store.db.pointsEntry.create({
      data: { customerId: idB, kind: 'award', delta: 40, reason: 'earlier', idempotencyKey: `earlier:${idB}` },
    });
    await app.store.db.customer.update({ where: { id: idB }, data: { pointsBalance: 40, birthday: '03-04' } });
    const merged = await app.server.inject({
      method: 'POST',
      url: `/api/v1/customers/${idA}/merge`,
      headers: admin,
      payload: { otherId: idB },
    });
    expect(merged.statusCode).toBe(200);
    const survivor = await app.store.db.customer.findUniqueOrThrow({ where: { id: idA } });
    expect(survivor).toMatchObject({ pointsBalance: 40, birthday: '03-04' });
    expect(await app.store.db.pointsEntry.count({ where: { customerId: idA } })).toBe(1);
  });
});

describe('a feature that needs one switched off', () => {
  it('refuses to start, naming both', async () => {
    const config = testConfig('file::memory:', {}, 'loyalty:\n  enabled: false\n');
    await expect(buildApp(config, { logger: silentLogger })).rejects.toMatchObject({
      code: 'KERNEL_MISSING_DEPENDENCY',
      message: expect.stringMatching(/"referrals" needs "loyalty", which is switched off/),
    });
  });
});
