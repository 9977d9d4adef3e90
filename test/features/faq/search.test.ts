import { describe, expect, it } from 'vitest';
import { decide, type Thresholds } from '../../../src/features/faq/decide.js';
import { type KnowledgeEntry, KnowledgeIndex } from '../../../src/features/faq/search.js';
import { Synonyms, tokenize } from '../../../src/features/faq/tokenize.js';

const entry = (id: string, questions: string[], answer: string, locale: 'zh-CN' | 'en'): KnowledgeEntry => ({
  id,
  questions,
  answer,
  locale,
  tags: [],
  source: 'test',
});

const entries = [
  entry('delivery', ['外卖配送范围是多大?'], '外卖配送范围为门店周边5公里以内。', 'zh-CN'),
  entry('delivery-en', ['How far do you deliver?'], 'We deliver within 5 km of each store.', 'en'),
  entry(
    'refund-en',
    ['What is your refund policy?'],
    'Drinks with a quality problem are remade or refunded the same day.',
    'en',
  ),
  entry('hours', ['你们几点开门?'], '周一至周五7:30开门。', 'zh-CN'),
  entry('wifi-en', ['Do you have wifi?'], 'Yes, the wifi password is on your receipt.', 'en'),
];
const synonyms = new Synonyms([
  ['外卖', '送餐', '配送'],
  ['refund', 'money back'],
]);
const index = new KnowledgeIndex(entries, synonyms);
const thresholds: Thresholds = {
  high: 0.3,
  highEvidence: 1.2,
  margin: 0.2,
  middle: 0.15,
  middleEvidence: 0.75,
  maxSuggestions: 3,
};

describe('tokenize', () => {
  it('segments Chinese into words and bigrams and drops filler words', () => {
    const terms = tokenize('你们的外卖配送范围是多大?');
    expect(terms).toEqual(expect.arrayContaining(['外卖', '配送', '范围']));
    expect(terms).not.toContain('的');
    expect(terms).not.toContain('你们');
  });

  it('lower-cases, stems and drops stop words in English', () => {
    expect(tokenize('Do you DELIVER deliveries?')).toEqual(['deliv', 'deliveri']);
  });

  it('maps synonyms, Chinese and English phrases included, to one term', () => {
    expect(tokenize('送餐', synonyms)).toEqual(tokenize('外卖', synonyms));
    expect(tokenize('can I get my money back', synonyms)).toEqual(['refund']);
  });
});

describe('search', () => {
  it('finds the entry for a paraphrase, in the language of the question', () => {
    expect(index.search('送餐能送多远', { locale: 'zh-CN' })[0]?.entry.id).toBe('delivery');
    expect(index.search('how far will you deliver to', { locale: 'en' })[0]?.entry.id).toBe('delivery-en');
    expect(index.search('I want my money back', { locale: 'en' })[0]?.entry.id).toBe('refund-en');
  });

  it('forgives a typo in an English word', () => {
    expect(index.search('wiffi pasword?', { locale: 'en' })[0]?.entry.id).toBe('wifi-en');
  });

  it('scores a question made of unknown words low', () => {
    const [top] = index.search('what is the capital of France', { locale: 'en' });
    expect(top === undefined || top.coverage < 0.3).toBe(true);
  });
});

describe('confidence bands', () => {
  const match = (id: string, score: number, coverage: number, evidence: number) => ({
    entry: entries.find((e) => e.id === id) as KnowledgeEntry,
    score,
    coverage,
    evidence,
  });

  it('answers a clear winner', () => {
    const d = decide([match('delivery', 10, 0.8, 2), match('hours', 3, 0.2, 0.8)], thresholds);
    expect(d).toMatchObject({ band: 'high', match: { entry: { id: 'delivery' } } });
  });

  it('offers a choice when the best two are close or the evidence is thin', () => {
    const close = decide([match('delivery', 10, 0.8, 2), match('hours', 9, 0.7, 2)], thresholds);
    expect(close.band).toBe('middle');
    const thin = decide([match('delivery', 10, 0.5, 0.9)], thresholds);
    expect(thin).toMatchObject({ band: 'middle', suggestions: [{ entry: { id: 'delivery' } }] });
  });

  it('declines when little of the question is covered, and when nothing matches', () => {
    expect(decide([match('delivery', 2, 0.1, 0.5)], thresholds).band).toBe('low');
    expect(decide([], thresholds).band).toBe('low');
  });

  it('offers at most the configured number of suggestions', () => {
    const many = ['delivery', 'hours', 'refund-en', 'wifi-en'].map((id) => match(id, 5, 0.5, 1));
    const d = decide(many, { ...thresholds, maxSuggestions: 2 });
    expect(d.band === 'middle' && d.suggestions.length).toBe(2);
  });
});
