// The knowledge base in the sentence-embedding models, kept in step with its index: vectors are
// built in the background after every load or learned question (a large base embedded for the first
// time takes minutes; the disk cache makes restarts quick), and meanwhile words answer alone, or
// the previous vectors do. One model ranks every entry for every language (EMBEDDING_MODEL_DIR); an
// English model (EMBEDDING_MODEL_DIR_EN) ranks English questions against the English texts, because
// the main model, Chinese-first, scores English sentences close together whatever they mean.
import type { Logger } from 'pino';
import type { Embedder } from '../../embedding/index.js';
import type { EmbeddingModels } from '../../embedding/models.js';
import type { Locale } from '../../engine/i18n.js';
import type { SemanticView } from './hybrid.js';
import type { KnowledgeBase } from './knowledge-base.js';
import { SemanticIndex } from './semantic.js';

/** What GET /api/v1/knowledge says of one model's vectors. */
export interface ModelStatus {
  /** The model, or null when there is none. */
  model: string | null;
  /** Whether the knowledge base's vectors are built (until then, words alone). */
  ready: boolean;
  /** Entries in the vectors in use. */
  entries: number;
}

/** What GET /api/v1/knowledge says of the embeddings: the main model's, and the English model's. */
export interface SemanticStatus extends ModelStatus {
  english: ModelStatus;
}

/** A question's similarities and the levels they are judged by, from the model for its language. */
export type SemanticLookup = (text: string, locale: Locale) => Promise<SemanticView>;

export interface SemanticOptions {
  /** The model for every language; empty = words alone. */
  modelDir: string;
  /** The model for English texts; empty = the main model for English too. */
  englishModelDir: string;
  /** The app's loaded models (shared with other features; closed by the app, not here). */
  models: EmbeddingModels;
  knowledge: KnowledgeBase;
  logger: Logger;
}

const NONE: ModelStatus = { model: null, ready: false, entries: 0 };

export async function semanticRanking(o: SemanticOptions) {
  const off = {
    current: (): SemanticLookup | undefined => undefined,
    embedTexts: () => undefined,
    status: (): SemanticStatus => ({ ...NONE, english: NONE }),
    settled: async () => {},
    close: async () => {},
  };
  if (!o.modelDir) {
    o.logger.info('knowledge: EMBEDDING_MODEL_DIR is empty: answering with lexical search only');
    return off;
  }
  const loaded = await o.models.load(o.modelDir);
  if (!loaded.ok) {
    o.logger.warn(`knowledge: ${loaded.reason}`);
    return off;
  }
  const main = new ModelIndex(loaded.embedder, undefined, o);
  const english = await englishModel(o);
  const all = english ? [main, english] : [main];
  const rebuild = () => {
    for (const m of all) m.rebuild();
  };
  rebuild();
  o.knowledge.onIndex(rebuild);
  return {
    current: (): SemanticLookup | undefined => {
      if (!main.index) return undefined;
      return async (text, locale) => {
        const index = (locale === 'en' ? english?.index : undefined) ?? (main.index as SemanticIndex);
        return { similarity: await index.similarities(text), calibration: index.calibration[locale] };
      };
    },
    embedTexts: () => (texts: readonly string[]) => Promise.all(texts.map((t) => main.embedder.embed(t))),
    status: (): SemanticStatus => ({ ...main.status(), english: english?.status() ?? NONE }),
    /** Settles when the vectors being built now are in use (or failed: see the log). */
    settled: async () => {
      await Promise.all(all.map((m) => m.building));
    },
    close: async () => {
      await Promise.all(all.map((m) => m.close()));
    },
  };
}

async function englishModel(o: SemanticOptions): Promise<ModelIndex | undefined> {
  if (!o.englishModelDir) return undefined;
  const loaded = await o.models.load(o.englishModelDir);
  if (loaded.ok) return new ModelIndex(loaded.embedder, 'en', o);
  o.logger.warn(
    `knowledge: English texts: ${loaded.reason.replace(/: answering with lexical search only$/, '')}: the main model ranks them too`,
  );
  return undefined;
}

/** One model's vectors of the knowledge base (of one language's texts, or all). */
class ModelIndex {
  index: SemanticIndex | undefined;
  /** The build under way (or the last one): settles, never rejects. */
  building: Promise<void> = Promise.resolve();
  private latest = 0;
  private closed = false;

  constructor(
    readonly embedder: Embedder,
    private readonly language: Locale | undefined,
    private readonly o: SemanticOptions,
  ) {}

  rebuild(): void {
    if (this.closed) return; // a knowledge base reloaded after stop (or by a closed evaluation) needs no vectors
    this.building = this.build().catch((err) => {
      // Stopping drops the embedding under way: nothing to report then.
      if (!this.closed) this.o.logger.warn({ err, model: this.embedder.model }, 'knowledge: embedding failed');
    });
  }

  private async build(): Promise<void> {
    const mine = ++this.latest;
    const started = Date.now();
    const built = await SemanticIndex.build(this.embedder, this.o.knowledge.current.entries, this.language);
    if (mine !== this.latest || this.closed) {
      built.close(); // a newer index is being built
      return;
    }
    const replaced = this.index;
    this.index = built;
    replaced?.close();
    this.o.logger.info(
      { entries: built.entries.length, ms: Date.now() - started, calibration: built.calibration },
      `knowledge: ${built.entries.length} entries embedded with ${this.embedder.model}${this.language ? ` (${this.language} texts)` : ''}`,
    );
  }

  status(): ModelStatus {
    return { model: this.embedder.model, ready: this.index !== undefined, entries: this.index?.entries.length ?? 0 };
  }

  /** Drops the knowledge base's vectors from the worker; the model itself stays loaded (the app closes it). */
  async close(): Promise<void> {
    this.closed = true;
    await this.building;
    this.index?.close();
    this.index = undefined;
  }
}
