import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { parseBirthday } from '../../../src/features/birthdays/birthdays.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, runJob, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

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
