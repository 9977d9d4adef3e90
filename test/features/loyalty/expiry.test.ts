// The points-expiry job: it selects only lots due and not yet dealt with, marks them in the same
// transaction as their expiry entries, and expires each lot once when runs overlap.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseBusinessConfig } from '../../../src/config.js';
import { appendInTx, InsufficientPoints } from '../../../src/features/loyalty/ledger.js';
import { Loyalty } from '../../../src/features/loyalty/service.js';
import { resolveCustomers } from '../../../src/store/customers.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { FakeClock } from '../../fakes/clock.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const AWARDED = Date.parse('2026-01-15T02:00:00Z'); // these lots expire 2027-01-15
const LATER = Date.parse('2026-06-15T02:00:00Z'); // these on 2027-06-15
const EXPIRY_RUN = Date.parse('2027-01-20T00:00:00Z');
const DAY = 86_400_000;

/** A logger that keeps its lines (pino's JSON) for the test to read. */
function capturingLogger() {
  const lines: { level: number; customerId?: string; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, next) {
      lines.push(JSON.parse(String(chunk)));
      next();
    },
  });
  return { logger: pino(sink), lines };
}

describeOnEachDatabase('points expiry job', (database, provider) => {
  let store: Store;
  /** A second client of the same database, as another instance has (PostgreSQL only, see beforeAll). */
  let other: Store | undefined;
  const clock = new FakeClock(AWARDED);
  const settings = parseBusinessConfig('', 'test').loyalty;
  let loyalty: Loyalty;
  let otherInstance: Loyalty;
  let seq = 0;
  /** What both instances log: a run that meets another must not fail a customer. */
  const log = capturingLogger();

  beforeAll(async () => {
    store = await openStore(database().url);
    loyalty = new Loyalty(store.db, settings, 'Asia/Shanghai', clock, log.logger);
    // SQLite is one instance per file (a second one refuses to start), so there the other run
    // shares the client; on PostgreSQL it has its own connections, as a second instance would.
    if (provider.name === 'postgresql') other = await openStore(database().url);
    otherInstance = new Loyalty((other ?? store).db, settings, 'Asia/Shanghai', clock, log.logger);
  });
  afterAll(async () => {
    await other?.close();
    await store?.close();
  });

  const newCustomer = async () => {
    const [r] = await resolveCustomers(store.db, store.provider, [
      { channel: 'api', externalId: `expiry-${++seq}`, name: undefined },
    ]);
    return (r as { customer: { id: string } }).customer.id;
  };
  const awardAt = async (at: number, id: string, points: number, key: string) => {
    clock.current = at;
    const outcome = await loyalty.award(id, 'purchase', points, key);
    return outcome?.entry.id ?? Number.NaN;
  };
  const balance = async (id: string) => (await store.db.customer.findUniqueOrThrow({ where: { id } })).pointsBalance;
  const ledgerSum = async (id: string) =>
    (await store.db.pointsEntry.aggregate({ where: { customerId: id }, _sum: { delta: true } }))._sum.delta ?? 0;
  const expiries = (id: string) =>
    store.db.pointsEntry.findMany({ where: { customerId: id, kind: 'expire' }, orderBy: { id: 'asc' } });
  const done = async (entryId: number) =>
    (await store.db.pointsEntry.findUniqueOrThrow({ where: { id: entryId } })).expiryDone;

  it('expires each lot once when runs overlap, a page at a time, with the balances right', async () => {
    const customers: { id: string; expected: [number, string][]; dueLots: number[]; later: number }[] = [];
    for (let i = 0; i < 23; i++) {
      const id = await newCustomer();
      const first = await awardAt(AWARDED, id, 100, `overlap-a:${id}`);
      // A third of them have a second lot due a day later: their lots fall on different pages.
      const second = i % 3 ? undefined : await awardAt(AWARDED + DAY, id, 30, `overlap-a2:${id}`);
      // More than the due lots: a second run's expiry would not be refused for want of points.
      const later = await awardAt(LATER, id, 500, `overlap-b:${id}`);
      // Every other customer spent 30 of the oldest lot first: only 70 of it are left to expire.
      if (i % 2) await loyalty.adjust(id, -30, 'redemption', `overlap-spend:${id}`, 'test');
      const expected: [number, string][] = [[i % 2 ? -70 : -100, `expire:${first}`]];
      if (second) expected.push([-30, `expire:${second}`]);
      customers.push({ id, expected, dueLots: second ? [first, second] : [first], later });
    }
    const scope = { customerIds: customers.map((c) => c.id), pageSize: 5 };
    clock.current = EXPIRY_RUN;

    // Two instances, and one of them twice (the schedule and a manual run), at once.
    const runs = await Promise.all([
      loyalty.expireDue(scope),
      otherInstance.expireDue(scope),
      loyalty.expireDue(scope),
    ]);

    expect(log.lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(runs.reduce((a, b) => a + b, 0)).toBe(23 + 8);
    for (const c of customers) {
      const written = await expiries(c.id);
      expect(written.map((e) => [e.delta, e.idempotencyKey])).toEqual(c.expected);
      expect(await balance(c.id)).toBe(500); // the later lot's
      expect(await ledgerSum(c.id)).toBe(500);
      for (const lot of c.dueLots) expect(await done(lot)).toBe(true);
      expect(await done(c.later)).toBe(false); // not due yet
    }
    expect(await loyalty.dueLots(new Date(EXPIRY_RUN), { limit: 100, ...scope })).toEqual([]);
    expect(await loyalty.expireDue(scope)).toBe(0);
  });

  it('marks a lot spent before its expiry without an entry; the next run selects and writes nothing', async () => {
    const id = await newCustomer();
    const spent = await awardAt(AWARDED, id, 100, `spent-a:${id}`);
    await loyalty.adjust(id, -100, 'redemption', `spent-spend:${id}`, 'test');
    const later = await awardAt(LATER, id, 20, `spent-b:${id}`);
    clock.current = EXPIRY_RUN;
    const scope = { customerIds: [id] };

    expect((await loyalty.dueLots(new Date(EXPIRY_RUN), { limit: 10, ...scope })).map((l) => l.id)).toEqual([spent]);
    expect(await loyalty.expireDue(scope)).toBe(0);
    expect(await done(spent)).toBe(true);
    expect(await done(later)).toBe(false);
    expect(await expiries(id)).toHaveLength(0);
    const entries = await store.db.pointsEntry.count({ where: { customerId: id } });

    expect(await loyalty.dueLots(new Date(EXPIRY_RUN), { limit: 10, ...scope })).toEqual([]);
    expect(await loyalty.expireDue(scope)).toBe(0);
    expect(await store.db.pointsEntry.count({ where: { customerId: id } })).toBe(entries);
    expect(await balance(id)).toBe(20);
  });

  it('marks a lot an earlier version already expired (its entry exists, the lot unmarked) and does not expire it again', async () => {
    const id = await newCustomer();
    const lot = await awardAt(AWARDED, id, 100, `legacy-a:${id}`);
    const kept = await awardAt(LATER, id, 40, `legacy-b:${id}`);
    // What the job wrote before lots were marked: the expiry entry, the balance moved, no flag.
    await store.db.pointsEntry.create({
      data: {
        customerId: id,
        kind: 'expire',
        delta: -100,
        reason: 'expiry',
        idempotencyKey: `expire:${lot}`,
        meta: { lotEntryId: lot },
        createdAt: new Date(Date.parse('2027-01-16T00:00:00Z')),
      },
    });
    await store.db.customer.update({ where: { id }, data: { pointsBalance: 40 } });
    expect(await done(lot)).toBe(false);
    clock.current = EXPIRY_RUN;

    expect(await loyalty.expireDue({ customerIds: [id] })).toBe(0);
    expect(await done(lot)).toBe(true);
    expect(await done(kept)).toBe(false);
    expect(await expiries(id)).toHaveLength(1);
    expect(await balance(id)).toBe(40);
    expect(await ledgerSum(id)).toBe(40);
  });

  it('answers a repeated key as a repeat, not as a shortage, even at a zero balance', async () => {
    const id = await newCustomer();
    clock.current = AWARDED;
    await loyalty.adjust(id, 100, 'opening', `dup-open:${id}`, 'test');
    const first = await loyalty.adjust(id, -100, 'redemption', `dup-spend:${id}`, 'test');
    expect(first).toMatchObject({ applied: true, balance: 0 });

    const again = await loyalty.adjust(id, -100, 'redemption', `dup-spend:${id}`, 'test');
    expect(again).toMatchObject({ applied: false, balance: 0, entry: { id: first.entry.id, delta: -100 } });
    const inTx = await store.db.$transaction((tx) =>
      appendInTx(tx, {
        customerId: id,
        kind: 'spend',
        delta: -100,
        reason: 'redemption',
        idempotencyKey: `dup-spend:${id}`,
        at: new Date(AWARDED),
      }),
    );
    expect(inTx).toMatchObject({ applied: false, balance: 0, entry: { id: first.entry.id } });
    // A repeated award inside a caller's transaction leaves that transaction usable.
    const repeatedAward = await store.db.$transaction(async (tx) => {
      const award = { customerId: id, kind: 'adjust' as const, delta: 100, reason: 'opening', at: new Date(AWARDED) };
      const result = await appendInTx(tx, { ...award, idempotencyKey: `dup-open:${id}` });
      await tx.customer.update({ where: { id }, data: { displayName: 'after the repeat' } });
      return result;
    });
    expect(repeatedAward).toMatchObject({ applied: false, balance: 0 });
    expect((await store.db.customer.findUniqueOrThrow({ where: { id } })).displayName).toBe('after the repeat');
    // A new key is a real shortage.
    await expect(loyalty.adjust(id, -1, 'redemption', `dup-other:${id}`, 'test')).rejects.toBeInstanceOf(
      InsufficientPoints,
    );
    expect(await store.db.pointsEntry.count({ where: { customerId: id } })).toBe(2);
    expect(await balance(id)).toBe(0);
  });

  it('logs a customer that fails and goes on with the others', async () => {
    const ids: string[] = [];
    const lots: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await newCustomer();
      ids.push(id);
      lots.push(await awardAt(AWARDED, id, 60, `fail-a:${id}`));
    }
    // A cached balance below what the ledger says is left (damaged data): that expiry is refused.
    const broken = ids[2] as string;
    await store.db.customer.update({ where: { id: broken }, data: { pointsBalance: 10 } });
    const { logger, lines } = capturingLogger();
    const logged = new Loyalty(store.db, settings, 'Asia/Shanghai', clock, logger);
    clock.current = EXPIRY_RUN;

    expect(await logged.expireDue({ customerIds: ids, pageSize: 2 })).toBe(4);
    for (const [i, id] of ids.entries()) {
      expect(await done(lots[i] as number)).toBe(id !== broken);
      expect(await expiries(id)).toHaveLength(id === broken ? 0 : 1);
      expect(await balance(id)).toBe(id === broken ? 10 : 0);
    }
    expect(lines.filter((l) => l.level === 50).map((l) => l.customerId)).toEqual([broken]);
    // Still due: the next run tries it again.
    const stillDue = await loyalty.dueLots(new Date(EXPIRY_RUN), { limit: 10, customerIds: ids });
    expect(stillDue.map((l) => [l.customerId, l.id])).toEqual([[broken, lots[2]]]);
  });
});
