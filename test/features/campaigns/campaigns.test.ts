// Campaigns through the admin API on both databases: created for a saved segment or a rule tree,
// checked, scheduled, sent once to each customer in their language, skipping who opted out; their
// stats (sent, failed, replied within 48 h); cancelling what has not gone; the list's pages.
// Quiet hours and the frequency cap are off here (testApp without `outreach:`): ./politeness.test.ts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { LARGE_CAMPAIGN } from '../../../src/features/campaigns/campaigns.js';
import { FakeClock } from '../../fakes/clock.js';
import { runJob, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { readAllPages } from '../../helpers/paging.js';
import { campaignClient, HOUR, tagged } from './helpers.js';

// 15 August 2026, 10:00 in Shanghai.
const NOW = Date.parse('2026-08-15T02:00:00Z');
const YAML = 'business:\n  name: { zh-CN: 小店, en: Little Shop }\nloyalty:\n  rules:\n    welcome: 0\n';
const message = { 'zh-CN': '{name}您好，{business}新品上市！', en: 'Hi {name}, new at {business}!' };

describeOnEachDatabase('campaigns', (database) => {
  const clock = new FakeClock(NOW);
  let app: App;
  const c = campaignClient(() => app);
  const campaignTexts = async (user: string) =>
    (await c.inbox(user)).map((m) => m.text).filter((t) => /新品|new at|points|积分/.test(t));

  beforeAll(async () => {
    app = await testApp(database().url, { clock, yaml: YAML });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('sends a segment’s customers the message once each, in their language, with its buttons', async () => {
    await c.customer('seg-zh', 'seg', '你好', '张三');
    await c.customer('seg-en', 'seg', '/lang en', 'Ann');
    await c.say('seg-outside', '你好', '李四');
    const segment = await c.call('POST', '/api/v1/segments', { name: 'seg', rules: tagged('seg') });
    expect(segment.statusCode).toBe(201);
    const segmentId = segment.json().id;

    const created = await c.create({
      name: 'New arrivals',
      segmentId,
      message: {
        'zh-CN': '{name}您好，{business}新品上市！您有{points}积分',
        en: 'Hi {name}, new at {business}! {points} points',
      },
      buttons: [{ label: 'Shop', payload: 'shop' }],
    });
    expect(created).toEqual({ id: expect.any(String), status: 'sending' });
    await c.job();
    const [zh] = (await c.inbox('seg-zh')).filter((m) => m.text.includes('新品'));
    expect(zh).toMatchObject({
      text: '张三您好，小店新品上市！您有0积分',
      buttons: [{ label: 'Shop', payload: 'shop' }],
    });
    expect(await campaignTexts('seg-en')).toEqual(['Hi Ann, new at Little Shop! 0 points']);
    expect(await campaignTexts('seg-outside')).toEqual([]);

    // Again: nothing more.
    expect(await c.job()).toBe(0);
    expect(await campaignTexts('seg-zh')).toHaveLength(1);
    expect(await c.get(created.id)).toEqual({
      id: created.id,
      name: 'New arrivals',
      status: 'sent',
      sendAt: new Date(NOW).toISOString(),
      createdAt: new Date(NOW).toISOString(),
      finishedAt: new Date(NOW).toISOString(),
      cancelledAt: null,
      segmentId,
      stats: {
        targeted: 2,
        queued: 2,
        sent: 0,
        failed: 0,
        skippedOptedOut: 0,
        skippedCapped: 0,
        skippedUnreachable: 0,
        deferredQuietHours: 0,
        replied: 0,
      },
    });
  });

  it('takes a rule tree as the audience, and skips (and counts) customers who opted out', async () => {
    await c.customer('rules-a', 'rules');
    await c.customer('rules-b', 'rules');
    await c.customer('rules-stop', 'rules');
    await c.say('rules-stop', '/stop');
    const { id, status } = await c.create({ name: 'By rules', rules: { all: [tagged('rules')] }, message });
    expect(status).toBe('sending');
    await c.job();
    expect(await campaignTexts('rules-a')).toEqual(['您好，小店新品上市！']);
    expect(await campaignTexts('rules-stop')).toEqual([]);
    const got = await c.get(id);
    expect(got.segmentId).toBeNull();
    expect(got.stats).toMatchObject({ targeted: 3, queued: 2, skippedOptedOut: 1 });
  });

  it('refuses what does not hold: 400 naming it, 404 for an unknown segment', async () => {
    const refused = async (body: Record<string, unknown>, status = 400) => {
      const res = await c.call('POST', '/api/v1/campaigns', { name: 'x', message, ...body });
      expect(res.statusCode, res.body).toBe(status);
      return res.json().error.message as string;
    };
    expect(await refused({})).toMatch(/exactly one of segmentId and rules/);
    expect(await refused({ segmentId: 'nope', rules: tagged('x') })).toMatch(/exactly one of segmentId and rules/);
    expect(await refused({ segmentId: 'no-such-segment' }, 404)).toMatch(/no segment no-such-segment/);
    expect(await refused({ rules: { field: 'shoeSize', op: 'eq', value: 42 } })).toMatch(
      /^rules\.field: unknown field "shoeSize"/,
    );
    expect(await refused({ rules: { all: [{ field: 'points', op: 'gt' }] } })).toMatch(/rules\.all\[0\]\.value/);
    const rules = tagged('x');
    expect(await refused({ rules, message: { 'zh-CN': '你好' } })).toMatch(/en/);
    expect(await refused({ rules, message: { 'zh-CN': '你好', en: '' } })).toMatch(/en/);
    expect(await refused({ rules, message: { 'zh-CN': '   ', en: 'hi' } })).toMatch(
      /message\.zh-CN: must not be blank/,
    );
    expect(await refused({ rules, message: { 'zh-CN': '你'.repeat(4001), en: 'hi' } })).toMatch(/4000/);
    expect(await refused({ rules, message: { 'zh-CN': '你好 {nmae}', en: 'hi' } })).toMatch(
      /message\.zh-CN: unknown placeholder \{nmae\}/,
    );
    expect(await refused({ rules, sendAt: '2026-08-16T10:00:00' })).toMatch(/sendAt/);
    expect(await refused({ rules, sendAt: 'tomorrow' })).toMatch(/sendAt/);
    expect(await refused({ rules, name: '  ' })).toMatch(/name must not be blank/);
    // Exactly 4,000 characters is fine.
    await c.create({ name: 'long', rules: tagged('nobody'), message: { 'zh-CN': '你'.repeat(4000), en: 'hi' } });
  });

  it('keeps a campaign with a future sendAt scheduled until the clock passes it', async () => {
    await c.customer('later-a', 'later');
    const sendAt = new Date(clock.now() + 2 * HOUR);
    // In Shanghai's offset: any ISO 8601 time zone will do.
    const local = new Date(sendAt.getTime() + 8 * HOUR).toISOString().replace('Z', '+08:00');
    const { id, status } = await c.create({ name: 'Later', rules: tagged('later'), message, sendAt: local });
    expect(status).toBe('scheduled');
    expect(await c.job()).toBe(0);
    expect((await c.get(id)).status).toBe('scheduled');
    expect(await campaignTexts('later-a')).toEqual([]);
    clock.advance(2 * HOUR - 1000);
    expect(await c.job()).toBe(0);
    clock.advance(1000);
    expect(await c.job()).toBe(1);
    const got = await c.get(id);
    expect(got).toMatchObject({ status: 'sent', sendAt: sendAt.toISOString() });
    expect(await campaignTexts('later-a')).toEqual(['您好，小店新品上市！']);
  });

  it('two runs at once, and runs again, message each customer once and count them once', async () => {
    for (const n of [1, 2, 3]) await c.customer(`twice-${n}`, 'twice');
    const sendAt = new Date(clock.now() + HOUR).toISOString();
    const { id } = await c.create({ name: 'Twice', rules: tagged('twice'), message, sendAt });
    clock.advance(HOUR);
    const runs = await Promise.all([runJob(app, 'campaigns'), runJob(app, 'campaigns')]);
    expect(runs[0] + runs[1]).toBe(3);
    expect(await c.job()).toBe(0);
    for (const n of [1, 2, 3]) expect(await campaignTexts(`twice-${n}`)).toHaveLength(1);
    expect((await c.get(id)).stats).toMatchObject({ targeted: 3, queued: 3 });
  });

  it('counts sent and failed from the outbox, and replies within 48 hours', async () => {
    const users = ['st-sent', 'st-pruned', 'st-failed', 'st-pending'];
    for (const u of users) await c.customer(u, 'stats');
    const { id } = await c.create({ name: 'Stats', rules: tagged('stats'), message });
    await c.job();
    // The test app runs no dispatcher: the rows wait in the outbox until set here.
    const db = app.store.db;
    const rowOf = async (user: string) =>
      (await db.marketingSend.findFirstOrThrow({ where: { campaignId: id, customerId: await c.idOf(user) } }))
        .outboxId as number;
    await db.outbox.update({
      where: { id: await rowOf('st-sent') },
      data: { status: 'sent', sentAt: new Date(clock.now()) },
    });
    // Pruning deletes sent rows only: a row that is gone was sent.
    await db.outbox.delete({ where: { id: await rowOf('st-pruned') } });
    await db.outbox.update({ where: { id: await rowOf('st-failed') }, data: { status: 'failed' } });
    expect((await c.get(id)).stats).toMatchObject({ targeted: 4, queued: 4, sent: 2, failed: 1, replied: 0 });

    clock.advance(HOUR);
    await c.say('st-sent', '谢谢，我想看看');
    clock.advance(47 * HOUR);
    await c.say('st-pruned', '刚好 48 小时');
    clock.advance(1000);
    await c.say('st-failed', '太晚了');
    expect((await c.get(id)).stats).toMatchObject({ replied: 2 });

    // Once every message is final and the reply window over, the outcomes are stored and read
    // from the campaign: counted once, not over every message on each request.
    const stored = async () => (await db.campaign.findUniqueOrThrow({ where: { id } })).outcomes;
    expect(await stored()).toBeNull(); // st-pending still waits in the outbox
    await db.outbox.update({
      where: { id: await rowOf('st-pending') },
      data: { status: 'sent', sentAt: new Date(clock.now()) },
    });
    expect((await c.get(id)).stats).toMatchObject({ sent: 3, failed: 1, replied: 2 });
    expect(await stored()).toEqual({ sent: 3, failed: 1, replied: 2 });
    await db.outbox.update({ where: { id: await rowOf('st-sent') }, data: { status: 'failed' } });
    expect((await c.get(id)).stats).toMatchObject({ sent: 3, failed: 1, replied: 2 });
    expect((await c.call('GET', '/api/v1/campaigns')).json().campaigns[0].stats).toMatchObject({ sent: 3 });
  });

  it('recounts a large live campaign at most every 5 seconds, a small one on every request', async () => {
    await c.customer('big-a', 'big');
    const { id } = await c.create({ name: 'Big', rules: tagged('big'), message });
    await c.job();
    const db = app.store.db;
    const send = await db.marketingSend.findFirstOrThrow({ where: { campaignId: id } });
    const markSent = () =>
      db.outbox.update({
        where: { id: send.outboxId as number },
        data: { status: 'sent', sentAt: new Date(clock.now()) },
      });
    expect((await c.get(id)).stats.sent).toBe(0);
    // Small: the next request sees the send.
    await markSent();
    expect((await c.get(id)).stats.sent).toBe(1);
    await db.outbox.update({ where: { id: send.outboxId as number }, data: { status: 'pending', sentAt: null } });
    expect((await c.get(id)).stats.sent).toBe(0);
    // As large as LARGE_CAMPAIGN (the counter says so): the count of a moment ago stands for 5 s.
    await db.campaign.update({ where: { id }, data: { queued: LARGE_CAMPAIGN } });
    expect((await c.get(id)).stats.sent).toBe(0);
    await markSent();
    expect((await c.get(id)).stats.sent).toBe(0);
    clock.advance(5000);
    expect((await c.get(id)).stats.sent).toBe(1);
  });

  it('stores no outcomes while a message is held through quiet hours or the reply window is open', async () => {
    await c.customer('hold-a', 'hold');
    const { id } = await c.create({ name: 'Held', rules: tagged('hold'), message });
    await c.job();
    const db = app.store.db;
    const send = await db.marketingSend.findFirstOrThrow({ where: { campaignId: id } });
    // As the quiet hours leave it: held, no outbox row yet.
    const outbox = await db.outbox.findUniqueOrThrow({ where: { id: send.outboxId as number } });
    await db.outbox.delete({ where: { id: outbox.id } });
    await db.marketingSend.update({ where: { id: send.id }, data: { outboxId: null } });
    await db.heldMessage.create({
      data: {
        customerId: send.customerId,
        channel: outbox.channel,
        chatId: outbox.chatId,
        conversationId: (await db.conversation.findFirstOrThrow({ where: { chatId: outbox.chatId } })).id,
        message: outbox.message as object,
        kind: 'campaign',
        dedupeKey: send.dedupeKey,
        releaseAt: new Date(clock.now() + 100 * HOUR),
      },
    });
    await c.get(id);
    expect((await db.campaign.findUniqueOrThrow({ where: { id } })).outcomes).toBeNull();
    clock.advance(49 * HOUR);
    await c.get(id);
    expect((await db.campaign.findUniqueOrThrow({ where: { id } })).outcomes).toBeNull();
    await db.heldMessage.deleteMany({ where: { dedupeKey: send.dedupeKey } });
    await c.get(id);
    expect((await db.campaign.findUniqueOrThrow({ where: { id } })).outcomes).toEqual({
      sent: 0,
      failed: 0,
      replied: 0,
    });
  });

  it('cancels: waiting messages are never delivered; a second cancel, or one with nothing left, is a 409', async () => {
    await c.customer('cx-a', 'cancel');
    await c.customer('cx-b', 'cancel');
    const { id } = await c.create({ name: 'Oops', rules: tagged('cancel'), message });
    await c.job();
    const before = await c.get(id);
    expect(before.status).toBe('sent');
    expect(await campaignTexts('cx-a')).toHaveLength(1);

    const cancelled = await c.call('POST', `/api/v1/campaigns/${id}/cancel`);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({
      id,
      status: 'cancelled',
      cancelledAt: new Date(clock.now()).toISOString(),
    });
    // No longer listed to the customer, and never claimed by a dispatcher.
    expect(await campaignTexts('cx-a')).toEqual([]);
    expect(await campaignTexts('cx-b')).toEqual([]);
    const rows = await app.store.db.outbox.findMany({ where: { dedupeKey: { startsWith: `campaign:${id}:` } } });
    expect(rows.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    await app.dispatcher.tick();
    expect(
      await app.store.db.outbox.count({ where: { dedupeKey: { startsWith: `campaign:${id}:` }, status: 'cancelled' } }),
    ).toBe(2);

    const again = await c.call('POST', `/api/v1/campaigns/${id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect((await c.call('POST', '/api/v1/campaigns/no-such-campaign/cancel')).statusCode).toBe(404);

    // All delivered: nothing to cancel.
    await c.customer('cx-c', 'cancel-sent');
    const done = await c.create({ name: 'Gone', rules: tagged('cancel-sent'), message });
    await c.job();
    await app.store.db.outbox.updateMany({
      where: { dedupeKey: { startsWith: `campaign:${done.id}:` } },
      data: { status: 'sent', sentAt: new Date(clock.now()) },
    });
    expect((await c.call('POST', `/api/v1/campaigns/${done.id}/cancel`)).statusCode).toBe(409);
    expect((await c.get(done.id)).status).toBe('sent');
  });

  it('cancels a scheduled campaign before it starts: the job sends nothing', async () => {
    await c.customer('cs-a', 'cancel-scheduled');
    const sendAt = new Date(clock.now() + HOUR).toISOString();
    const { id } = await c.create({ name: 'Not yet', rules: tagged('cancel-scheduled'), message, sendAt });
    expect((await c.call('POST', `/api/v1/campaigns/${id}/cancel`)).json()).toMatchObject({ status: 'cancelled' });
    clock.advance(2 * HOUR);
    expect(await c.job()).toBe(0);
    expect(await campaignTexts('cs-a')).toEqual([]);
    expect((await c.get(id)).stats).toMatchObject({ targeted: 0, queued: 0 });
  });

  it('lists campaigns newest first, a page at a time', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) {
      clock.advance(1000);
      ids.push((await c.create({ name: `page ${n}`, rules: tagged('nobody'), message })).id);
    }
    const all = await c.call('GET', '/api/v1/campaigns?limit=200');
    const everything = all.json().campaigns as { id: string; createdAt: string }[];
    expect(everything.slice(0, 5).map((x) => x.id)).toEqual([...ids].reverse());
    const { items, pages } = await readAllPages(2, async (cursor) => {
      const res = await c.call('GET', `/api/v1/campaigns?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      return { items: res.json().campaigns as { id: string }[], nextCursor: res.json().nextCursor };
    });
    expect(items.map((x) => x.id)).toEqual(everything.map((x) => x.id));
    expect(pages).toBe(Math.ceil(everything.length / 2));
    expect(items[0]).toMatchObject({ stats: expect.objectContaining({ targeted: 0 }) });
    expect((await c.call('GET', '/api/v1/campaigns?cursor=bogus')).statusCode).toBe(400);
    expect((await c.call('GET', '/api/v1/campaigns/no-such-campaign')).statusCode).toBe(404);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await app.server.inject('/api/openapi.json')).json();
    for (const [path, method] of [
      ['/api/v1/campaigns', 'post'],
      ['/api/v1/campaigns', 'get'],
      ['/api/v1/campaigns/{id}', 'get'],
      ['/api/v1/campaigns/{id}/cancel', 'post'],
    ] as const) {
      const op = doc.paths[path][method];
      expect(op.tags).toEqual(['Campaigns']);
      expect(op.summary).toBeTruthy();
      expect(op.security).toEqual([{ adminToken: [] }]);
    }
  });
});
