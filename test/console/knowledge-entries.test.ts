// New knowledge entries from the admin API and the console's "new entry" on an unanswered
// question: written to console.yaml in KNOWLEDGE_DIR, answering at once; bad input refused.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { admin, testApp } from '../helpers/app.js';
import { sqliteDatabase } from '../helpers/databases.js';

describe('knowledge entries written through the API', () => {
  const database = sqliteDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'rapport-kb-'));
  let app: App;

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'shop.yaml'),
      '- id: hours\n  questions: [你们几点开门？]\n  answer: 每天九点开门。\n  locale: zh-CN\n',
    );
    app = await testApp(database.url, { env: { KNOWLEDGE_DIR: dir } });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    await database.drop();
  });

  const ask = async (text: string) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: 'kb-1' }, text },
    });
    return (res.json().replies as { text: string }[]).map((r) => r.text).join('\n');
  };

  it('adds an entry that answers at once, kept in console.yaml beside the business’s files', async () => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/knowledge/entries',
      headers: admin,
      payload: {
        id: 'parking',
        questions: ['可以停车吗？', '有停车位吗？'],
        answer: '门店后面有免费停车场。',
        locale: 'zh-CN',
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: 'parking', file: 'console.yaml', entries: 2 });
    expect(await ask('有停车位吗')).toContain('免费停车场');
    expect(readFileSync(join(dir, 'console.yaml'), 'utf8')).toContain('parking');
    expect(readFileSync(join(dir, 'shop.yaml'), 'utf8')).not.toContain('parking');
  });

  it('refuses a taken id, blank questions and unknown fields', async () => {
    const post = (payload: unknown) =>
      app.server.inject({
        method: 'POST',
        url: '/api/v1/knowledge/entries',
        headers: admin,
        payload: payload as object,
      });
    expect((await post({ id: 'hours', questions: ['x?'], answer: 'y' })).statusCode).toBe(409);
    expect((await post({ questions: ['  '], answer: 'y' })).statusCode).toBe(400);
    expect((await post({ questions: [], answer: 'y' })).statusCode).toBe(400);
    expect((await post({ questions: ['a?'], answer: 'b', html: '<b>' })).statusCode).toBe(400);
    expect((await post({ id: '../etc', questions: ['a?'], answer: 'b' })).statusCode).toBe(400);
  });

  it('two entries posted together both land', async () => {
    const post = (id: string) =>
      app.server.inject({
        method: 'POST',
        url: '/api/v1/knowledge/entries',
        headers: admin,
        payload: { id, questions: [`question ${id}?`], answer: `answer ${id}`, locale: 'en' },
      });
    const [a, b] = await Promise.all([post('first'), post('second')]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    const file = readFileSync(join(dir, 'console.yaml'), 'utf8');
    expect(file).toContain('first');
    expect(file).toContain('second');
  });
});
