// Search terms as numbers. Tokenizing is most of the cost of indexing a knowledge base, so each
// entry's two documents are tokenized once (in the loading worker for a large base, see
// load-worker.ts) into arrays of term ids, and the index is built from those arrays: rebuilding it
// (after a reload, or when learned questions change) is then typed-array work, not text work.
import type { Steps } from '../../util/sliced.js';
import type { KnowledgeEntry } from './search.js';
import { type Synonyms, tokenize } from './tokenize.js';

/** Term ↔ id. Ids only grow: arrays made with one stay valid as others are added. */
export class Vocabulary {
  private readonly ids = new Map<string, number>();
  readonly terms: string[] = [];

  get size(): number {
    return this.terms.length;
  }

  id(term: string): number | undefined {
    return this.ids.get(term);
  }

  intern(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.terms.push(term) - 1;
      this.ids.set(term, id);
    }
    return id;
  }

  encode(terms: readonly string[]): Int32Array {
    const out = new Int32Array(terms.length);
    for (let i = 0; i < terms.length; i++) out[i] = this.intern(terms[i] as string);
    return out;
  }
}

/**
 * Documents as term ids, packed in one array: document k is ids[ends[k - 1] .. ends[k]) (from 0
 * for k = 0), terms in the order of the text (lengths count repeats). A block of entries holds two
 * documents per entry: 2j its questions (with learned questions and tags), 2j + 1 its answer.
 */
export interface TermBlock {
  ids: Int32Array;
  ends: Int32Array;
}

/** Where the documents of an index are: document d is document slot[d] of blocks[block[d]]. */
export interface Documents {
  blocks: readonly TermBlock[];
  block: Int32Array;
  slot: Int32Array;
}

export function pack(docs: readonly Int32Array[]): TermBlock {
  const ends = new Int32Array(docs.length);
  let length = 0;
  docs.forEach((doc, k) => {
    length += doc.length;
    ends[k] = length;
  });
  const ids = new Int32Array(length);
  docs.forEach((doc, k) => {
    ids.set(doc, (ends[k] as number) - doc.length);
  });
  return { ids, ends };
}

/**
 * The text of an entry's questions document. One document for all the questions beat one per
 * question on the labelled set, as the words of a paraphrase are often spread over several stored
 * questions.
 */
export function questionText(entry: KnowledgeEntry): string {
  return [...entry.questions, ...(entry.learned ?? []), ...entry.tags].join(' \n ');
}

export function encodeText(text: string, synonyms: Synonyms, vocabulary: Vocabulary): Int32Array {
  return vocabulary.encode(tokenize(text, synonyms));
}

/** The entries' documents as one block (two per entry), pausing after each entry. */
export function* encodeEntries(
  entries: readonly KnowledgeEntry[],
  synonyms: Synonyms,
  vocabulary: Vocabulary,
): Steps<TermBlock> {
  const docs: Int32Array[] = [];
  for (const entry of entries) {
    docs.push(encodeText(questionText(entry), synonyms, vocabulary), encodeText(entry.answer, synonyms, vocabulary));
    yield;
  }
  return pack(docs);
}

/** The same documents with the ids of another vocabulary (entries kept from an earlier load). */
export function* mapBlock(block: TermBlock, from: Vocabulary, to: Vocabulary, ids: Int32Array): Steps<TermBlock> {
  const out = new Int32Array(block.ids.length);
  for (let i = 0; i < out.length; i++) {
    const id = block.ids[i] as number;
    if ((ids[id] as number) < 0) ids[id] = to.intern(from.terms[id] as string);
    out[i] = ids[id] as number;
    if ((i & 0xffff) === 0xffff) yield;
  }
  return { ids: out, ends: block.ends };
}
