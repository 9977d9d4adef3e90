// The unanswered report reads a partial index of the faq_unanswered events, with their text, on both
// databases: on PostgreSQL through the (kind, createdAt) index and the table, a year of events at a
// million customers took 2 s (npm run bench:data).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { questionKey } from '../../../src/features/faq/question-key.js';
import { groupsQuery, unansweredQuestions } from '../../../src/features/faq/unanswered.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

describeOnEachDatabase('the unanswered report', (database, provider) => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(database().url);
  });
  afterAll(async () => {
    await store?.close();
  });

  const now = new Date('2026-12-01T12:00:00Z');
  const window = { from: new Date('2026-01-01T00:00:00Z'), until: now, limit: 51 };

  it('plans a read of the index of unanswered events alone', async () => {
    const query = groupsQuery(provider.name, window);
    let plan: string;
    if (provider.name === 'sqlite') {
      const rows = await store.db.$queryRaw<{ detail: string }[]>`EXPLAIN QUERY PLAN ${query}`;
      plan = rows.map((r) => r.detail).join('\n');
      expect(plan).toMatch(/COVERING INDEX Interaction_unanswered_createdAt_text_idx/);
    } else {
      // An empty table is read whole whatever its indexes: what matters is that the index can serve
      // the query without the table.
      const rows = await store.db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
        await tx.$executeRawUnsafe('SET LOCAL enable_bitmapscan = off');
        return tx.$queryRaw<{ 'QUERY PLAN': string }[]>`EXPLAIN ${query}`;
      });
      plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Only Scan using "Interaction_unanswered_createdAt_text_idx"/);
    }
  });

  it('logs and reports the longest question a customer can send, cut to its key', async () => {
    // 4,000 characters of three UTF-8 bytes each: the index entry stays within what a B-tree holds.
    const long = '我想问一下你们的会员卡能不能转给家人使用'.repeat(200);
    const key = questionKey(long);
    await store.db.interaction.create({
      data: {
        channel: 'api',
        direction: 'event',
        kind: 'faq_unanswered',
        text: key,
        payload: { question: long },
        createdAt: new Date(now.getTime() - 60_000),
      },
    });
    const report = await unansweredQuestions(store.db, { provider: provider.name, now, limit: 10 });
    expect(report.questions).toEqual([{ question: key, count: 1, lastAskedAt: '2026-12-01T11:59:00.000Z' }]);
    expect(key).toHaveLength(500);
  });
});
