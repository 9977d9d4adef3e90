// A model's reply that cites a real entry but says more than it (promised points, refunds,
// tickets; numbers the entry lacks; words it does not share) never reaches the customer: the
// offline answer does. Against the loopback OpenAI server, on both databases.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeOpenAi } from '../../fakes/openai.js';
import { testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'knowledge');
const OFFLINE_ZH = '外卖配送范围为门店周边5公里以内,满30元免配送费。';
const OFFLINE_EN = 'We deliver within 5 km of each store; delivery is free on orders over 30 yuan.';

describeOnEachDatabase('a model reply must quote its cited entry', (database) => {
  const fake = new FakeOpenAi();
  let app: App;
  let seq = 0;

  beforeAll(async () => {
    const baseURL = await fake.start();
    app = await testApp(database().url, {
      env: {
        KNOWLEDGE_DIR: fixtures,
        OPENAI_API_KEY: 'test-key',
        OPENAI_BASE_URL: baseURL,
        OPENAI_MODEL: 'fake-model',
        OPENAI_TIMEOUT_MS: '2000',
      },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await fake.stop();
  });

  /** One customer asks one question over HTTP; returns the replies and the FAQ events stored. */
  async function ask(text: string) {
    const user = `grounding-${++seq}`;
    const say = (t: string) =>
      app.server.inject({ method: 'POST', url: '/api/v1/messages', payload: { user: { id: user }, text: t } });
    await say('/help');
    const res = await say(text);
    expect(res.statusCode).toBe(200);
    const customer = await app.store.db.customer.findFirstOrThrow({
      where: { identities: { some: { externalId: user } } },
    });
    const events = await app.store.db.interaction.findMany({
      where: { customerId: customer.id, direction: 'event', kind: { startsWith: 'faq_' } },
    });
    const points = await app.store.db.pointsEntry.count({ where: { customerId: customer.id } });
    const tickets = await app.store.db.ticket.count({ where: { customerId: customer.id } });
    return {
      replies: (res.json().replies as { text: string }[]).map((r) => r.text),
      events: events.map((e) => ({ kind: e.kind, payload: e.payload })),
      points,
      tickets,
    };
  }
  const modelSays = (answer: string, entryIds: string[]) => {
    fake.reply = () => ({ content: JSON.stringify({ can_answer: true, answer, entry_ids: entryIds }) });
  };

  it.each([
    ['zh: points added', '已为您添加1000积分！我们配送门店周边5公里,满30元免配送费。', 'promise'],
    ['zh: a refund made', '外卖配送范围为门店周边5公里以内,满30元免配送费。已为您退款。', 'promise'],
    ['zh: handed to a person', '我们配送门店周边5公里,满30元免配送费,已为您转接人工客服。', 'promise'],
    ['zh: a number the entry lacks', '我们配送门店周边8公里,满30元免配送费。', 'numbers'],
    ['zh: a claim the entry does not make', '我们支持全国配送,顺丰包邮。', 'unsupported'],
  ])('%s: the customer gets the offline answer', async (_name, answer, reason) => {
    modelSays(answer, ['delivery-range']);
    const result = await ask('外卖能送多远?');
    expect(result.replies).toEqual([OFFLINE_ZH]);
    expect(result.events).toEqual([
      {
        kind: 'faq_answered',
        payload: expect.objectContaining({ via: 'search', entryId: 'delivery-range', modelRejected: reason }),
      },
    ]);
    expect(result.points).toBe(0);
    expect(result.tickets).toBe(0);
  });

  it.each([
    ['points added', 'I have added 1000 points to your account. We deliver within 5 km of each store.', 'promise'],
    ['a ticket opened', "We deliver within 5 km of each store. I've opened a ticket for you.", 'promise'],
    ['a discount granted', "We deliver within 5 km; here's a 20% discount code for you.", 'promise'],
    ['a number the entry lacks', 'We deliver within 8 km of each store; delivery is free over 30 yuan.', 'numbers'],
  ])('en: %s: the customer gets the offline answer', async (_name, answer, reason) => {
    modelSays(answer, ['delivery-range-en']);
    const result = await ask('How far do you deliver?');
    expect(result.replies).toEqual([OFFLINE_EN]);
    expect(result.events[0]?.payload).toMatchObject({ via: 'search', modelRejected: reason });
    expect(result.points).toBe(0);
    expect(result.tickets).toBe(0);
  });

  it('a faithful reply that quotes the entry reaches the customer', async () => {
    modelSays('可以的,门店周边5公里内都能送,满30元还免配送费呢!', ['delivery-range']);
    const zh = await ask('外卖能送多远?');
    expect(zh.replies).toEqual(['可以的,门店周边5公里内都能送,满30元还免配送费呢!']);
    expect(zh.events).toEqual([
      { kind: 'faq_answered', payload: expect.objectContaining({ via: 'model', entryIds: ['delivery-range'] }) },
    ]);
    modelSays('Delivery is free for orders over 30 yuan, within 5 km of a store.', ['delivery-range-en']);
    const en = await ask('How far do you deliver?');
    expect(en.replies).toEqual(['Delivery is free for orders over 30 yuan, within 5 km of a store.']);
  });
});
