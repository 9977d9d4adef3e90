// Every field and op of the segment rules, evaluated by the database (SQLite and PostgreSQL) over
// five customers whose state is known exactly; each rule must select exactly the expected ones.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { segmentsFeature } from '../../../src/features/segments/index.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, featureApi, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const NOW = Date.parse('2026-07-01T02:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW - ms);

type Name = 'ann' | 'bob' | 'cat' | 'dan' | 'eve';
type Rules = Record<string, unknown>;
const cond = (field: string, op: string, value: unknown, withinDays?: number): Rules => ({
  field,
  op,
  value,
  ...(withinDays === undefined ? {} : { withinDays }),
});

describeOnEachDatabase('segment rules over customers', (database) => {
  let app: App;
  const clock = new FakeClock(NOW);
  const ids = {} as Record<Name, string>;
  let order = 0;

  beforeAll(async () => {
    app = await testApp(database().url, { clock });
    const inject = async (method: 'GET' | 'POST', url: string, payload?: object) => {
      // The admin token is not the API channel's: messages go without it.
      const headers = url === '/api/v1/messages' ? {} : admin;
      const res = await app.server.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    for (const name of ['ann', 'bob', 'cat', 'dan', 'eve'] as const) {
      await inject('POST', '/api/v1/messages', { user: { id: `seg-${name}`, name }, text: '/start' });
      ids[name] = (await inject('GET', `/api/v1/customers?channel=api&externalId=seg-${name}`)).customers[0].id;
    }
    const buy = (name: Name, amount: number, age: number) =>
      inject('POST', `/api/v1/customers/${ids[name]}/purchases`, {
        amount,
        orderId: `order-${++order}`,
        at: ago(age).toISOString(),
      });
    await buy('ann', 100, 40 * DAY);
    await buy('ann', 50, 5 * DAY);
    await buy('cat', 10, 1.5 * DAY);
    await buy('cat', 20, 2.5 * DAY);
    await buy('cat', 30, 3.5 * DAY);
    await buy('dan', 1000, 400 * DAY);
    for (const [name, tags] of [
      ['ann', ['vip']],
      ['cat', ['vip', 'regular']],
      ['eve', ['regular']],
    ] as const) {
      await inject('POST', `/api/v1/customers/${ids[name]}/tags`, { tags });
    }
    // The states that take weeks to reach are set directly (after the purchases, which move stage and points).
    const set = (name: Name, data: object) => app.store.db.customer.update({ where: { id: ids[name] }, data });
    await set('ann', {
      stage: 'active',
      pointsBalance: 600,
      locale: 'en',
      lastSeenAt: ago(DAY + 3 * HOUR),
      createdAt: ago(400 * DAY),
      birthday: '03-15',
      lastCsat: 5,
    });
    await set('bob', {
      stage: 'prospect',
      pointsBalance: 0,
      locale: 'zh-CN',
      lastSeenAt: ago(60 * DAY),
      createdAt: ago(90 * DAY),
      lastNps: 9,
      optedOut: true,
    });
    await set('cat', {
      stage: 'loyal',
      pointsBalance: 2500,
      locale: null,
      lastSeenAt: ago(2 * HOUR),
      createdAt: ago(29 * DAY),
      birthday: '12-01',
      lastCsat: 2,
    });
    await set('dan', {
      stage: 'churned',
      pointsBalance: 499,
      locale: 'en',
      lastSeenAt: ago(200 * DAY),
      createdAt: ago(500 * DAY),
      birthday: '03-01',
      lastNps: 3,
    });
    await set('eve', {
      stage: 'at_risk',
      pointsBalance: 500,
      locale: 'zh-CN',
      lastSeenAt: ago(35 * DAY),
      createdAt: ago(10 * DAY),
      birthday: '01-31',
    });
    await app.store.db.channelIdentity.create({
      data: { channel: 'telegram', externalId: 'tg-cat', customerId: ids.cat },
    });
    const ticket = (name: Name, status: string) =>
      app.store.db.ticket.create({
        data: { customerId: ids[name], channel: 'api', chatId: `seg-${name}`, reason: 'human', status },
      });
    await ticket('bob', 'open');
    await ticket('cat', 'resolved');
    await ticket('dan', 'claimed');
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** The names of the customers the rules select, evaluated by the database. */
  async function select(rules: Rules): Promise<Name[]> {
    const where = featureApi(app, segmentsFeature).segments.where(rules);
    const rows = await app.store.db.$queryRaw<{ id: string }[]>`SELECT c."id" AS id FROM "Customer" c WHERE ${where}`;
    const names = Object.entries(ids).filter(([, id]) => rows.some((r) => r.id === id));
    expect(rows).toHaveLength(names.length); // nobody else is in this database
    return names.map(([name]) => name as Name).sort();
  }

  async function expectSelections(cases: [Rules, Name[]][]) {
    for (const [rules, expected] of cases) expect(await select(rules), JSON.stringify(rules)).toEqual(expected);
  }

  it('stage', () =>
    expectSelections([
      [cond('stage', 'eq', 'loyal'), ['cat']],
      [cond('stage', 'ne', 'prospect'), ['ann', 'cat', 'dan', 'eve']],
      [cond('stage', 'in', ['active', 'loyal']), ['ann', 'cat']],
      [cond('stage', 'nin', ['prospect', 'churned']), ['ann', 'cat', 'eve']],
    ]));

  it('tier, as ranges of the balance between the tiers (bronze 0, silver 500, gold 2000)', () =>
    expectSelections([
      [cond('tier', 'eq', 'silver'), ['ann', 'eve']],
      [cond('tier', 'eq', 'bronze'), ['bob', 'dan']],
      [cond('tier', 'ne', 'silver'), ['bob', 'cat', 'dan']],
      [cond('tier', 'in', ['bronze', 'gold']), ['bob', 'cat', 'dan']],
      [cond('tier', 'nin', ['bronze', 'gold']), ['ann', 'eve']],
      [cond('tier', 'gt', 'bronze'), ['ann', 'cat', 'eve']],
      [cond('tier', 'gt', 'gold'), []],
      [cond('tier', 'gte', 'silver'), ['ann', 'cat', 'eve']],
      [cond('tier', 'gte', 'bronze'), ['ann', 'bob', 'cat', 'dan', 'eve']],
      [cond('tier', 'lt', 'silver'), ['bob', 'dan']],
      [cond('tier', 'lt', 'bronze'), []],
      [cond('tier', 'lte', 'silver'), ['ann', 'bob', 'dan', 'eve']],
      [cond('tier', 'between', ['silver', 'gold']), ['ann', 'cat', 'eve']],
    ]));

  it('points', () =>
    expectSelections([
      [cond('points', 'eq', 500), ['eve']],
      [cond('points', 'ne', 500), ['ann', 'bob', 'cat', 'dan']],
      [cond('points', 'in', [0, 2500]), ['bob', 'cat']],
      [cond('points', 'nin', [0, 2500]), ['ann', 'dan', 'eve']],
      [cond('points', 'gt', 499), ['ann', 'cat', 'eve']],
      [cond('points', 'gte', 600), ['ann', 'cat']],
      [cond('points', 'lt', 500), ['bob', 'dan']],
      [cond('points', 'lte', 0), ['bob']],
      [cond('points', 'between', [499, 600]), ['ann', 'dan', 'eve']],
    ]));

  it('channel: an account on the channel', () =>
    expectSelections([
      [cond('channel', 'eq', 'telegram'), ['cat']],
      [cond('channel', 'ne', 'telegram'), ['ann', 'bob', 'dan', 'eve']],
      [cond('channel', 'in', ['telegram', 'wechat']), ['cat']],
      [cond('channel', 'nin', ['telegram', 'wechat']), ['ann', 'bob', 'dan', 'eve']],
      [cond('channel', 'eq', 'api'), ['ann', 'bob', 'cat', 'dan', 'eve']],
      [cond('channel', 'exists', false), []],
    ]));

  it('locale: ne and nin take in the customers without one', () =>
    expectSelections([
      [cond('locale', 'eq', 'en'), ['ann', 'dan']],
      [cond('locale', 'ne', 'en'), ['bob', 'cat', 'eve']],
      [cond('locale', 'in', ['zh-CN']), ['bob', 'eve']],
      [cond('locale', 'nin', ['zh-CN']), ['ann', 'cat', 'dan']],
      [cond('locale', 'exists', false), ['cat']],
      [cond('locale', 'exists', true), ['ann', 'bob', 'dan', 'eve']],
    ]));

  it('lastSeenAt and firstSeenAt, by ISO date-time, by date (midnight in Asia/Shanghai) and by daysAgo', () =>
    expectSelections([
      [cond('lastSeenAt', 'gte', { daysAgo: 30 }), ['ann', 'cat']],
      [cond('lastSeenAt', 'lt', { daysAgo: 30 }), ['bob', 'dan', 'eve']],
      [cond('lastSeenAt', 'between', [{ daysAgo: 61 }, { daysAgo: 34 }]), ['bob', 'eve']],
      [cond('lastSeenAt', 'gt', '2026-06-25T00:00:00Z'), ['ann', 'cat']],
      [cond('lastSeenAt', 'lte', '2026-06-29T23:00:00Z'), ['ann', 'bob', 'dan', 'eve']],
      // ann was last seen 2026-06-29T23:00Z: after midnight in Shanghai (16:00Z), before midnight in UTC.
      [cond('lastSeenAt', 'lt', '2026-06-30'), ['bob', 'dan', 'eve']],
      [cond('firstSeenAt', 'lt', { daysAgo: 100 }), ['ann', 'dan']],
      [cond('firstSeenAt', 'gte', { daysAgo: 30 }), ['cat', 'eve']],
      [cond('firstSeenAt', 'between', ['2025-01-01', '2025-03-01']), ['dan']],
      [cond('firstSeenAt', 'between', ['2025-03-01T00:00:00Z', '2025-12-31']), ['ann']],
    ]));

  it('lastPurchaseAt (empty for those who never bought)', () =>
    expectSelections([
      [cond('lastPurchaseAt', 'gte', { daysAgo: 7 }), ['ann', 'cat']],
      [cond('lastPurchaseAt', 'lt', { daysAgo: 365 }), ['dan']],
      [cond('lastPurchaseAt', 'exists', false), ['bob', 'eve']],
    ]));

  it('purchases.count and purchases.amount: the totals, or withinDays from the purchases themselves', () =>
    expectSelections([
      [cond('purchases.count', 'gte', 2), ['ann', 'cat']],
      [cond('purchases.count', 'eq', 0), ['bob', 'eve']],
      [cond('purchases.count', 'gte', 1, 30), ['ann', 'cat']],
      [cond('purchases.count', 'eq', 0, 30), ['bob', 'dan', 'eve']],
      [cond('purchases.count', 'gt', 0, 3650), ['ann', 'cat', 'dan']],
      [cond('purchases.count', 'ne', 0, 30), ['ann', 'cat']],
      [cond('purchases.count', 'lt', 1, 30), ['bob', 'dan', 'eve']],
      [cond('purchases.count', 'lte', 0, 3650), ['bob', 'eve']],
      [cond('purchases.count', 'eq', 3, 4), ['cat']],
      [cond('purchases.count', 'eq', 2, 3), ['cat']],
      [cond('purchases.count', 'in', [1, 2], 45), ['ann']],
      [cond('purchases.amount', 'gt', 100), ['ann', 'dan']],
      [cond('purchases.amount', 'between', [60, 150]), ['ann', 'cat']],
      [cond('purchases.amount', 'gte', 50, 30), ['ann', 'cat']],
      [cond('purchases.amount', 'lt', 55, 30), ['ann', 'bob', 'dan', 'eve']],
      [cond('purchases.amount', 'eq', 150, 45), ['ann']],
      [cond('purchases.amount', 'eq', 10, 2), ['cat']],
    ]));

  it('birthdayMonth over the MM-DD birthday', () =>
    expectSelections([
      [cond('birthdayMonth', 'eq', 3), ['ann', 'dan']],
      [cond('birthdayMonth', 'ne', 3), ['bob', 'cat', 'eve']],
      [cond('birthdayMonth', 'in', [1, 12]), ['cat', 'eve']],
      [cond('birthdayMonth', 'nin', [3]), ['bob', 'cat', 'eve']],
      [cond('birthdayMonth', 'gt', 3), ['cat']],
      [cond('birthdayMonth', 'gte', 3), ['ann', 'cat', 'dan']],
      [cond('birthdayMonth', 'lt', 3), ['eve']],
      [cond('birthdayMonth', 'lte', 3), ['ann', 'dan', 'eve']],
      [cond('birthdayMonth', 'between', [2, 11]), ['ann', 'dan']],
      [cond('birthdayMonth', 'exists', false), ['bob']],
    ]));

  it('csat.last and nps.last', () =>
    expectSelections([
      [cond('csat.last', 'gte', 4), ['ann']],
      [cond('csat.last', 'ne', 5), ['bob', 'cat', 'dan', 'eve']],
      [cond('csat.last', 'exists', true), ['ann', 'cat']],
      [cond('nps.last', 'lte', 6), ['dan']],
      [cond('nps.last', 'in', [9, 10]), ['bob']],
      [cond('nps.last', 'exists', false), ['ann', 'cat', 'eve']],
    ]));

  it('openTicket (open or claimed) and optedOut', () =>
    expectSelections([
      [cond('openTicket', 'eq', true), ['bob', 'dan']],
      [cond('openTicket', 'eq', false), ['ann', 'cat', 'eve']],
      [cond('openTicket', 'ne', true), ['ann', 'cat', 'eve']],
      [cond('optedOut', 'eq', true), ['bob']],
      [cond('optedOut', 'ne', true), ['ann', 'cat', 'dan', 'eve']],
      [cond('optedOut', 'eq', false), ['ann', 'cat', 'dan', 'eve']],
    ]));

  it('tags', () =>
    expectSelections([
      [cond('tags', 'eq', 'vip'), ['ann', 'cat']],
      [cond('tags', 'ne', 'regular'), ['ann', 'bob', 'dan']],
      [cond('tags', 'in', ['vip', 'regular']), ['ann', 'cat', 'eve']],
      [cond('tags', 'nin', ['vip']), ['bob', 'dan', 'eve']],
      [cond('tags', 'exists', true), ['ann', 'cat', 'eve']],
      [cond('tags', 'exists', false), ['bob', 'dan']],
    ]));

  it('all, any and not, nested; not is the exact complement, empty columns included', () =>
    expectSelections([
      [{ all: [cond('tier', 'gte', 'silver'), cond('lastSeenAt', 'lt', { daysAgo: 30 })] }, ['eve']],
      [{ any: [cond('stage', 'eq', 'churned'), cond('tags', 'eq', 'vip')] }, ['ann', 'cat', 'dan']],
      [{ not: cond('locale', 'eq', 'en') }, ['bob', 'cat', 'eve']],
      [{ not: cond('csat.last', 'gt', 3) }, ['bob', 'cat', 'dan', 'eve']],
      [{ not: cond('birthdayMonth', 'gte', 3) }, ['bob', 'eve']],
      [{ not: { not: cond('csat.last', 'gt', 3) } }, ['ann']],
      [
        {
          all: [
            { any: [cond('tags', 'eq', 'vip'), cond('optedOut', 'eq', true)] },
            { not: { any: [cond('stage', 'eq', 'loyal')] } },
          ],
        },
        ['ann', 'bob'],
      ],
      [{ all: [] }, ['ann', 'bob', 'cat', 'dan', 'eve']],
      [{ any: [] }, []],
      [{ not: { any: [] } }, ['ann', 'bob', 'cat', 'dan', 'eve']],
    ]));

  it('counts daysAgo and withinDays back from the injected clock', async () => {
    clock.advance(30 * DAY);
    try {
      await expectSelections([
        [cond('lastSeenAt', 'gte', { daysAgo: 30 }), []],
        [cond('lastSeenAt', 'gte', { daysAgo: 31 }), ['cat']],
        // cat's purchases are now 31.5, 32.5 and 33.5 days old.
        [cond('purchases.count', 'eq', 2, 33), ['cat']],
        [cond('purchases.count', 'gte', 1, 30), []],
      ]);
    } finally {
      clock.current = NOW;
    }
  });
});
