// The knowledge base: YAML and CSV files in KNOWLEDGE_DIR, loaded into a search index and
// reloaded when they change. A broken file is reported with its name and line and keeps the
// entries it had at the last good load; the other files load as they are now.
import { createHash } from 'node:crypto';
import { existsSync, type FSWatcher, readdirSync, readFileSync, watch } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Logger } from 'pino';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { detectLocale, type Locale, locales, normalizeLocale } from '../../engine/i18n.js';
import { type KnowledgeEntry, KnowledgeIndex } from './search.js';
import type { Synonyms } from './tokenize.js';

export interface LoadError {
  file: string;
  line?: number;
  message: string;
}

export interface KnowledgeReport {
  entries: number;
  byLocale: Record<Locale, number>;
  files: { file: string; entries: number }[];
  errors: LoadError[];
  loadedAt: Date;
}

class FileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

const stringList = z.union([
  z
    .string()
    .min(1)
    .transform((s) => [s]),
  z.array(z.string().min(1)).min(1),
]);

const entrySchema = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][\w.-]{0,99}$/, 'letters, digits, "-", "_" or "." (at most 100)')
      .optional(),
    questions: stringList.optional(),
    question: z.string().min(1).optional(),
    answer: z.string().trim().min(1),
    locale: z.string().optional(),
    tags: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .strict()
  .refine((e) => e.questions || e.question, { message: 'needs questions (a list) or question' });

type RawEntry = z.infer<typeof entrySchema>;

function toEntry(raw: RawEntry, fallbackId: string, source: string, defaultLocale: Locale): KnowledgeEntry {
  const questions = [...(raw.questions ?? []), ...(raw.question ? [raw.question] : [])].map((q) => q.trim());
  const given = raw.locale === undefined ? undefined : normalizeLocale(raw.locale);
  if (raw.locale !== undefined && !given)
    throw new FileError(`locale "${raw.locale}" is not one of ${locales.join(', ')}`);
  const tags = typeof raw.tags === 'string' ? raw.tags.split(/[;,|\s]+/) : (raw.tags ?? []);
  return {
    id: raw.id ?? fallbackId,
    questions,
    answer: raw.answer.trim(),
    locale: given ?? detectLocale(`${raw.answer} ${questions.join(' ')}`) ?? defaultLocale,
    tags: tags.map((t) => t.trim()).filter(Boolean),
    source,
  };
}

function issue(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
}

function parseYamlFile(text: string, file: string, defaultLocale: Locale): KnowledgeEntry[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const first = doc.errors[0];
  if (first) throw new FileError(first.message.split('\n')[0] ?? 'not valid YAML', first.linePos?.[0].line);
  if (doc.contents === null) return [];
  if (!isSeq(doc.contents)) throw new FileError('expected a list of entries (- id: …)', 1);
  return doc.contents.items.map((item, i) => {
    const line =
      item && typeof item === 'object' && 'range' in item && item.range
        ? lineCounter.linePos(item.range[0]).line
        : undefined;
    if (!isMap(item)) throw new FileError(`entry ${i + 1}: expected id, questions, answer`, line);
    const parsed = entrySchema.safeParse(item.toJSON());
    if (!parsed.success) throw new FileError(`entry ${i + 1}: ${issue(parsed.error)}`, line);
    try {
      return toEntry(parsed.data, `${basename(file, extname(file))}-${i + 1}`, file, defaultLocale);
    } catch (err) {
      throw new FileError(`entry ${i + 1}: ${(err as Error).message}`, line);
    }
  });
}

function parseCsvFile(text: string, file: string, defaultLocale: Locale): KnowledgeEntry[] {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, info: true, bom: true });
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new FileError((err as Error).message.split('\n')[0] ?? 'not valid CSV', line);
  }
  const header = rows[0] ? Object.keys(rows[0].record) : [];
  if (rows.length && (!header.includes('question') || !header.includes('answer'))) {
    throw new FileError('the header must name the columns question,answer[,id,locale,tags]', 1);
  }
  // Several rows with one id are one entry: the first carries the answer, the others add
  // ways of asking (a spreadsheet has one question per row).
  const byId = new Map<string, KnowledgeEntry>();
  const entries: KnowledgeEntry[] = [];
  for (const { record, info } of rows) {
    const raw = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ''));
    const earlier = raw.id ? byId.get(raw.id) : undefined;
    if (earlier) {
      if (!raw.question) throw new FileError('a row without a question', info.lines);
      if (raw.answer && raw.answer.trim() !== earlier.answer) {
        throw new FileError(`id "${raw.id}" has another answer on an earlier row`, info.lines);
      }
      earlier.questions.push(raw.question.trim());
      continue;
    }
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) throw new FileError(issue(parsed.error), info.lines);
    // Rows without an id get one from their question, so it stays stable when rows move.
    const hash = createHash('sha1')
      .update(parsed.data.question ?? '')
      .digest('hex')
      .slice(0, 8);
    try {
      const entry = toEntry(parsed.data, `${basename(file, extname(file))}-${hash}`, file, defaultLocale);
      if (raw.id) byId.set(raw.id, entry);
      entries.push(entry);
    } catch (err) {
      throw new FileError((err as Error).message, info.lines);
    }
  }
  return entries;
}

export interface KnowledgeBaseOptions {
  dir: string;
  synonyms: Synonyms;
  defaultLocale: Locale;
  logger: Logger;
}

export class KnowledgeBase {
  private index: KnowledgeIndex;
  private readonly byFile = new Map<string, KnowledgeEntry[]>();
  private report: KnowledgeReport;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Learned ways of asking, by entry id (kept in the database by ./learning.ts). */
  private learned = new Map<string, string[]>();
  private entries: KnowledgeEntry[] = [];
  private readonly loadListeners: ((report: KnowledgeReport) => void)[] = [];
  private readonly indexListeners: ((index: KnowledgeIndex) => void)[] = [];

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

  entry(id: string): KnowledgeEntry | undefined {
    return this.index.entries.find((e) => e.id === id);
  }

  /** Reads every file again; the new index replaces the old one only when it is built. */
  load(): KnowledgeReport {
    const { dir, defaultLocale, logger } = this.options;
    const errors: LoadError[] = [];
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /\.(ya?ml|csv)$/i.test(f))
          .sort()
      : [];
    if (!existsSync(dir)) errors.push({ file: dir, message: 'KNOWLEDGE_DIR does not exist' });
    for (const gone of [...this.byFile.keys()].filter((f) => !files.includes(f))) this.byFile.delete(gone);
    for (const file of files) {
      try {
        const text = readFileSync(join(dir, file), 'utf8');
        const parse = /\.csv$/i.test(file) ? parseCsvFile : parseYamlFile;
        this.byFile.set(file, parse(text, file, defaultLocale));
      } catch (err) {
        const line = err instanceof FileError ? err.line : undefined;
        errors.push({ file, ...(line ? { line } : {}), message: (err as Error).message });
      }
    }
    const entries: KnowledgeEntry[] = [];
    const seen = new Map<string, string>();
    for (const [file, list] of this.byFile) {
      for (const entry of list) {
        const first = seen.get(entry.id);
        if (first) {
          errors.push({ file, message: `id "${entry.id}" is used in ${first} already; this one is ignored` });
          continue;
        }
        seen.set(entry.id, file);
        entries.push(entry);
      }
    }
    this.entries = entries;
    this.rebuild();
    this.report = {
      entries: entries.length,
      byLocale: {
        'zh-CN': entries.filter((e) => e.locale === 'zh-CN').length,
        en: entries.filter((e) => e.locale === 'en').length,
      },
      files: [...this.byFile].map(([file, list]) => ({ file, entries: list.length })),
      errors,
      loadedAt: new Date(),
    };
    for (const e of errors)
      logger.warn({ file: e.file, line: e.line }, `knowledge: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`);
    logger.info(
      { entries: entries.length, files: files.length },
      `knowledge base: ${entries.length} entries from ${files.length} file(s)`,
    );
    for (const listener of this.loadListeners) listener(this.report);
    return this.report;
  }

  /** Called after every load (the files changed, or a reload was asked for). */
  onLoad(listener: (report: KnowledgeReport) => void): void {
    this.loadListeners.push(listener);
  }

  /** Whether the files loaded last hold this entry. */
  has(id: string): boolean {
    return this.entries.some((e) => e.id === id);
  }

  /** Replaces the learned ways of asking; the index is rebuilt with them at once. */
  setLearned(learned: ReadonlyMap<string, readonly string[]>): void {
    this.learned = new Map([...learned].map(([id, questions]) => [id, [...questions]]));
    this.rebuild();
  }

  private rebuild(): void {
    const entries = this.entries.map((e) => {
      const learned = this.learned.get(e.id);
      return learned?.length ? { ...e, learned } : e;
    });
    this.index = new KnowledgeIndex(entries, this.options.synonyms);
    for (const listener of this.indexListeners) listener(this.index);
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
      this.timer = setTimeout(() => this.load(), debounceMs);
    });
    this.watcher.on('error', (err) => this.options.logger.warn({ err }, 'knowledge: watching stopped'));
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
