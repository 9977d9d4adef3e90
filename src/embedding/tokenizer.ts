// BERT WordPiece tokenizer over a model's vocab.txt, matching what Hugging Face's tokenizer.json
// (BertNormalizer + BertPreTokenizer + WordPiece + [CLS] … [SEP]) produces for one sentence, so the
// ONNX model sees the ids it was trained on. Written here rather than pulled in as a package:
// it is ~150 lines and the whole runtime stays one dependency (onnxruntime-node).
//
// One deliberate difference: text that spells a special token ("[SEP]") is tokenized as text,
// not as the special token, so a customer cannot inject structure into the model input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TokenizerOptions {
  /** Lower-case (and, as BERT does when lower-casing, strip accents). From tokenizer_config.json's do_lower_case. */
  lowercase: boolean;
  /** Strip accents even without lower-casing (tokenizer_config.json's strip_accents; null follows lowercase). */
  stripAccents?: boolean | null;
  /** Tokens per sequence, [CLS] and [SEP] included. */
  maxLength: number;
}

export interface Encoding {
  ids: number[];
  tokens: string[];
}

// The CJK Unified Ideograph blocks BERT isolates (its _is_chinese_char): each becomes its own word.
const cjkRanges: readonly (readonly [number, number])[] = [
  [0x4e00, 0x9fff],
  [0x3400, 0x4dbf],
  [0x20000, 0x2a6df],
  [0x2a700, 0x2b73f],
  [0x2b740, 0x2b81f],
  [0x2b820, 0x2ceaf],
  [0xf900, 0xfaff],
  [0x2f800, 0x2fa1f],
];
const control = /\p{C}/u;
const whitespace = /\p{White_Space}/u;
const unicodePunctuation = /\p{P}/u;
const nonSpacingMark = /\p{Mn}/gu;
const maxCharsPerWord = 100; // tokenizer.json's max_input_chars_per_word: longer words become [UNK]

function isCjk(cp: number): boolean {
  return cjkRanges.some(([lo, hi]) => cp >= lo && cp <= hi);
}

// BERT counts all ASCII non-alphanumeric printable characters as punctuation ($, +, <, =, >, ^, `, |, ~
// are symbols in Unicode), plus every Unicode P* character (，。！？：、 included).
function isPunctuation(ch: string, cp: number): boolean {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  return unicodePunctuation.test(ch);
}

export class WordPieceTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    readonly options: TokenizerOptions,
  ) {
    const id = (t: string) => {
      const v = vocab.get(t);
      if (v === undefined) throw new Error(`vocab.txt has no ${t} token`);
      return v;
    };
    this.clsId = id('[CLS]');
    this.sepId = id('[SEP]');
    this.padId = id('[PAD]');
    this.unkId = id('[UNK]');
  }

  /** Reads vocab.txt (one token a line, id = line number from 0) and the settings in tokenizer_config.json. */
  static fromModelDir(dir: string, overrides: Partial<TokenizerOptions> = {}): WordPieceTokenizer {
    const lines = readFileSync(join(dir, 'vocab.txt'), 'utf8').split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    const vocab = new Map<string, number>();
    lines.forEach((token, i) => {
      if (!vocab.has(token)) vocab.set(token, i);
    });
    const config = readJson(join(dir, 'tokenizer_config.json'));
    const modelConfig = readJson(join(dir, 'config.json'));
    const maxLength = Math.min(
      numberOr(config.model_max_length, 512),
      numberOr(modelConfig.max_position_embeddings, 512),
    );
    return new WordPieceTokenizer(vocab, {
      lowercase: config.do_lower_case === true,
      stripAccents: typeof config.strip_accents === 'boolean' ? config.strip_accents : null,
      maxLength,
      ...overrides,
    });
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  encode(text: string): Encoding {
    const tokens: string[] = ['[CLS]'];
    const ids: number[] = [this.clsId];
    const room = this.options.maxLength - 1; // keep a place for [SEP]
    outer: for (const word of this.words(text)) {
      for (const piece of this.wordPieces(word)) {
        if (ids.length >= room) break outer;
        tokens.push(piece.token);
        ids.push(piece.id);
      }
    }
    tokens.push('[SEP]');
    ids.push(this.sepId);
    return { ids, tokens };
  }

  /** Normalization and pre-tokenization: the words WordPiece then splits. */
  words(text: string): string[] {
    const { lowercase, stripAccents } = this.options;
    let normalized = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0) as number;
      if (cp === 0 || cp === 0xfffd) continue;
      // Controls go first (\v, \f, U+0085 are dropped, not spaces); tab and newlines are whitespace.
      if (ch !== '\t' && ch !== '\n' && ch !== '\r' && control.test(ch)) continue;
      if (whitespace.test(ch)) normalized += ' ';
      else if (isCjk(cp)) normalized += ` ${ch} `;
      else normalized += ch;
    }
    if (stripAccents === true || (stripAccents == null && lowercase)) {
      normalized = normalized.normalize('NFD').replace(nonSpacingMark, '');
    }
    if (lowercase) normalized = normalized.toLowerCase();

    const words: string[] = [];
    let current = '';
    for (const ch of normalized) {
      const cp = ch.codePointAt(0) as number;
      if (ch === ' ') {
        if (current) words.push(current);
        current = '';
      } else if (isPunctuation(ch, cp)) {
        if (current) words.push(current);
        words.push(ch);
        current = '';
      } else {
        current += ch;
      }
    }
    if (current) words.push(current);
    return words;
  }

  // Greedy longest-match-first; a word with any part not in the vocabulary is one [UNK], as in BERT.
  private wordPieces(word: string): { token: string; id: number }[] {
    const chars = Array.from(word);
    if (chars.length > maxCharsPerWord) return [{ token: '[UNK]', id: this.unkId }];
    const pieces: { token: string; id: number }[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: { token: string; id: number } | undefined;
      while (start < end) {
        const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        const id = this.vocab.get(sub);
        if (id !== undefined) {
          found = { token: sub, id };
          break;
        }
        end--;
      }
      if (!found) return [{ token: '[UNK]', id: this.unkId }];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}
