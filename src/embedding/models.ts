// The sentence-embedding models an app has loaded, one worker per model folder, shared by every
// feature that asks for it: the FAQ ranks the knowledge base with them and escalation scores each
// message with them, so a message is embedded once (the embedder's query cache) and each model's
// memory is paid once.
import { resolve } from 'node:path';
import { type EmbedderLoad, loadEmbedder } from './index.js';

export class EmbeddingModels {
  private readonly loads = new Map<string, Promise<EmbedderLoad>>();
  private closed = false;

  /** `cacheDir`: where knowledge-base vectors are kept between restarts (Rapport: DATA_DIR/embeddings). */
  constructor(private readonly cacheDir: string) {}

  /** The model in `modelDir`, loaded on first use; never throws (see loadEmbedder). */
  load(modelDir: string): Promise<EmbedderLoad> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'the app is stopping' });
    const key = resolve(modelDir);
    let load = this.loads.get(key);
    if (!load) {
      load = loadEmbedder({ modelDir, cacheDir: this.cacheDir });
      this.loads.set(key, load);
    }
    return load;
  }

  async close(): Promise<void> {
    this.closed = true;
    const loads = await Promise.all(this.loads.values());
    this.loads.clear();
    await Promise.all(loads.map((l) => (l.ok ? l.embedder.close() : undefined)));
  }
}
