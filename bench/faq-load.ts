// npm run bench:faq-load: how long loading a large knowledge base takes and how long it holds the
// main thread, where customers' messages are answered. For each size (FAQ_LOAD_SIZES, default
// 10000,50000 entries, Chinese and English, written by test/helpers/knowledge-files.ts) it times the
// first load, a reload with every file changed, with one file changed and with none, while a 1 ms
// timer measures the longest stretch the event loop did not turn (and V8's longest GC pause in it).
// The same probe with nothing loading gives the machine's own noise. For reference, the same
// reading and indexing done in one synchronous stretch, as loads were before.
// Writes bench/results/faq-load-<time>.json. Not a test: it asserts nothing.
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { KnowledgeBase } from '../src/features/faq/knowledge-base.js';
import { type ReadMessage, readSteps } from '../src/features/faq/knowledge-files.js';
import { type KnowledgeEntry, KnowledgeIndex } from '../src/features/faq/search.js';
import { Synonyms } from '../src/features/faq/tokenize.js';
import { runNow } from '../src/util/sliced.js';
import { writeKnowledgeFiles } from '../test/helpers/knowledge-files.js';

const SIZES = (process.env.FAQ_LOAD_SIZES ?? '10000,50000').split(',').map(Number);
const round = (n: number) => Math.round(n * 10) / 10;

const config = loadConfig({ ...process.env, RAPPORT_CONFIG: process.env.RAPPORT_CONFIG ?? 'rapport.config.yaml' });
const synonyms = new Synonyms(config.settings.faq.synonyms);

interface Stalls {
  /** The longest time between two turns of the event loop (a 1 ms timer's longest gap), ms. */
  longestStallMs: number;
  /** Gaps longer than 50 ms. */
  stallsOver50ms: number;
  /** The longest garbage-collection pause in the same time, ms. */
  longestGcMs: number;
  /** The longest gap less the GC pauses within it: how long the code itself held the thread. */
  longestStallWithoutGcMs: number;
}

/** Runs `work` while a 1 ms timer and a GC observer watch the event loop. */
async function watched<T>(work: () => Promise<T>): Promise<{ result: T; ms: number } & Stalls> {
  const gaps: { start: number; end: number }[] = [];
  const pauses: { start: number; end: number }[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  gc.observe({ entryTypes: ['gc'] });
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    gaps.push({ start: last, end: now });
    last = now;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const t0 = performance.now();
  const result = await work();
  const ms = performance.now() - t0;
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(probe);
  gc.disconnect();
  const length = (g: { start: number; end: number }) => g.end - g.start;
  const withoutGc = (g: { start: number; end: number }) =>
    pauses.reduce((rest, p) => rest - Math.max(0, Math.min(g.end, p.end) - Math.max(g.start, p.start)), length(g));
  return {
    result,
    ms: round(ms),
    longestStallMs: round(Math.max(0, ...gaps.map(length))),
    stallsOver50ms: gaps.filter((g) => length(g) > 50).length,
    longestGcMs: round(Math.max(0, ...pauses.map(length))),
    longestStallWithoutGcMs: round(Math.max(0, ...gaps.map(withoutGc))),
  };
}

/** Changes a file's text (not its entries): a YAML comment, or an empty CSV line (skipped). */
function touch(dir: string, file: string, n: number): void {
  appendFileSync(join(dir, file), file.endsWith('.csv') ? '\n' : `\n# edited ${n}\n`);
}

/** The whole load as one synchronous stretch: read, parse, tokenize and index on this thread. */
function synchronousLoad(dir: string): number {
  const t0 = performance.now();
  const entries: KnowledgeEntry[] = [];
  const files = readdirSync(dir).sort();
  runNow(
    readSteps(
      { dir, files, defaultLocale: 'zh-CN', synonyms: synonyms.groups, batch: 1e9, known: {} },
      (m: ReadMessage) => {
        if (m.type === 'entries') entries.push(...m.entries);
      },
    ),
  );
  new KnowledgeIndex(entries, synonyms);
  return round(performance.now() - t0);
}

const noise = await watched(() => new Promise((resolve) => setTimeout(resolve, 3000)));
console.log(
  `noise (3 s, nothing loading): longest stall ${noise.longestStallMs} ms, longest GC ${noise.longestGcMs} ms, less GC ${noise.longestStallWithoutGcMs} ms`,
);

const results = [];
for (const size of SIZES) {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-faq-load-'));
  try {
    const written = writeKnowledgeFiles(dir, size);
    const kb = new KnowledgeBase({ dir, synonyms, defaultLocale: 'zh-CN', logger: pino({ level: 'warn' }) });
    const phases: Record<string, { ms: number; entries: number } & Stalls> = {};
    const phase = async (name: string, before: () => void) => {
      before();
      const { result, ...figures } = await watched(() => kb.load());
      phases[name] = { ...figures, entries: result.entries };
      console.log(
        `${size} entries, ${name.padEnd(16)} ${String(figures.ms).padStart(8)} ms; longest stall ${figures.longestStallMs} ms (${figures.stallsOver50ms} over 50 ms), longest GC ${figures.longestGcMs} ms, longest stall less GC ${figures.longestStallWithoutGcMs} ms`,
      );
    };
    await phase('firstLoad', () => {});
    await phase('allFilesChanged', () => {
      for (const file of written.files) touch(dir, file, 1);
    });
    await phase('oneFileChanged', () => touch(dir, written.files[0] as string, 2));
    await phase('nothingChanged', () => {});
    kb.close();
    const synchronousMs = synchronousLoad(dir);
    console.log(`${size} entries, the same work in one synchronous stretch: ${synchronousMs} ms`);
    results.push({ entries: size, files: written.files.length, phases, synchronousMs });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

mkdirSync('bench/results', { recursive: true });
const out = join('bench/results', `faq-load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, noise, results }, null, 2)}\n`,
);
console.log(`written ${out}`);
