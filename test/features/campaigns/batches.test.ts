// A campaign larger than one batch (1,200 customers, 500 a batch): the cursor walks every customer
// the rules select exactly once, in one instance and in two instances on one database at once,
// and the counters add up to the audience (queued, opted out, no chat to write to).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { App } from '../../../src/app.js';
import { campaignsFeature } from '../../../src/features/campaigns/index.js';
import { FakeClock } from '../../fakes/clock.js';
import { featureApi, runJob, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { campaignClient, HOUR, tagged } from './helpers.js';

const NOW = Date.parse('2026-08-15T02:00:00Z');
const CUSTOMERS = 1200;
/** Small batches, so the campaign takes three. */
const BATCH_SIZE = 500;
const yaml = `loyalty:\n  rules:\n    welcome: 0\ncampaigns:\n  batchSize: ${BATCH_SIZE}\n`;
const message = { 'zh-CN': '{name}，会员日快乐', en: 'Happy members day, {name}' };

interface Seeded {
  ids: string[];
  optedOut: Set<string>;
  noChat: Set<string>;
  /** Their account blocked the bot (ChannelIdentity.reachable false). */
  unreachable: Set<string>;
}

/**
 * Customers as the engine leaves them after their first message (a customer, their API identity,
 * their private conversation, the inbound interaction), written in bulk; every 10th opted out,
 * every 25th without a chat (they never wrote), every 40th unreachable, every 3rd reading English.
 */
async function seed(app: App, tag: string, count: number): Promise<Seeded> {
  const db = app.store.db;
  const at = new Date(NOW - 24 * HOUR);
  const people = Array.from({ length: count }, (_, n) => ({
    n,
    id: randomUUID(),
    conversationId: randomUUID(),
    external: `${tag}-${n}`,
  }));
  const noChat = new Set(people.filter((p) => p.n % 25 === 0).map((p) => p.id));
  const talking = people.filter((p) => !noChat.has(p.id));
  await db.customer.createMany({
    data: people.map((p) => ({
      id: p.id,
      displayName: `C${p.n}`,
      optedOut: p.n % 10 === 5,
      createdAt: at,
      lastSeenAt: at,
    })),
  });
  await db.customerTag.createMany({ data: people.map((p) => ({ customerId: p.id, tag })) });
  await db.channelIdentity.createMany({
    data: people.map((p) => ({
      channel: 'api',
      externalId: p.external,
      customerId: p.id,
      reachable: p.n % 40 !== 7,
      createdAt: at,
    })),
  });
  await db.conversation.createMany({
    data: talking.map((p) => ({ id: p.conversationId, channel: 'api', chatId: p.external, createdAt: at })),
  });
  await db.interaction.createMany({
    data: talking.map((p) => ({
      customerId: p.id,
      conversationId: p.conversationId,
      channel: 'api',
      direction: 'in',
      kind: 'message',
      text: p.n % 3 === 0 ? 'hello there' : '你好',
      createdAt: at,
      handledAt: at,
    })),
  });
  return {
    ids: people.map((p) => p.id),
    optedOut: new Set(people.filter((p) => p.n % 10 === 5).map((p) => p.id)),
    noChat,
    unreachable: new Set(people.filter((p) => p.n % 40 === 7).map((p) => p.id)),
  };
}

describeOnEachDatabase('campaigns over many batches', (database, provider) => {
  // Two instances in one process cannot share a SQLite file: better-sqlite3 waits for the other's
  // lock synchronously, holding the thread the other needs to finish (in production they are two
  // processes). On SQLite the second "instance" is the same app, its runs serialized by its connection.
  const twoInstances = provider.name === 'postgresql';
  const clock = new FakeClock(NOW);
  let app: App;
  let other: App;
  let audience: Seeded;
  const c = campaignClient(() => app);

  beforeAll(async () => {
    app = await testApp(database().url, { clock, yaml });
    // A second instance on the same database, as a second server would be.
    other = twoInstances ? await testApp(database().url, { clock, yaml }) : app;
    audience = await seed(app, 'bulk', CUSTOMERS);
  });
  afterAll(async () => {
    if (other !== app) await other?.stop();
    await app?.stop();
  });

  /**
   * Runs the campaigns job with `around` about each of its batches (numbered from 1): what a test
   * does between batches (a cancel, a tag removed) happens between their transactions. Returns how
   * many batches ran.
   */
  async function runJobAround(around: (n: number, run: () => Promise<unknown>) => Promise<unknown>) {
    const campaigns = featureApi(app, campaignsFeature).campaigns as unknown as {
      batch: (...args: unknown[]) => Promise<unknown>;
    };
    const batch = campaigns.batch.bind(campaigns);
    let batches = 0;
    const spy = vi.spyOn(campaigns, 'batch').mockImplementation((...args) => around(++batches, () => batch(...args)));
    try {
      await runJob(app, 'campaigns');
    } finally {
      spy.mockRestore();
    }
    return batches;
  }

  /** Every customer the campaign reached, with how many messages each got. */
  async function reached(campaignId: string) {
    const db = app.store.db;
    const sends = await db.marketingSend.findMany({
      where: { campaignId },
      select: { customerId: true, outboxId: true },
    });
    const outbox = await db.outbox.findMany({
      where: { dedupeKey: { startsWith: `campaign:${campaignId}:` } },
      select: { customerId: true, message: true },
    });
    return { sends, outbox };
  }

  function expectEachEligibleOnce(r: Awaited<ReturnType<typeof reached>>) {
    const eligible = audience.ids.filter(
      (id) => !audience.optedOut.has(id) && !audience.noChat.has(id) && !audience.unreachable.has(id),
    );
    expect(r.sends).toHaveLength(eligible.length);
    expect(new Set(r.sends.map((s) => s.customerId))).toEqual(new Set(eligible));
    expect(r.outbox).toHaveLength(eligible.length);
    expect(new Set(r.outbox.map((o) => o.customerId))).toEqual(new Set(eligible));
    expect(r.sends.every((s) => s.outboxId !== null)).toBe(true);
    return eligible.length;
  }

  const expectedStats = () => {
    const skippedOptedOut = audience.ids.filter((id) => audience.optedOut.has(id) && !audience.noChat.has(id)).length;
    // Unreachable accounts count with the customers without a chat: no chat we may write to.
    const skippedNoChat = audience.noChat.size + audience.unreachable.size;
    return {
      targeted: CUSTOMERS,
      queued: CUSTOMERS - skippedOptedOut - skippedNoChat,
      skippedOptedOut,
      skippedUnreachable: skippedNoChat,
    };
  };

  it('walks all 1,200 customers in batches of 500, each once, in their language', async () => {
    expect(CUSTOMERS).toBeGreaterThan(2 * BATCH_SIZE);
    const { id } = await c.create({
      name: 'Members day',
      rules: tagged('bulk'),
      message,
      sendAt: new Date(clock.now() + HOUR).toISOString(),
    });
    clock.advance(HOUR);
    const queued = await runJob(app, 'campaigns');
    const r = await reached(id);
    expect(queued).toBe(expectEachEligibleOnce(r));
    const row = await app.store.db.campaign.findUniqueOrThrow({ where: { id } });
    // The cursor ends at the highest id the rules select.
    expect(row.cursor).toBe([...audience.ids].sort().at(-1));
    expect(row.skippedNoChat).toBe(audience.noChat.size + audience.unreachable.size);
    expect((await c.get(id)).stats).toMatchObject(expectedStats());
    expect((await c.get(id)).status).toBe('sent');
    // English readers got English, the others Chinese.
    const texts = r.outbox.map((o) => (o.message as { text: string }).text);
    expect(texts.filter((t) => t.startsWith('Happy members day, C')).length).toBeGreaterThan(300);
    expect(texts.filter((t) => /^C\d+，会员日快乐$/.test(t)).length).toBeGreaterThan(600);

    expect(await app.store.db.campaignTarget.count({ where: { campaignId: id } })).toBe(0);
    expect(await runJob(app, 'campaigns')).toBe(0);
    expect((await reached(id)).sends).toHaveLength(r.sends.length);
  });

  it('selects the audience once, when sending starts: a tag removed between batches changes nothing', async () => {
    const { id } = await c.create({
      name: 'Fixed audience',
      rules: tagged('bulk'),
      message,
      sendAt: new Date(clock.now() + HOUR).toISOString(),
    });
    clock.advance(HOUR);
    const last = [...audience.ids].sort().at(-1) as string;
    try {
      await runJobAround(async (n, run) => {
        if (n === 1) {
          expect(await app.store.db.campaignTarget.count({ where: { campaignId: id } })).toBe(CUSTOMERS);
          await app.store.db.customerTag.deleteMany({ where: { customerId: last, tag: 'bulk' } });
        }
        return run();
      });
    } finally {
      await app.store.db.customerTag.create({ data: { customerId: last, tag: 'bulk' } });
    }
    expect((await c.get(id)).stats).toMatchObject(expectedStats());
    expect(await app.store.db.campaignTarget.count({ where: { campaignId: id } })).toBe(0);
  });

  it('two instances running the job at once message each customer once and count each once', async () => {
    const { id } = await c.create({
      name: 'Members day, again',
      rules: tagged('bulk'),
      message,
      sendAt: new Date(clock.now() + HOUR).toISOString(),
    });
    clock.advance(HOUR);
    const runs = await Promise.all([runJob(app, 'campaigns'), runJob(other, 'campaigns'), runJob(app, 'campaigns')]);
    const r = await reached(id);
    expect(runs.reduce((a, b) => a + b, 0)).toBe(expectEachEligibleOnce(r));
    expect((await c.get(id)).stats).toMatchObject(expectedStats());
    expect(await runJob(other, 'campaigns')).toBe(0);
  });

  it('a campaign cancelled between batches stops there, and what it queued is never delivered', async () => {
    const { id } = await c.create({
      name: 'Interrupted',
      rules: tagged('bulk'),
      message,
      sendAt: new Date(clock.now() + HOUR).toISOString(),
    });
    clock.advance(HOUR);
    // The cancel comes in right after the first batch commits.
    const batches = await runJobAround(async (n, run) => {
      const step = await run();
      if (n === 1) expect((await c.call('POST', `/api/v1/campaigns/${id}/cancel`)).statusCode).toBe(200);
      return step;
    });
    expect(batches).toBe(2); // the second found the campaign cancelled and did nothing

    const firstBatch = new Set([...audience.ids].sort().slice(0, BATCH_SIZE));
    const r = await reached(id);
    expect(r.sends.length).toBeGreaterThan(0);
    expect(r.sends.every((s) => firstBatch.has(s.customerId))).toBe(true);
    const rows = await app.store.db.outbox.findMany({ where: { dedupeKey: { startsWith: `campaign:${id}:` } } });
    expect(new Set(rows.map((o) => o.status))).toEqual(new Set(['cancelled']));
    // The audience was selected whole when sending started; the cancel left the rest of it unsent.
    expect((await c.get(id)).stats).toMatchObject({ targeted: audience.ids.length, queued: r.sends.length });
    expect((await c.get(id)).status).toBe('cancelled');
    expect(await app.store.db.campaignTarget.count({ where: { campaignId: id } })).toBe(0);
    expect(await runJob(other, 'campaigns')).toBe(0);
    expect((await reached(id)).sends).toHaveLength(r.sends.length);
  });

  it('sends no key twice, even one whose outbox row was pruned; each record names its own outbox row', async () => {
    const small = await seed(app, 'pruned', 30);
    const eligible = small.ids.filter(
      (id) => !small.optedOut.has(id) && !small.noChat.has(id) && !small.unreachable.has(id),
    );
    const { id } = await c.create({
      name: 'Sent before',
      rules: tagged('pruned'),
      message,
      sendAt: new Date(clock.now() + HOUR).toISOString(),
    });
    // Two customers' keys were recorded long ago, and their sent rows pruned from the outbox since.
    const before = eligible.slice(0, 2);
    await app.store.db.marketingSend.createMany({
      data: before.map((customerId, n) => ({
        customerId,
        kind: 'campaign',
        dedupeKey: `campaign:${id}:${customerId}`,
        at: new Date(clock.now() - 40 * 24 * HOUR),
        outboxId: 1_000_000 + n,
      })),
    });
    clock.advance(HOUR);
    expect(await runJob(app, 'campaigns')).toBe(eligible.length - 2);
    const rows = await app.store.db.outbox.findMany({
      where: { dedupeKey: { startsWith: `campaign:${id}:` } },
      select: { id: true, customerId: true, dedupeKey: true },
    });
    expect(new Set(rows.map((r) => r.customerId))).toEqual(new Set(eligible.slice(2)));
    const sends = await app.store.db.marketingSend.findMany({
      where: { dedupeKey: { startsWith: `campaign:${id}:` } },
      select: { dedupeKey: true, outboxId: true },
    });
    const rowOf = new Map(rows.map((r) => [r.dedupeKey, r.id]));
    for (const s of sends) {
      if (rowOf.has(s.dedupeKey)) expect(s.outboxId).toBe(rowOf.get(s.dedupeKey));
      else expect(before.map((b) => `campaign:${id}:${b}`)).toContain(s.dedupeKey);
    }
    expect(sends).toHaveLength(eligible.length);
  });

  it('leaves out, and counts nowhere, customers deleted after the audience was selected', async () => {
    const small = await seed(app, 'gone', 30);
    // Two who would have got the message, and one who opted out: none of them is counted.
    const eligible = small.ids.filter(
      (id) => !small.optedOut.has(id) && !small.noChat.has(id) && !small.unreachable.has(id),
    );
    const deleted = [eligible[0], eligible[1], small.ids.find((id) => small.optedOut.has(id) && !small.noChat.has(id))];
    const { id } = await c.create({
      name: 'Some leave',
      rules: tagged('gone'),
      message,
      sendAt: new Date(clock.now() + HOUR).toISOString(),
    });
    clock.advance(HOUR);
    await runJobAround(async (n, run) => {
      if (n === 1) await app.store.db.customer.deleteMany({ where: { id: { in: deleted as string[] } } });
      return run();
    });
    const optedOut = small.ids.filter((i) => small.optedOut.has(i) && !small.noChat.has(i)).length;
    expect((await c.get(id)).stats).toMatchObject({
      targeted: 30,
      queued: eligible.length - 2,
      skippedOptedOut: optedOut - 1,
      skippedUnreachable: small.noChat.size + small.unreachable.size,
    });
    expect((await c.get(id)).status).toBe('sent');
  });
});
