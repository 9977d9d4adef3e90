// The batched writes of the message path (PostgreSQL writes them as single statements over arrays,
// SQLite as a transaction of statements): both must store the same rows and return the same values.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConversationDirectory } from '../../src/store/conversations.js';
import { resolveCustomers } from '../../src/store/customers.js';
import { openStore, type Store } from '../../src/store/index.js';
import { commitTurns, LAST_SEEN_STEP_MS, recordInboundBatch, type TurnWrite } from '../../src/store/interactions.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

// Characters an array literal or JSON must carry through: quotes, commas, braces, backslashes, NULL-looking text.
const awkward = 'a "quoted", {braced} \\ back\\slash, NULL, 你好！😀\n\ttab';

describeOnEachDatabase('batched writes', (database) => {
  let store: Store;

  beforeAll(async () => {
    store = await openStore(database().url);
  });
  afterAll(async () => {
    await store?.close();
  });

  const customerOf = async (externalId: string, name?: string) => {
    const [resolved] = await resolveCustomers(store.db, store.provider, [{ channel: 'api', externalId, name }]);
    return (resolved as { customer: { id: string } }).customer.id;
  };

  it('resolves customers as the whole rows Prisma reads, for new and known accounts alike', async () => {
    const known = await customerOf('rows-known', 'Known');
    await store.db.customer.update({ where: { id: known }, data: { attributes: { vip: true }, locale: 'en' } });
    const results = await resolveCustomers(store.db, store.provider, [
      { channel: 'api', externalId: 'rows-known', name: 'Known' },
      { channel: 'api', externalId: 'rows-new', name: awkward },
    ]);
    expect(results.map((r) => r.isNew)).toEqual([false, true]);
    for (const { customer } of results) {
      expect(customer).toEqual(await store.db.customer.findUnique({ where: { id: customer.id } }));
    }
    expect(results[0]?.customer).toMatchObject({ attributes: { vip: true }, locale: 'en', optedOut: false });
    expect(results[1]?.customer.displayName).toBe(awkward);
    expect(results[1]?.customer.createdAt).toBeInstanceOf(Date);
    const identity = await store.db.channelIdentity.findUnique({
      where: { channel_externalId: { channel: 'api', externalId: 'rows-new' } },
    });
    expect(identity).toMatchObject({ customerId: results[1]?.customer.id, displayName: awkward });
  });

  it("creates a chat's conversation once, even for two instances at once, and finds those that exist", async () => {
    const existing = await store.db.conversation.create({
      data: { channel: 'api', chatId: 'chat-old', kind: 'private' },
    });
    const chats = [
      { channel: 'api', chatId: 'chat-old', kind: 'private' as const },
      { channel: 'api', chatId: 'chat-new', kind: 'private' as const },
      { channel: 'telegram', chatId: 'chat-group', kind: 'group' as const },
      { channel: 'api', chatId: 'chat-new', kind: 'private' as const },
    ];
    const instances = [1, 2, 3].map(() => new ConversationDirectory(store.db, store.provider));
    const results = await Promise.all(instances.map((d) => d.idsFor(chats)));
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    const [old, fresh, group, again] = results[0] as string[];
    expect(old).toBe(existing.id);
    expect(again).toBe(fresh);
    const rows = await store.db.conversation.findMany({
      where: { chatId: { in: ['chat-old', 'chat-new', 'chat-group'] } },
      orderBy: { chatId: 'asc' },
    });
    expect(rows.map((r) => [r.id, r.channel, r.chatId, r.kind])).toEqual([
      [group, 'telegram', 'chat-group', 'group'],
      [fresh, 'api', 'chat-new', 'private'],
      [old, 'api', 'chat-old', 'private'],
    ]);
  });

  it('stores inbound texts and payloads exactly, and returns their ids in batch order', async () => {
    const customerId = await customerOf('inbound-text');
    const at = new Date('2026-12-02T08:09:10.123Z');
    const rec = (platformMessageId: string | null, text: string | null, payload: Record<string, unknown> | null) => ({
      customerId,
      conversationId: null as unknown as string,
      channel: 'api',
      kind: 'message',
      text,
      payload,
      platformMessageId,
      createdAt: at,
    });
    const stored = await recordInboundBatch(store.db, store.provider, [
      rec('t-1', awkward, { button: awkward, nested: { list: [1, '{x}'] } }),
      rec(null, null, null),
      rec('t-3', '', { group: true }),
    ]);
    const ids = stored.map((s) => s?.id as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const rows = await store.db.interaction.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.text, r.payload, r.platformMessageId, r.direction, r.createdAt])).toEqual([
      [awkward, { button: awkward, nested: { list: [1, '{x}'] } }, 't-1', 'in', at],
      [null, null, null, 'in', at],
      ['', { group: true }, 't-3', 'in', at],
    ]);
  });

  it('commits turns: replies queued in order, events logged, each customer changed once with its later turns winning', async () => {
    const one = await customerOf('turns-one', 'One');
    const two = await customerOf('turns-two');
    await store.db.customer.update({
      where: { id: two },
      data: { locale: 'zh-CN', stage: 'customer', lastSeenAt: new Date('2026-12-02T07:00:00.000Z') },
    });
    const [first, second] = await recordInboundBatch(
      store.db,
      store.provider,
      ['turns-m1', 'turns-m2'].map((platformMessageId) => ({
        customerId: one,
        conversationId: null as unknown as string,
        channel: 'api',
        kind: 'message',
        text: 'hi',
        payload: null,
        platformMessageId,
        createdAt: new Date(),
      })),
    );
    const early = new Date('2026-12-02T08:00:00.000Z');
    const late = new Date('2026-12-02T08:00:05.000Z');
    const turn = (t: Partial<TurnWrite>): TurnWrite => ({
      inboundId: null,
      customerId: one,
      conversationId: null,
      channel: 'api',
      chatId: 'turns-one',
      chatType: 'private',
      replies: [],
      events: [],
      customerPatch: {},
      now: early,
      ...t,
    });
    const { queued } = await commitTurns(store.db, store.provider, [
      turn({
        inboundId: first?.id as number,
        replies: [{ text: awkward }, { text: 'pick', buttons: [{ label: 'Yes, "really"', payload: 'y' }] }],
        events: [{ kind: 'locale_changed', payload: { locale: 'en' } }],
        customerPatch: { locale: 'en', optedOut: true },
      }),
      turn({ customerId: two, chatId: 'turns-two', replies: [{ text: 'to two' }], now: late }),
      turn({
        inboundId: second?.id as number,
        replies: [{ text: 'third' }],
        events: [{ kind: 'opt_in', text: awkward }],
        // undefined leaves the locale alone; the later turn wins for optedOut.
        customerPatch: { optedOut: false, locale: undefined, displayName: null },
        now: late,
      }),
    ]);
    expect(queued.map((q) => q.map((m) => m.text))).toEqual([[awkward, 'pick'], ['to two'], ['third']]);
    const ids = queued.flat().map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(queued.flat().every((m) => m.createdAt instanceof Date)).toBe(true);

    const outbox = await store.db.outbox.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    expect(outbox.map((o) => [o.chatId, o.customerId, o.message, o.status, o.attempts])).toEqual([
      ['turns-one', one, { text: awkward }, 'pending', 0],
      ['turns-one', one, { text: 'pick', buttons: [{ label: 'Yes, "really"', payload: 'y' }] }, 'pending', 0],
      ['turns-two', two, { text: 'to two' }, 'pending', 0],
      ['turns-one', one, { text: 'third' }, 'pending', 0],
    ]);
    expect(outbox.map((o) => o.nextAttemptAt)).toEqual([early, early, late, late]);

    const logged = await store.db.interaction.findMany({
      where: { customerId: { in: [one, two] }, direction: { not: 'in' } },
      orderBy: { id: 'asc' },
      select: { customerId: true, direction: true, kind: true, text: true, payload: true },
    });
    expect(logged).toEqual([
      { customerId: one, direction: 'out', kind: 'message', text: awkward, payload: null },
      {
        customerId: one,
        direction: 'out',
        kind: 'message',
        text: 'pick',
        payload: { buttons: [{ label: 'Yes, "really"', payload: 'y' }] },
      },
      { customerId: one, direction: 'event', kind: 'locale_changed', text: null, payload: { locale: 'en' } },
      { customerId: two, direction: 'out', kind: 'message', text: 'to two', payload: null },
      { customerId: one, direction: 'out', kind: 'message', text: 'third', payload: null },
      { customerId: one, direction: 'event', kind: 'opt_in', text: awkward, payload: null },
    ]);
    const handled = await store.db.interaction.findMany({
      where: { id: { in: [first?.id as number, second?.id as number] } },
    });
    expect(handled.every((r) => r.handledAt instanceof Date)).toBe(true);

    const customers = await store.db.customer.findMany({ where: { id: { in: [one, two] } }, orderBy: { id: 'asc' } });
    const byId = new Map(customers.map((c) => [c.id, c]));
    expect(byId.get(one)).toMatchObject({ locale: 'en', optedOut: false, displayName: null, lastSeenAt: late });
    // A turn without changes touches lastSeenAt alone.
    expect(byId.get(two)).toMatchObject({ locale: 'zh-CN', stage: 'customer', optedOut: false, lastSeenAt: late });
  });

  it('commits a batch without replies, events or inbound messages', async () => {
    const customerId = await customerOf('turns-empty');
    const now = new Date('2026-12-02T09:00:00.000Z');
    const { queued } = await commitTurns(store.db, store.provider, [
      {
        inboundId: null,
        customerId,
        conversationId: null,
        channel: 'api',
        chatId: 'turns-empty',
        chatType: 'private',
        replies: [],
        events: [],
        customerPatch: { stage: 'loyal' },
        now,
      },
    ]);
    expect(queued).toEqual([[]]);
    expect(await store.db.customer.findUnique({ where: { id: customerId } })).toMatchObject({
      stage: 'loyal',
      lastSeenAt: now,
    });
  });

  const plainTurn = (customerId: string, chatId: string, now: Date, texts: string[] = []): TurnWrite => ({
    inboundId: null,
    customerId,
    conversationId: null,
    channel: 'api',
    chatId,
    chatType: 'private',
    replies: texts.map((text) => ({ text })),
    events: [],
    customerPatch: {},
    now,
  });

  it('moves lastSeenAt of a turn that changes nothing else only forward, and by a minute or more', async () => {
    const customerId = await customerOf('seen-step');
    const seen = new Date('2026-12-02T10:00:00.000Z');
    await store.db.customer.update({ where: { id: customerId }, data: { lastSeenAt: seen } });
    const lastSeen = async () => (await store.db.customer.findUnique({ where: { id: customerId } }))?.lastSeenAt;

    await commitTurns(store.db, store.provider, [
      plainTurn(customerId, 'seen-step', new Date(seen.getTime() + 30_000)),
    ]);
    expect(await lastSeen()).toEqual(seen);
    await commitTurns(store.db, store.provider, [
      plainTurn(customerId, 'seen-step', new Date(seen.getTime() - 3_600_000)),
    ]);
    expect(await lastSeen()).toEqual(seen);
    const later = new Date(seen.getTime() + LAST_SEEN_STEP_MS + 1);
    await commitTurns(store.db, store.provider, [plainTurn(customerId, 'seen-step', later)]);
    expect(await lastSeen()).toEqual(later);
  });

  it('claims replies for a lease where the chat has nothing open before them (PostgreSQL), never on SQLite', async () => {
    const customerId = await customerOf('claim-one');
    const other = await customerOf('claim-two');
    const now = new Date();
    const lease = { owner: 'instance-a', until: new Date(now.getTime() + 15_000), channels: ['api'] };
    // claim-two has an earlier message still open: its new reply must wait behind it.
    await store.db.outbox.create({
      data: {
        channel: 'api',
        chatId: 'claim-two',
        chatType: 'private',
        message: { text: 'earlier' },
        status: 'pending',
      },
    });
    const { queued, claimed } = await commitTurns(
      store.db,
      store.provider,
      [plainTurn(customerId, 'claim-one', now, ['a', 'b']), plainTurn(other, 'claim-two', now, ['c'])],
      lease,
    );
    const ids = queued.flat().map((m) => m.id);
    const rows = await store.db.outbox.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    if (store.provider === 'postgresql') {
      expect(claimed.map((c) => [c.id, c.chatId, c.message.text, c.customerId])).toEqual([
        [ids[0], 'claim-one', 'a', customerId],
        [ids[1], 'claim-one', 'b', customerId],
      ]);
      expect(rows.map((r) => [r.status, r.leaseOwner, r.nextAttemptAt])).toEqual([
        ['sending', 'instance-a', lease.until],
        ['sending', 'instance-a', lease.until],
        ['pending', null, now],
      ]);
    } else {
      expect(claimed).toEqual([]);
      expect(rows.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    }

    // claim-one now has open messages; a channel the lease does not serve is never claimed.
    const again = await commitTurns(
      store.db,
      store.provider,
      [
        plainTurn(customerId, 'claim-one', now, ['d']),
        { ...plainTurn(other, 'claim-3', now, ['e']), channel: 'telegram' },
      ],
      lease,
    );
    expect(again.claimed).toEqual([]);
  });
});
