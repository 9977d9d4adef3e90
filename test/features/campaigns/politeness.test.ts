// A campaign keeps the business's manners (RAPPORT_CONFIG outreach): the frequency cap skips, and
// counts, customers who had their share of marketing; quiet hours hold the messages (counted as
// deferred) until the outreach-release job after 09:00 in Shanghai; cancelling drops the held ones.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { runJob, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { campaignClient, HOUR, tagged } from './helpers.js';

// 15 August 2026, 10:00 in Shanghai.
const NOW = Date.parse('2026-08-15T02:00:00Z');
const YAML = [
  'loyalty:',
  '  rules:',
  '    welcome: 0',
  'outreach:',
  '  quietHours: { start: "21:00", end: "09:00" }',
  '  frequencyCap: { messages: 2, days: 7 }',
  '',
].join('\n');
const message = { 'zh-CN': '周末特惠！', en: 'Weekend offer!' };

describeOnEachDatabase('campaigns and the manners of marketing', (database) => {
  const clock = new FakeClock(NOW);
  let app: App;
  const c = campaignClient(() => app);
  const offers = async (user: string) => (await c.inbox(user)).filter((m) => m.text === '周末特惠！');
  /** Moves the clock to the next time of day hh:00 in Shanghai (UTC+8). */
  const nextShanghaiHour = (hour: number) => {
    const utcHour = (hour - 8 + 24) % 24;
    let at = clock.now() - (clock.now() % HOUR);
    while (new Date(at).getUTCHours() !== utcHour || at <= clock.now()) at += HOUR;
    clock.current = at;
  };

  beforeAll(async () => {
    app = await testApp(database().url, { clock, yaml: YAML });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('skips, and counts, customers the frequency cap refuses', async () => {
    const capped = await c.customer('cap-a', 'cap');
    await c.customer('cap-b', 'cap-later');
    await c.call('POST', `/api/v1/customers/${capped}/tags`, { tags: ['cap-later'] });
    for (const n of [1, 2]) await c.create({ name: `first ${n}`, rules: tagged('cap'), message });
    await c.job();
    expect(await offers('cap-a')).toHaveLength(2);

    const { id } = await c.create({ name: 'third', rules: tagged('cap-later'), message });
    await c.job();
    expect(await offers('cap-a')).toHaveLength(2);
    expect(await offers('cap-b')).toHaveLength(1);
    expect((await c.get(id)).stats).toMatchObject({ targeted: 2, queued: 1, skippedCapped: 1, deferredQuietHours: 0 });
  });

  it('holds messages through quiet hours (deferred), and delivers them after 09:00', async () => {
    await c.customer('quiet-a', 'quiet');
    await c.customer('quiet-b', 'quiet');
    nextShanghaiHour(22);
    const { id } = await c.create({ name: 'At night', rules: tagged('quiet'), message });
    await c.job();
    expect((await c.get(id)).stats).toMatchObject({ targeted: 2, queued: 2, deferredQuietHours: 2, sent: 0 });
    expect(await offers('quiet-a')).toEqual([]);

    clock.advance(10 * HOUR + 59 * 60_000); // 08:59
    expect(await runJob(app, 'outreach-release')).toBe(0);
    expect(await offers('quiet-a')).toEqual([]);
    clock.advance(60_000); // 09:00
    expect(await runJob(app, 'outreach-release')).toBe(2);
    expect(await offers('quiet-a')).toHaveLength(1);
    expect(await offers('quiet-b')).toHaveLength(1);
    // Released: their outbox rows are the campaign's now (sent once the dispatcher sends them).
    await app.store.db.outbox.updateMany({
      where: { dedupeKey: { startsWith: `campaign:${id}:` } },
      data: { status: 'sent', sentAt: new Date(clock.now()) },
    });
    expect((await c.get(id)).stats).toMatchObject({ queued: 2, deferredQuietHours: 2, sent: 2 });
  });

  it('cancelling drops the held messages: nothing is delivered after 09:00', async () => {
    await c.customer('held-a', 'held');
    await c.customer('held-b', 'held');
    nextShanghaiHour(23);
    const { id } = await c.create({ name: 'Regret', rules: tagged('held'), message });
    await c.job();
    const held = await app.store.db.heldMessage.count({ where: { dedupeKey: { startsWith: `campaign:${id}:` } } });
    expect(held).toBe(2);

    const cancelled = await c.call('POST', `/api/v1/campaigns/${id}/cancel`);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', stats: { deferredQuietHours: 2 } });
    expect(await app.store.db.heldMessage.count({ where: { dedupeKey: { startsWith: `campaign:${id}:` } } })).toBe(0);
    expect((await c.call('POST', `/api/v1/campaigns/${id}/cancel`)).statusCode).toBe(409);

    nextShanghaiHour(9);
    await runJob(app, 'outreach-release');
    expect(await offers('held-a')).toEqual([]);
    expect(await offers('held-b')).toEqual([]);
  });
});
