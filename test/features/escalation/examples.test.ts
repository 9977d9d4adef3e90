// Taught examples as instances share them: one instance teaches, another picks the example up on
// its next refresh (and forgets a removed one); with the embedding model a message close in meaning
// follows an example, an unrelated one does not.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingModels } from '../../../src/embedding/models.js';
import { TaughtExamples } from '../../../src/features/escalation/examples.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { silentLogger } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

describeOnEachDatabase('taught escalation examples across instances', (database) => {
  let store: Store;

  beforeAll(async () => {
    store = await openStore(database().url);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('an example taught on one instance is followed by another after its refresh; a removed one is forgotten', async () => {
    const one = new TaughtExamples({ db: store.db, models: {}, logger: silentLogger });
    const two = new TaughtExamples({ db: store.db, models: {}, logger: silentLogger });
    await two.refresh();
    const text = `shared example ${Math.random().toString(36).slice(2)}`;
    const { row } = await one.add({ text, escalate: true, source: 'api' });
    expect(one.match(text, undefined)).toMatchObject({ id: row.id, escalate: true });
    expect(two.match(text, undefined)).toBeUndefined();
    await two.refresh();
    expect(two.match(`  ${text.toUpperCase()} `, undefined)).toMatchObject({
      id: row.id,
      escalate: true,
      similarity: 1,
    });

    await one.add({ text, escalate: false, source: 'api' });
    await two.refresh();
    expect(two.match(text, undefined)?.escalate).toBe(false);

    expect(await one.remove(row.id)).toBe(true);
    await two.refresh();
    expect(two.match(text, undefined)).toBeUndefined();
  });
});

describe('taught examples with the embedding model', () => {
  const root = join(import.meta.dirname, '../../..');
  const models = new EmbeddingModels(mkdtempSync(join(tmpdir(), 'rapport-examples-')));
  let store: Store;

  beforeAll(async () => {
    store = await openStore(`file:${join(mkdtempSync(join(tmpdir(), 'rapport-examples-db-')), 'x.db')}`);
  });
  afterAll(async () => {
    await models.close();
    await store?.close();
  });

  it('a message close in meaning follows the example; an unrelated one does not', async () => {
    const zh = await models.load(join(root, 'models/bge-small-zh-v1.5'));
    if (!zh.ok) throw new Error('no model');
    const examples = new TaughtExamples({ db: store.db, models: { zh: zh.embedder }, logger: silentLogger });
    await examples.add({ text: '我家猫吃了你们的猫粮以后一直吐', escalate: true, source: 'api' });
    const close = '我家的猫吃完你们家的猫粮就一直在吐';
    const match = examples.match(close, await zh.embedder.embed(close));
    expect(match).toMatchObject({ escalate: true });
    expect(match?.similarity).toBeGreaterThanOrEqual(0.9);
    const unrelated = '请问周末几点开门';
    expect(examples.match(unrelated, await zh.embedder.embed(unrelated))).toBeUndefined();
  });
});
