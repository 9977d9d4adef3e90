// Customer search at the store level, on both databases: names by any part (Chinese and English,
// the customer's own name and its channel accounts'), exact ids, the index kept in step with
// renames, merges and deletes, and cursor paging over the list order.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { searchCustomers } from '../../src/store/customer-search.js';
import { NAME_MAX, resolveCustomers } from '../../src/store/customers.js';
import { openStore, type Store } from '../../src/store/index.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

describeOnEachDatabase('customer search', (database) => {
  let store: Store;
  const ids = new Map<string, string>();

  /** A customer with one account (externalId = key) named `name`, seen at minute `minute`. */
  const customer = async (key: string, name: string | undefined, minute: number, channel = 'telegram') => {
    const [r] = await resolveCustomers(store.db, store.provider, [{ channel, externalId: key, name }]);
    const id = (r as { customer: { id: string } }).customer.id;
    await store.db.customer.update({ where: { id }, data: { lastSeenAt: new Date(Date.UTC(2026, 0, 1, 0, minute)) } });
    ids.set(key, id);
    return id;
  };
  const find = async (q: string, more: { limit?: number; channel?: string; cursor?: string } = {}) =>
    searchCustomers(store.reads, store.provider, { q, limit: more.limit ?? 50, ...more });
  const keysOf = (page: { customers: { id: string }[] }) =>
    page.customers.map((c) => [...ids].find(([, id]) => id === c.id)?.[0]);

  beforeAll(async () => {
    store = await openStore(database().url);
    await customer('zsf', '张三丰', 1);
    await customer('zw', '张伟', 2);
    await customer('wf', undefined, 3); // named only on its account, below
    await store.db.channelIdentity.update({
      where: { channel_externalId: { channel: 'telegram', externalId: 'wf' } },
      data: { displayName: '王芳' },
    });
    await customer('alice', 'Alice Smith', 4);
    await customer('mary', 'Mary-Ann O’Brien', 5, 'wechat');
    await customer('pct', '100% Real_Name', 6);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('finds Chinese names by any part, one character or more, and not by characters that are not next to each other', async () => {
    expect(keysOf(await find('张'))).toEqual(['zw', 'zsf']);
    expect(keysOf(await find('三丰'))).toEqual(['zsf']);
    expect(keysOf(await find('张三丰'))).toEqual(['zsf']);
    expect(keysOf(await find('丰'))).toEqual(['zsf']);
    expect(keysOf(await find('伟'))).toEqual(['zw']);
    expect(keysOf(await find('张丰'))).toEqual([]);
    expect(keysOf(await find('芳'))).toEqual(['wf']); // the account's name
  });

  it('finds English names by any part, in any case, across spaces and punctuation', async () => {
    expect(keysOf(await find('lic'))).toEqual(['alice']);
    expect(keysOf(await find('SMITH'))).toEqual(['alice']);
    expect(keysOf(await find('e s'))).toEqual(['alice']);
    expect(keysOf(await find('ann o’b'))).toEqual(['mary']);
    expect(keysOf(await find('a')).sort()).toEqual(['alice', 'mary', 'pct'].sort());
    expect(keysOf(await find('alicex'))).toEqual([]);
  });

  it('takes % and _ literally', async () => {
    expect(keysOf(await find('0%'))).toEqual(['pct']);
    expect(keysOf(await find('l_n'))).toEqual(['pct']);
    expect(keysOf(await find('%'))).toEqual(['pct']); // no letter or digit: found by walking the list
    expect(keysOf(await find('i_e'))).toEqual([]);
  });

  it('finds a customer id and an external id exactly, never by a part of one', async () => {
    const id = ids.get('alice') as string;
    expect(keysOf(await find(id))).toEqual(['alice']);
    expect(keysOf(await find(id.slice(0, 8)))).toEqual([]);
    expect(keysOf(await find('zsf'))).toEqual(['zsf']);
    expect(keysOf(await find('zs'))).toEqual([]);
    expect(keysOf(await find('mary', { channel: 'telegram' }))).toEqual([]);
    expect(keysOf(await find('mary', { channel: 'wechat' }))).toEqual(['mary']);
  });

  it('follows renames, merges and deletes', async () => {
    const id = await customer('rn', 'Old Name', 7);
    await store.db.customer.update({ where: { id }, data: { displayName: '新名字' } });
    expect(keysOf(await find('old name'))).toEqual(['rn']); // still its account's name
    await store.db.channelIdentity.updateMany({ where: { customerId: id }, data: { displayName: 'Renamed' } });
    expect(keysOf(await find('old name'))).toEqual([]);
    expect(keysOf(await find('renamed'))).toEqual(['rn']);
    expect(keysOf(await find('名字'))).toEqual(['rn']);

    // An account moved to another customer (a merge) is found with its new owner.
    const other = await customer('mv', '赵六', 8);
    await store.db.channelIdentity.update({
      where: { channel_externalId: { channel: 'telegram', externalId: 'mv' } },
      data: { customerId: id },
    });
    await store.db.customer.update({ where: { id: other }, data: { displayName: null } });
    expect((await find('赵六')).customers.map((c) => c.id)).toEqual([id]);

    await store.db.customer.delete({ where: { id } });
    expect((await find('赵六')).customers).toEqual([]);
    expect((await find('名字')).customers).toEqual([]);
  });

  it('pages by cursor in list order, each customer once, also while customers are added between pages', async () => {
    for (let i = 0; i < 7; i++) await customer(`page-${i}`, `Page Person ${i}`, 20 + i);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await find('page person', { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...(keysOf(page) as string[]));
      cursor = page.nextCursor ?? undefined;
      if (++pages === 1) await customer('page-late', 'Page Person late', 10); // seen earlier than the cursor: after it in the list
    } while (cursor);
    expect(seen).toEqual(['page-6', 'page-5', 'page-4', 'page-3', 'page-2', 'page-1', 'page-0', 'page-late']);
    expect(pages).toBe(3);

    // The list without a text pages the same way.
    const first = await searchCustomers(store.reads, store.provider, { limit: 2 });
    const second = await searchCustomers(store.reads, store.provider, { limit: 2, cursor: first.nextCursor as string });
    expect(keysOf(first)).toEqual(['page-6', 'page-5']);
    expect(keysOf(second)).toEqual(['page-4', 'page-3']);
  });

  it('pages through a name thousands of customers share (SQLite walks the list instead of sorting every match)', async () => {
    const total = 3100; // above customer-search.ts's WALK_ABOVE
    for (let i = 0; i < total; i += 500) {
      const keys = Array.from({ length: Math.min(500, total - i) }, (_, j) => ({
        channel: 'web',
        externalId: `common-${i + j}`,
        name: `Common Name ${i + j}`,
      }));
      await resolveCustomers(store.db, store.provider, keys); // a batch shares its lastSeenAt: ids break the ties
    }
    const expected = (
      await store.db.customer.findMany({
        where: { displayName: { startsWith: 'Common Name' } },
        orderBy: [{ lastSeenAt: 'desc' }, { id: 'desc' }],
        select: { id: true },
      })
    ).map((c) => c.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await find('mmon na', { limit: 400, ...(cursor ? { cursor } : {}) });
      seen.push(...page.customers.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(seen).toHaveLength(total);
    // An exact id is found alongside them.
    const exact = await find(expected[10] as string);
    expect(exact.customers.map((c) => c.id)).toEqual([expected[10]]);
  });

  it('refuses a cursor it did not give out', async () => {
    for (const cursor of [
      'garbage',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('{}').toString('base64url'),
    ]) {
      await expect(find('a', { cursor })).rejects.toThrow(AppError);
    }
  });

  it('indexes the names stored before the migration (its backfill)', async () => {
    if (store.provider !== 'sqlite') return; // PostgreSQL's index is an expression index over the table itself
    const dir = join('prisma', 'sqlite', 'migrations');
    const migration = readdirSync(dir).find((d) => d.endsWith('_customer_search')) as string;
    const sql = readFileSync(join(dir, migration, 'migration.sql'), 'utf8');
    const backfill = sql.slice(sql.indexOf('-- Names stored before this migration.'));
    await store.db.$executeRawUnsafe('DELETE FROM "NameSearch"');
    await store.db.$executeRawUnsafe('DELETE FROM "NameSearchKey"');
    expect(keysOf(await find('三丰'))).toEqual([]);
    for (const statement of backfill.split(';').filter((s) => s.replace(/--.*$/gm, '').trim())) {
      await store.db.$executeRawUnsafe(statement);
    }
    expect(keysOf(await find('三丰'))).toEqual(['zsf']);
    expect(keysOf(await find('芳'))).toEqual(['wf']);
  });

  it('stores a name of thousands of characters cut to NAME_MAX (the indexes hold names), and finds it', async () => {
    // A WeChat nickname has no length limit we know of; a B-tree entry on PostgreSQL holds ~2,700 bytes.
    const long = `${'长'.repeat(NAME_MAX - 1)}😀${'名'.repeat(5000)}`;
    const id = await customer('long', long, 7, 'wechat');
    const stored = await store.db.customer.findUniqueOrThrow({ where: { id }, include: { identities: true } });
    expect(stored.displayName).toBe(`${'长'.repeat(NAME_MAX - 1)}😀`); // never cut inside a character
    expect(stored.identities[0]?.displayName).toBe(stored.displayName);
    expect(keysOf(await find('长长'))).toEqual(['long']);
    expect(keysOf(await find('长'))).toEqual(['long']);
  });
});
