// One customer across channels: /link codes, merging (points, tickets, feedback and history move,
// nothing is lost), the admin merge and unlink.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { InboundMessage } from '../../../src/engine/types.js';
import { RecordingChannel } from '../../fakes/channel.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const OPEN = Date.parse('2026-07-01T02:00:00Z');

describeOnEachDatabase('linking customers across channels', (database) => {
  let app: App;
  const clock = new FakeClock(OPEN);
  const other = new RecordingChannel('other');
  let seq = 0;

  beforeAll(async () => {
    app = await testApp(database().url, { clock, adapters: [other] });
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** A message on either channel; returns the reply texts. */
  async function say(channel: 'api' | 'other', user: string, text: string, extra: Partial<InboundMessage> = {}) {
    const result = await app.engine.handleInbound({
      channel,
      chatId: user,
      chatType: 'private',
      sender: { id: user, name: `Name ${user}` },
      text,
      mentioned: true,
      platformMessageId: `m${++seq}`,
      ...extra,
    });
    return result.replies.map((r) => r.text);
  }

  async function customerOf(channel: string, user: string) {
    const res = await app.server.inject({
      method: 'GET',
      url: `/api/v1/customers?channel=${channel}&externalId=${user}`,
      headers: admin,
    });
    return res.json().customers[0] as { id: string; identities: { channel: string; externalId: string }[] } | undefined;
  }

  const adminPost = (url: string, payload: object) =>
    app.server.inject({ method: 'POST', url, headers: admin, payload });

  it('/link CODE from another channel joins the two customers: points, tickets, feedback and history move', async () => {
    const a = `a-${seq}`;
    const b = `b-${seq}`;
    await say('api', a, '/checkin');
    await say('api', a, '你们的服务太差了，我要投诉');
    await say('other', b, '/checkin');
    clock.advance(24 * 3_600_000);
    await say('other', b, '/feedback');
    await say('other', b, '5');
    const before = {
      a: (await customerOf('api', a))?.id as string,
      b: (await customerOf('other', b))?.id as string,
    };
    const historyA = await app.store.db.interaction.count({ where: { customerId: before.a } });
    const historyB = await app.store.db.interaction.count({ where: { customerId: before.b } });

    expect(await say('api', a, '/lang zh')).toHaveLength(1);
    expect(await say('api', a, '/link')).toEqual([expect.stringMatching(/绑定码.*10分钟内有效/)]);
    expect(await say('api', a, '/lang en')).toHaveLength(1);
    const [issued] = await say('api', a, '/link'); // a new code replaces the earlier one
    const code = issued?.match(/[A-Z2-9]{6}/)?.[0] as string;
    expect(code).toBeTruthy();
    expect(await say('api', a, `/link ${code}`)).toEqual([expect.stringMatching(/other app/)]);

    await say('other', b, '/lang en'); // a bare code tells no language: fix the reply's
    const [done] = await say('other', b, `/link ${code.toLowerCase()}`);
    expect(done).toMatch(/accounts on (api, other|other, api) are now one/);
    expect(done).toMatch(/balance is 20/); // 5 + 5 check-ins + 10 for the feedback

    const merged = await customerOf('other', b);
    expect(merged?.id).toBe(before.b);
    expect(merged?.identities.map((i) => `${i.channel}:${i.externalId}`).sort()).toEqual([`api:${a}`, `other:${b}`]);
    expect(await customerOf('api', a)).toMatchObject({ id: before.b });
    expect(await app.store.db.customer.findUnique({ where: { id: before.a } })).toBeNull();

    const points = (
      await app.server.inject({ method: 'GET', url: `/api/v1/customers/${before.b}/points`, headers: admin })
    ).json();
    expect(points.balance).toBe(20);
    expect(points.ledger).toHaveLength(3);
    const tickets = (await app.server.inject({ method: 'GET', url: '/api/v1/tickets', headers: admin })).json().tickets;
    expect(tickets.filter((t: { customer: { id: string } }) => t.customer.id === before.b)).toHaveLength(1);
    expect(await app.store.db.feedback.count({ where: { customerId: before.b } })).toBe(1);
    // Nothing lost: both histories, plus this turn and the merge events on both sides.
    const events = await app.store.db.interaction.findMany({
      where: { customerId: before.b, kind: 'customer_merged' },
    });
    expect(events.map((e) => e.channel).sort()).toEqual(['api', 'other']);
    expect(await app.store.db.interaction.count({ where: { customerId: before.b } })).toBeGreaterThanOrEqual(
      historyA + historyB + 2 + 4,
    );

    // The ticket keeps working from the linked chat: the customer is still with staff.
    expect(await say('other', b, 'hello?')).toEqual([]);
    // A code works once.
    expect(await say('other', `c-${seq}`, `/link ${code}`)).toEqual([
      expect.stringMatching(/does not exist or has expired|不存在或已过期/),
    ]);
  });

  it('refuses expired codes and /link in groups', async () => {
    const a = `x-${seq}`;
    const [issued] = await say('api', a, '/link');
    const code = issued?.match(/[A-Z2-9]{6}/)?.[0] as string;
    clock.advance(11 * 60_000);
    expect(await say('other', `y-${seq}`, `/link ${code}`)).toEqual([
      expect.stringMatching(/does not exist or has expired|不存在或已过期/),
    ]);
    expect(await say('other', `y-${seq}`, '/link', { chatId: 'group-1', chatType: 'group' })).toEqual([
      expect.stringMatching(/私聊|private chat/),
    ]);
    expect(await customerOf('api', a)).toMatchObject({ identities: [{ channel: 'api', externalId: a }] });
  });

  it('merges two open tickets into one and keeps one open ticket per customer', async () => {
    const a = `ta-${seq}`;
    const b = `tb-${seq}`;
    await say('api', a, '转人工');
    await say('other', b, 'I want to speak to a manager');
    const [issued] = await say('api', a, '/link');
    const code = issued?.match(/[A-Z2-9]{6}/)?.[0] as string;
    await say('other', b, `/link ${code}`);
    const survivor = (await customerOf('other', b))?.id as string;
    const tickets = await app.store.db.ticket.findMany({ where: { customerId: survivor }, orderBy: { id: 'asc' } });
    expect(tickets.map((t) => t.status).sort()).toEqual(['open', 'resolved']);
    const open = tickets.find((t) => t.status === 'open');
    const messages = await app.store.db.ticketMessage.findMany({ where: { ticketId: open?.id } });
    expect(messages.map((m) => m.text).sort()).toEqual(['I want to speak to a manager', '转人工']);
    expect((await app.store.db.customer.findUnique({ where: { id: survivor } }))?.ticketId).toBe(open?.id);
  });

  it('admin merge and unlink, with clear errors', async () => {
    const c = `mc-${seq}`;
    const d = `md-${seq}`;
    await say('api', c, '/checkin');
    await say('api', d, '/birthday 08-15');
    const idC = (await customerOf('api', c))?.id as string;
    const idD = (await customerOf('api', d))?.id as string;

    const merged = await adminPost(`/api/v1/customers/${idC}/merge`, { otherId: idD });
    expect(merged.statusCode).toBe(200);
    expect(merged.json()).toMatchObject({ id: idC, mergedId: idD, pointsBalance: 5 });
    const row = await app.store.db.customer.findUnique({ where: { id: idC } });
    expect(row?.birthday).toBe('08-15'); // taken from the other where the survivor had none

    expect((await adminPost(`/api/v1/customers/${idC}/merge`, { otherId: idC })).statusCode).toBe(400);
    expect((await adminPost(`/api/v1/customers/${idC}/merge`, { otherId: 'nobody' })).statusCode).toBe(404);
    expect((await adminPost(`/api/v1/customers/${idC}/merge`, {})).statusCode).toBe(400);
    expect(
      (await app.server.inject({ method: 'POST', url: `/api/v1/customers/${idC}/merge`, payload: { otherId: idD } }))
        .statusCode,
    ).toBe(401);

    const split = await adminPost(`/api/v1/customers/${idC}/unlink`, { channel: 'api', externalId: d });
    expect(split.statusCode).toBe(200);
    const fresh = split.json().customerId as string;
    expect(await customerOf('api', d)).toMatchObject({ id: fresh });
    expect(await customerOf('api', c)).toMatchObject({ id: idC });
    const only = await adminPost(`/api/v1/customers/${fresh}/unlink`, { channel: 'api', externalId: d });
    expect(only.statusCode).toBe(409);
    expect(
      (await adminPost(`/api/v1/customers/${idC}/unlink`, { channel: 'api', externalId: 'nope' })).statusCode,
    ).toBe(404);
  });
});
