// npm run bench:embedding: the FAQ's offline sentence embedder (src/embedding) on this
// machine: model load time, resident memory it adds, warm per-query latency in the worker
// (1,000 zh+en queries, query cache off) and embedMany throughput over 10,000 short texts, cold
// (through the model) and again from the disk cache as after a restart.
// Writes bench/results/embedding-<timestamp>.json. Not a test: it asserts nothing.
// Options (environment): BENCH_QUERIES (1000), BENCH_TEXTS (10000), BENCH_BATCH (texts per model call, 1).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEmbedder } from '../src/embedding/index.js';

const QUERIES = Number(process.env.BENCH_QUERIES ?? 1_000);
const TEXTS = Number(process.env.BENCH_TEXTS ?? 10_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1);
const WARMUP = 20;
const modelDir = new URL('../models/bge-small-zh-v1.5/', import.meta.url).pathname;

const zhSubjects = ['订单', '退款', '会员卡', '优惠券', '发票', '快递', '积分', '预约', '门店', '账户', '密码', '套餐'];
const zhAsks = [
  '怎么查询我的{s}？',
  '{s}多久能处理好？',
  '我的{s}出问题了，怎么办？',
  '可以帮我取消{s}吗？',
  '{s}在哪里可以看到？',
  '请问{s}有什么限制吗？',
];
const enSubjects = [
  'order',
  'refund',
  'membership',
  'coupon',
  'invoice',
  'delivery',
  'points',
  'booking',
  'store',
  'account',
];
const enAsks = [
  'how do I check my {s}?',
  'how long does the {s} take?',
  'something is wrong with my {s}, what should I do?',
  'can you cancel my {s}?',
  'where can I see the {s}?',
  'are there any limits on the {s}?',
];

/** n distinct short customer questions, alternating Chinese and English; `tag` keeps sets apart. */
function questions(n: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const zh = (zhAsks[i % zhAsks.length] as string).replace('{s}', zhSubjects[i % zhSubjects.length] as string);
    const en = (enAsks[i % enAsks.length] as string).replace('{s}', enSubjects[i % enSubjects.length] as string);
    out.push(i % 2 === 0 ? `${zh}（${tag}${i}）` : `${en} (${tag}${i})`);
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

async function main(): Promise<void> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'rapport-bench-embedding-'));
  try {
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const loadStart = performance.now();
    const load = await loadEmbedder({ modelDir, cacheDir, queryCacheSize: 0, batchSize: BATCH });
    const loadMs = performance.now() - loadStart;
    if (!load.ok) throw new Error(load.reason);
    const embedder = load.embedder;
    const rssLoaded = process.memoryUsage().rss;

    // Warm per-query latency, one query at a time, measured from the caller (message passing included).
    const queries = questions(QUERIES + WARMUP, 'q');
    for (const q of queries.slice(0, WARMUP)) await embedder.embed(q);
    const latencies: number[] = [];
    for (const q of queries.slice(WARMUP)) {
      const t = performance.now();
      await embedder.embed(q);
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    const rssAfterQueries = process.memoryUsage().rss;

    // A knowledge base of TEXTS short texts: through the model, then again from the disk cache.
    const texts = questions(TEXTS, 'kb');
    const coldStart = performance.now();
    await embedder.embedMany(texts);
    const coldMs = performance.now() - coldStart;
    const rssAfterMany = process.memoryUsage().rss;
    const warmStart = performance.now();
    await embedder.embedMany(texts);
    const warmMs = performance.now() - warmStart;
    const stats = embedder.stats();
    await embedder.close();

    const result = {
      benchmark: 'faq-embedding',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      model: embedder.model,
      dimensions: embedder.dimensions,
      config: { threads: 1, batchSize: BATCH, queryCache: 'off' },
      load: { wallMs: round(loadMs), modelInWorkerMs: round(stats.loadMs) },
      residentMemoryMB: {
        before: mb(rssBefore),
        addedByLoad: mb(rssLoaded - rssBefore),
        addedAfterQueries: mb(rssAfterQueries - rssBefore),
        addedAfterEmbedMany: mb(rssAfterMany - rssBefore),
      },
      query: {
        count: latencies.length,
        warmup: WARMUP,
        latencyMs: {
          p50: round(percentile(latencies, 50)),
          p90: round(percentile(latencies, 90)),
          p99: round(percentile(latencies, 99)),
          max: round(latencies.at(-1) as number),
        },
      },
      embedMany: {
        texts: TEXTS,
        meanChars: round(texts.reduce((n, t) => n + t.length, 0) / texts.length, 1),
        throughModel: { ms: Math.round(coldMs), textsPerSecond: Math.round(TEXTS / (coldMs / 1000)) },
        fromDiskCache: { ms: Math.round(warmMs), textsPerSecond: Math.round(TEXTS / (warmMs / 1000)) },
      },
      stats: { modelRuns: stats.modelRuns, textsEmbedded: stats.textsEmbedded, diskHits: stats.diskHits },
    };
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    const file = new URL(`./results/embedding-${result.date.replace(/[:.]/g, '-')}.json`, import.meta.url);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

    const q = result.query.latencyMs;
    const m = result.embedMany;
    console.log(`
model ${result.model} (${result.dimensions} floats), ${result.machine.cpus} × ${result.machine.cpu}, 1 ONNX thread, ${BATCH} text(s) a model call
load: ${result.load.wallMs} ms (model in the worker ${result.load.modelInWorkerMs} ms)
resident memory added: ${result.residentMemoryMB.addedByLoad} MB by load, ${result.residentMemoryMB.addedAfterQueries} MB after the queries, ${result.residentMemoryMB.addedAfterEmbedMany} MB after embedMany
query, warm, in the worker (${result.query.count}, zh+en, cache off): p50 ${q.p50} ms, p90 ${q.p90} ms, p99 ${q.p99} ms, max ${q.max} ms
embedMany ${m.texts} short texts (mean ${m.meanChars} chars): ${m.throughModel.textsPerSecond} texts/s through the model (${m.throughModel.ms} ms), ${m.fromDiskCache.textsPerSecond} texts/s from the disk cache (${m.fromDiskCache.ms} ms)
written to ${file.pathname}`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

await main();
