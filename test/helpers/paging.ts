// Checks of cursor-paged admin lists: read every page with a small limit, with rows written
// between the page reads, and cursors that no list gave out.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { encodeCursor } from '../../src/http/paging.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Every page of a list, in order: `fetch(cursor)` reads one (no cursor for the first), and
 * `between(n)` runs after page n is read, before the next (to write rows meanwhile). Fails when a
 * page is longer than `limit` or the list never ends.
 */
export async function readAllPages<T>(
  limit: number,
  fetch: (cursor: string | undefined) => Promise<Page<T>>,
  between: (pageNumber: number) => Promise<void> = async () => {},
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 1; page <= 1000; page++) {
    const read = await fetch(cursor);
    expect(read.items.length).toBeLessThanOrEqual(limit);
    items.push(...read.items);
    if (read.nextCursor === null) return { items, pages: page };
    expect(read.items.length, 'a page before the last is full').toBe(limit);
    cursor = read.nextCursor;
    await between(page);
  }
  throw new Error('the list gave more than 1,000 pages');
}

/**
 * A list in (createdAt desc, id desc) order, read a page of `limit` at a time: it gives exactly
 * `expectedIds` (the rows when the first page was read), in that order, over more than one page,
 * although after each page `write(at)` adds a row newer than all (at `later`) and one at the
 * instant of the page's last row (a higher id: ahead of the cursor as well). Neither may show up
 * on a later page, nor shift a row out of it or into it twice.
 */
export async function expectNewestFirstPaging(o: {
  limit: number;
  read: (cursor: string | undefined) => Promise<Page<{ id: number; createdAt: string }>>;
  expectedIds: number[];
  write: (at: Date) => Promise<void>;
  later: Date;
}): Promise<void> {
  let last: { createdAt: string } | undefined;
  const { items, pages } = await readAllPages(
    o.limit,
    async (cursor) => {
      const page = await o.read(cursor);
      last = page.items.at(-1);
      return page;
    },
    async () => {
      await o.write(o.later);
      if (last) await o.write(new Date(last.createdAt));
    },
  );
  expect(pages).toBeGreaterThan(1);
  expect(items.map((r) => r.id)).toEqual(o.expectedIds);
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/**
 * Cursors no list gives out: not base64 JSON, the wrong shape, keys of the wrong kind, and keys
 * a database could not take (NUL in text, a year PostgreSQL cannot store, a float or huge id).
 */
export const forgedCursors: string[] = [
  'garbage',
  '!!!not-base64!!!',
  b64('{"id":5}'),
  b64('[]'),
  b64('[1,2,3,4,5,6,7]'),
  b64('["a","b","c","d","e"]'),
  encodeCursor([new Date('2026-07-01T00:00:00Z')]),
  b64(JSON.stringify([{ d: 'yesterday' }, 1.5, 'x', 'y'])),
  b64(JSON.stringify([{ d: '+099999-01-01T00:00:00.000Z' }, 7])),
  b64(JSON.stringify([{ d: '2026-07-01T00:00:00.000Z' }, 1.5])),
  b64(JSON.stringify([{ d: '2026-07-01T00:00:00.000Z' }, 1e20])),
  b64(JSON.stringify([1e20])),
  b64(JSON.stringify(['a\u0000b', 'x'])),
  b64(JSON.stringify([3, 'a\u0000b'])),
  b64(JSON.stringify([3, 'garbage'])),
];

/** Every forged cursor is a 400 BAD_REQUEST saying the cursor is not one the list gave out. */
export async function expectForgedCursorsRefused(
  get: (cursor: string) => Promise<LightMyRequestResponse>,
): Promise<void> {
  for (const cursor of forgedCursors) {
    const res = await get(cursor);
    expect(res.statusCode, `cursor ${cursor}`).toBe(400);
    expect(res.json().error, `cursor ${cursor}`).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/cursor/),
    });
  }
}

/** The OpenAPI document shows the list's `cursor` parameter and its response's `nextCursor`. */
export async function expectPagedInOpenApi(server: FastifyInstance, path: string): Promise<void> {
  const doc = (await server.inject('/api/openapi.json')).json();
  const get = doc.paths[path]?.get;
  expect(get, path).toBeDefined();
  expect(get.parameters, path).toEqual(
    expect.arrayContaining([expect.objectContaining({ name: 'cursor', in: 'query' })]),
  );
  const schema = get.responses['200'].content['application/json'].schema;
  expect(schema.properties.nextCursor, path).toMatchObject({ type: ['string', 'null'] });
}
