// Hostile and malformed input on every route: strict dates, numeric ids in range, literal LIKE
// wildcards in searches, and Fastify's and Node's own errors in the documented error shape.
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { parseDate, parseDateTime, startOfDay } from '../../src/http/formats.js';
import { admin, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };

describe('date formats', () => {
  it('reads RFC 3339 date-times with their time zone, and nothing else', () => {
    expect(parseDateTime('2026-07-01T09:30:00+08:00')?.toISOString()).toBe('2026-07-01T01:30:00.000Z');
    expect(parseDateTime('2026-07-01T01:30:00.123456Z')?.toISOString()).toBe('2026-07-01T01:30:00.123Z');
    expect(parseDateTime('2024-02-29T23:59:59-05:30')?.toISOString()).toBe('2024-03-01T05:29:59.000Z');
    for (const bad of [
      '1',
      '2026',
      '2026-07-01',
      '2026-07-01T09:30:00', // no time zone: which one?
      '2026-07-01 09:30:00Z',
      '2026-02-30T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-07-01T24:00:00Z',
      '2026-07-01T09:60:00Z',
      '2026-07-01T09:30:00+24:00',
      'Wed, 01 Jul 2026 09:30:00 GMT',
      '2026-07-01T09:30Z',
      '+002026-07-01T09:30:00Z',
    ]) {
      expect(parseDateTime(bad), bad).toBeUndefined();
    }
  });

  it('reads dates, and a date starts at midnight in the business time zone', () => {
    expect(parseDate('2026-07-01')).toEqual([2026, 7, 1]);
    for (const bad of ['2026-7-1', '2026-02-29', '20260701', '1', '2026-07-01T00:00:00Z']) {
      expect(parseDate(bad), bad).toBeUndefined();
    }
    expect(startOfDay([2026, 7, 1], 'Asia/Shanghai').toISOString()).toBe('2026-06-30T16:00:00.000Z');
    expect(startOfDay([2026, 7, 1], 'UTC').toISOString()).toBe('2026-07-01T00:00:00.000Z');
    // Daylight saving: New York is UTC-5 in winter and UTC-4 from 8 March 2026.
    expect(startOfDay([2026, 1, 15], 'America/New_York').toISOString()).toBe('2026-01-15T05:00:00.000Z');
    expect(startOfDay([2026, 3, 8], 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(startOfDay([2026, 3, 9], 'America/New_York').toISOString()).toBe('2026-03-09T04:00:00.000Z');
  });
});

describeOnEachDatabase('hostile input over HTTP', (database) => {
  let app: App;
  let port: number;

  beforeAll(async () => {
    app = await testApp(database().url);
    await app.start();
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.stop();
  });

  const get = (url: string) => app.server.inject({ method: 'GET', url, headers: admin });
  const say = async (userId: string, name: string, text = '/help') => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: userId, name }, text },
    });
    expect(res.statusCode).toBe(200);
  };

  /** A raw request on its own connection, for what inject cannot send (huge headers, broken HTTP). */
  function raw(head: string): Promise<{ status: number; headers: string; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let data = '';
      socket.on('data', (chunk: Buffer) => {
        data += chunk.toString('utf8');
      });
      socket.on('error', reject);
      socket.on('close', () => {
        const split = data.indexOf('\r\n\r\n');
        const headers = data.slice(0, split);
        resolve({ status: Number(headers.split(' ')[1]), headers, body: data.slice(split + 4) });
      });
      socket.write(head);
    });
  }

  describe("Fastify's and Node's own errors", () => {
    it.each([
      ['a 5,000-character customer id', 'GET', `/api/v1/customers/${'x'.repeat(5000)}`, 414, 'URI_TOO_LONG'],
      ['a 5,000-digit ticket id', 'GET', `/api/v1/tickets/${'1'.repeat(5000)}`, 414, 'URI_TOO_LONG'],
      ['a path that is not valid percent encoding', 'GET', '/api/v1/customers/%E0%A4%A', 400, 'BAD_URL'],
      ['an unknown path', 'GET', '/api/v1/nothing-here', 404, 'NOT_FOUND'],
      ['a known path with another method', 'PATCH', '/api/v1/customers', 405, 'METHOD_NOT_ALLOWED'],
      ['DELETE on the API channel', 'DELETE', '/api/v1/messages', 405, 'METHOD_NOT_ALLOWED'],
      ['GET on a POST-only route with an id', 'GET', '/api/v1/tickets/1/claim', 405, 'METHOD_NOT_ALLOWED'],
    ])('%s: %s %s → %i', async (_name, method, url, status, code) => {
      const res = await app.server.inject({ method: method as 'GET', url, headers: admin });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual(errorShape);
      expect(res.json().error.code).toBe(code);
      expect(res.body.length).toBeLessThan(300);
    });

    it('405 says which methods the path takes', async () => {
      const res = await app.server.inject({ method: 'PUT', url: '/api/v1/messages' });
      expect(res.headers.allow).toBe('GET, HEAD, POST');
      expect(res.json().error.message).toMatch(/GET, HEAD, POST/);
    });

    it.each([
      ['a body over 64 KiB', 'application/json', JSON.stringify({ text: 'x'.repeat(70_000) }), 413],
      ['a body that is not JSON', 'application/json', '{"user":', 400],
      ['a body in another media type', 'text/xml', '<message/>', 415],
    ])('%s is answered in the documented shape', async (_name, type, payload, status) => {
      const res = await app.server.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: { 'content-type': type },
        payload,
      });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual(errorShape);
    });

    it('headers larger than Node accepts: 431 in the documented shape', async () => {
      const res = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`);
      expect(res.status).toBe(431);
      expect(res.headers).toMatch(/content-type: application\/json/i);
      expect(JSON.parse(res.body)).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: expect.any(String) } });
    });

    it('a request that is not HTTP: 400 in the documented shape', async () => {
      const res = await raw('HELLO THERE\r\n\r\n');
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
    });

    it('a path parameter of 100 characters is still routed (and answered 404 when unknown)', async () => {
      const res = await get(`/api/v1/customers/${'x'.repeat(100)}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    });
  });

  describe('strict dates', () => {
    it.each([
      ['/api/v1/feedback?since=1'],
      ['/api/v1/feedback?since=2026'],
      ['/api/v1/feedback?since=2026-02-30'],
      ['/api/v1/feedback?since=2026-07-01T09:30:00'],
      ['/api/v1/feedback/summary?since=yesterday'],
      ['/api/v1/knowledge/unanswered?since=1'],
      ['/api/v1/knowledge/unanswered?since=2026-07-01%2009:30:00Z'],
    ])('%s is a 400 naming since', async (url) => {
      const res = await get(url);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(errorShape);
      expect(res.json().error.code).toBe('BAD_REQUEST');
      expect(res.json().error.message).toMatch(/^querystring: since must be an ISO 8601 date-time/);
    });

    it('accepts a date-time with a time zone, and a date from midnight in BUSINESS_TIMEZONE', async () => {
      for (const since of ['2026-07-01T09:30:00%2B08:00', '2026-07-01T01:30:00.5Z', '2026-07-01']) {
        const res = await get(`/api/v1/feedback?since=${since}`);
        expect(res.statusCode, since).toBe(200);
        expect((await get(`/api/v1/knowledge/unanswered?since=${since}`)).statusCode, since).toBe(200);
        expect((await get(`/api/v1/feedback/summary?since=${since}`)).statusCode, since).toBe(200);
      }
    });

    it('filters by the instant a date starts in the business time zone', async () => {
      // BUSINESS_TIMEZONE is Asia/Shanghai: 2026-07-01 starts at 2026-06-30T16:00:00Z.
      const customer = await app.store.db.customer.create({ data: { displayName: 'Dates' } });
      const row = (iso: string) => ({
        customerId: customer.id,
        channel: 'api',
        direction: 'event',
        kind: 'faq_unanswered',
        text: `question at ${iso}`,
        createdAt: new Date(iso),
      });
      await app.store.db.interaction.createMany({
        data: [row('2026-06-30T15:59:59Z'), row('2026-06-30T16:00:00Z')],
      });
      const res = await get('/api/v1/knowledge/unanswered?since=2026-07-01');
      const asked = res.json().questions.map((q: { question: string }) => q.question);
      expect(asked).toContain('question at 2026-06-30T16:00:00Z');
      expect(asked).not.toContain('question at 2026-06-30T15:59:59Z');
    });

    it('refuses a purchase whose time is not an ISO 8601 date-time, and stores nothing', async () => {
      await say('dates-buyer', 'Buyer');
      const found = await get('/api/v1/customers?channel=api&externalId=dates-buyer');
      const id = found.json().customers[0].id as string;
      for (const at of ['1', '2026-07-01', '2026-02-30T10:00:00Z', '07/01/2026 10:00', 1751360000]) {
        const res = await app.server.inject({
          method: 'POST',
          url: `/api/v1/customers/${id}/purchases`,
          headers: admin,
          payload: { amount: 10, orderId: `order-${String(at)}`, at },
        });
        expect(res.statusCode, String(at)).toBe(400);
        expect(res.json().error.code).toBe('BAD_REQUEST');
        expect(res.json().error.message).toMatch(/at/);
      }
      expect(await app.store.db.purchase.count({ where: { customerId: id } })).toBe(0);
      const ok = await app.server.inject({
        method: 'POST',
        url: `/api/v1/customers/${id}/purchases`,
        headers: admin,
        payload: { amount: 10, orderId: 'order-ok', at: '2026-07-01T09:30:00+08:00' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().purchase.at).toBe('2026-07-01T01:30:00.000Z');
    });
  });

  it('the OpenAPI document shows the date formats and the id range', async () => {
    const doc = (await app.server.inject('/api/openapi.json')).json();
    const param = (path: string, method: string, name: string) =>
      doc.paths[path][method].parameters.find((p: { name: string }) => p.name === name)?.schema;
    expect(param('/api/v1/feedback', 'get', 'since').anyOf).toEqual([{ format: 'date-time' }, { format: 'date' }]);
    expect(param('/api/v1/knowledge/unanswered', 'get', 'since').anyOf).toEqual([
      { format: 'date-time' },
      { format: 'date' },
    ]);
    expect(param('/api/v1/tickets/{id}', 'get', 'id')).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 2147483647,
    });
    expect(param('/api/v1/followups/{id}/handled', 'post', 'id')).toMatchObject({ maximum: 2147483647 });
    const purchase = doc.paths['/api/v1/customers/{id}/purchases'].post.requestBody.content['application/json'].schema;
    expect(purchase.properties.at).toMatchObject({ type: 'string', format: 'date-time' });
  });

  describe('numeric ids', () => {
    it.each([
      ['GET', '/api/v1/tickets/1e30'],
      ['GET', '/api/v1/tickets/2147483648'],
      ['GET', '/api/v1/tickets/99999999999999999999'],
      ['GET', '/api/v1/tickets/0'],
      ['GET', '/api/v1/tickets/-1'],
      ['GET', '/api/v1/tickets/1.5'],
      ['GET', '/api/v1/tickets/abc'],
      ['POST', '/api/v1/tickets/1e30/claim'],
      ['POST', '/api/v1/tickets/1e30/resolve'],
      ['POST', '/api/v1/tickets/1e30/messages'],
      ['POST', '/api/v1/followups/1e30/handled'],
    ])('%s %s is a 400 in the documented shape', async (method, url) => {
      const res = await app.server.inject({
        method: method as 'GET' | 'POST',
        url,
        headers: admin,
        payload: method === 'POST' ? { text: 'hi', note: 'done', assignee: 'me' } : undefined,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(errorShape);
      expect(res.json().error.message).toMatch(/^params: id /);
    });

    it('a message cursor past the largest id has nothing after it (PostgreSQL would refuse the number)', async () => {
      await say('cursor-user', 'Cursor');
      const res = await app.server.inject({ url: '/api/v1/messages?userId=cursor-user&after=999999999999999' });
      expect(res.statusCode).toBe(200);
      expect(res.json().messages).toEqual([]);
    });

    it('an id in range that does not exist is a 404', async () => {
      for (const url of ['/api/v1/tickets/2147483647', '/api/v1/tickets/1']) {
        const res = await get(url);
        expect(res.statusCode, url).toBe(404);
        expect(res.json()).toEqual(errorShape);
      }
      const res = await app.server.inject({
        method: 'POST',
        url: '/api/v1/followups/2147483647/handled',
        headers: admin,
        payload: { note: 'done' },
      });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(errorShape);
    });
  });

  describe('search text', () => {
    it('matches % and _ literally, on names of customers and of their channel identities', async () => {
      await say('like-1', 'Ann');
      await say('like-2', '50% off fan');
      await say('like-3', 'snake_case');
      await say('like-4', 'back\\slash');
      const names = async (q: string) =>
        (await get(`/api/v1/customers?q=${encodeURIComponent(q)}`))
          .json()
          .customers.map((c: { displayName: string }) => c.displayName);
      expect(await names('%')).toEqual(['50% off fan']);
      expect(await names('_')).toEqual(['snake_case']);
      expect(await names('e_c')).toEqual(['snake_case']);
      expect(await names('0%')).toEqual(['50% off fan']);
      expect(await names('%%')).toEqual([]);
      expect(await names('\\')).toEqual(['back\\slash']);
      expect(await names('aNN')).toEqual(['Ann']);
      const filtered = await get('/api/v1/customers?channel=api&externalId=like-2&q=%25');
      expect(filtered.json().customers.map((c: { displayName: string }) => c.displayName)).toEqual(['50% off fan']);
      expect((await get('/api/v1/customers?channel=telegram&q=%25')).json().customers).toEqual([]);
    });
  });
});
