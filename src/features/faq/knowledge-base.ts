// The knowledge base: YAML and CSV files in KNOWLEDGE_DIR, loaded into a search index and
// reloaded when they change. A broken file is reported with its name and line and keeps the
// entries it had at the last good load; the other files load as they are now.
//
// Loading never holds the main thread for long: a large base is parsed and tokenized in a worker
// (knowledge-reader.ts) and the index is built here in slices (util/sliced.ts), while the old
// index keeps answering; the new one replaces it at once when it is complete. Loads and rebuilds
// (learned questions changed) run one at a time, in the order asked.
import { existsSync, type FSWatcher, readdirSync, watch } from 'node:fs';
import type { Logger } from 'pino';
import type { Locale } from '../../engine/i18n.js';
import { runSliced, type Steps } from '../../util/sliced.js';
import type { LoadError } from './knowledge-files.js';
import { type FileRead, readKnowledgeFiles } from './knowledge-reader.js';
import { type KnowledgeEntry, KnowledgeIndex } from './search.js';
import { type Documents, encodeText, mapBlock, pack, questionText, type TermBlock, Vocabulary } from './terms.js';
import type { Synonyms } from './tokenize.js';

export type { LoadError } from './knowledge-files.js';

export interface KnowledgeReport {
  entries: number;
  byLocale: Record<Locale, number>;
  files: { file: string; entries: number }[];
  errors: LoadError[];
  loadedAt: Date;
}

/** Terms a vocabulary may hold that no entry uses, beyond as many as are used, before a new one is made. */
const FRESH_VOCABULARY_SLACK = 10_000;

export interface KnowledgeBaseOptions {
  dir: string;
  synonyms: Synonyms;
  defaultLocale: Locale;
  logger: Logger;
}

/**
 * A file's entries as last loaded, with their documents' term ids (of the knowledge base's
 * vocabulary; blocks of two documents per entry, in entry order) and the hash of its text.
 */
interface LoadedFile {
  entries: KnowledgeEntry[];
  blocks: TermBlock[];
  hash: string;
}

export class KnowledgeBase {
  private index: KnowledgeIndex;
  private readonly byFile = new Map<string, LoadedFile>();
  private report: KnowledgeReport;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Learned ways of asking, by entry id (kept in the database by ./learning.ts). */
  private learned = new Map<string, string[]>();
  /** The entries of the files loaded last, their documents and ids, and the vocabulary of those. */
  private entries: KnowledgeEntry[] = [];
  private documents: Documents = { blocks: [], block: new Int32Array(0), slot: new Int32Array(0) };
  /** Entry id → its place in entries (and in the index's). */
  private ids: ReadonlyMap<string, number> = new Map();
  private vocabulary = new Vocabulary();
  private readonly loadListeners: ((report: KnowledgeReport) => void)[] = [];
  private readonly indexListeners: ((index: KnowledgeIndex) => void)[] = [];
  /** The jobs (loads, rebuilds) run one after another; each waits for this. */
  private queue: Promise<unknown> = Promise.resolve();
  private queuedLoad: Promise<KnowledgeReport> | undefined;
  private queuedRebuild: Promise<void> | undefined;
  private readonly closing = new AbortController();

  constructor(private readonly options: KnowledgeBaseOptions) {
    this.index = new KnowledgeIndex([], options.synonyms);
    this.report = { entries: 0, byLocale: { 'zh-CN': 0, en: 0 }, files: [], errors: [], loadedAt: new Date() };
  }

  get current(): KnowledgeIndex {
    return this.index;
  }

  get lastReport(): KnowledgeReport {
    return this.report;
  }

  /** The entry with this id, as the index has it (with its learned questions). */
  entry(id: string): KnowledgeEntry | undefined {
    const i = this.ids.get(id);
    return i === undefined ? undefined : this.index.entries[i];
  }

  /**
   * Reads every file again; the new index replaces the old one only when it is built, and the
   * old one answers until then. Asked again while a load waits to start, the two are one load.
   */
  load(): Promise<KnowledgeReport> {
    this.queuedLoad ??= this.enqueue(() => {
      this.queuedLoad = undefined;
      return this.loadNow();
    });
    return this.queuedLoad;
  }

  /** Called after every load (the files changed, or a reload was asked for). */
  onLoad(listener: (report: KnowledgeReport) => void): void {
    this.loadListeners.push(listener);
  }

  /** Whether the files loaded last hold this entry. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /**
   * Replaces the learned ways of asking; the index is rebuilt with them, after any load or rebuild
   * under way (a small base's rebuild finishes in its first slice, before other callbacks run).
   */
  setLearned(learned: ReadonlyMap<string, readonly string[]>): Promise<void> {
    // The same as the index has (read again after every load): nothing to rebuild.
    if (sameLearned(learned, this.learned)) return this.queuedRebuild ?? this.queue.then(() => {});
    this.learned = new Map([...learned].map(([id, questions]) => [id, [...questions]]));
    this.queuedRebuild ??= this.enqueue(() => {
      this.queuedRebuild = undefined;
      return this.rebuildNow();
    });
    return this.queuedRebuild;
  }

  /** Called with every new index: after a load, and when the learned questions change. */
  onIndex(listener: (index: KnowledgeIndex) => void): void {
    this.indexListeners.push(listener);
  }

  /** Reloads shortly after files in the folder change (editors write in several steps). */
  watch(debounceMs = 300): void {
    if (this.watcher || !existsSync(this.options.dir)) return;
    this.watcher = watch(this.options.dir, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(
        () => void this.load().catch((err) => this.options.logger.warn({ err }, 'knowledge: reload failed')),
        debounceMs,
      );
    });
    this.watcher.on('error', (err) => this.options.logger.warn({ err }, 'knowledge: watching stopped'));
  }

  /** Stops watching and any load under way (its worker ends); loads asked for after this do nothing. */
  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    this.closing.abort();
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => {});
    return run;
  }

  private async loadNow(): Promise<KnowledgeReport> {
    const { dir, defaultLocale, logger, synonyms } = this.options;
    if (this.closing.signal.aborted) return this.report;
    const errors: LoadError[] = [];
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /\.(ya?ml|csv)$/i.test(f))
          .sort()
      : [];
    if (!existsSync(dir)) errors.push({ file: dir, message: 'KNOWLEDGE_DIR does not exist' });
    // One vocabulary from load to load, so the files read before (unchanged, or broken now) keep
    // their term ids; a new one when most of its terms are no longer used, so they do not pile up
    // (those files are then mapped into it).
    const fresh = this.vocabulary.size > 2 * this.index.termsUsed + FRESH_VOCABULARY_SLACK;
    const vocabulary = fresh ? new Vocabulary() : this.vocabulary;
    const known = Object.fromEntries([...this.byFile].map(([file, loaded]) => [file, loaded.hash]));
    let read: FileRead[];
    try {
      read = await readKnowledgeFiles(
        { dir, files, defaultLocale, synonyms: synonyms.groups, known },
        {
          vocabulary,
          logger,
          signal: this.closing.signal,
          previous: (id) => {
            const i = this.ids.get(id);
            return i === undefined ? undefined : this.entries[i];
          },
        },
      );
    } catch (err) {
      if (this.closing.signal.aborted) return this.report;
      throw err;
    }
    for (const result of read) if ('error' in result) errors.push(result.error);
    // The files in the order they were first loaded (a kept file keeps its place), which decides
    // which of two entries with one id is used; files read before (unchanged, or broken now) with
    // their term ids mapped to a new vocabulary.
    const byFile = new Map<string, LoadedFile>();
    const remap = new Int32Array(this.vocabulary.size).fill(-1);
    for (const file of [...this.byFile.keys(), ...files]) {
      if (byFile.has(file) || !files.includes(file)) continue;
      const result = read[files.indexOf(file)] as FileRead;
      const before = this.byFile.get(file);
      if ('entries' in result) byFile.set(file, { entries: result.entries, blocks: result.blocks, hash: result.hash });
      else if (before && !fresh) byFile.set(file, before);
      else if (before) {
        const blocks: TermBlock[] = [];
        for (const block of before.blocks)
          blocks.push(await runSliced(mapBlock(block, this.vocabulary, vocabulary, remap)));
        byFile.set(file, { ...before, blocks });
      }
    }
    const { entries, documents, seen } = await runSliced(merge(byFile, errors));
    const index = await runSliced(this.indexSteps(entries, documents, vocabulary));
    if (this.closing.signal.aborted) return this.report;
    // Everything at once: the index, what it was built from, and the report.
    this.byFile.clear();
    for (const [file, loaded] of byFile) this.byFile.set(file, loaded);
    this.entries = entries;
    this.documents = documents;
    this.ids = seen;
    this.vocabulary = vocabulary;
    this.report = {
      entries: entries.length,
      byLocale: {
        'zh-CN': entries.filter((e) => e.locale === 'zh-CN').length,
        en: entries.filter((e) => e.locale === 'en').length,
      },
      files: [...byFile].map(([file, loaded]) => ({ file, entries: loaded.entries.length })),
      errors,
      loadedAt: new Date(),
    };
    this.swap(index);
    for (const e of errors)
      logger.warn({ file: e.file, line: e.line }, `knowledge: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`);
    logger.info(
      { entries: entries.length, files: files.length },
      `knowledge base: ${entries.length} entries from ${files.length} file(s)`,
    );
    for (const listener of this.loadListeners) listener(this.report);
    return this.report;
  }

  private async rebuildNow(): Promise<void> {
    if (this.closing.signal.aborted) return;
    const index = await runSliced(this.indexSteps(this.entries, this.documents, this.vocabulary));
    this.swap(index);
  }

  private swap(index: KnowledgeIndex): void {
    this.index = index;
    for (const listener of this.indexListeners) listener(this.index);
  }

  /**
   * The index of the entries with their learned questions: the questions document of an entry
   * that has some is tokenized again (into a block of its own); the others are used as they are.
   */
  private *indexSteps(
    entries: readonly KnowledgeEntry[],
    documents: Documents,
    vocabulary: Vocabulary,
  ): Steps<KnowledgeIndex> {
    const withLearned = entries.slice();
    const block = documents.block.slice();
    const slot = documents.slot.slice();
    const relearned: Int32Array[] = [];
    const learnedNow = this.learned; // setLearned may replace it while this runs
    for (let i = 0; i < entries.length; i++) {
      const learned = learnedNow.get((entries[i] as KnowledgeEntry).id);
      if (learned?.length) {
        const entry = { ...(entries[i] as KnowledgeEntry), learned };
        withLearned[i] = entry;
        block[2 * i] = documents.blocks.length;
        slot[2 * i] = relearned.length;
        relearned.push(encodeText(questionText(entry), this.options.synonyms, vocabulary));
        yield;
      } else if (i % 1024 === 0) yield;
    }
    const blocks = relearned.length ? [...documents.blocks, pack(relearned)] : documents.blocks;
    return yield* KnowledgeIndex.steps(withLearned, { blocks, block, slot }, vocabulary, this.options.synonyms);
  }
}

/** The files' entries as one list, the first of two with one id kept (the other is an error). */
function* merge(
  byFile: ReadonlyMap<string, LoadedFile>,
  errors: LoadError[],
): Steps<{ entries: KnowledgeEntry[]; documents: Documents; seen: Map<string, number> }> {
  const entries: KnowledgeEntry[] = [];
  const blocks: TermBlock[] = [];
  const block: number[] = [];
  const slot: number[] = [];
  const seen = new Map<string, number>();
  let done = 0;
  for (const [file, loaded] of byFile) {
    let b = 0;
    let k = 0; // the entry's place in block b
    for (const entry of loaded.entries) {
      while (k * 2 >= (loaded.blocks[b] as TermBlock).ends.length) [b, k] = [b + 1, 0];
      if (k === 0) blocks.push(loaded.blocks[b] as TermBlock);
      const first = seen.get(entry.id);
      if (first !== undefined) {
        const where = (entries[first] as KnowledgeEntry).source;
        errors.push({ file, message: `id "${entry.id}" is used in ${where} already; this one is ignored` });
      } else {
        seen.set(entry.id, entries.length);
        entries.push(entry);
        block.push(blocks.length - 1, blocks.length - 1);
        slot.push(2 * k, 2 * k + 1);
      }
      k++;
      if (++done % 1024 === 0) yield;
    }
  }
  const documents = { blocks, block: Int32Array.from(block), slot: Int32Array.from(slot) };
  return { entries, documents, seen };
}

function sameLearned(a: ReadonlyMap<string, readonly string[]>, b: ReadonlyMap<string, readonly string[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, questions] of a) {
    const other = b.get(id);
    if (!other || other.length !== questions.length || questions.some((q, i) => q !== other[i])) return false;
  }
  return true;
}
