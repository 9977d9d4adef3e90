// Group commit: callers submit one item each; items that arrive while a flush is running are
// written together in the next flush. Under load, one database round trip serves many callers;
// when idle, an item is flushed on the next turn of the event loop.
//
// Items of many customers share a batch, so one bad item must not fail the others: when a
// batch throws, its items are flushed again one by one and only the culprit fails.
export type FlushResult<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  maxBatch?: number;
  /** Told when a batch failed and its items are retried one by one. */
  onBatchFailed?: (error: unknown, size: number) => void;
}

export class GroupCommit<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;
  private scheduled = false;
  private readonly maxBatch: number;

  constructor(
    private readonly flushItems: (items: I[]) => Promise<FlushResult<O>[]>,
    private readonly options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0, this.maxBatch);
        const results = await this.flushIsolated(batch.map((b) => b.item));
        batch.forEach((b, i) => {
          const r = results[i];
          if (r?.ok) b.resolve(r.value);
          else b.reject(r ? r.error : new Error('group commit: no result for item'));
        });
      }
    } finally {
      this.flushing = false;
    }
  }

  private async flushIsolated(items: I[]): Promise<FlushResult<O>[]> {
    try {
      return await this.flushItems(items);
    } catch (error) {
      if (items.length === 1) return [{ ok: false, error }];
      this.options.onBatchFailed?.(error, items.length);
      const results: FlushResult<O>[] = [];
      for (const item of items) {
        try {
          const [result] = await this.flushItems([item]);
          results.push(result ?? { ok: false, error: new Error('group commit: no result for item') });
        } catch (err) {
          results.push({ ok: false, error: err });
        }
      }
      return results;
    }
  }
}
