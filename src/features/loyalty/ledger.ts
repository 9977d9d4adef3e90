// The points ledger. Every change is one appended entry with an idempotency key, written in one
// transaction with the cached balance and an interaction event; a spend that would take the
// balance below zero is refused and changes nothing. A key seen before is answered before the
// balance is looked at: a repeat is a repeat, never a shortage. Safe under concurrent requests on
// SQLite and PostgreSQL: the balance moves by a conditional UPDATE, the key is a unique index.
import { AppError } from '../../errors.js';
import { type Db, isUniqueViolation, type Prisma, type Tx } from '../../store/index.js';

export type EntryKind = 'award' | 'spend' | 'expire' | 'adjust' | 'refund';

/**
 * The largest balance, and the largest single change, the ledger accepts. Points are 32-bit
 * integers in the database (PostgreSQL's INTEGER stops at 2,147,483,647); this bound keeps
 * every balance and delta clear of that, on both providers alike.
 */
export const POINTS_LIMIT = 2_000_000_000;

export interface EntryInput {
  customerId: string;
  kind: EntryKind;
  /** Positive for awards, negative for spends and expiries; either sign for adjustments. */
  delta: number;
  reason: string;
  idempotencyKey: string;
  expiresAt?: Date | null;
  meta?: Record<string, unknown>;
  at: Date;
}

export interface LedgerEntry {
  id: number;
  customerId: string;
  kind: string;
  delta: number;
  reason: string;
  idempotencyKey: string;
  expiresAt: Date | null;
  meta: unknown;
  createdAt: Date;
}

export interface EntryResult {
  entry: LedgerEntry;
  /** False when an entry with this key existed: nothing changed. */
  applied: boolean;
  balance: number;
}

export class InsufficientPoints extends AppError {
  constructor(
    readonly balance: number,
    readonly needed: number,
  ) {
    super('POINTS_INSUFFICIENT', `not enough points: balance ${balance}, needed ${needed}`);
    this.name = 'InsufficientPoints';
  }
}

export class PointsLimitExceeded extends AppError {
  constructor(message: string) {
    super('POINTS_LIMIT', message);
    this.name = 'PointsLimitExceeded';
  }
}

async function existing(db: Db | Tx, key: string): Promise<EntryResult | null> {
  const entry = await db.pointsEntry.findUnique({ where: { idempotencyKey: key } });
  if (!entry) return null;
  const customer = await db.customer.findUnique({ where: { id: entry.customerId }, select: { pointsBalance: true } });
  return { entry, applied: false, balance: customer?.pointsBalance ?? 0 };
}

/**
 * Inside a transaction: appends the entry, moves the balance, logs the event. A key seen before
 * returns the earlier entry with applied: false and changes nothing.
 */
export async function appendInTx(tx: Tx, input: EntryInput): Promise<EntryResult> {
  if (!Number.isInteger(input.delta) || input.delta === 0)
    throw new AppError('HTTP_BAD_REQUEST', 'delta must be a non-zero integer');
  if (Math.abs(input.delta) > POINTS_LIMIT)
    throw new PointsLimitExceeded(`a change of ${input.delta} points is past the limit of ±${POINTS_LIMIT}`);
  const seen = await existing(tx, input.idempotencyKey);
  if (seen) return seen;
  // The bound is part of the conditional UPDATE, so concurrent awards cannot pass it together.
  const moved = await tx.customer.updateMany({
    where: {
      id: input.customerId,
      pointsBalance: input.delta < 0 ? { gte: -input.delta } : { lte: POINTS_LIMIT - input.delta },
    },
    data: { pointsBalance: { increment: input.delta } },
  });
  if (moved.count === 0) {
    // On PostgreSQL this UPDATE may have waited for a transaction that wrote the same key and
    // spent the points; this statement sees what that one committed.
    const winner = await existing(tx, input.idempotencyKey);
    if (winner) return winner;
    const customer = await tx.customer.findUnique({ where: { id: input.customerId }, select: { pointsBalance: true } });
    if (!customer) throw new AppError('HTTP_NOT_FOUND', `no customer ${input.customerId}`);
    if (input.delta > 0)
      throw new PointsLimitExceeded(
        `a balance of ${customer.pointsBalance} + ${input.delta} points would pass the limit of ${POINTS_LIMIT}`,
      );
    throw new InsufficientPoints(customer.pointsBalance, -input.delta);
  }
  const entry = await tx.pointsEntry.create({
    data: {
      customerId: input.customerId,
      kind: input.kind,
      delta: input.delta,
      reason: input.reason,
      idempotencyKey: input.idempotencyKey,
      expiresAt: input.expiresAt ?? null,
      meta: (input.meta ?? undefined) as Prisma.InputJsonValue | undefined,
      createdAt: input.at,
    },
  });
  const { pointsBalance } = await tx.customer.findUniqueOrThrow({
    where: { id: input.customerId },
    select: { pointsBalance: true },
  });
  await tx.interaction.create({
    data: {
      customerId: input.customerId,
      channel: 'system',
      direction: 'event',
      kind: 'points',
      text: `${input.delta > 0 ? '+' : ''}${input.delta} ${input.reason}`,
      payload: {
        entryId: entry.id,
        kind: input.kind,
        delta: input.delta,
        reason: input.reason,
        balance: pointsBalance,
      },
      createdAt: input.at,
    },
  });
  return { entry, applied: true, balance: pointsBalance };
}

/** Appends one entry; a key seen before returns the earlier entry with applied: false. */
export async function append(db: Db, input: EntryInput): Promise<EntryResult> {
  try {
    return await db.$transaction((tx) => appendInTx(tx, input));
  } catch (err) {
    // Another request with the same key won the race; its entry is the answer.
    if (isUniqueViolation(err)) {
      const winner = await existing(db, input.idempotencyKey);
      if (winner) return winner;
    }
    throw err;
  }
}
