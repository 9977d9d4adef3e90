// The manners of marketing (RAPPORT_CONFIG outreach): quiet hours hold a message (no channel
// delivers or lists it) and the outreach-release job lets it go at their end; the frequency cap
// skips what is past it, except high-priority news; /stop during the night still holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { notify } from '../../src/outbox/outreach.js';
import { quietUntil } from '../../src/outbox/politeness.js';
import { FakeClock } from '../fakes/clock.js';
import { admin, runJob, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

describe('quietUntil', () => {
  const night = { start: '21:00', end: '09:00' };
  it.each([
    // Shanghai is UTC+8 all year.
    ['2027-01-10T13:30:00Z', '2027-01-11T01:00:00.000Z'], // 21:30 → 09:00 next day
    ['2027-01-10T16:59:30Z', '2027-01-11T01:00:00.000Z'], // 00:59:30
    ['2027-01-10T00:59:00Z', '2027-01-10T01:00:00.000Z'], // 08:59
    ['2027-01-10T01:00:00Z', null], // 09:00: allowed again
    ['2027-01-10T12:59:00Z', null], // 20:59
    ['2027-01-10T13:00:00Z', '2027-01-11T01:00:00.000Z'], // 21:00
  ])('at %s in Shanghai → %s', (at, expected) => {
    expect(quietUntil(new Date(at), night, 'Asia/Shanghai')?.toISOString() ?? null).toBe(expected);
  });

  it('handles a window within one day, none at all, and a daylight-saving night', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(quietUntil(new Date('2027-01-10T04:30:00Z'), lunch, 'Asia/Shanghai')?.toISOString()).toBe(
      '2027-01-10T06:00:00.000Z',
    );
    expect(quietUntil(new Date('2027-01-10T07:00:00Z'), lunch, 'Asia/Shanghai')).toBeNull();
    expect(quietUntil(new Date('2027-01-10T13:30:00Z'), false, 'Asia/Shanghai')).toBeNull();
    // New York springs forward on 14 March 2027 at 02:00: 09:00 that morning is 13:00 UTC, not 14:00.
    expect(quietUntil(new Date('2027-03-14T03:00:00Z'), night, 'America/New_York')?.toISOString()).toBe(
      '2027-03-14T13:00:00.000Z',
    );
  });
});

describeOnEachDatabase('outreach politeness', (database) => {
  // 22:00 in Shanghai.
  const evening = Date.parse('2027-01-10T14:00:00Z');
  const clock = new FakeClock(evening);
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, {
      clock,
      yaml: [
        'loyalty:\n  rules:\n    welcome: 0\n',
        'outreach:\n  quietHours: { start: "21:00", end: "09:00" }\n  frequencyCap: { messages: 2, days: 7 }\n',
      ].join(''),
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const say = async (user: string, text: string) =>
    app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user }, text }),
    });
  const idOf = async (user: string) =>
    (await app.server.inject({ url: `/api/v1/customers?externalId=${user}`, headers: admin })).json().customers[0]
      .id as string;
  const inbox = async (user: string) =>
    ((await app.server.inject({ url: `/api/v1/messages?userId=${user}` })).json().messages as { text: string }[]).map(
      (m) => m.text,
    );
  const market = (id: string, text: string, key: string, priority?: 'high') =>
    notify(app.features.outreach, id, () => text, {
      purpose: 'marketing',
      kind: 'campaign',
      key,
      ...(priority ? { priority } : {}),
    });

  it('holds marketing through quiet hours, out of every channel, and releases it at their end', async () => {
    clock.current = evening;
    await say('night-owl', 'hi');
    const id = await idOf('night-owl');
    const before = await inbox('night-owl');
    const held = await market(id, 'Winter sale', 'sale:1');
    expect(held).toMatchObject({ status: 'held', releaseAt: new Date('2027-01-11T01:00:00Z') });
    expect(await app.store.db.outbox.count({ where: { dedupeKey: 'sale:1' } })).toBe(0);
    // The customer writes in the night: the answer comes, the held message does not.
    await say('night-owl', '/help');
    expect(await inbox('night-owl')).not.toContain('Winter sale');
    // Queued again by a second run: still once.
    expect(await market(id, 'Winter sale', 'sale:1')).toEqual({ status: 'duplicate' });

    clock.current = Date.parse('2027-01-11T00:59:00Z'); // 08:59: still quiet
    expect(await runJob(app, 'outreach-release')).toBe(0);
    clock.current = Date.parse('2027-01-11T01:00:00Z'); // 09:00
    expect(await runJob(app, 'outreach-release')).toBe(1);
    expect(await runJob(app, 'outreach-release')).toBe(0);
    const after = await inbox('night-owl');
    expect(after.filter((t) => t === 'Winter sale')).toHaveLength(1);
    expect(after.length).toBeGreaterThan(before.length + 1);
    // The log has it when it went out, not when it was queued.
    const logged = await app.store.db.interaction.findFirstOrThrow({
      where: { customerId: id, kind: 'campaign', direction: 'out' },
    });
    expect(logged.createdAt.toISOString()).toBe('2027-01-11T01:00:00.000Z');
  });

  it('a customer who opts out during the night does not get what was held', async () => {
    clock.current = evening + 7 * 86_400_000;
    await say('changed-mind', 'hi');
    const id = await idOf('changed-mind');
    expect((await market(id, 'Flash offer', 'flash:1')).status).toBe('held');
    await say('changed-mind', '/unsubscribe');
    clock.current += 12 * 3_600_000;
    expect(await runJob(app, 'outreach-release')).toBe(0);
    expect(await inbox('changed-mind')).not.toContain('Flash offer');
    const skipped = await app.store.db.interaction.findFirstOrThrow({
      where: { customerId: id, kind: 'outreach_skipped' },
    });
    expect(skipped.payload).toMatchObject({ reason: 'opted_out', key: 'flash:1' });
    expect(await app.store.db.heldMessage.count({ where: { customerId: id } })).toBe(0);
  });

  it('caps marketing at 2 in 7 days, lets high-priority news pass, and counts again after a week', async () => {
    const noon = Date.parse('2027-02-01T04:00:00Z'); // 12:00 in Shanghai
    clock.current = noon;
    await say('capped', 'hi');
    const id = await idOf('capped');
    expect((await market(id, 'one', 'cap:1')).status).toBe('queued');
    clock.current += 86_400_000;
    expect((await market(id, 'two', 'cap:2')).status).toBe('queued');
    clock.current += 86_400_000;
    expect(await market(id, 'three', 'cap:3')).toEqual({ status: 'skipped', reason: 'capped' });
    expect((await market(id, 'points expire', 'cap:expiry', 'high')).status).toBe('queued');
    // Seven days after the second, one place is free again (the high-priority one counts too).
    clock.current = noon + 8 * 86_400_000 + 60_000;
    expect((await market(id, 'three again', 'cap:3')).status).toBe('queued');
    expect(await market(id, 'four', 'cap:4')).toEqual({ status: 'skipped', reason: 'capped' });
    const texts = await inbox('capped');
    expect(texts).toEqual(expect.arrayContaining(['one', 'two', 'points expire', 'three again']));
    expect(texts).not.toContain('four');
  });

  it('answers /stop, 退订 and /unsubscribe alike, and /start opts back in', async () => {
    clock.current = Date.parse('2027-03-01T04:00:00Z');
    for (const word of ['/stop', '退订', '/unsubscribe']) {
      const user = `stopper-${word}`;
      await say(user, 'hi');
      const res = await say(user, word);
      expect(res.json().replies[0].text).toMatch(/关闭主动推送/);
      const id = await idOf(user);
      expect((await app.server.inject({ url: `/api/v1/customers/${id}`, headers: admin })).json().optedOut).toBe(true);
      expect(await market(id, 'promo', `promo:${word}`)).toEqual({ status: 'skipped', reason: 'opted_out' });
      await say(user, '/start');
      expect((await app.server.inject({ url: `/api/v1/customers/${id}`, headers: admin })).json().optedOut).toBe(false);
    }
  });
});
