// The FAQ's offline sentence embeddings: tokenizer ids, similarity sanity in zh/en/mixed, the
// start-up reason when the model is missing or broken, the disk cache across restarts, and
// inference off the main thread.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine, type Embedder, loadEmbedder } from '../src/embedding/index.js';
import { WordPieceTokenizer } from '../src/embedding/tokenizer.js';

const modelDir = join(import.meta.dirname, '../models/bge-small-zh-v1.5');
const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-embedding-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

async function mustLoad(cacheDir: string, extra: { queryCacheSize?: number } = {}): Promise<Embedder> {
  const load = await loadEmbedder({ modelDir, cacheDir, ...extra });
  if (!load.ok) throw new Error(load.reason);
  return load.embedder;
}

describe('WordPiece tokenizer over vocab.txt', () => {
  // Expected ids are line numbers (from 0) of each token in vocab.txt, found with `grep -nxF`;
  // the same ids come out of the model's tokenizer.json run by Hugging Face's tokenizer.
  const tokenizer = WordPieceTokenizer.fromModelDir(modelDir);

  it('reads the model settings: BERT-Chinese keeps case, 512 tokens at most', () => {
    expect(tokenizer.options.lowercase).toBe(false);
    expect(tokenizer.options.maxLength).toBe(512);
    expect(tokenizer.vocabSize).toBe(21128);
  });

  it.each([
    ['你好，世界！', [101, 872, 1962, 8024, 686, 4518, 8013, 102]],
    [
      'hello world, how do you reset the password?',
      [101, 8701, 8572, 117, 9510, 8895, 8357, 8847, 9852, 8174, 9703, 10184, 136, 102],
    ],
    ['我的wifi密码是多少？', [101, 2769, 4638, 8306, 2166, 4772, 3221, 1914, 2208, 8043, 102]],
    [
      '退款要多久？3-5个工作日。',
      [101, 6842, 3621, 6206, 1914, 719, 8043, 124, 118, 126, 702, 2339, 868, 3189, 511, 102],
    ],
    ['order #1234', [101, 11156, 108, 10343, 102]],
    // No lower-casing (as configured) and no capitals in the vocabulary: unknown words.
    ['Hello World', [101, 100, 100, 102]],
    // NUL and zero-width space dropped, tab is a space.
    ['hello\u0000\tworld\u200b', [101, 8701, 8572, 102]],
  ])('%j → the ids tokenizer.json gives', (text, ids) => {
    expect(tokenizer.encode(text).ids).toEqual(ids);
  });

  it('splits words into ## pieces and every Han character into its own token', () => {
    expect(tokenizer.encode('reset 密码').tokens).toEqual(['[CLS]', 're', '##set', '密', '码', '[SEP]']);
  });

  it('lower-cases and strips accents when a model asks for it', () => {
    const lower = WordPieceTokenizer.fromModelDir(modelDir, { lowercase: true });
    expect(lower.encode('Café HELLO').ids).toEqual([101, 8377, 8701, 102]);
  });

  it('truncates to the maximum length, keeping [SEP]', () => {
    const short = WordPieceTokenizer.fromModelDir(modelDir, { maxLength: 5 });
    expect(short.encode('你好，世界！').ids).toEqual([101, 872, 1962, 8024, 102]);
    expect(tokenizer.encode('好'.repeat(2000)).ids).toHaveLength(512);
  });
});

describe('loadEmbedder without a usable model', () => {
  it('an empty folder: ok false, naming the missing files, for the start-up log', async () => {
    const empty = tempDir();
    const load = await loadEmbedder({ modelDir: empty, cacheDir: tempDir() });
    expect(load.ok).toBe(false);
    if (load.ok) return;
    expect(load.reason).toContain(`no embedding model in ${empty}`);
    expect(load.reason).toContain('model_quantized.onnx');
    expect(load.reason).toMatch(/answering with lexical search only$/);
  });

  it('a corrupt model file: ok false with the loader error, never a throw', async () => {
    const broken = tempDir();
    for (const f of ['vocab.txt', 'config.json', 'tokenizer_config.json'])
      copyFileSync(join(modelDir, f), join(broken, f));
    writeFileSync(join(broken, 'model_quantized.onnx'), 'not an onnx file');
    const load = await loadEmbedder({ modelDir: broken, cacheDir: tempDir() });
    expect(load.ok).toBe(false);
    if (load.ok) return;
    expect(load.reason).toMatch(
      /^the embedding model in .* could not load \(.+\): answering with lexical search only$/,
    );
  });
});

describe('embeddings with all-MiniLM-L6-v2 (English texts)', () => {
  let embedder: Embedder;
  beforeAll(async () => {
    const load = await loadEmbedder({
      modelDir: join(import.meta.dirname, '../models/all-MiniLM-L6-v2'),
      cacheDir: tempDir(),
    });
    if (!load.ok) throw new Error(load.reason);
    embedder = load.embedder;
  });
  afterAll(() => embedder.close());

  it('loads the 4-bit model with its external weights, averages the tokens, and tells paraphrases apart', async () => {
    expect(embedder.model).toBe('all-MiniLM-L6-v2-q4');
    expect(embedder.dimensions).toBe(384);
    const [q, p, u] = await embedder.embedMany([
      'How much is teeth whitening?',
      'what do you charge to whiten my teeth',
      'Is there somewhere to park?',
    ]);
    expect(cosine(q as Float32Array, q as Float32Array)).toBeCloseTo(1, 5);
    // Mean pooling spreads English sentences apart (with [CLS] pooling these land within a few hundredths).
    expect(cosine(q as Float32Array, p as Float32Array)).toBeGreaterThan(0.6);
    expect(cosine(q as Float32Array, u as Float32Array)).toBeLessThan(0.3);
  });
});

describe('embeddings with bge-small-zh-v1.5', () => {
  let embedder: Embedder;
  beforeAll(async () => {
    embedder = await mustLoad(tempDir());
  });
  afterAll(() => embedder.close());

  it('names the model and its size; vectors are unit length', async () => {
    expect(embedder.model).toBe('bge-small-zh-v1.5-int8');
    expect(embedder.dimensions).toBe(512);
    const v = await embedder.embed('会员积分怎么用？');
    expect(v).toHaveLength(512);
    expect(cosine(v, v)).toBeCloseTo(1, 5);
  });

  it.each([
    ['zh', '怎么申请退货退款？', '买的东西不想要了，钱能退给我吗？', '你们店里能停车吗？'],
    ['en', 'How can I reset my password?', 'I forgot my password and need a new one', 'Do you deliver on Sundays?'],
    ['mixed', '支持 Apple Pay 付款吗？', '可以用 Apple Pay 买单吗？', '门店几点关门？'],
  ])('%s: a paraphrase is closer than an unrelated question', async (_lang, question, paraphrase, unrelated) => {
    const [q, p, u] = await embedder.embedMany([question, paraphrase, unrelated]);
    expect(cosine(q as Float32Array, p as Float32Array)).toBeGreaterThan(cosine(q as Float32Array, u as Float32Array));
  });

  it('a text gets the same vector as a query or among other texts (one text per model call)', async () => {
    const text = 'wifi 密码是多少？';
    const [, fromMany] = await embedder.embedMany(['营业时间是几点到几点？', text, '可以带宠物进店吗？']);
    const single = await embedder.embed(text);
    expect(Array.from(single)).toEqual(Array.from(fromMany as Float32Array));
  });

  it('repeated queries come from the in-memory cache without a model call', async () => {
    await embedder.embed('积分什么时候过期？');
    const before = embedder.stats();
    await embedder.embed('积分什么时候过期？');
    const after = embedder.stats();
    expect(after.modelRuns).toBe(before.modelRuns);
    expect(after.queryCacheHits).toBe(before.queryCacheHits + 1);
  });

  it('cosine refuses vectors of different sizes', () => {
    expect(() => cosine(new Float32Array(3), new Float32Array(4))).toThrow(/different sizes/);
  });
});

describe('disk cache across restarts', () => {
  const kb = [
    '如何修改收货地址？',
    '退款多久到账？',
    'How do I cancel my order?',
    '会员等级怎么升级？',
    '退款多久到账？',
  ];

  it('a second embedder over the same cacheDir embeds the same texts without the model', async () => {
    const cacheDir = tempDir();
    const first = await mustLoad(cacheDir);
    const original = await first.embedMany(kb);
    expect(first.stats().textsEmbedded).toBe(4); // the repeated text is embedded once
    await first.close();

    const second = await mustLoad(cacheDir);
    const again = await second.embedMany(kb);
    expect(second.stats()).toMatchObject({ modelRuns: 0, textsEmbedded: 0, diskHits: 5, diskMisses: 0 });
    again.forEach((v, i) => {
      expect(Array.from(v)).toEqual(Array.from(original[i] as Float32Array));
    });

    // An edited knowledge base: only the new text goes to the model.
    await second.embedMany([...kb, '发票怎么开？']);
    expect(second.stats()).toMatchObject({ textsEmbedded: 1, diskMisses: 1 });
    await second.close();
  });
});

describe('inference in a worker thread', () => {
  // Event-loop utilization tells the two designs apart: onnxruntime-node runs the model synchronously
  // on the calling thread, so embedding these 500 texts on the main thread measured ELU 1.000 (and,
  // one text a call, gaps of only 16 ms, which is why the gap alone would not do); in the worker, 0.038.
  it('the main thread stays free while a large batch is embedded, and a query is served before it ends', async () => {
    const embedder = await mustLoad(tempDir(), { queryCacheSize: 0 });
    const texts = Array.from({ length: 500 }, (_, i) => `第${i}号问题：订单${i}什么时候发货，能不能改地址？`);
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    const eluBefore = performance.eventLoopUtilization();
    const began = performance.now();
    let bulkDoneAt = 0;
    const bulk = embedder.embedMany(texts).then((v) => {
      bulkDoneAt = performance.now();
      return v;
    });
    await new Promise((r) => setTimeout(r, 100));
    const query = await embedder.embed('可以开发票吗？');
    const queryDoneAt = performance.now();
    const vectors = await bulk;
    const elapsed = performance.now() - began;
    const elu = performance.eventLoopUtilization(eluBefore).utilization;
    clearInterval(timer);
    await embedder.close();

    expect(vectors).toHaveLength(500);
    expect(query).toHaveLength(512);
    expect(elapsed).toBeGreaterThan(500); // long enough for a busy main thread to show
    expect(elu).toBeLessThan(0.3);
    expect(maxGap).toBeLessThan(200);
    expect(queryDoneAt).toBeLessThan(bulkDoneAt);
  });
});
