// Messages staff labelled for the detector (POST /api/v1/escalation/examples, or "not a complaint"
// on a ticket). A message that is the same text, or close in meaning to one (the sentence
// embedding, same model), follows its label: the business teaches the detector without retraining
// it. Kept in memory with their vectors; other instances pick a new one up within `refreshMs`.
import type { Logger } from 'pino';
import { cosine, type Embedder } from '../../embedding/index.js';
import { AppError } from '../../errors.js';
import type { Db } from '../../store/index.js';
import { type Language, languageOf } from './language.js';
import { normalizeForScoring } from './text-features.js';

export interface ExampleRow {
  id: number;
  text: string;
  escalate: boolean;
  source: string;
  ticketId: number | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ExampleMatch {
  id: number;
  escalate: boolean;
  /** 1 for the same text. */
  similarity: number;
}

interface Loaded {
  id: number;
  key: string;
  escalate: boolean;
  language: Language;
  vector: Float32Array | undefined;
}

export interface ExamplesOptions {
  db: Db;
  /** The model each language is embedded with (none: same text only). */
  models: Partial<Record<Language, Embedder>>;
  logger: Logger;
  /** How often the table is checked for other instances' examples. */
  refreshMs?: number;
  /**
   * How close in meaning a message must be to follow an example. Sentence-embedding cosines
   * of paraphrases: bge-small-zh (compressed high) ≥ 0.9, all-MiniLM ≥ 0.85.
   */
  similarity?: Partial<Record<Language, number>>;
}

const DEFAULT_SIMILARITY: Record<Language, number> = { zh: 0.9, en: 0.85 };

/** The key an example is stored under: one label per text. */
export const exampleKey = (text: string) => normalizeForScoring(text).slice(0, 500);

export class TaughtExamples {
  private loaded: Loaded[] = [];
  private byKey = new Map<string, Loaded>();
  private version = '';
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly o: ExamplesOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.refresh(), this.o.refreshMs ?? 5_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reloads when the table changed (count or last update); never throws (logged). */
  refresh(): Promise<void> {
    this.refreshing ??= this.reload()
      .catch((err) => this.o.logger.warn({ err }, 'escalation: labelled examples not refreshed'))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private async reload(): Promise<void> {
    const { db } = this.o;
    const [count, last] = await Promise.all([
      db.escalationExample.count(),
      db.escalationExample.findFirst({ orderBy: { updatedAt: 'desc' }, select: { updatedAt: true, id: true } }),
    ]);
    const version = `${count}:${last?.updatedAt.getTime() ?? 0}:${last?.id ?? 0}`;
    if (version === this.version) return;
    const rows = await db.escalationExample.findMany({ select: { id: true, key: true, text: true, escalate: true } });
    const loaded: Loaded[] = [];
    for (const language of ['zh', 'en'] as const) {
      const mine = rows.filter((r) => languageOf(r.text) === language);
      const model = this.o.models[language];
      const vectors = model && mine.length > 0 ? await model.embedMany(mine.map((r) => r.text)) : [];
      mine.forEach((r, i) => {
        loaded.push({ id: r.id, key: r.key, escalate: r.escalate, language, vector: vectors[i] });
      });
    }
    this.loaded = loaded;
    this.byKey = new Map(loaded.map((e) => [e.key, e]));
    this.version = version;
  }

  /** The example this message follows: the same text, else the closest one close enough. */
  match(text: string, vector: Float32Array | undefined): ExampleMatch | undefined {
    const key = exampleKey(text);
    const same = this.byKey.get(key);
    if (same) return { id: same.id, escalate: same.escalate, similarity: 1 };
    if (!vector) return undefined;
    const language = languageOf(text);
    const needed = this.o.similarity?.[language] ?? DEFAULT_SIMILARITY[language];
    let best: ExampleMatch | undefined;
    for (const e of this.loaded) {
      if (e.language !== language || !e.vector || e.vector.length !== vector.length) continue;
      const similarity = cosine(vector, e.vector);
      if (similarity >= needed && similarity > (best?.similarity ?? 0))
        best = { id: e.id, escalate: e.escalate, similarity };
    }
    return best;
  }

  /** Adds or relabels an example (the same text keeps one row, with the latest label); in use at once here. */
  async add(input: {
    text: string;
    escalate: boolean;
    source: string;
    ticketId?: number | undefined;
    createdBy?: string | undefined;
  }): Promise<{ row: ExampleRow; created: boolean }> {
    const text = input.text.trim();
    const key = exampleKey(text);
    if (!key) throw new AppError('HTTP_BAD_REQUEST', 'body/text must not be blank');
    const data = {
      text,
      escalate: input.escalate,
      source: input.source,
      ticketId: input.ticketId ?? null,
      createdBy: input.createdBy ?? null,
    };
    const before = await this.o.db.escalationExample.findUnique({ where: { key }, select: { id: true } });
    const row = await this.o.db.escalationExample.upsert({ where: { key }, create: { key, ...data }, update: data });
    await this.refresh();
    return { row: strip(row), created: before === null };
  }

  async remove(id: number): Promise<boolean> {
    const { count } = await this.o.db.escalationExample.deleteMany({ where: { id } });
    await this.refresh();
    return count > 0;
  }

  /** Newest first: `limit + 1` rows after the cursor's id (see pageOf). */
  list(limit: number, before?: number): Promise<ExampleRow[]> {
    return this.o.db.escalationExample
      .findMany({ where: before ? { id: { lt: before } } : {}, orderBy: { id: 'desc' }, take: limit + 1 })
      .then((rows) => rows.map(strip));
  }

  get size(): number {
    return this.loaded.length;
  }
}

function strip(row: ExampleRow & { key?: string }): ExampleRow {
  const { key: _key, ...rest } = row;
  return rest;
}
