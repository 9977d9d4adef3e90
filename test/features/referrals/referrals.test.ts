import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase, type TestDatabase } from '../../helpers/databases.js';
import { refuseOutbox } from '../../helpers/refuse-outbox.js';

/** Chat, purchases and balances of one app, by the API channel's user ids. */
function helpers(app: () => App) {
  const send =
    (user: string, locale = 'en') =>
    async (text: string) => {
      const res = await app().server.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ user: { id: user, locale }, text }),
      });
      expect(res.statusCode).toBe(200);
      return (res.json().replies as { text: string }[]).map((r) => r.text);
    };
  const idOf = async (user: string) => {
    const list = await app().server.inject({ url: `/api/v1/customers?externalId=${user}`, headers: admin });
    return list.json().customers[0].id as string;
  };
  const balanceOf = async (user: string) =>
    (await app().server.inject({ url: `/api/v1/customers/${await idOf(user)}/points`, headers: admin })).json()
      .balance as number;
  const purchase = async (user: string, orderId: string, amount = 10, via = app()) =>
    via.server.inject({
      method: 'POST',
      url: `/api/v1/customers/${await idOf(user)}/purchases`,
      headers: { ...admin, 'content-type': 'application/json' },
      payload: JSON.stringify({ amount, orderId }),
    });
  const lastMessage = async (user: string) =>
    (await app().server.inject({ url: `/api/v1/messages?userId=${user}` })).json().messages.at(-1)?.text as string;
  /** The referrer's code, from /invite. */
  const inviteCode = async (user: string, locale = 'en') => {
    await send(user, locale)('/start');
    const [invite] = await send(user, locale)('/invite');
    return /([A-Z2-9]{6})/.exec(invite ?? '')?.[1] ?? '';
  };
  /** What one referral left behind: its status, quota taken, ledger entries, notices and their log rows. */
  const referralWrites = async (referrer: string, referee: string) => {
    const db = app().store.db;
    const [referrerId, refereeId] = [await idOf(referrer), await idOf(referee)];
    const both = { in: [referrerId, refereeId] };
    return {
      status: (await db.referral.findUnique({ where: { refereeId } }))?.status ?? 'none',
      quota: (await db.referralQuota.findFirst({ where: { referrerId } }))?.paid ?? 0,
      entries: await db.pointsEntry.count({ where: { customerId: both, reason: 'referral' } }),
      notices: await db.outbox.count({ where: { dedupeKey: { startsWith: `referral:${refereeId}:` } } }),
      logged: await db.interaction.count({
        where: {
          customerId: both,
          OR: [
            { kind: 'referral', direction: 'out' },
            { kind: 'points', text: { endsWith: ' referral' } },
          ],
        },
      }),
    };
  };
  return { send, idOf, balanceOf, purchase, lastMessage, inviteCode, referralWrites };
}

describeOnEachDatabase('referrals paid when the code is entered (on: start)', (database) => {
  const clock = new FakeClock(Date.parse('2026-08-01T02:00:00Z'));
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, {
      clock,
      yaml: 'loyalty:\n  rules:\n    welcome: 0\n    referral: { referrer: 100, referee: 50, on: start }\n',
    });
  });
  afterAll(async () => {
    await app?.stop();
  });
  const { send, idOf, balanceOf, lastMessage, inviteCode, referralWrites } = helpers(() => app);

  it('rewards both sides once when a new customer enters a code, and tells the referrer', async () => {
    const code = await inviteCode('ref-alice');
    expect(code).toHaveLength(6);
    expect((await send('ref-alice')('/invite'))[0]).toContain(code); // the same code every time

    const bob = send('ref-bob');
    await bob('/start');
    expect((await bob(`/ref ${code.toLowerCase()}`))[0]).toMatch(/Code accepted.*50 points/);
    expect((await bob(`/ref ${code}`))[0]).toMatch(/used an invite code already/);
    expect(await balanceOf('ref-bob')).toBe(50);
    expect(await balanceOf('ref-alice')).toBe(100);
    expect(await lastMessage('ref-alice')).toMatch(/friend you invited has joined/);

    expect((await send('ref-alice')(`/ref ${code}`))[0]).toMatch(/your own/);
    expect((await bob('/ref NOPE99'))[0]).toMatch(/no such invite code/);
    expect((await bob('/ref'))[0]).toMatch(/Usage/);

    const carol = send('ref-carol');
    await carol('/start');
    clock.advance(15 * 86_400_000);
    expect((await carol(`/ref ${code}`))[0]).toMatch(/for new customers/);
    expect(await balanceOf('ref-alice')).toBe(100);
  });

  it("a failure writing the referrer's notice undoes the code and both rewards; entering it again pays and tells once", async () => {
    const code = await inviteCode('start-crash-alice');
    const bob = send('start-crash-bob');
    await bob('/start');
    const allow = await refuseOutbox(app.store, `referral:${await idOf('start-crash-bob')}:`);
    expect(await bob(`/ref ${code}`)).toEqual(["Sorry, I can't answer that yet. Send /help to see what I can do."]);
    const none = { status: 'none', quota: 0, entries: 0, notices: 0, logged: 0 };
    expect(await referralWrites('start-crash-alice', 'start-crash-bob')).toEqual(none);
    expect([await balanceOf('start-crash-alice'), await balanceOf('start-crash-bob')]).toEqual([0, 0]);

    await allow();
    expect((await bob(`/ref ${code}`))[0]).toMatch(/Code accepted.*50 points/);
    expect((await bob(`/ref ${code}`))[0]).toMatch(/used an invite code already/);
    // Two entries with their two `points` events, and the referrer's notice with its interaction.
    const paid = { status: 'paid', quota: 1, entries: 2, notices: 1, logged: 3 };
    expect(await referralWrites('start-crash-alice', 'start-crash-bob')).toEqual(paid);
    expect([await balanceOf('start-crash-alice'), await balanceOf('start-crash-bob')]).toEqual([100, 50]);
    expect(await lastMessage('start-crash-alice')).toMatch(/friend you invited has joined: here are 100 points/);
  });
});

describeOnEachDatabase('referrals paid at the first purchase (the default)', (database) => {
  // 23:00 on 31 August in Asia/Shanghai (BUSINESS_TIMEZONE's default): still August there.
  const clock = new FakeClock(Date.parse('2026-08-31T15:00:00Z'));
  let app: App;
  let second: App;
  beforeAll(async () => {
    const yaml = 'loyalty:\n  rules:\n    welcome: 0\n    referral: { referrer: 100, referee: 50, maxPerMonth: 3 }\n';
    app = await testApp(database().url, { clock, yaml });
    // A second instance on the same database, as when several share PostgreSQL.
    second = await testApp((database() as TestDatabase).url, { clock, yaml });
  });
  afterAll(async () => {
    await second?.stop();
    await app?.stop();
  });
  const { send, idOf, balanceOf, purchase, lastMessage, inviteCode, referralWrites } = helpers(() => app);
  const ledger = async (user: string) =>
    app.store.db.pointsEntry.findMany({ where: { customerId: await idOf(user) }, orderBy: { id: 'asc' } });

  it('pays nobody for scripted sign-ups: five new users entering one code earn the referrer nothing', async () => {
    const code = await inviteCode('abuse-host');
    for (let i = 0; i < 5; i++) {
      const bot = send(`abuse-bot-${i}`);
      await bot('/start');
      expect((await bot(`/ref ${code}`))[0]).toMatch(/Code accepted! You get 50 points with your first purchase/);
    }
    expect(await balanceOf('abuse-host')).toBe(0);
    expect(await balanceOf('abuse-bot-0')).toBe(0);
    const summary = (
      await app.server.inject({ url: `/api/v1/customers/${await idOf('abuse-host')}/points`, headers: admin })
    ).json();
    expect(summary.tier.id).toBe('bronze');
    expect(await app.store.db.referral.count({ where: { status: 'pending' } })).toBe(5);
  });

  it('pays both sides with the first purchase, once, and tells each in their own language', async () => {
    const code = await inviteCode('buy-alice', 'zh-CN');
    const [invite] = await send('buy-alice', 'zh-CN')('/invite');
    expect(invite).toMatch(/首次消费后好友得50积分，您得100积分（每月最多奖励3位好友）/);
    const bob = send('buy-bob');
    await bob('/start');
    await bob(`/ref ${code}`);

    const first = await purchase('buy-bob', 'bob-order-1', 10);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      duplicate: false,
      points: { awarded: 10, balance: 60 },
      referral: { refereePoints: 50, referrerPoints: 100, capped: false },
    });
    expect(await balanceOf('buy-alice')).toBe(100);
    expect(await lastMessage('buy-alice')).toBe('您邀请的好友完成了首次消费，送您100积分，谢谢推荐！');
    expect(await lastMessage('buy-bob')).toBe('Thank you for your first purchase! Your 50 invite points are in.');

    // The same report again, and a second order: nothing more for the referral.
    const again = await purchase('buy-bob', 'bob-order-1', 10);
    expect(again.json()).toMatchObject({ duplicate: true, points: { awarded: 0, balance: 60 } });
    expect(again.json().referral).toBeUndefined();
    expect((await purchase('buy-bob', 'bob-order-2', 5)).json().referral).toBeUndefined();
    expect(await balanceOf('buy-alice')).toBe(100);
    expect(await balanceOf('buy-bob')).toBe(65);
  });

  it('a failure writing the notices leaves the referral unpaid; the retried report pays and tells both once', async () => {
    const code = await inviteCode('crash-alice');
    await send('crash-bob')('/start');
    await send('crash-bob')(`/ref ${code}`);
    const allow = await refuseOutbox(app.store, `referral:${await idOf('crash-bob')}:`);
    expect((await purchase('crash-bob', 'crash-bob-1', 10)).statusCode).toBe(500);
    const unpaid = { status: 'pending', quota: 0, entries: 0, notices: 0, logged: 0 };
    expect(await referralWrites('crash-alice', 'crash-bob')).toEqual(unpaid);
    // The purchase and its own points are a transaction of their own, before the referral's.
    expect([await balanceOf('crash-alice'), await balanceOf('crash-bob')]).toEqual([0, 10]);

    await allow();
    const retried = await purchase('crash-bob', 'crash-bob-1', 10);
    expect(retried.json()).toMatchObject({ duplicate: true, referral: { refereePoints: 50, referrerPoints: 100 } });
    expect((await purchase('crash-bob', 'crash-bob-1', 10)).json().referral).toBeUndefined();
    // Both entries with their `points` events; both notices with their interactions.
    const paid = { status: 'paid', quota: 1, entries: 2, notices: 2, logged: 4 };
    expect(await referralWrites('crash-alice', 'crash-bob')).toEqual(paid);
    expect([await balanceOf('crash-alice'), await balanceOf('crash-bob')]).toEqual([100, 60]);
    expect(await lastMessage('crash-alice')).toBe(
      'A friend you invited made their first purchase: here are 100 points. Thank you!',
    );
  });

  it('pays once when the same purchase, or two orders, are reported at once to two instances', async () => {
    const code = await inviteCode('race-alice');
    for (const user of ['race-bob', 'race-carol']) {
      await send(user)('/start');
      await send(user)(`/ref ${code}`);
    }
    // bob: one order reported eight times over both instances; carol: eight different orders.
    const bobs = Array.from({ length: 8 }, (_, i) => purchase('race-bob', 'race-bob-1', 10, i % 2 ? second : app));
    const carols = Array.from({ length: 8 }, (_, i) =>
      purchase('race-carol', `race-carol-${i}`, 1, i % 2 ? second : app),
    );
    const responses = await Promise.all([...bobs, ...carols]);
    expect(responses.map((r) => r.statusCode)).toEqual(Array(16).fill(200));
    expect(responses.filter((r) => r.json().referral)).toHaveLength(2);
    expect(await balanceOf('race-alice')).toBe(200);
    expect(await balanceOf('race-bob')).toBe(60);
    expect(await balanceOf('race-carol')).toBe(58);
    const referralEntries = (await ledger('race-alice')).filter((e) => e.reason === 'referral');
    expect(referralEntries.map((e) => e.delta)).toEqual([100, 100]);
  });

  it('pays a referrer at most maxPerMonth a calendar month (in the business time zone), under parallel purchases', async () => {
    const code = await inviteCode('cap-alice');
    const friends = Array.from({ length: 5 }, (_, i) => `cap-friend-${i}`);
    for (const user of friends) {
      await send(user)('/start');
      await send(user)(`/ref ${code}`);
    }
    const four = await Promise.all(friends.slice(0, 4).map((user) => purchase(user, `cap-${user}`, 1)));
    expect(four.map((r) => r.json().referral.referrerPoints).sort()).toEqual([0, 100, 100, 100]);
    expect(four.filter((r) => r.json().referral.capped)).toHaveLength(1);
    expect(await balanceOf('cap-alice')).toBe(300);
    // Every friend still got their own bonus.
    for (const user of friends.slice(0, 4)) expect(await balanceOf(user)).toBe(51);
    expect(await app.store.db.referral.count({ where: { status: 'capped' } })).toBe(1);

    // 00:30 on 1 September in Shanghai, though still 31 August in UTC: a new month.
    clock.advance(90 * 60_000);
    const next = await purchase('cap-friend-4', 'cap-next-month', 1);
    expect(next.json().referral).toMatchObject({ referrerPoints: 100, capped: false });
    expect(await balanceOf('cap-alice')).toBe(400);
  });

  it('refuses a code from a friend one invited', async () => {
    const aliceCode = await inviteCode('mutual-alice');
    const bobCode = await inviteCode('mutual-bob');
    expect((await send('mutual-bob')(`/ref ${aliceCode}`))[0]).toMatch(/Code accepted/);
    expect((await send('mutual-alice')(`/ref ${bobCode}`))[0]).toBe("A friend you invited can't invite you back.");
  });
});
