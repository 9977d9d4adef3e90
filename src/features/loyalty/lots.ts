// What the append-only ledger implies: which awarded points are still there, and when they
// expire. Spends, expiries and downward adjustments consume the oldest points first (the ones
// that expire soonest), so nobody loses points that a spend could have used.
import type { LedgerEntry } from './ledger.js';

export interface Lot {
  entryId: number;
  remaining: number;
  expiresAt: Date | null;
  createdAt: Date;
}

const order = (a: Lot, b: Lot) =>
  (a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) - (b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) ||
  a.entryId - b.entryId;

/** The lots with points left, soonest to expire first. Entries in ledger order (by id). */
export function openLots(entries: readonly LedgerEntry[]): Lot[] {
  const lots: Lot[] = [];
  for (const e of [...entries].sort((a, b) => a.id - b.id)) {
    if (e.delta > 0) {
      lots.push({ entryId: e.id, remaining: e.delta, expiresAt: e.expiresAt, createdAt: e.createdAt });
      lots.sort(order);
      continue;
    }
    let owed = -e.delta;
    // An expiry entry names the lot it expires; everything else takes the oldest points.
    const target = e.kind === 'expire' ? (e.meta as { lotEntryId?: number } | null)?.lotEntryId : undefined;
    const queue = target === undefined ? lots : [...lots.filter((l) => l.entryId === target), ...lots];
    for (const lot of queue) {
      if (owed === 0) break;
      const take = Math.min(owed, lot.remaining);
      lot.remaining -= take;
      owed -= take;
    }
    for (let i = lots.length - 1; i >= 0; i--) if ((lots[i] as Lot).remaining === 0) lots.splice(i, 1);
  }
  return lots;
}

/** Points that expire between now and `until`. */
export function expiringBetween(lots: readonly Lot[], now: Date, until: Date): number {
  return lots
    .filter((l) => l.expiresAt && l.expiresAt > now && l.expiresAt <= until)
    .reduce((sum, l) => sum + l.remaining, 0);
}

/** Lots whose time has come. */
export function expiredLots(lots: readonly Lot[], now: Date): Lot[] {
  return lots.filter((l) => l.expiresAt && l.expiresAt <= now);
}

/** Points earned (awards and upward adjustments) since a time: what tiers are based on. */
export function earnedSince(entries: readonly LedgerEntry[], since: Date): number {
  return entries
    .filter((e) => e.delta > 0 && (e.kind === 'award' || e.kind === 'adjust') && e.createdAt >= since)
    .reduce((sum, e) => sum + e.delta, 0);
}
