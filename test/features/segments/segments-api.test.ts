// The segments admin API: saving, listing, reading and deleting segments, previews, the customer
// list of a segment page by page, refusals naming the mistake, staff tags on the profile and
// through a merge. On SQLite and PostgreSQL.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';
import { expectForgedCursorsRefused, expectPagedInOpenApi, readAllPages } from '../../helpers/paging.js';

const NOW = Date.parse('2026-07-01T02:00:00Z');
const MINUTE = 60_000;

describeOnEachDatabase('segments admin API', (database) => {
  let app: App;
  const clock = new FakeClock(NOW);
  let seq = 0;

  beforeAll(async () => {
    app = await testApp(database().url, { clock });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    app.server.inject({
      method,
      url,
      headers: admin,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  /** A new customer through the API channel; its id. */
  async function newCustomer(name: string): Promise<string> {
    const user = `${name}-${++seq}`;
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: user, name }, text: '/start' },
    });
    expect(res.statusCode, res.body).toBe(200);
    return (await call('GET', `/api/v1/customers?channel=api&externalId=${user}`)).json().customers[0].id;
  }

  const tag = async (id: string, tags: string[]) => {
    const res = await call('POST', `/api/v1/customers/${id}/tags`, { tags });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().tags as string[];
  };
  const byTag = (value: string) => ({ field: 'tags', op: 'eq', value });

  it('saves, lists, reads and deletes segments; a name is used once', async () => {
    const a = await newCustomer('crud');
    await tag(a, ['crud']);
    const rules = { all: [byTag('crud'), { field: 'lastSeenAt', op: 'gte', value: { daysAgo: 7 } }] };
    const created = await call('POST', '/api/v1/segments', { name: ' Recent crud ', rules });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    expect(id).toEqual(expect.any(String));

    const again = await call('POST', '/api/v1/segments', { name: 'Recent crud', rules: { any: [] } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toEqual({ code: 'CONFLICT', message: 'a segment is named "Recent crud" already' });

    const one = await call('GET', `/api/v1/segments/${id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual({
      id,
      name: 'Recent crud',
      rules,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      count: 1,
    });

    const other = (await call('POST', '/api/v1/segments', { name: 'A nobody', rules: { any: [] } })).json().id;
    const list = await call('GET', '/api/v1/segments');
    expect(list.json().segments.map((s: { name: string }) => s.name)).toEqual(['A nobody', 'Recent crud']);
    expect(list.json().segments[0]).not.toHaveProperty('count');
    const counted = await call('GET', '/api/v1/segments?count=true');
    expect(counted.json().segments.map((s: { id: string; count: number }) => [s.id, s.count])).toEqual([
      [other, 0],
      [id, 1],
    ]);

    // Rules move with the clock: a week later the customer is no longer recent.
    clock.advance(8 * 24 * 60 * MINUTE);
    try {
      expect((await call('GET', `/api/v1/segments/${id}`)).json().count).toBe(0);
    } finally {
      clock.current = NOW;
    }

    expect((await call('DELETE', `/api/v1/segments/${id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/segments/${id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/segments/${id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/segments/${other}`)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/segments')).json().segments).toEqual([]);
  });

  it('refuses rules that do not hold with a 400 naming the mistake, and saves nothing', async () => {
    const refusals: [unknown, string][] = [
      [
        { all: [byTag('x'), { field: 'colour', op: 'eq', value: 'red' }] },
        'rules.all[1].field: unknown field "colour"',
      ],
      [{ any: [{ field: 'points', op: 'like', value: 1 }] }, 'rules.any[0].op: unknown op "like"'],
      [{ field: 'stage', op: 'gt', value: 'new' }, 'rules.op: stage does not take "gt" (it takes eq, ne, in, nin)'],
      [{ not: { field: 'points', op: 'gt', value: 'many' } }, 'rules.not.value: points takes a whole number'],
      [
        { field: 'tier', op: 'eq', value: 'platinum' },
        'rules.value: "platinum" is not a tier (tiers: bronze, silver, gold)',
      ],
      [
        Array.from({ length: 11 }).reduce<object>((r) => ({ not: r }), byTag('x')),
        `rules${'.not'.repeat(10)}: rules nest deeper than 10 levels`,
      ],
      [{ any: Array.from({ length: 200 }, () => byTag('x')) }, 'rules.any[199]: more than 200 rules and conditions'],
      ['everyone', 'body: rules must be object'],
    ];
    for (const [rules, message] of refusals) {
      for (const [url, body] of [
        ['/api/v1/segments', { name: `bad ${++seq}`, rules }],
        ['/api/v1/segments/preview', { rules }],
      ] as const) {
        const res = await call('POST', url, body);
        expect(res.statusCode, `${url} ${JSON.stringify(rules)}`).toBe(400);
        expect(res.json().error.code).toBe('BAD_REQUEST');
        expect(res.json().error.message).toContain(message);
      }
    }
    expect((await call('POST', '/api/v1/segments', { name: '  ', rules: { any: [] } })).statusCode).toBe(400);
    expect((await call('GET', '/api/v1/segments')).json().segments).toEqual([]);
  });

  it('previews the count and up to 10 of the customers, most recently seen first, as the customer list shows them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await newCustomer(`preview${i}`));
    for (const [i, id] of ids.entries()) {
      await tag(id, ['preview']);
      await app.store.db.customer.update({ where: { id }, data: { lastSeenAt: new Date(NOW - i * MINUTE) } });
    }
    const res = await call('POST', '/api/v1/segments/preview', { rules: byTag('preview') });
    expect(res.statusCode, res.body).toBe(200);
    const { count, sample } = res.json();
    expect(count).toBe(12);
    // Any 10 of the 12 (whichever the database finds first), in the list's order.
    const positions = sample.map((c: { id: string }) => ids.indexOf(c.id));
    expect(positions).toHaveLength(10);
    expect(positions.every((p: number) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const first = ids[positions[0]] as string;
    const listed = (await call('GET', `/api/v1/customers?q=${first}`)).json().customers[0];
    expect(sample[0]).toEqual(listed);
    expect(sample[0]).toMatchObject({
      displayName: `preview${positions[0]}`,
      stage: 'prospect',
      identities: [{ channel: 'api' }],
    });

    const none = await call('POST', '/api/v1/segments/preview', {
      rules: { all: [byTag('preview'), { field: 'optedOut', op: 'eq', value: true }] },
    });
    expect(none.json()).toEqual({ count: 0, sample: [] });
  });

  it('lists the customers of a segment page by page, in the customer list order, by cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await newCustomer(`paged${i}`));
    const seen = [0, 1, 2, 2, 3, 4, 5]; // minutes ago; two at the same instant (id breaks the tie)
    for (const [i, id] of ids.entries()) {
      await app.store.db.customer.update({
        where: { id },
        data: { lastSeenAt: new Date(NOW - (seen[i] as number) * MINUTE), pointsBalance: i === 4 ? 0 : 600 },
      });
      await tag(id, ['paged']);
    }
    const segment = (
      await call('POST', '/api/v1/segments', {
        name: 'Paged silver',
        rules: { all: [byTag('paged'), { field: 'tier', op: 'gte', value: 'silver' }] },
      })
    ).json().id;
    const members = ids.filter((_, i) => i !== 4);
    const order = (
      await app.store.db.customer.findMany({
        where: { id: { in: members } },
        orderBy: [{ lastSeenAt: 'desc' }, { id: 'desc' }],
        select: { id: true },
      })
    ).map((c) => c.id);

    const { items, pages } = await readAllPages(2, async (cursor) => {
      const res = await call('GET', `/api/v1/customers?segment=${segment}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      return { items: res.json().customers as { id: string }[], nextCursor: res.json().nextCursor };
    });
    expect(pages).toBe(3);
    expect(items.map((c) => c.id)).toEqual(order);

    // The other filters still apply within the segment.
    const one = await call('GET', `/api/v1/customers?segment=${segment}&q=paged3`);
    expect(one.json().customers.map((c: { id: string }) => c.id)).toEqual([ids[3]]);
    const outside = await call('GET', `/api/v1/customers?segment=${segment}&q=paged4`);
    expect(outside.json().customers).toEqual([]);

    const unknown = await call('GET', '/api/v1/customers?segment=no-such-segment');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toEqual({ code: 'NOT_FOUND', message: 'no segment no-such-segment' });
    await expectForgedCursorsRefused((cursor) => call('GET', `/api/v1/customers?segment=${segment}&cursor=${cursor}`));
  });

  it('tags customers (trimmed, once each), takes tags off, and shows them on the profile', async () => {
    const id = await newCustomer('tagged');
    expect(await tag(id, [' vip ', 'vip', '批发'])).toEqual(['vip', '批发']);
    expect(await tag(id, ['vip', 'early'])).toEqual(['early', 'vip', '批发']);
    const profile = await call('GET', `/api/v1/customers/${id}`);
    expect(profile.json().tags).toEqual(['early', 'vip', '批发']);

    const removed = await call('DELETE', `/api/v1/customers/${id}/tags/${encodeURIComponent('批发')}`);
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toEqual({ tags: ['early', 'vip'] });
    expect((await call('DELETE', `/api/v1/customers/${id}/tags/absent`)).json()).toEqual({ tags: ['early', 'vip'] });

    for (const [tags, message] of [
      [[], 'body: tags must NOT have fewer than 1 items'],
      [['ok', '   '], 'body: tags/1 must not be blank'],
      [['x'.repeat(51)], 'body: tags/0 must NOT have more than 50 characters'],
      [Array.from({ length: 21 }, (_, i) => `t${i}`), 'body: tags must NOT have more than 20 items'],
      [[5], 'body: tags/0 must be string'],
    ] as const) {
      const res = await call('POST', `/api/v1/customers/${id}/tags`, { tags });
      expect(res.statusCode, JSON.stringify(tags)).toBe(400);
      expect(res.json().error.message).toBe(message);
    }
    expect((await call('POST', '/api/v1/customers/nobody/tags', { tags: ['vip'] })).statusCode).toBe(404);
    expect((await call('DELETE', '/api/v1/customers/nobody/tags/vip')).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/customers/${id}`)).json().tags).toEqual(['early', 'vip']);
  });

  it('keeps both customers’ tags through a merge, each once', async () => {
    const survivor = await newCustomer('survivor');
    const absorbed = await newCustomer('absorbed');
    await tag(survivor, ['mine', 'shared']);
    await tag(absorbed, ['shared', 'theirs']);
    const merged = await call('POST', `/api/v1/customers/${survivor}/merge`, { otherId: absorbed });
    expect(merged.statusCode, merged.body).toBe(200);
    expect((await call('GET', `/api/v1/customers/${survivor}`)).json().tags).toEqual(['mine', 'shared', 'theirs']);
    expect(await app.store.db.customerTag.count({ where: { customerId: absorbed } })).toBe(0);
    const segment = await call('POST', '/api/v1/segments/preview', { rules: byTag('theirs') });
    expect(segment.json().sample.map((c: { id: string }) => c.id)).toEqual([survivor]);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await app.server.inject('/api/openapi.json')).json();
    for (const [path, method] of [
      ['/api/v1/segments', 'post'],
      ['/api/v1/segments', 'get'],
      ['/api/v1/segments/{id}', 'get'],
      ['/api/v1/segments/{id}', 'delete'],
      ['/api/v1/segments/preview', 'post'],
      ['/api/v1/customers/{id}/tags', 'post'],
      ['/api/v1/customers/{id}/tags/{tag}', 'delete'],
    ] as const) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.tags).toEqual(['Segments']);
      expect(op.summary).toEqual(expect.any(String));
      expect(op.security).toEqual([{ adminToken: [] }]);
    }
    const list = doc.paths['/api/v1/customers'].get;
    expect(list.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'segment', in: 'query' })]),
    );
    await expectPagedInOpenApi(app.server, '/api/v1/customers');
  });
});
