// The sentence encoder itself: an int8 BERT in ONNX, run on CPU by onnxruntime-node. Runs inside
// the embedding worker (worker.ts); nothing here knows about threads or caches.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { WordPieceTokenizer } from './tokenizer.js';

/** Files a model folder must hold; the first missing one is named in the start-up log. */
export const requiredModelFiles = [
  'model_quantized.onnx',
  'vocab.txt',
  'config.json',
  'tokenizer_config.json',
] as const;

export function missingModelFiles(dir: string): string[] {
  return requiredModelFiles.filter((f) => !existsSync(join(dir, f)));
}

export interface EncoderOptions {
  /** ONNX Runtime intra-op threads. */
  threads: number;
}

export class SentenceEncoder {
  /** session.run calls so far: the observable the cache tests count. */
  runs = 0;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly tokenizer: WordPieceTokenizer,
    readonly dimensions: number,
    /** First 16 hex digits of the ONNX file's SHA-256: cached vectors are only reused for the same weights. */
    readonly fingerprint: string,
    private readonly wantsTokenTypes: boolean,
  ) {}

  static async load(dir: string, options: EncoderOptions): Promise<SentenceEncoder> {
    // Casing as the model's tokenizer_config.json says (bge-small-zh: kept, so capitalized English words
    // it has no entry for become [UNK]; lower-casing them measured no better on our paraphrase pairs).
    const tokenizer = WordPieceTokenizer.fromModelDir(dir);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { hidden_size?: unknown };
    const bytes = readFileSync(join(dir, 'model_quantized.onnx'));
    const fingerprint = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const output = session.outputMetadata[0];
    const declared = output?.isTensor ? output.shape.at(-1) : undefined;
    const dimensions = typeof declared === 'number' ? declared : Number(config.hidden_size);
    if (!Number.isInteger(dimensions) || dimensions <= 0) {
      throw new Error('cannot tell the embedding size from the model or config.json');
    }
    return new SentenceEncoder(
      session,
      tokenizer,
      dimensions,
      fingerprint,
      session.inputNames.includes('token_type_ids'),
    );
  }

  /**
   * Embeds a batch: one row of `dimensions` floats per text, in order, L2-normalized.
   * Pooling is the [CLS] token's last hidden state, as BGE's model card prescribes.
   */
  async embedBatch(texts: readonly string[]): Promise<Float32Array> {
    const n = texts.length;
    const out = new Float32Array(n * this.dimensions);
    if (n === 0) return out;
    const encoded = texts.map((t) => this.tokenizer.encode(t).ids);
    const width = Math.max(...encoded.map((ids) => ids.length));
    const ids = new BigInt64Array(n * width).fill(BigInt(this.tokenizer.padId));
    const mask = new BigInt64Array(n * width);
    encoded.forEach((row, i) => {
      row.forEach((id, j) => {
        ids[i * width + j] = BigInt(id);
        mask[i * width + j] = 1n;
      });
    });
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [n, width]),
      attention_mask: new ort.Tensor('int64', mask, [n, width]),
    };
    if (this.wantsTokenTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * width), [n, width]);
    const result = await this.session.run(feeds);
    this.runs++;
    const hidden = result[this.session.outputNames[0] as string];
    if (!hidden) throw new Error('the model returned no output');
    const data = hidden.data as Float32Array;
    const d = this.dimensions;
    for (let i = 0; i < n; i++) {
      const cls = data.subarray(i * width * d, i * width * d + d);
      let norm = 0;
      for (let k = 0; k < d; k++) norm += (cls[k] as number) ** 2;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let k = 0; k < d; k++) out[i * d + k] = (cls[k] as number) * scale;
    }
    for (const t of Object.values(result)) t.dispose();
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
