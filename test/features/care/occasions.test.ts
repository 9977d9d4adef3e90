// Care occasions on their day, once: holidays (lunar dates of two years, Christmas for English
// readers only), purchase and ticket follow-ups, win-back, expiring points, anniversaries; two
// runs and two instances send each once; the admin table of holiday dates.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, runJob, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const YAML = [
  'loyalty:\n  rules:\n    welcome: 0\n',
  'outreach:\n  quietHours: false\n  frequencyCap: false\n',
  '  occasions:\n    winBack:\n      points: 50\n',
].join('');

/** 10:00 in Shanghai on a day. */
const tenAm = (day: string) => Date.parse(`${day}T02:00:00Z`);

describeOnEachDatabase('care occasions', (database) => {
  const clock = new FakeClock(tenAm('2026-03-10'));
  let app: App;
  let twin: App;
  beforeAll(async () => {
    app = await testApp(database().url, { clock, yaml: YAML });
    // A second instance on the same database.
    twin = await testApp(database().url, { clock, yaml: YAML });
  });
  afterAll(async () => {
    await twin?.stop();
    await app?.stop();
  });

  const say = async (user: string, text: string) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user, name: user }, text }),
    });
    expect(res.statusCode).toBe(200);
    return res.json().replies as { text: string; buttons?: { payload: string }[] }[];
  };
  const idOf = async (user: string) =>
    (await app.server.inject({ url: `/api/v1/customers?externalId=${user}`, headers: admin })).json().customers[0]
      .id as string;
  const inbox = async (user: string) =>
    (
      (await app.server.inject({ url: `/api/v1/messages?userId=${user}&limit=100` })).json().messages as {
        text: string;
        buttons?: { payload: string }[];
      }[]
    ).slice();
  const texts = async (user: string) => (await inbox(user)).map((m) => m.text);

  it('greets everyone on 中秋 in their language, once, two years running; Christmas only English readers', async () => {
    clock.current = tenAm('2027-09-01');
    await say('zh-fan', '你好');
    await say('en-fan', 'hello');
    await say('en-fan', '/lang en');
    await say('quiet-fan', '你好');
    await say('quiet-fan', '/stop');

    clock.current = tenAm('2027-09-14');
    await runJob(app, 'care-occasions');
    expect((await texts('zh-fan')).filter((t) => t.includes('中秋'))).toHaveLength(0);

    // 中秋 2027 is 15 September; two instances run the day's job (at once on PostgreSQL, which
    // several instances share; one SQLite file serves one instance).
    clock.current = tenAm('2027-09-15');
    if (app.store.provider === 'postgresql')
      await Promise.all([runJob(app, 'care-occasions'), runJob(twin, 'care-occasions')]);
    else await runJob(twin, 'care-occasions');
    await runJob(app, 'care-occasions');
    expect((await texts('zh-fan')).filter((t) => t.startsWith('中秋快乐，zh-fan！'))).toHaveLength(1);
    expect((await texts('en-fan')).filter((t) => t.startsWith('Happy Mid-Autumn Festival, en-fan!'))).toHaveLength(1);
    expect((await texts('quiet-fan')).filter((t) => t.includes('中秋'))).toHaveLength(0);

    // 中秋 2028 is 3 October: greeted again that year.
    clock.current = tenAm('2028-10-03');
    await runJob(app, 'care-occasions');
    expect((await texts('zh-fan')).filter((t) => t.startsWith('中秋快乐'))).toHaveLength(2);

    clock.current = tenAm('2028-12-25');
    await runJob(app, 'care-occasions');
    expect((await texts('en-fan')).filter((t) => t.startsWith('Merry Christmas'))).toHaveLength(1);
    expect((await texts('zh-fan')).filter((t) => t.includes('圣诞'))).toHaveLength(0);
  });

  it('lists the holidays of a year and takes a date from the admin table', async () => {
    const year = (y: number) => app.server.inject({ url: `/api/v1/holidays?year=${y}`, headers: admin });
    const list = (await year(2027)).json().holidays as { id: string; date: string; source: string }[];
    expect(Object.fromEntries(list.map((h) => [h.id, h.date]))).toEqual({
      new_year: '2027-01-01',
      spring_festival: '2027-02-06',
      lantern: '2027-02-20',
      dragon_boat: '2027-06-09',
      mid_autumn: '2027-09-15',
      national_day: '2027-10-01',
      christmas: '2027-12-25',
    });
    const put = await app.server.inject({
      method: 'PUT',
      url: '/api/v1/holidays/dragon_boat/2029',
      headers: admin,
      payload: { date: '2029-06-18' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().holidays.find((h: { id: string }) => h.id === 'dragon_boat')).toMatchObject({
      date: '2029-06-18',
      source: 'admin',
    });
    const bad = await app.server.inject({
      method: 'PUT',
      url: '/api/v1/holidays/dragon_boat/2029',
      headers: admin,
      payload: { date: '2030-06-18' },
    });
    expect(bad.statusCode).toBe(400);

    await say('boat-fan', '你好');
    clock.current = tenAm('2029-06-18');
    await runJob(app, 'care-occasions');
    expect((await texts('boat-fan')).filter((t) => t.startsWith('端午安康'))).toHaveLength(1);
    const gone = await app.server.inject({
      method: 'DELETE',
      url: '/api/v1/holidays/dragon_boat/2029',
      headers: admin,
    });
    expect(gone.json().holidays.find((h: { id: string }) => h.id === 'dragon_boat').source).toBe('calendar');
  });

  it('asks for a CSAT score three days after a purchase, and the answer is recorded', async () => {
    clock.current = tenAm('2030-01-07');
    await say('buyer', '你好');
    const id = await idOf('buyer');
    const bought = await app.server.inject({
      method: 'POST',
      url: `/api/v1/customers/${id}/purchases`,
      headers: admin,
      payload: { amount: 88, orderId: 'care-1' },
    });
    expect(bought.statusCode).toBe(200);
    clock.current = tenAm('2030-01-09');
    await runJob(app, 'care-occasions');
    expect((await texts('buyer')).some((t) => t.includes('天前'))).toBe(false);
    clock.current = tenAm('2030-01-10');
    await runJob(app, 'care-occasions');
    await runJob(app, 'care-occasions');
    const asked = (await inbox('buyer')).filter((m) => m.text.includes('3天前'));
    expect(asked).toHaveLength(1);
    expect(asked[0]?.buttons).toHaveLength(5);
    await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: 'buyer' }, payload: asked[0]?.buttons?.[4]?.payload },
    });
    const feedback = await app.store.db.feedback.findFirstOrThrow({ where: { customerId: id } });
    expect(feedback).toMatchObject({ kind: 'csat', score: 5, source: 'followup' });
  });

  it('skips a buyer with no chat to ask in (a purchase from the shop’s till), and still asks the others', async () => {
    clock.current = tenAm('2030-03-02');
    await say('chatty-buyer', '你好');
    const chatty = await idOf('chatty-buyer');
    // A customer the business's systems know of who never wrote: no chat to send a survey to.
    const walkIn = await app.store.db.customer.create({ data: { displayName: 'Walk-in' } });
    for (const [id, orderId] of [
      [walkIn.id, 'care-walk-in'],
      [chatty, 'care-chatty'],
    ]) {
      const bought = await app.server.inject({
        method: 'POST',
        url: `/api/v1/customers/${id}/purchases`,
        headers: admin,
        payload: { amount: 20, orderId },
      });
      expect(bought.statusCode).toBe(200);
    }
    clock.current = tenAm('2030-03-05');
    await expect(runJob(app, 'care-occasions')).resolves.toBeGreaterThanOrEqual(1);
    expect((await inbox('chatty-buyer')).filter((m) => m.text.includes('3天前'))).toHaveLength(1);
  });

  it('asks a week after a resolved ticket whether everything is all right', async () => {
    clock.current = tenAm('2030-02-01');
    await say('unhappy', '/human');
    const id = await idOf('unhappy');
    const ticket = await app.store.db.ticket.findFirstOrThrow({ where: { customerId: id } });
    const resolved = await app.server.inject({
      method: 'POST',
      url: `/api/v1/tickets/${ticket.id}/resolve`,
      headers: admin,
      payload: {},
    });
    expect(resolved.statusCode).toBe(200);
    clock.current = tenAm('2030-02-08');
    await runJob(app, 'care-occasions');
    await runJob(app, 'care-occasions');
    expect((await texts('unhappy')).filter((t) => t.includes('现在一切都好吗'))).toHaveLength(1);
  });

  it('wins back an at-risk customer once per lapse, with the gift points and the message together', async () => {
    clock.current = tenAm('2030-03-01');
    await say('lapsed', '你好');
    const id = await idOf('lapsed');
    await app.store.db.customer.update({ where: { id }, data: { stage: 'at_risk' } });
    clock.current = tenAm('2030-03-02');
    await runJob(app, 'care-occasions');
    await runJob(app, 'care-occasions');
    const back = (await texts('lapsed')).filter((t) => t.startsWith('好久不见'));
    expect(back).toEqual(['好久不见，lapsed！我们的店很想念您。您现在有50积分，随时回来看看吧。']);
    const points = (await app.server.inject({ url: `/api/v1/customers/${id}/points`, headers: admin })).json();
    expect(points.balance).toBe(50);
  });

  it('warns of points expiring within a week, with the amount and the day', async () => {
    clock.current = tenAm('2030-04-01');
    await say('saver', '你好');
    const id = await idOf('saver');
    await app.server.inject({
      method: 'POST',
      url: `/api/v1/customers/${id}/purchases`,
      headers: admin,
      payload: { amount: 120, orderId: 'care-2' },
    });
    // Points expire after 12 months: on 2031-04-01; five days before, the warning.
    clock.current = tenAm('2031-03-27');
    await runJob(app, 'care-occasions');
    await runJob(app, 'care-occasions');
    const warned = (await texts('saver')).filter((t) => t.startsWith('温馨提示'));
    expect(warned).toEqual([
      '温馨提示，saver：您有120积分将于2031-04-01到期，记得在到期前使用哦。发送 /rewards 查看可兑换的礼品。',
    ]);
  });

  it('celebrates the anniversary of the day a customer joined', async () => {
    clock.current = tenAm('2031-05-20');
    await say('member', '你好');
    clock.current = tenAm('2032-05-19');
    await runJob(app, 'care-occasions');
    clock.current = tenAm('2032-05-20');
    await runJob(app, 'care-occasions');
    await runJob(app, 'care-occasions');
    expect((await texts('member')).filter((t) => t.includes('周年'))).toEqual([
      '1周年快乐，member！感谢您一直以来对我们的店的支持。',
    ]);
  });
});
