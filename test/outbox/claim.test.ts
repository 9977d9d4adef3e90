// The claim at a backlog larger than one claim (chat order, chats that must wait, two instances)
// and pruning of sent rows, on both databases.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type ClaimOptions, chatKey, claimDue, pruneSent } from '../../src/outbox/store.js';
import { openStore, type Store } from '../../src/store/index.js';
import { runJob, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

const CHANNEL = 'claims';
const DAY = 24 * 60 * 60_000;

interface Row {
  chatId: string;
  status?: 'pending' | 'sending' | 'sent' | 'failed';
  /** Milliseconds from now: due when ≤ 0. */
  dueIn?: number;
  leaseOwner?: string;
  sentDaysAgo?: number;
}

describeOnEachDatabase('outbox claims and pruning', (database) => {
  let store: Store;
  const now = new Date();
  beforeAll(async () => {
    store = await openStore(database().url);
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.db.outbox.deleteMany({});
  });

  /** Inserts the rows in this order (ids grow with it); returns their ids. */
  async function insert(rows: Row[]): Promise<number[]> {
    const created = await store.db.outbox.createManyAndReturn({
      data: rows.map((r, i) => ({
        channel: CHANNEL,
        chatId: r.chatId,
        message: { text: `${r.chatId} #${i}` },
        status: r.status ?? 'pending',
        nextAttemptAt: new Date(now.getTime() + (r.dueIn ?? -1000)),
        leaseOwner: r.leaseOwner ?? null,
        sentAt: r.sentDaysAgo === undefined ? null : new Date(now.getTime() - r.sentDaysAgo * DAY),
      })),
      select: { id: true },
    });
    return created.map((r) => r.id).sort((a, b) => a - b);
  }

  const claim = (options: Partial<ClaimOptions> = {}) =>
    claimDue(store.db, {
      provider: store.provider,
      owner: 'me',
      now,
      leaseMs: 60_000,
      limit: 10,
      channels: [CHANNEL],
      busyChats: new Set(),
      perChat: 3,
      ...options,
    });

  /** `count` rows of each chat, taking turns (c1, c2, …, c1, c2, …), all due. */
  const interleaved = (chats: string[], count: number): Row[] =>
    Array.from({ length: count }, () => chats.map((chatId) => ({ chatId }))).flat();

  it('claims beside 40,000 chats in flight (more than a statement may bind), leaving each of them out', async () => {
    const ids = await insert([{ chatId: 'busy-7' }, { chatId: 'free' }, { chatId: 'busy-39999' }]);
    const busyChats = new Set(Array.from({ length: 40_000 }, (_, i) => chatKey(CHANNEL, `busy-${i}`)));
    const claimed = await claim({ busyChats });
    expect(claimed.map((r) => r.id)).toEqual([ids[1]]);
  });

  it('passes chats that must wait, whose backlogs fill three claims, and takes the others oldest first', async () => {
    const backlog = (chatId: string) => Array.from({ length: 30 }, () => ({ chatId }));
    await insert([
      // Waits for its retry: nothing after it in its chat may go first.
      { chatId: 'retrying', dueIn: 60_000 },
      ...backlog('retrying'),
      // Another instance holds a lease on its first message.
      { chatId: 'leased', status: 'sending', dueIn: 30_000, leaseOwner: 'other' },
      ...backlog('leased'),
      // This instance is sending to it already.
      ...backlog('busy'),
    ]);
    const open = await insert(interleaved(['a', 'b', 'c', 'd'], 5));

    const first = await claim({ busyChats: new Set([chatKey(CHANNEL, 'busy')]) });
    // In id order, at most 3 per chat: the first three rounds of a, b, c, d, cut at 10.
    expect(first.map((r) => r.id)).toEqual(open.slice(0, 10));
    expect(first.map((r) => r.chatId)).toEqual(['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd', 'a', 'b']);
    const untouched = await store.db.outbox.count({
      where: { chatId: { in: ['retrying', 'leased', 'busy'] }, leaseOwner: 'me' },
    });
    expect(untouched).toBe(0);

    // Once they are sent, the next claim counts each chat's limit afresh and passes the busy one.
    await store.db.outbox.updateMany({
      where: { id: { in: first.map((r) => r.id) } },
      data: { status: 'sent', sentAt: now, leaseOwner: null },
    });
    const second = await claim({ busyChats: new Set(['a', 'busy'].map((c) => chatKey(CHANNEL, c))) });
    expect(second.map((r) => r.id)).toEqual([10, 11, 13, 14, 15, 17, 18, 19].map((i) => open[i]));
  });

  it('takes a chat whose lease ran out with its pending messages, in id order', async () => {
    const expired = { status: 'sending', dueIn: -5000, leaseOwner: 'crashed' } as const;
    const ids = await insert([
      // A full first page of "sending" rows that are not due: x's pending rows must not overtake x's expired one.
      { chatId: 'z', status: 'sending', dueIn: 30_000, leaseOwner: 'other' },
      { chatId: 'z', status: 'sending', dueIn: 30_000, leaseOwner: 'other' },
      { chatId: 'x', ...expired },
      { chatId: 'x' },
      { chatId: 'x', ...expired },
      { chatId: 'x' },
      { chatId: 'y' },
    ]);
    const claimed = await claim({ limit: 2, perChat: 10 });
    expect(claimed.map((r) => r.id)).toEqual([ids[2], ids[3]]);
    // x is leased now: another instance passes it and takes y.
    const other = await claim({ limit: 2, perChat: 10, owner: 'other-instance' });
    expect(other.map((r) => r.id)).toEqual([ids[6]]);
    // Once every lease ran out, everything is due again, oldest first.
    const later = await claim({ now: new Date(now.getTime() + 61_000), limit: 30, perChat: 30 });
    expect(later.map((r) => r.id)).toEqual(ids);
  });

  it("gives a chat's later messages back when another instance took an earlier one meanwhile", async () => {
    const ids = await insert([{ chatId: 'p' }, { chatId: 'p' }, { chatId: 'p' }, { chatId: 'q' }]);
    let other: Awaited<ReturnType<typeof claim>> = [];
    // Instance "a" claims p's first message after "b" read the chat and before "b" claims.
    const outbox = new Proxy(store.db.outbox, {
      get(target, prop) {
        if (prop === 'updateManyAndReturn') {
          return async (args: Parameters<typeof target.updateManyAndReturn>[0]) => {
            other = await claim({ owner: 'a', limit: 1 });
            return target.updateManyAndReturn(args);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const racing = new Proxy(store.db, {
      get: (target, prop) => (prop === 'outbox' ? outbox : Reflect.get(target, prop)),
    });
    const mine = await claimDue(racing, {
      provider: store.provider,
      owner: 'b',
      now,
      leaseMs: 60_000,
      limit: 10,
      channels: [CHANNEL],
      busyChats: new Set(),
    });
    expect(other.map((r) => r.id)).toEqual([ids[0]]);
    expect(mine.map((r) => r.id)).toEqual([ids[3]]);
    const given = await store.db.outbox.findMany({ where: { id: { in: ids.slice(1, 3) } } });
    expect(given.map((r) => [r.status, r.leaseOwner])).toEqual([
      ['pending', null],
      ['pending', null],
    ]);
  });

  it('prunes only sent rows older than the cut, in batches', async () => {
    const ids = await insert([
      { chatId: 'old', status: 'sent', sentDaysAgo: 40 },
      { chatId: 'old', status: 'sent', sentDaysAgo: 31 },
      { chatId: 'old', status: 'sent', sentDaysAgo: 30.5 },
      { chatId: 'recent', status: 'sent', sentDaysAgo: 29 },
      { chatId: 'recent', status: 'sent', sentDaysAgo: 0 },
      { chatId: 'waiting', status: 'pending' },
      { chatId: 'waiting', status: 'pending', dueIn: 60_000 },
      { chatId: 'out', status: 'sending', dueIn: 10_000, leaseOwner: 'other' },
      { chatId: 'given-up', status: 'failed' },
    ]);
    // Batches of 2: three old rows take two deletes.
    expect(await pruneSent(store.db, new Date(now.getTime() - 30 * DAY), 2)).toBe(3);
    const left = await store.db.outbox.findMany({ orderBy: { id: 'asc' }, select: { id: true } });
    expect(left.map((r) => r.id)).toEqual(ids.slice(3));
    expect(await pruneSent(store.db, new Date(now.getTime() - 30 * DAY), 2)).toBe(0);
  });

  it('runs as the daily outbox-prune job, keeping outbox.retainDays', async () => {
    // The app migrates its database at start: on SQLite no other connection may have written to it.
    await store.close();
    const app: App = await testApp(database().url, { yaml: 'outbox: { retainDays: 7 }' });
    store = app.store;
    try {
      expect(app.jobs.jobs.find((j) => j.name === 'outbox-prune')?.schedule).toBe('45 3 * * *');
      await insert([
        { chatId: 'j', status: 'sent', sentDaysAgo: 8 },
        { chatId: 'j', status: 'sent', sentDaysAgo: 6 },
        { chatId: 'j', status: 'failed', sentDaysAgo: 8 },
        { chatId: 'j', status: 'pending' },
      ]);
      expect(await runJob(app, 'outbox-prune')).toBe(1);
      const left = await store.db.outbox.findMany({ orderBy: { id: 'asc' }, select: { status: true } });
      expect(left.map((r) => r.status)).toEqual(['sent', 'failed', 'pending']);
    } finally {
      await app.stop();
      store = await openStore(database().url);
    }
  });
});
