import { describe, expect, it } from 'vitest';
import { plainFromSlack } from '../adapters/slack/render.js';
import { GroupCommit } from '../src/util/group-commit.js';
import { invalidTextReason, isBlank, sanitizeText } from '../src/util/text.js';

describe('GroupCommit', () => {
  it('writes items that arrive together in one batch', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      return items.map((i) => ({ ok: true, value: i * 2 }));
    });
    expect(await Promise.all([1, 2, 3].map((i) => commit.submit(i)))).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('retries a failed batch item by item, so only the culprit fails', async () => {
    const batches: number[][] = [];
    const failures: number[] = [];
    const commit = new GroupCommit<number, number>(
      async (items) => {
        batches.push(items);
        // As a database does: one bad row fails the whole statement.
        if (items.includes(13)) throw new Error('row 13 is bad');
        return items.map((i) => ({ ok: true, value: i }));
      },
      { onBatchFailed: (_err, size) => failures.push(size) },
    );
    const results = await Promise.allSettled([11, 12, 13, 14].map((i) => commit.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason.message).toBe('row 13 is bad');
    expect(failures).toEqual([4]);
    expect(batches).toEqual([[11, 12, 13, 14], [11], [12], [13], [14]]);
  });
});

describe('storable text', () => {
  it('names lone surrogates and control characters, and lets ordinary text through', () => {
    expect(invalidTextReason('a\ud800b')).toMatch(/surrogate/);
    expect(invalidTextReason('\udc00')).toMatch(/surrogate/);
    expect(invalidTextReason('x\u0000')).toMatch(/control/);
    expect(invalidTextReason('\u001b[31m')).toMatch(/control/);
    expect(invalidTextReason('你好，世界！\n\ttab\r\n😀 👍🏽')).toBeUndefined();
  });

  it('makes text storable for platforms that cannot be answered with an error', () => {
    expect(sanitizeText('a\ud800b\u0000c\u0007')).toBe('a\ufffdbc');
    expect(sanitizeText('😀 ok')).toBe('😀 ok');
    // A staff reply from Slack is relayed storable, whatever Slack delivers.
    expect(plainFromSlack('稍等\u0000，马上处理 \ud800')).toBe('稍等，马上处理 \ufffd');
  });

  it('sees zero-width-only text as blank, but not emoji joined by zero-width joiners', () => {
    expect(isBlank(undefined)).toBe(true);
    expect(isBlank(' \u200b\u200c\u200d\u2060\ufeff\u00ad ')).toBe(true);
    expect(isBlank('👨‍👩‍👧')).toBe(false);
    expect(isBlank('好')).toBe(false);
  });
});
