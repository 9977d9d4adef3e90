import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { parseBirthday } from '../../../src/features/birthdays/birthdays.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, runJob, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { refuseOutbox } from '../../helpers/refuse-outbox.js';

describe('parseBirthday', () => {
  it.each([
    ['8-15', '08-15'],
    ['08/15', '08-15'],
    ['8月15日', '08-15'],
    ['2-29', '02-29'],
  ])('reads %s', (text, expected) => expect(parseBirthday(text)).toBe(expected));
  it.each(['13-01', '02-30', 'tomorrow', '', '0-5'])('refuses %j', (text) =>
    expect(parseBirthday(text)).toBeUndefined(),
  );
});

describeOnEachDatabase('birthdays', (database) => {
  const clock = new FakeClock(Date.parse('2026-08-14T03:00:00Z'));
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, { clock, yaml: 'loyalty:\n  rules:\n    welcome: 0\n    birthday: 100\n' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('remembers the day, and on it (in the business time zone) awards the points once and wishes well', async () => {
    const send = async (text: string) =>
      (
        await app.server.inject({
          method: 'POST',
          url: '/api/v1/messages',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ user: { id: 'bday' }, text }),
        })
      ).json().replies as { text: string }[];
    expect((await send('/birthday 31-02'))[0]?.text).toMatch(/用法/);
    expect((await send('生日 8月15日'))[0]?.text).toMatch(/8月15日.*100积分/);

    expect(await runJob(app, 'birthdays')).toBe(0); // 14 August
    clock.current = Date.parse('2026-08-14T16:30:00Z'); // 00:30 on 15 August in Shanghai
    expect(await runJob(app, 'birthdays')).toBe(1);
    expect(await runJob(app, 'birthdays')).toBe(0); // once a year
    const messages = (await app.server.inject({ url: '/api/v1/messages?userId=bday' })).json().messages;
    expect(messages.at(-1).text).toMatch(/生日快乐.*100积分/);
    const list = await app.server.inject({ url: '/api/v1/customers?externalId=bday', headers: admin });
    const id = list.json().customers[0].id;
    expect((await app.server.inject({ url: `/api/v1/customers/${id}/points`, headers: admin })).json().balance).toBe(
      100,
    );

    clock.current = Date.parse('2027-08-15T01:00:00Z'); // next year: again
    expect(await runJob(app, 'birthdays')).toBe(1);
  });
});

describeOnEachDatabase('birthday points and wish in one transaction', (database, provider) => {
  const clock = new FakeClock(Date.parse('2026-09-01T02:00:00Z'));
  let app: App;
  let second: App;
  beforeAll(async () => {
    const yaml = 'loyalty:\n  rules:\n    welcome: 0\n    birthday: 100\n';
    app = await testApp(database().url, { clock, yaml });
    // A second instance on the same database, as when several share PostgreSQL.
    second = await testApp(database().url, { clock, yaml });
  });
  afterAll(async () => {
    await second?.stop();
    await app?.stop();
  });

  const customerWithBirthday = async (user: string, day: string) => {
    await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user, locale: 'en' }, text: `/birthday ${day}` }),
    });
    const list = await app.server.inject({ url: `/api/v1/customers?externalId=${user}`, headers: admin });
    return list.json().customers[0].id as string;
  };
  /** What a birthday left for the customer: ledger entries, balance, queued wishes, log rows. */
  const written = async (customerId: string) => {
    const db = app.store.db;
    return {
      entries: await db.pointsEntry.count({ where: { customerId, reason: 'birthday' } }),
      balance: (await db.customer.findUniqueOrThrow({ where: { id: customerId } })).pointsBalance,
      wishes: await db.outbox.count({ where: { customerId, dedupeKey: { startsWith: 'birthday:' } } }),
      // The ledger's `points` event and the wish's `birthday` interaction.
      logged: await db.interaction.count({ where: { customerId, kind: { in: ['points', 'birthday'] } } }),
    };
  };

  it('a failure writing the wish leaves neither points nor wish; the next run writes both, once', async () => {
    clock.current = Date.parse('2026-09-01T02:00:00Z');
    const id = await customerWithBirthday('bday-crash', '09-01');
    const allow = await refuseOutbox(app.store, `birthday:${id}:`);
    await expect(runJob(app, 'birthdays')).rejects.toThrow(/refused by the test/);
    expect(await written(id)).toEqual({ entries: 0, balance: 0, wishes: 0, logged: 0 });

    await allow();
    expect(await runJob(app, 'birthdays')).toBe(1);
    expect(await runJob(app, 'birthdays')).toBe(0);
    expect(await written(id)).toEqual({ entries: 1, balance: 100, wishes: 1, logged: 2 });
  });

  it('runs twice on each of two instances award and wish each customer once', async () => {
    clock.current = Date.parse('2026-09-02T02:00:00Z');
    const ids = await Promise.all(['bday-a', 'bday-b', 'bday-c'].map((u) => customerWithBirthday(u, '09-02')));
    const instances = [app, second, app, second];
    const runs: number[] = [];
    // Several instances share PostgreSQL, so there they run at once; an SQLite file serves one
    // instance at a time (README), so there they take turns.
    if (provider.name === 'postgresql') runs.push(...(await Promise.all(instances.map((i) => runJob(i, 'birthdays')))));
    else for (const instance of instances) runs.push(await runJob(instance, 'birthdays'));
    expect(runs.reduce((a, b) => a + b)).toBe(3);
    expect(await runJob(second, 'birthdays')).toBe(0);
    for (const id of ids) expect(await written(id)).toEqual({ entries: 1, balance: 100, wishes: 1, logged: 2 });
  });
});
