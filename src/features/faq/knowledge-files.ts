// Reading the knowledge files: YAML and CSV parsed into entries (a broken file is one error, with
// its line), and each entry tokenized into term ids (terms.ts). Written as steps that may pause,
// so the same code runs in the loading worker for a large base (load-worker.ts) and on the main
// thread in slices for a small one (knowledge-reader.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { detectLocale, type Locale, locales, normalizeLocale } from '../../engine/i18n.js';
import type { Steps } from '../../util/sliced.js';
import type { KnowledgeEntry } from './search.js';
import { encodeEntries, type TermBlock, Vocabulary } from './terms.js';
import { Synonyms } from './tokenize.js';

export interface LoadError {
  file: string;
  line?: number;
  message: string;
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

/** The entries of one knowledge file; throws FileError (with its line) when the file is broken. */
export function parseKnowledgeFile(text: string, file: string, defaultLocale: Locale): KnowledgeEntry[] {
  const parse = /\.csv$/i.test(file) ? parseCsvFile : parseYamlFile;
  return parse(text, file, defaultLocale);
}

export function loadError(file: string, err: unknown): LoadError {
  const line = err instanceof FileError ? err.line : undefined;
  return { file, ...(line ? { line } : {}), message: (err as Error).message };
}

export interface ReadRequest {
  dir: string;
  /** File names in dir, in the order to read them. */
  files: string[];
  defaultLocale: Locale;
  /** Synonyms.groups: the worker makes its own Synonyms from them. */
  synonyms: readonly (readonly string[])[];
  /** Entries per message at most (each message is unpacked on the main thread at once). */
  batch: number;
  /** The hash of each file at its last good load: a file still the same is not parsed again. */
  known: Record<string, string>;
}

/**
 * A file's entries, `batch` at a time (a file sends one or more, the last with `last`), with their
 * documents' term ids (a TermBlock: two documents per entry). Ids are the reader's own: `newTerms`
 * are the terms first used in this message, in id order, for the receiver to map them to its
 * vocabulary. A file as it was at its last good load is only named (`unchanged`).
 */
export type ReadMessage =
  | {
      type: 'entries';
      file: string;
      hash: string;
      entries: KnowledgeEntry[];
      newTerms: string[];
      block: TermBlock;
      last: boolean;
    }
  | { type: 'unchanged'; file: string }
  | { type: 'error'; file: string; error: LoadError }
  | { type: 'done' };

/** Reads, parses and tokenizes the files, sending what it finds; pauses after each file and entry. */
export function* readSteps(request: ReadRequest, send: (message: ReadMessage) => void): Steps<void> {
  const synonyms = new Synonyms(request.synonyms);
  const vocabulary = new Vocabulary();
  let sentTerms = 0;
  for (const file of request.files) {
    let entries: KnowledgeEntry[];
    let hash: string;
    try {
      const text = readFileSync(join(request.dir, file), 'utf8');
      hash = createHash('sha1').update(text).digest('hex');
      if (request.known[file] === hash) {
        send({ type: 'unchanged', file });
        yield;
        continue;
      }
      entries = parseKnowledgeFile(text, file, request.defaultLocale);
    } catch (err) {
      send({ type: 'error', file, error: loadError(file, err) });
      yield;
      continue;
    }
    yield;
    for (let start = 0; start === 0 || start < entries.length; start += request.batch) {
      const slice = entries.slice(start, start + request.batch);
      const block = yield* encodeEntries(slice, synonyms, vocabulary);
      send({
        type: 'entries',
        file,
        hash,
        entries: slice,
        newTerms: vocabulary.terms.slice(sentTerms),
        block,
        last: start + request.batch >= entries.length,
      });
      sentTerms = vocabulary.size;
    }
  }
  send({ type: 'done' });
}
