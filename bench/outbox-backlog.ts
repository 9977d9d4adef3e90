// An outbox backlog and its drain, as the dispatcher drains it without a network: claimDue (its
// batch of 200, lease 15 s), then markSent of what was claimed. Shared by npm run bench:outbox
// (outbox-drain.ts, on an empty database) and npm run bench:data (data.ts, beside seeded history).
import { performance } from 'node:perf_hooks';
import { claimDue, markSent } from '../src/outbox/store.js';
import { insertMany } from '../src/store/bulk.js';
import type { Db, Store } from '../src/store/index.js';
import type { DatabaseProvider } from '../src/store/schema-engine.js';
import { percentile, round2 } from './load.js';

/** The dispatcher's defaults. */
export const BATCH = 200;
export const LEASE_MS = 15_000;
/** The backlog's channel: no adapter of the app sends on it, so only the drain takes its rows. */
export const CHANNEL = 'bench';
const FILL_ROWS_PER_INSERT = 2_000;

/**
 * `count` messages spread over `chats` private chats (rows go to them in turn, chat ids from
 * `firstChat`'s row on): pending and due since a minute ago, or sent a day ago.
 */
export async function fill(
  store: Store,
  count: number,
  status: 'pending' | 'sent',
  chats: number,
  firstRow = 0,
): Promise<void> {
  const at = new Date(Date.now() - (status === 'sent' ? 24 * 3600_000 : 60_000));
  for (let from = firstRow; from < firstRow + count; from += FILL_ROWS_PER_INSERT) {
    const rows = [];
    for (let i = from; i < Math.min(firstRow + count, from + FILL_ROWS_PER_INSERT); i++) {
      rows.push({
        channel: CHANNEL,
        chatId: `c${i % chats}`,
        chatType: 'private',
        message: { text: `message ${i}` },
        status,
        nextAttemptAt: at,
        createdAt: at,
        sentAt: status === 'sent' ? at : null,
      });
    }
    await insertMany(store.db, store.provider, 'Outbox', rows, { json: ['message'] });
    if (from > firstRow && (from - firstRow) % 200_000 === 0)
      console.log(`  ${status}: ${(from - firstRow).toLocaleString('en')}`);
  }
}

/** Claims and marks sent until `rows` rows went out (or none is left), as the dispatcher's tick and lanes do. */
export async function drain(db: Db, provider: DatabaseProvider, rows: number) {
  const claimMs: number[] = [];
  let sent = 0;
  const started = performance.now();
  while (sent < rows) {
    const t = performance.now();
    const claimed = await claimDue(db, {
      provider,
      owner: 'bench',
      now: new Date(),
      leaseMs: LEASE_MS,
      limit: BATCH,
      channels: [CHANNEL],
      busyChats: new Set(),
    });
    claimMs.push(performance.now() - t);
    if (!claimed.length) break;
    await markSent(
      db,
      claimed.map((r) => r.id),
      new Date(),
    );
    sent += claimed.length;
  }
  const seconds = (performance.now() - started) / 1000;
  claimMs.sort((a, b) => a - b);
  return {
    drained: sent,
    seconds: round2(seconds),
    rowsPerSecond: Math.round(sent / seconds),
    claims: claimMs.length,
    claimMs: { p50: round2(percentile(claimMs, 50)), p99: round2(percentile(claimMs, 99)) },
  };
}
