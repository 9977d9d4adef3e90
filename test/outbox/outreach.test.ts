// One way out: every proactive message honours its purpose. Marketing (birthday wishes, tier
// congratulations, referral notices, surveys nobody asked for) is not queued for a customer who
// opted out (/stop, 退订, TD, unsubscribe) or whose account the platform marked unreachable, and is
// logged as an `outreach_skipped` event instead; transactional messages (staff replies, a ticket's
// resolution, a follow-up's result) and replies (a redemption code) still reach them. A key
// queues a message once. Real app, real HTTP (inject), both databases.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { parseCommand } from '../../src/engine/context.js';
import { toCustomer } from '../../src/outbox/outreach.js';
import { marketingBatch } from '../../src/outbox/outreach-batch.js';
import { FakeClock } from '../fakes/clock.js';
import { admin, testApp } from '../helpers/app.js';

/** No quiet hours, no cap: what these tests send goes at once. */
const anyTime = { quietHours: false, frequencyCap: false, timezone: 'Asia/Shanghai' } as const;

import { describeOnEachDatabase } from '../helpers/databases.js';

interface Reply {
  text: string;
  buttons?: { label: string; payload: string }[];
}

interface Interaction {
  direction: string;
  kind: string;
  text: string | null;
  payload: Record<string, unknown> | null;
}

const settings = `
loyalty:
  rules: { welcome: 0, birthday: 100, referral: { referrer: 100, referee: 50, on: start } }
  rewards:
    - { id: coffee, name: { zh-CN: 咖啡一杯, en: A coffee }, cost: 100 }
`;

describe('stop words', () => {
  it.each(['退订', 'TD', 'td', 'unsubscribe', 'Unsubscribe!', ' 退订。'])('%j means /stop', (text) =>
    expect(parseCommand(text)).toEqual({ name: 'stop', args: [] }),
  );
  it.each(['TD please', '我不想退订', 'how do I unsubscribe?', 'tdd'])('%j does not', (text) =>
    expect(parseCommand(text)).toBeUndefined(),
  );
});

describeOnEachDatabase('outreach by purpose', (database, provider) => {
  // 15 August 2026, 10:00 in Shanghai.
  const clock = new FakeClock(Date.parse('2026-08-15T02:00:00Z'));
  let app: App;
  let seq = 0;

  beforeAll(async () => {
    app = await testApp(database().url, { clock, yaml: settings });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const user = (name: string) => `${name}-${++seq}`;

  async function say(userId: string, body: { text?: string; payload?: string }): Promise<Reply[]> {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: userId, name: userId, locale: 'zh-CN' }, ...body },
    });
    expect(res.statusCode).toBe(200);
    return res.json().replies;
  }
  const adminCall = (method: 'GET' | 'POST', url: string, payload?: object) =>
    app.server.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload }) });
  const sentTo = async (userId: string): Promise<Reply[]> =>
    (await app.server.inject({ url: `/api/v1/messages?userId=${userId}` })).json().messages;
  const idOf = async (userId: string): Promise<string> =>
    (await adminCall('GET', `/api/v1/customers?externalId=${userId}`)).json().customers[0].id;
  const interactions = async (userId: string): Promise<Interaction[]> =>
    (await adminCall('GET', `/api/v1/customers/${await idOf(userId)}/interactions?limit=500`)).json().interactions;
  const skipped = async (userId: string) =>
    (await interactions(userId)).filter((i) => i.kind === 'outreach_skipped').map((i) => i.payload);
  const outboxRows = async (userId: string) => app.store.db.outbox.count({ where: { customerId: await idOf(userId) } });

  /** A customer who wrote, then sent /stop (or a stop word). */
  async function optedOut(name: string, word = '/stop'): Promise<string> {
    const u = user(name);
    await say(u, { text: '你好' });
    const [stopped] = await say(u, { text: word });
    expect(stopped?.text).toMatch(/关闭主动推送|won't send you messages/);
    return u;
  }

  it('退订, TD and unsubscribe in the chat opt out like /stop; /start opts back in', async () => {
    for (const word of ['退订', 'TD', 'unsubscribe']) {
      const u = await optedOut('word', word);
      expect((await adminCall('GET', `/api/v1/customers/${await idOf(u)}`)).json().optedOut).toBe(true);
      expect((await interactions(u)).map((i) => i.kind)).toContain('opt_out');
      await say(u, { text: '/start' });
      expect((await adminCall('GET', `/api/v1/customers/${await idOf(u)}`)).json().optedOut).toBe(false);
    }
  });

  it('birthday wishes (marketing): the opted-out customer gets the points but no wish', async () => {
    const wished = user('bd-in');
    await say(wished, { text: '/birthday 08-15' });
    const quiet = await optedOut('bd-out');
    await say(quiet, { text: '/birthday 08-15' });

    const run = await adminCall('POST', '/api/v1/jobs/birthdays/run');
    expect(run.json()).toEqual({ processed: 2 });
    expect((await sentTo(wished)).at(-1)?.text).toMatch(/生日快乐.*100积分/);
    expect((await sentTo(quiet)).map((m) => m.text).join('\n')).not.toMatch(/生日快乐/);
    const points = await adminCall('GET', `/api/v1/customers/${await idOf(quiet)}/points`);
    expect(points.json().balance).toBe(100);
    expect(await skipped(quiet)).toEqual([
      { purpose: 'marketing', kind: 'birthday', reason: 'opted_out', key: expect.stringMatching(/^birthday:/) },
    ]);
    expect(await skipped(wished)).toEqual([]);
  });

  it('tier congratulations (marketing): after a purchase or an adjustment, not to the opted-out; again after /start', async () => {
    const buyer = user('tier-in');
    await say(buyer, { text: '你好' });
    const quiet = await optedOut('tier-out');
    for (const u of [buyer, quiet]) {
      const res = await adminCall('POST', `/api/v1/customers/${await idOf(u)}/purchases`, {
        amount: 600,
        orderId: `order-${u}`,
      });
      expect(res.json()).toMatchObject({ tierReached: 'silver' });
    }
    expect((await sentTo(buyer)).at(-1)?.text).toMatch(/恭喜您升级为白银会员/);
    expect((await sentTo(quiet)).map((m) => m.text).join('\n')).not.toMatch(/恭喜/);
    expect(await skipped(quiet)).toEqual([
      expect.objectContaining({ purpose: 'marketing', kind: 'tier_reached', reason: 'opted_out' }),
    ]);

    await say(quiet, { text: '/start' });
    const adjusted = await adminCall('POST', `/api/v1/customers/${await idOf(quiet)}/points`, {
      delta: 2000,
      reason: 'goodwill',
      idempotencyKey: `gold-${quiet}`,
    });
    expect(adjusted.statusCode).toBe(200);
    expect((await sentTo(quiet)).at(-1)?.text).toMatch(/恭喜您升级为黄金会员/);
  });

  it('referral notices (marketing): an opted-out referrer is paid but not told', async () => {
    const inviteCode = async (u: string) =>
      /([A-Z2-9]{6})/.exec((await say(u, { text: '/invite' }))[0]?.text ?? '')?.[1];
    const told = user('ref-in');
    await say(told, { text: '你好' });
    const quiet = await optedOut('ref-out');
    for (const referrer of [told, quiet]) {
      const code = await inviteCode(referrer);
      const friend = user('friend');
      const [accepted] = await say(friend, { text: `/ref ${code}` });
      expect(accepted?.text).toMatch(/50/);
      expect((await adminCall('GET', `/api/v1/customers/${await idOf(referrer)}/points`)).json().balance).toBe(100);
    }
    expect((await sentTo(told)).at(-1)?.text).toMatch(/100积分/);
    expect((await sentTo(quiet)).at(-1)?.text).toMatch(/邀请码/); // the /invite reply, nothing after it
    expect(await skipped(quiet)).toEqual([
      expect.objectContaining({ purpose: 'marketing', kind: 'referral', reason: 'opted_out' }),
    ]);
  });

  it("a follow-up's result (transactional) reaches a customer who opted out since", async () => {
    const u = user('followup');
    await say(u, { text: '/feedback' });
    await say(u, { text: '1' });
    await say(u, { text: '咖啡是凉的' });
    await say(u, { text: '/stop' });
    const id = await idOf(u);
    const open = (await adminCall('GET', '/api/v1/followups?status=open'))
      .json()
      .followUps.find((f: { customerId: string }) => f.customerId === id);
    const handled = await adminCall('POST', `/api/v1/followups/${open.id}/handled`, { note: '已为您退款。' });
    expect(handled.json()).toEqual({ status: 'handled', notified: true });
    expect((await sentTo(u)).at(-1)?.text).toMatch(/处理结果：已为您退款/);
    expect(await skipped(u)).toEqual([]);
  });

  it('staff replies and the resolution (transactional) reach the opted-out; the CSAT survey (marketing) does not', async () => {
    const ticketOf = async (u: string) => {
      const tickets = (await adminCall('GET', '/api/v1/tickets')).json().tickets as {
        id: number;
        customer: { identities: { externalId: string }[] };
      }[];
      return tickets.find((t) => t.customer.identities.some((i) => i.externalId === u))?.id;
    };
    const quiet = user('ticket-out');
    const asked = user('ticket-in');
    for (const u of [quiet, asked]) await say(u, { text: '转人工' });
    await say(quiet, { text: '/stop' });
    for (const u of [quiet, asked]) {
      const id = await ticketOf(u);
      expect((await adminCall('POST', `/api/v1/tickets/${id}/messages`, { text: '您好，我是店长。' })).statusCode).toBe(
        201,
      );
      expect((await adminCall('POST', `/api/v1/tickets/${id}/resolve`)).statusCode).toBe(200);
    }
    const quietGot = await sentTo(quiet);
    expect(quietGot.map((m) => m.text)).toContain('您好，我是店长。');
    expect(quietGot.at(-1)?.text).toMatch(/处理完/);
    expect(quietGot.some((m) => m.buttons)).toBe(false);
    expect(await skipped(quiet)).toEqual([
      expect.objectContaining({ purpose: 'marketing', kind: 'survey', reason: 'opted_out' }),
    ]);
    // Nothing waits for an answer that was never asked for.
    expect(await app.store.db.pendingDialog.count({ where: { customerId: await idOf(quiet) } })).toBe(0);
    expect((await sentTo(asked)).at(-1)?.buttons?.map((b) => b.label)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('a survey from the admin API (marketing) is 409 OPTED_OUT for the opted-out, and nothing is sent', async () => {
    const quiet = await optedOut('survey-out');
    const before = await outboxRows(quiet);
    const res = await adminCall('POST', `/api/v1/customers/${await idOf(quiet)}/surveys`, { kind: 'nps' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: { code: 'OPTED_OUT', message: expect.stringContaining('/stop') } });
    expect(await outboxRows(quiet)).toBe(before);
    expect(await app.store.db.pendingDialog.count({ where: { customerId: await idOf(quiet) } })).toBe(0);

    await say(quiet, { text: '/start' });
    const ok = await adminCall('POST', `/api/v1/customers/${await idOf(quiet)}/surveys`, { kind: 'nps' });
    expect(ok.statusCode).toBe(200);
    expect((await sentTo(quiet)).at(-1)?.buttons).toHaveLength(11);
  });

  it('a redemption code (a reply in the chat) reaches the opted-out', async () => {
    const quiet = await optedOut('redeem-out');
    await adminCall('POST', `/api/v1/customers/${await idOf(quiet)}/points`, {
      delta: 120,
      reason: 'seed',
      idempotencyKey: `seed-${quiet}`,
    });
    const [confirm] = await say(quiet, { text: '/redeem coffee' });
    const [done] = await say(quiet, { payload: confirm?.buttons?.[0]?.payload as string });
    expect(done?.text).toMatch(/[A-Z2-9]{8}/);
  });

  it('an account the platform marked unreachable gets no marketing, but transactional messages are still queued', async () => {
    const gone = user('blocked');
    await say(gone, { text: '/birthday 08-15' });
    // What the dispatcher does when the platform says the user blocked the bot (Telegram 403).
    await app.store.db.channelIdentity.updateMany({ where: { externalId: gone }, data: { reachable: false } });
    const id = await idOf(gone);
    const before = await outboxRows(gone);

    const wish = await toCustomer(
      app.store.db,
      app.store.provider,
      id,
      { text: 'happy birthday' },
      {
        purpose: 'marketing',
        kind: 'birthday',
        key: `unreachable-test:${id}`,
        polite: anyTime,
      },
    );
    expect(wish).toEqual({ status: 'skipped', reason: 'unreachable' });
    expect(await outboxRows(gone)).toBe(before);
    expect(await skipped(gone)).toEqual([
      { purpose: 'marketing', kind: 'birthday', reason: 'unreachable', key: `unreachable-test:${id}` },
    ]);

    const receipt = await toCustomer(
      app.store.db,
      app.store.provider,
      id,
      { text: 'your refund is done' },
      {
        purpose: 'transactional',
        kind: 'followup',
      },
    );
    expect(receipt.status).toBe('queued');
    expect(await outboxRows(gone)).toBe(before + 1);
  });

  it('/stop cancels the marketing still waiting in the outbox; what the customer is owed still goes', async () => {
    const u = user('midway');
    await say(u, { text: '你好' });
    const id = await idOf(u);
    const queue = (text: string, purpose: 'marketing' | 'transactional', key?: string) =>
      toCustomer(
        app.store.db,
        app.store.provider,
        id,
        { text },
        purpose === 'marketing'
          ? { purpose, kind: 'campaign', key: key as string, polite: anyTime }
          : { purpose, kind: 'followup' },
      );
    // Queued while the customer still wanted them; the test app runs no dispatcher, so they wait.
    expect((await queue('八折券，本周有效', 'marketing', `midway:${id}`)).status).toBe('queued');
    expect((await queue('您的退款已完成', 'transactional')).status).toBe('queued');
    const texts = async () => (await sentTo(u)).map((m) => m.text);
    expect(await texts()).toEqual(expect.arrayContaining(['八折券，本周有效', '您的退款已完成']));

    await say(u, { text: '/stop' });
    expect(await texts()).not.toContain('八折券，本周有效');
    expect(await texts()).toContain('您的退款已完成');
    const rows = await app.store.db.outbox.findMany({
      where: { customerId: id },
      select: { dedupeKey: true, status: true },
    });
    expect(rows.find((r) => r.dedupeKey === `midway:${id}`)?.status).toBe('cancelled');
    expect(rows.filter((r) => r.dedupeKey === null).every((r) => r.status === 'pending')).toBe(true);
  });

  it('a key queues a message once: twice in a row, or twice at the same time', async () => {
    const u = user('dedupe');
    await say(u, { text: '你好' });
    const id = await idOf(u);
    const send = (key: string) =>
      toCustomer(
        app.store.db,
        app.store.provider,
        id,
        { text: `campaign ${key}` },
        {
          purpose: 'marketing',
          kind: 'campaign',
          key,
          polite: anyTime,
        },
      );
    const before = await outboxRows(u);
    expect((await send('summer:1')).status).toBe('queued');
    expect(await send('summer:1')).toEqual({ status: 'duplicate' });
    const both = await Promise.all([send('summer:2'), send('summer:2')]);
    expect(both.map((s) => s.status).sort()).toEqual(['duplicate', 'queued']);
    expect(await outboxRows(u)).toBe(before + 2);
    // The log shows each sent once, too.
    const logged = (await interactions(u)).filter((i) => i.kind === 'campaign').map((i) => i.text);
    expect(logged.sort()).toEqual(['campaign summer:1', 'campaign summer:2']);
  });

  // Another instance records a key (its MarketingSend row first, as a single send does) while a batch
  // has already queued that key's Outbox row: the batch waits for it, finds the key taken, and drops
  // its row in its own transaction. Two transactions interleaved by hand, so PostgreSQL only.
  it.runIf(provider.name === 'postgresql')(
    'a key another instance records while a batch runs is queued once: the batch drops its row',
    async () => {
      const u = user('race');
      await say(u, { text: '你好' });
      const id = await idOf(u);
      const key = `race:${id}`;
      const other = new pg.Client({ connectionString: database().url });
      const watcher = new pg.Client({ connectionString: database().url });
      await Promise.all([other.connect(), watcher.connect()]);
      try {
        await other.query('BEGIN');
        await other.query(
          `INSERT INTO "MarketingSend" ("customerId", "kind", "dedupeKey", "at") VALUES ($1, 'campaign', $2, now())`,
          [id, key],
        );
        const batch = app.store.db.$transaction((tx) =>
          marketingBatch(tx, app.features.outreach, [{ customerId: id, key, text: () => 'race offer' }], {
            kind: 'campaign',
            at: new Date(clock.now()),
          }),
        );
        // The batch has inserted its Outbox row and waits for the other transaction's key.
        let waiting = false;
        for (let tries = 0; !waiting && tries < 500; tries++) {
          const { rows } = await watcher.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          waiting = rows[0].n > 0;
          if (!waiting) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(waiting).toBe(true);
        await other.query('COMMIT');
        expect((await batch).get(key)).toBe('duplicate');
        expect(await app.store.db.outbox.count({ where: { dedupeKey: key } })).toBe(0);
        expect((await interactions(u)).filter((i) => i.text === 'race offer')).toEqual([]);
        expect(await app.store.db.marketingSend.count({ where: { dedupeKey: key } })).toBe(1);
      } finally {
        await Promise.all([other.end(), watcher.end()]);
      }
    },
  );

  it('a customer with no chat to write to is skipped without a trace', async () => {
    const lonely = await app.store.db.customer.create({ data: { displayName: 'no chat' } });
    const sent = await toCustomer(
      app.store.db,
      app.store.provider,
      lonely.id,
      { text: 'hi' },
      {
        purpose: 'transactional',
        kind: 'followup',
      },
    );
    expect(sent).toEqual({ status: 'skipped', reason: 'no_chat' });
    expect(await app.store.db.outbox.count({ where: { customerId: lonely.id } })).toBe(0);
  });
});
