// The sentence encoder itself: a quantized BERT in ONNX, run on CPU by onnxruntime-node. Runs
// inside the embedding worker (worker.ts); nothing here knows about threads or caches.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { WordPieceTokenizer } from './tokenizer.js';

/** Files a model folder must hold besides the ONNX file; missing ones are named in the start-up log. */
export const requiredModelFiles = ['vocab.txt', 'config.json', 'tokenizer_config.json'] as const;

/**
 * The ONNX files a folder may hold, as Transformers.js exports name them, and the precision each
 * name stands for (part of the model's name in logs and in the vector cache). A file may keep its
 * weights beside it in `<name>_data` (ONNX external data): both are needed.
 */
const onnxFiles = [
  { file: 'model_quantized.onnx', precision: 'int8' },
  { file: 'model_q4.onnx', precision: 'q4' },
  { file: 'model.onnx', precision: 'fp32' },
] as const;

export function onnxFileOf(dir: string): (typeof onnxFiles)[number] | undefined {
  return onnxFiles.find((f) => existsSync(join(dir, f.file)));
}

export function missingModelFiles(dir: string): string[] {
  const missing: string[] = onnxFileOf(dir) ? [] : [onnxFiles.map((f) => f.file).join(' or ')];
  return [...missing, ...requiredModelFiles.filter((f) => !existsSync(join(dir, f)))];
}

/**
 * How token vectors become one sentence vector, from the sentence-transformers folder's
 * `1_Pooling/config.json`: the [CLS] token's (BGE) or the mean of all tokens' (MiniLM). Without
 * that file: [CLS].
 */
export type Pooling = 'cls' | 'mean';

function poolingOf(dir: string): Pooling {
  const file = join(dir, '1_Pooling', 'config.json');
  if (!existsSync(file)) return 'cls';
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (config.pooling_mode_mean_tokens === true) return 'mean';
  if (config.pooling_mode_cls_token === true) return 'cls';
  throw new Error(`${file} asks for a pooling other than [CLS] or mean, which Rapport does not do`);
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
    readonly pooling: Pooling,
  ) {}

  static async load(dir: string, options: EncoderOptions): Promise<SentenceEncoder> {
    // Casing as the model's tokenizer_config.json says (bge-small-zh: kept, so capitalized English words
    // it has no entry for become [UNK]; lower-casing them measured no better on our paraphrase pairs).
    const tokenizer = WordPieceTokenizer.fromModelDir(dir);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { hidden_size?: unknown };
    const onnx = onnxFileOf(dir);
    if (!onnx) throw new Error(`no ONNX model in ${dir}`);
    const path = join(dir, onnx.file);
    const hash = createHash('sha256').update(readFileSync(path));
    if (existsSync(`${path}_data`)) hash.update(readFileSync(`${path}_data`));
    const fingerprint = hash.digest('hex').slice(0, 16);
    const pooling = poolingOf(dir);
    // From the path, not from bytes: ONNX Runtime finds external weights (<file>_data) beside it.
    const session = await ort.InferenceSession.create(path, {
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
      pooling,
    );
  }

  /**
   * Embeds a batch: one row of `dimensions` floats per text, in order, L2-normalized, pooled as
   * the model prescribes (BGE: the [CLS] token's last hidden state; MiniLM: the mean over the
   * text's tokens, padding left out).
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
      const row = out.subarray(i * d, (i + 1) * d);
      const tokens = this.pooling === 'cls' ? 1 : (encoded[i] as number[]).length;
      for (let j = 0; j < tokens; j++) {
        const token = data.subarray((i * width + j) * d, (i * width + j + 1) * d);
        for (let k = 0; k < d; k++) row[k] = (row[k] as number) + (token[k] as number);
      }
      let norm = 0;
      for (let k = 0; k < d; k++) norm += (row[k] as number) ** 2;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let k = 0; k < d; k++) row[k] = (row[k] as number) * scale;
    }
    for (const t of Object.values(result)) t.dispose();
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
