import { afterAll, beforeAll, expect, it } from 'vitest';
import { claimDue } from '../../src/outbox/store.js';
import { resolveCustomers } from '../../src/store/customers.js';
import { openStore, type Store } from '../../src/store/index.js';
import { commitTurns, type InboundRecord, isHandled, recordInboundBatch } from '../../src/store/interactions.js';
import { migrate } from '../../src/store/migrate.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

describeOnEachDatabase('store', (database, provider) => {
  let store: Store;

  beforeAll(async () => {
    store = await openStore(database().url);
  });
  afterAll(async () => {
    await store?.close();
  });
  const resolveOne = async (channel: string, externalId: string) =>
    (await resolveCustomers(store.db, store.provider, [{ channel, externalId, name: undefined }]))[0] as {
      customer: { id: string };
    };

  it('applies migrations once: a second run finds nothing pending', async () => {
    expect(await migrate(database().url)).toEqual([]);
    expect(store.provider).toBe(provider.name);
    expect(await store.ping()).toBe(true);
  });

  it('migrates a fresh database once when several instances start at the same time', async () => {
    const fresh = await provider.create();
    try {
      const runs = await Promise.all([migrate(fresh.url), migrate(fresh.url), migrate(fresh.url)]);
      expect(runs.filter((applied) => applied.length > 0)).toHaveLength(1);
      expect(runs.flat().length).toBeGreaterThan(0);
    } finally {
      await fresh.drop();
    }
  });

  it('creates one customer for one channel identity, even for concurrent first messages', async () => {
    const one = () =>
      resolveCustomers(store.db, store.provider, [{ channel: 'api', externalId: 'same-person', name: 'Li Lei' }]);
    const results = (await Promise.all(Array.from({ length: 8 }, one))).flat();
    expect(new Set(results.map((r) => r.customer.id)).size).toBe(1);
    expect(results.filter((r) => r.isNew)).toHaveLength(1);
    expect(await store.db.channelIdentity.count({ where: { channel: 'api', externalId: 'same-person' } })).toBe(1);
    expect(results[0]?.customer.stage).toBe('prospect');
    expect(await store.db.customer.count({ where: { displayName: 'Li Lei' } })).toBe(1);
  });

  it('resolves a batch of known and new accounts, greeting each new one once', async () => {
    const known = await resolveOne('api', 'batch-known');
    const keys = [
      { channel: 'api', externalId: 'batch-known', name: undefined },
      { channel: 'api', externalId: 'batch-new', name: 'New' },
      { channel: 'telegram', externalId: 'batch-new', name: 'Other channel' },
      { channel: 'api', externalId: 'batch-new', name: 'New' },
    ];
    const results = await resolveCustomers(store.db, store.provider, keys);
    expect(results[0]?.customer.id).toBe(known.customer.id);
    expect(results.map((r) => r.isNew)).toEqual([false, true, true, false]);
    expect(results[1]?.customer.id).toBe(results[3]?.customer.id);
    expect(results[1]?.customer.id).not.toBe(results[2]?.customer.id);
    expect(results[1]?.customer).toMatchObject({
      displayName: 'New',
      stage: 'prospect',
      optedOut: false,
      locale: null,
    });
  });

  it('refuses a second inbound interaction with the same platform message id on a channel', async () => {
    const { customer } = await resolveOne('api', 'dedupe');
    const conversation = await store.db.conversation.create({ data: { channel: 'api', chatId: 'dedupe' } });
    const rec = {
      customerId: customer.id,
      conversationId: conversation.id,
      channel: 'api',
      kind: 'message',
      text: 'hi',
      payload: null,
      platformMessageId: 'm-1',
      createdAt: new Date(),
    };
    const one = async (r: InboundRecord) => (await recordInboundBatch(store.db, store.provider, [r]))[0];
    const stored = await one(rec);
    expect(stored).toEqual({ id: expect.any(Number), redelivered: false });
    // Stored but not handled yet (its process may have died mid-turn): a repeat is owed its turn.
    expect(await one(rec)).toEqual({ id: stored?.id, redelivered: true });
    await store.db.interaction.update({ where: { id: stored?.id as number }, data: { handledAt: new Date() } });
    expect(await one(rec)).toBeNull();
    // The same id on another channel is another message.
    expect(await one({ ...rec, channel: 'telegram' })).not.toBeNull();
    // Messages without a platform id are never treated as repeats.
    expect(await one({ ...rec, platformMessageId: null })).not.toBeNull();
    expect(await one({ ...rec, platformMessageId: null })).not.toBeNull();
    // Two instances storing the same message at once: one wins.
    const raced = await Promise.all([
      one({ ...rec, platformMessageId: 'm-2' }),
      one({ ...rec, platformMessageId: 'm-2' }),
    ]);
    expect(raced.filter((r) => r?.redelivered === false)).toHaveLength(1);
    expect(await store.db.interaction.count({ where: { customerId: customer.id, direction: 'in' } })).toBe(5);
  });

  it('stores a batch of inbound messages, skipping repeats within the batch and from before', async () => {
    const { customer } = await resolveOne('api', 'batch');
    const rec = (platformMessageId: string | null, text: string) => ({
      customerId: customer.id,
      conversationId: null as unknown as string,
      channel: 'api',
      kind: 'message',
      text,
      payload: { n: text },
      platformMessageId,
      createdAt: new Date(),
    });
    const first = await recordInboundBatch(store.db, store.provider, [
      rec('b-1', 'one'),
      rec('b-2', 'two'),
      rec('b-1', 'again'),
    ]);
    expect(first.map((r) => r !== null)).toEqual([true, true, false]);
    await store.db.interaction.updateMany({ where: { customerId: customer.id }, data: { handledAt: new Date() } });
    const second = await recordInboundBatch(store.db, store.provider, [
      rec('b-2', 'late repeat'),
      rec(null, 'no id'),
      rec('b-3', 'three'),
    ]);
    expect(second.map((r) => r !== null)).toEqual([false, true, true]);
    const rows = await store.db.interaction.findMany({ where: { customerId: customer.id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.text)).toEqual(['one', 'two', 'no id', 'three']);
    expect(rows.map((r) => r.id)).toEqual([first[0]?.id, first[1]?.id, second[1]?.id, second[2]?.id]);
    expect(rows[0]?.payload).toEqual({ n: 'one' });
    expect(rows[0]?.createdAt).toBeInstanceOf(Date);
  });

  it('writes a turn in one transaction: all of it, or none of it', async () => {
    const { customer } = await resolveOne('api', 'turn');
    const turn = {
      inboundId: null,
      customerId: customer.id,
      conversationId: null,
      channel: 'api',
      chatId: 'turn',
      chatType: 'private' as const,
      replies: [{ text: 'one' }, { text: 'two', buttons: [{ label: 'Yes', payload: 'yes' }] }],
      events: [{ kind: 'opt_out' }],
      customerPatch: { optedOut: true },
      now: new Date(),
    };
    const {
      queued: [queued = []],
    } = await commitTurns(store.db, store.provider, [turn]);
    expect(queued.map((q) => q.text)).toEqual(['one', 'two']);
    expect(queued[1]?.buttons).toEqual([{ label: 'Yes', payload: 'yes' }]);
    expect(await store.db.outbox.count({ where: { chatId: 'turn' } })).toBe(2);
    expect(await store.db.interaction.count({ where: { customerId: customer.id } })).toBe(3);

    // The customer update fails (no such customer): the log and outbox rows roll back with it.
    await expect(
      commitTurns(store.db, store.provider, [turn, { ...turn, customerId: 'no-such-customer' }]),
    ).rejects.toThrow();
    expect(await store.db.outbox.count({ where: { chatId: 'turn' } })).toBe(2);
    expect(await store.db.interaction.count({ where: { channel: 'api', customerId: 'no-such-customer' } })).toBe(0);
  });

  it('commits one turn per inbound message: a second commit for it fails whole', async () => {
    const { customer } = await resolveOne('api', 'once');
    const message = {
      customerId: customer.id,
      conversationId: null as unknown as string,
      channel: 'api',
      kind: 'message',
      text: 'hello',
      payload: null,
      platformMessageId: 'once-1',
      createdAt: new Date(),
    };
    const [inbound] = await recordInboundBatch(store.db, store.provider, [message]);
    const turn = {
      inboundId: inbound?.id as number,
      customerId: customer.id,
      conversationId: null,
      channel: 'api',
      chatId: 'once',
      chatType: 'private' as const,
      replies: [{ text: 'answer' }],
      events: [{ kind: 'faq_answer' }],
      customerPatch: {},
      now: new Date(),
    };
    const [first, second] = await Promise.allSettled([
      commitTurns(store.db, store.provider, [turn]),
      commitTurns(store.db, store.provider, [turn]),
    ]);
    const outcomes = [first, second].map((r) => r.status);
    expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
    expect(await store.db.outbox.count({ where: { chatId: 'once' } })).toBe(1);
    expect(await store.db.interaction.count({ where: { customerId: customer.id, direction: 'out' } })).toBe(1);
    const row = await store.db.interaction.findUnique({ where: { id: inbound?.id as number } });
    expect(row?.handledAt).toBeInstanceOf(Date);
    expect(await isHandled(store.db, inbound?.id as number)).toBe(true);
    // A repeat of a handled message is a plain duplicate now.
    expect(await recordInboundBatch(store.db, store.provider, [message])).toEqual([null]);
  });

  it('lets only one of two instances claim a due outbox message', async () => {
    const { customer } = await resolveOne('race', 'r');
    await store.db.outbox.createMany({
      data: Array.from({ length: 20 }, (_, i) => ({
        channel: 'race',
        chatId: `chat-${i}`,
        customerId: customer.id,
        message: { text: `m${i}` },
      })),
    });
    const claim = (owner: string) =>
      claimDue(store.db, {
        provider: store.provider,
        owner,
        now: new Date(Date.now() + 1000),
        leaseMs: 60_000,
        limit: 100,
        channels: ['race'],
        busyChats: new Set(),
      });
    const [a, b] = await Promise.all([claim('instance-a'), claim('instance-b')]);
    const ids = [...a, ...b].map((r) => r.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });
});
