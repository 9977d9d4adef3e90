// The FAQ with the embedding model (models/bge-small-zh-v1.5) on a sparse knowledge base (one
// question per entry), through the API channel: paraphrases the words alone would only offer as
// "did you mean" are answered, a question like none of the entries gets "I don't know" without
// buttons and is logged as unanswered; without the model the start-up log says so and words decide.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

type Reply = { text: string; buttons?: { label: string; payload: string }[] };

const KNOWLEDGE_DIR = join(import.meta.dirname, '../../fixtures/sparse-kb');
const MODEL = join(import.meta.dirname, '../../../models/bge-small-zh-v1.5');
const RENTAL = '可以，城市车每天40元，公路车每天120元，需押身份证。';
const PARKING = 'There are free parking spaces for two cars in front of the shop.';

/** Waits until the knowledge base's vectors are built (they are built in the background). */
async function embedded(app: App): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { semantic } = (await app.server.inject({ url: '/api/v1/knowledge', headers: admin })).json();
    if (semantic.ready && (semantic.english.model === null || semantic.english.ready)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the knowledge base was never embedded');
}

/** A logger whose lines the test can read. */
function recordingLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

function chat(app: () => App) {
  let seq = 0;
  return async (text: string): Promise<Reply[]> => {
    const user = `hybrid-${++seq}`;
    const send = (body: Record<string, unknown>) =>
      app().server.inject({ method: 'POST', url: '/api/v1/messages', payload: { user: { id: user }, ...body } });
    await send({ text: '/start' });
    const res = await send({ text });
    expect(res.statusCode).toBe(200);
    return res.json().replies as Reply[];
  };
}

describeOnEachDatabase('FAQ with the embedding model', (database) => {
  let app: App;
  const log = recordingLogger();
  const ask = chat(() => app);

  beforeAll(async () => {
    app = await testApp(database().url, {
      env: { KNOWLEDGE_DIR, EMBEDDING_MODEL_DIR: MODEL },
      logger: log.logger,
    });
    await embedded(app);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('embeds the knowledge base at start, and answers paraphrases outright', async () => {
    expect(log.lines.join('\n')).toMatch(/6 entries embedded with bge-small-zh-v1.5-int8/);
    // The English model holds the entries with English texts.
    expect(log.lines.join('\n')).toMatch(/2 entries embedded with all-MiniLM-L6-v2-q4 \(en texts\)/);
    const { semantic } = (await app.server.inject({ url: '/api/v1/knowledge', headers: admin })).json();
    expect(semantic).toEqual({
      model: 'bge-small-zh-v1.5-int8',
      ready: true,
      entries: 6,
      english: { model: 'all-MiniLM-L6-v2-q4', ready: true, entries: 2 },
    });
    const [rental] = await ask('想租辆车骑一天');
    expect(rental?.text).toBe(RENTAL);
    const [parking] = await ask('is there somewhere to park');
    expect(parking?.text).toBe(PARKING);
  });

  it('says "I don\'t know" without unrelated buttons to a question like none of the entries, and logs it', async () => {
    const [reply] = await ask('你们收不收旧手机');
    expect(reply?.text).toMatch(/暂时回答不了/);
    expect(reply?.buttons?.map((b) => b.payload)).toEqual(['handoff']);
    const unanswered = (await app.server.inject({ url: '/api/v1/knowledge/unanswered', headers: admin })).json();
    expect(unanswered.questions.map((q: { question: string }) => q.question)).toContain('你们收不收旧手机');
  });
});

describe('FAQ without the model', () => {
  let app: App;
  const log = recordingLogger();
  const ask = chat(() => app);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-no-model-'));
    app = await testApp(`file:${join(dir, 'db.sqlite')}`, {
      env: { KNOWLEDGE_DIR, EMBEDDING_MODEL_DIR: join(dir, 'models') },
      logger: log.logger,
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('says so at start-up and answers with words alone', async () => {
    expect(log.lines.join('\n')).toMatch(/no embedding model in .*missing\): answering with lexical search only/);
    const { semantic } = (await app.server.inject({ url: '/api/v1/knowledge', headers: admin })).json();
    const none = { model: null, ready: false, entries: 0 };
    expect(semantic).toEqual({ ...none, english: none });
    const [rental] = await ask('想租辆车骑一天');
    expect(rental?.buttons?.map((b) => b.payload)).toEqual(['faq:rental']);
  });
});

describe('FAQ with one model for every language', () => {
  let app: App;
  const log = recordingLogger();
  const ask = chat(() => app);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-one-model-'));
    app = await testApp(`file:${join(dir, 'db.sqlite')}`, {
      env: { KNOWLEDGE_DIR, EMBEDDING_MODEL_DIR: MODEL, EMBEDDING_MODEL_DIR_EN: join(dir, 'no-model') },
      logger: log.logger,
    });
    await embedded(app);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('says at start-up that the English model is missing, and ranks English with the main model', async () => {
    expect(log.lines.join('\n')).toMatch(
      /English texts: no embedding model in .*no-model .*missing\): the main model ranks them too/,
    );
    const { semantic } = (await app.server.inject({ url: '/api/v1/knowledge', headers: admin })).json();
    expect(semantic.english).toEqual({ model: null, ready: false, entries: 0 });
    expect(semantic.ready).toBe(true);
    const [parking] = await ask('Is there parking?');
    expect(parking?.text).toBe(PARKING);
  });
});

describe('the unanswered report with the model', () => {
  let app: App;
  const ask = chat(() => app);

  beforeAll(async () => {
    // An empty knowledge base: every question is unanswered.
    const dir = mkdtempSync(join(tmpdir(), 'rapport-unanswered-'));
    app = await testApp(`file:${join(dir, 'db.sqlite')}`, {
      env: { KNOWLEDGE_DIR: dir, EMBEDDING_MODEL_DIR: MODEL },
    });
    await embedded(app);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('groups paraphrases of one question, with their counts', async () => {
    for (const q of ['能停车吗', '能停车吗？', '有停车位吗', '你们几点开门']) await ask(q);
    const report = (await app.server.inject({ url: '/api/v1/knowledge/unanswered', headers: admin })).json();
    const parking = report.questions.find((q: { question: string }) => q.question === '能停车吗');
    expect(parking).toMatchObject({ count: 3, variants: [{ question: '有停车位吗', count: 1 }] });
    const hours = report.questions.find((q: { question: string }) => q.question === '你们几点开门');
    expect(hours).toMatchObject({ count: 1, variants: [] });
    expect(report.questions).toHaveLength(2);
  });
});
