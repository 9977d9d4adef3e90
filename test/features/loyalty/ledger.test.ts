import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseBusinessConfig } from '../../../src/config.js';
import { InsufficientPoints } from '../../../src/features/loyalty/ledger.js';
import { Loyalty } from '../../../src/features/loyalty/service.js';
import { resolveCustomers } from '../../../src/store/customers.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { FakeClock } from '../../fakes/clock.js';
import { silentLogger } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

describeOnEachDatabase('points ledger', (database) => {
  let store: Store;
  const clock = new FakeClock(Date.parse('2026-01-10T04:00:00Z'));
  let loyalty: Loyalty;
  let seq = 0;

  beforeAll(async () => {
    store = await openStore(database().url);
    loyalty = new Loyalty(store.db, parseBusinessConfig('', 'test').loyalty, 'Asia/Shanghai', clock, silentLogger);
  });
  afterAll(async () => {
    await store?.close();
  });

  const newCustomer = async () => {
    const [r] = await resolveCustomers(store.db, store.provider, [
      { channel: 'api', externalId: `ledger-${++seq}`, name: undefined },
    ]);
    return (r as { customer: { id: string } }).customer.id;
  };
  const ledgerSum = async (customerId: string) =>
    (await store.db.pointsEntry.aggregate({ where: { customerId }, _sum: { delta: true } }))._sum.delta ?? 0;
  const balance = async (customerId: string) =>
    (await store.db.customer.findUniqueOrThrow({ where: { id: customerId } })).pointsBalance;

  it('counts an award once per idempotency key, even when the same event arrives at once', async () => {
    const id = await newCustomer();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => loyalty.award(id, 'feedback', 10, `feedback:${id}:1`)),
    );
    expect(results.filter((r) => r?.applied)).toHaveLength(1);
    expect(await balance(id)).toBe(10);
    expect(await store.db.pointsEntry.count({ where: { customerId: id } })).toBe(1);
    const again = await loyalty.award(id, 'feedback', 10, `feedback:${id}:1`);
    expect(again).toMatchObject({ applied: false, balance: 10 });
    // Every applied entry is logged as an interaction of the customer.
    expect(await store.db.interaction.count({ where: { customerId: id, kind: 'points' } })).toBe(1);
  });

  it('never overdraws: concurrent spends take what is there and refuse the rest, changing nothing', async () => {
    const id = await newCustomer();
    await loyalty.adjust(id, 100, 'opening balance', `open:${id}`, 'test');
    const spends = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => loyalty.adjust(id, -30, 'spend', `spend:${id}:${i}`, 'test')),
    );
    expect(spends.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
    const refused = spends.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(refused).toHaveLength(7);
    for (const r of refused) expect(r.reason).toBeInstanceOf(InsufficientPoints);
    expect(await balance(id)).toBe(10);
    expect(await ledgerSum(id)).toBe(10);
    expect(await store.db.pointsEntry.count({ where: { customerId: id } })).toBe(4);
  });

  it('keeps the cached balance equal to the ledger sum through a mix of changes', async () => {
    const id = await newCustomer();
    const ops = [50, 20, -30, 5, -45, 100, -1, 7, -60].map((delta, i) =>
      loyalty.adjust(id, delta, 'mix', `mix:${id}:${i}`, 'test').catch(() => null),
    );
    await Promise.all(ops);
    expect(await balance(id)).toBe(await ledgerSum(id));
    expect(await balance(id)).toBeGreaterThanOrEqual(0);
  });

  it('checks in once per calendar day in the business time zone', async () => {
    const id = await newCustomer();
    clock.current = Date.parse('2026-03-01T15:30:00Z'); // 23:30 in Shanghai
    expect((await loyalty.checkin(id)).outcome?.applied).toBe(true);
    clock.current = Date.parse('2026-03-01T15:50:00Z'); // 23:50, same day
    expect((await loyalty.checkin(id)).outcome?.applied).toBe(false);
    clock.current = Date.parse('2026-03-01T16:10:00Z'); // 00:10 on 2 March in Shanghai
    const next = await loyalty.checkin(id);
    expect(next.day).toBe('2026-03-02');
    expect(next.outcome?.applied).toBe(true);
    expect(await balance(id)).toBe(10);
  });

  it('awards a purchase once per order id and keeps the purchase totals on the customer', async () => {
    const id = await newCustomer();
    const first = await Promise.all([
      loyalty.purchase(id, { amount: 88.8, orderId: `order-${id}-1` }),
      loyalty.purchase(id, { amount: 88.8, orderId: `order-${id}-1` }),
    ]);
    expect(first.filter((p) => !p.duplicate)).toHaveLength(1);
    expect(await balance(id)).toBe(88);
    const early = new Date('2026-01-02T03:04:05.000Z');
    // An older purchase reported later: the first purchase moves back, the latest stays.
    await loyalty.purchase(id, { amount: 20, orderId: `order-${id}-2`, at: early });
    const totals = await store.db.customer.findUniqueOrThrow({
      where: { id },
      select: { purchaseCount: true, purchaseAmount: true, firstPurchaseAt: true, lastPurchaseAt: true },
    });
    expect(totals).toMatchObject({ purchaseCount: 2, firstPurchaseAt: early });
    expect(totals.purchaseAmount).toBeCloseTo(108.8);
    expect(totals.lastPurchaseAt?.getTime()).toBeGreaterThan(early.getTime());
    expect(await store.db.purchase.count({ where: { customerId: id } })).toBe(2);
    expect(await balance(id)).toBe(108);
  });

  it('spends the oldest points first and expires only what is left of a lot', async () => {
    const id = await newCustomer();
    clock.current = Date.parse('2026-01-15T02:00:00Z');
    await loyalty.award(id, 'purchase', 100, `lot-a:${id}`); // expires 2027-01-15
    clock.current = Date.parse('2026-03-15T02:00:00Z');
    await loyalty.award(id, 'purchase', 50, `lot-b:${id}`); // expires 2027-03-15
    await loyalty.adjust(id, -120, 'redemption', `spend:${id}`, 'test'); // all of A, 20 of B

    clock.current = Date.parse('2027-01-20T00:00:00Z'); // after A's expiry: nothing of A is left
    expect(await loyalty.expireDue({ customerIds: [id] })).toBe(0);
    let summary = await loyalty.summary(id);
    expect(summary.balance).toBe(30);
    clock.current = Date.parse('2027-02-20T00:00:00Z');
    expect((await loyalty.summary(id)).expiringIn30Days).toBe(30);

    clock.current = Date.parse('2027-03-16T00:00:00Z'); // after B's expiry: its 30 go
    expect(await loyalty.expireDue({ customerIds: [id] })).toBe(1);
    expect(await loyalty.expireDue({ customerIds: [id] })).toBe(0); // idempotent
    summary = await loyalty.summary(id);
    expect(summary.balance).toBe(0);
    const expiry = await store.db.pointsEntry.findFirstOrThrow({ where: { customerId: id, kind: 'expire' } });
    expect(expiry.delta).toBe(-30);
  });

  it('puts a customer in a tier by points earned in the last 12 months, not by balance', async () => {
    const id = await newCustomer();
    clock.current = Date.parse('2026-05-01T00:00:00Z');
    const small = await loyalty.award(id, 'purchase', 400, `t1:${id}`);
    expect(small?.tierReached).toBeUndefined();
    const big = await loyalty.award(id, 'purchase', 150, `t2:${id}`);
    expect(big?.tierReached?.id).toBe('silver');
    await loyalty.adjust(id, -500, 'redemption', `t3:${id}`, 'test');
    let summary = await loyalty.summary(id);
    expect(summary).toMatchObject({ balance: 50, tier: { id: 'silver' }, nextTier: { id: 'gold' }, toNextTier: 1450 });
    clock.current = Date.parse('2027-05-02T00:00:00Z'); // a year on, those points no longer count
    summary = await loyalty.summary(id);
    expect(summary.tier.id).toBe('bronze');
  });
});
