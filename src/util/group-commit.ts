// Group commit: callers submit one item each; items that arrive while a flush is running are
// written together in the next flush. Under load, one database round trip serves many callers;
// when idle, an item is flushed on the next turn of the event loop.
export type FlushResult<O> = { ok: true; value: O } | { ok: false; error: unknown };

export class GroupCommit<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;
  private scheduled = false;

  constructor(
    private readonly flushItems: (items: I[]) => Promise<FlushResult<O>[]>,
    private readonly maxBatch = 256,
  ) {}

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
        let results: FlushResult<O>[];
        try {
          results = await this.flushItems(batch.map((b) => b.item));
        } catch (error) {
          results = batch.map(() => ({ ok: false as const, error }));
        }
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
}
