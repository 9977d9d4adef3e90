// The escalation detector as shipped: the trained scorer (models/escalation/classifier.json) on the
// shipped embedding models, with the rules for explicit requests. One message of each kind the
// rules alone missed or wrongly escalated (issue 19), in wording of our own; then the same detector
// without the embedding models (n-grams and rules) and without the classifier (rules alone).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingModels } from '../../../src/embedding/models.js';
import { Classifier } from '../../../src/features/escalation/classifier.js';
import { EscalationDetector, loadClassifiers } from '../../../src/features/escalation/detector.js';
import { languageOf } from '../../../src/features/escalation/language.js';
import { hashedGrams, shapeOf } from '../../../src/features/escalation/text-features.js';

const root = join(import.meta.dirname, '../../..');
const logger = pino({ level: 'silent' });
const classifiers = loadClassifiers(join(root, 'models/escalation/classifier.json')).file;

/** [kind, message, should it reach a person] */
const kinds: [string, string, boolean][] = [
  ['a misspelt request for a person', 'can i tlak to a humen pls', true],
  ['a voice-typed request for a person', '帮我转认工', true],
  ['a request in pinyin', 'zrg zrg', true],
  ['a request in two languages', '我想talk to真人，机器人看不懂', true],
  ["asking for a person's number", '把你们店长的电话发我一下', true],
  ["asking for a person's number", "what's the manager's direct number", true],
  ['quiet anger', '行吧，以后不会再来了', true],
  ['quiet anger', 'ok whatever. I won’t be booking with you again', true],
  ['sarcasm', 'amazing work guys, my birthday cake says Happy Birthday Kevin and my name is Karen 🙃', true],
  ['health after a service', '洗完牙三天了牙龈还是肿的，一碰就疼', true],
  ['health after a service', 'my jaw still aches a week after the extraction, is that normal??', true],
  ['charged after cancelling', 'I cancelled my gym membership in May and you still took the fee in June', true],
  ['the Nth repeat of a problem', '这是我第三次跟你们说热水器不出热水了', true],
  ['damage after a repair', '手机拿回来以后摄像头就打不开了，送修之前明明是好的', true],
  ['pests in a room', '房间床单上有小虫子在爬，怎么住啊', true],
  ['praise with negative words', 'the waiter was not rude at all, honestly lovely service', false],
  ['praise with negative words', "can't complain 😄 best haircut I've had in years", false],
  ['praise with negative words', '房间一点异味都没有，床品也很干净', false],
  ['a question about a complaint topic', 'what is your refund policy for cancelled classes?', false],
  ['a greeting', '你好，在吗', false],
  ['a greeting', 'hello', false],
  ['thanks', 'thanks so much, see you next week!', false],
];

describe('escalation detector with the embedding models', () => {
  const models = new EmbeddingModels(mkdtempSync(join(tmpdir(), 'rapport-escalation-')));
  let detector: EscalationDetector;

  beforeAll(async () => {
    const [zh, en] = await Promise.all([
      models.load(join(root, 'models/bge-small-zh-v1.5')),
      models.load(join(root, 'models/all-MiniLM-L6-v2')),
    ]);
    if (!zh.ok || !en.ok) throw new Error('the shipped embedding models did not load');
    detector = new EscalationDetector({ classifiers, models: { zh: zh.embedder, en: en.embedder }, logger });
  });
  afterAll(() => models.close());

  it('is the trained scorer on both models', () => {
    expect(classifiers).toBeDefined();
    expect(detector.describe()).toBe('zh: bge-small-zh-v1.5-int8 + n-grams, en: all-MiniLM-L6-v2-q4 + n-grams');
  });

  it.each(kinds)('%s: %s', async (_kind, text, escalate) => {
    const decision = await detector.detect(text);
    expect(decision.escalate).toBe(escalate);
    if (escalate) expect(decision.reason).toBeDefined();
  });

  it('embeds a message once: the FAQ, asking next with the same model, finds the vector cached', async () => {
    const zh = await models.load(join(root, 'models/bge-small-zh-v1.5'));
    if (!zh.ok) throw new Error('no model');
    const before = zh.embedder.stats();
    await detector.detect('请问周末几点开门？');
    expect(zh.embedder.stats().modelRuns).toBe(before.modelRuns + 1);
    await zh.embedder.embed('请问周末几点开门？');
    expect(zh.embedder.stats().modelRuns).toBe(before.modelRuns + 1);
    expect(zh.embedder.stats().queryCacheHits).toBe(before.queryCacheHits + 1);
  });

  it('votes in the embedding worker as the classifier votes in-process, for a new message and a cached one', async () => {
    const zh = await models.load(join(root, 'models/bge-small-zh-v1.5'));
    const en = await models.load(join(root, 'models/all-MiniLM-L6-v2'));
    if (!zh.ok || !en.ok || !classifiers) throw new Error('no model');
    const embedders = { zh: zh.embedder, en: en.embedder };
    const local = { zh: new Classifier(classifiers.zh.embedding), en: new Classifier(classifiers.en.embedding) };
    let compared = 0;
    for (const [, said] of kinds) {
      const text = `${said} (vote)`; // not in the query cache yet
      const embedder = embedders[languageOf(text)];
      const runs = embedder.stats().modelRuns;
      const inWorker = await detector.detect(text);
      if (inWorker.by !== 'scorer') continue; // explicit requests never reach the scorer
      expect(embedder.stats().modelRuns).toBe(runs + 1);
      const fromCache = await detector.detect(text);
      expect(embedder.stats().modelRuns).toBe(runs + 1);
      const vector = await embedder.embed(text); // from the query cache
      const inProcess = local[languageOf(text)].score({ vector, grams: hashedGrams(text), shape: shapeOf(text) });
      expect(inWorker.score, text).toBeCloseTo(inProcess.probability, 3);
      expect(fromCache.score, text).toBe(inWorker.score);
      expect(fromCache.reason, text).toBe(inWorker.reason);
      compared++;
    }
    expect(compared).toBeGreaterThan(15);
  });

  it('names a reason and a priority: health and money are high', async () => {
    expect(await detector.detect('洗完牙三天了牙龈还是肿的，一碰就疼')).toMatchObject({
      reason: 'safety',
      priority: 'high',
    });
    expect(await detector.detect('转人工')).toMatchObject({ escalate: true, reason: 'human', by: 'request' });
  });
});

describe('escalation detector without the embedding models', () => {
  it('scores with n-grams, and explicit requests still escalate', async () => {
    const detector = new EscalationDetector({ classifiers, models: {}, logger });
    expect(detector.describe()).toBe('zh: n-grams, en: n-grams');
    for (const text of [
      '转人工',
      '我要投诉，叫你们经理出来',
      'I want to speak to a manager now',
      'can i tlak to a humen',
    ]) {
      expect(await detector.detect(text), text).toMatchObject({ escalate: true, reason: 'human' });
    }
    expect((await detector.detect('请问你们几点开门？')).escalate).toBe(false);
    expect((await detector.detect('what time do you open on sunday?')).escalate).toBe(false);
  });

  it('decides by the rules alone without the classifier file', async () => {
    expect(loadClassifiers(join(root, 'models/escalation/missing.json')).problem).toMatch(/missing/);
    const detector = new EscalationDetector({ classifiers: undefined, models: {}, logger });
    expect(detector.describe()).toBe('zh: rules only, en: rules only');
    expect(await detector.detect('喝了你们的奶茶拉肚子了，必须给我退钱')).toMatchObject({
      escalate: true,
      by: 'rules',
      priority: 'high',
    });
    expect(await detector.detect('can i talk to a human')).toMatchObject({ escalate: true, reason: 'human' });
    expect((await detector.detect('请问你们几点开门？')).escalate).toBe(false);
  });
});
