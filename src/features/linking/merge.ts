// One customer across channels: merging two customer records into one, and splitting an
// identity off again. The merge is one transaction: everything that belongs to the absorbed
// customer moves to the survivor, whose profile keeps its own values and takes the other's where
// it has none. What is the engine's (identities, history, outbox, dialogs, the profile) moves here;
// each feature moves its own rows through its merge hook (Feature.onCustomersMerged: points,
// purchases, rewards, feedback, tickets, referrals, birthday), given here as `moveRows`.
//
// Conflicting fields, the documented rule:
// - displayName, locale, birthday, referralCode, attributes: the survivor's; the other's only where the survivor has none.
// - stage: the more engaged of the two (prospect < churned < at_risk < new < active < loyal); the
//   lifecycle job computes it again from the joined purchases and activity.
// - optedOut: opted out if either was (an opt-out is never lost).
// - points: the ledgers are joined, so the balance is the sum; createdAt the earlier, lastSeenAt the later.
// - tickets: all move; if both had one open, the absorbed one's messages join the survivor's and it is
//   closed as merged (one open ticket per customer).
// - referrals: a customer can be referred once: if both were, the survivor's referral stays.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors.js';
import type { Db, Prisma, Tx } from '../../store/index.js';

const engagement = ['prospect', 'churned', 'at_risk', 'new', 'active', 'loyal'];
const moreEngaged = (a: string, b: string) => (engagement.indexOf(b) > engagement.indexOf(a) ? b : a);

export interface MergeResult {
  survivorId: string;
  absorbedId: string;
  identities: { channel: string; externalId: string }[];
  pointsBalance: number;
}

/** Moves everything of `absorbedId` into `survivorId`, logs it on both sides' chats, deletes the absorbed record. */
export type MoveRows = (tx: Tx, survivorId: string, absorbedId: string, at: Date) => Promise<void>;

export async function mergeCustomers(
  db: Db,
  moveRows: MoveRows,
  survivorId: string,
  absorbedId: string,
  at: Date,
  by: string,
): Promise<MergeResult> {
  if (survivorId === absorbedId) throw new AppError('HTTP_BAD_REQUEST', 'a customer cannot be merged with itself');
  return db.$transaction(async (tx) => {
    const [survivor, absorbed] = await Promise.all([
      tx.customer.findUnique({ where: { id: survivorId } }),
      tx.customer.findUnique({ where: { id: absorbedId } }),
    ]);
    if (!survivor) throw new AppError('HTTP_NOT_FOUND', `no customer ${survivorId}`);
    if (!absorbed) throw new AppError('HTTP_NOT_FOUND', `no customer ${absorbedId}`);

    const sides = await tx.channelIdentity.findMany({
      where: { customerId: { in: [survivorId, absorbedId] } },
      select: { customerId: true, channel: true, externalId: true },
    });
    // The features' rows first (every feature, also one switched off: its data stays the customer's).
    await moveRows(tx, survivorId, absorbedId, at);
    const move = { where: { customerId: absorbedId }, data: { customerId: survivorId } };
    await tx.channelIdentity.updateMany(move);
    await tx.interaction.updateMany(move);
    await tx.outbox.updateMany(move);
    await tx.pendingDialog.updateMany(move);
    // Held marketing and the frequency cap's record follow the customer (the cap counts both sides').
    await tx.heldMessage.updateMany(move);
    await tx.marketingSend.updateMany(move);

    await tx.customer.delete({ where: { id: absorbedId } });
    const merged = await tx.customer.update({
      where: { id: survivorId },
      data: {
        displayName: survivor.displayName ?? absorbed.displayName,
        locale: survivor.locale ?? absorbed.locale,
        attributes: { ...asObject(absorbed.attributes), ...asObject(survivor.attributes) } as Prisma.InputJsonValue,
        stage: moreEngaged(survivor.stage, absorbed.stage),
        optedOut: survivor.optedOut || absorbed.optedOut,
        createdAt: survivor.createdAt < absorbed.createdAt ? survivor.createdAt : absorbed.createdAt,
        lastSeenAt: survivor.lastSeenAt > absorbed.lastSeenAt ? survivor.lastSeenAt : absorbed.lastSeenAt,
      },
      include: { identities: { select: { channel: true, externalId: true } } },
    });
    // Logged for both sides, on each side's channel, so either history shows the merge.
    for (const side of [survivorId, absorbedId]) {
      const identity = sides.find((i) => i.customerId === side);
      await tx.interaction.create({
        data: {
          customerId: survivorId,
          channel: identity?.channel ?? 'admin',
          direction: 'event',
          kind: 'customer_merged',
          payload: { survivorId, absorbedId, side: side === survivorId ? 'survivor' : 'absorbed', by },
          createdAt: at,
        },
      });
    }
    return { survivorId, absorbedId, identities: merged.identities, pointsBalance: merged.pointsBalance };
  });
}

/** Splits one identity off into a new customer of its own; its history stays where it happened. */
export async function unlinkIdentity(
  db: Db,
  customerId: string,
  channel: string,
  externalId: string,
  at: Date,
  by: string,
): Promise<{ customerId: string }> {
  return db.$transaction(async (tx) => {
    const identities = await tx.channelIdentity.findMany({ where: { customerId } });
    const identity = identities.find((i) => i.channel === channel && i.externalId === externalId);
    if (!identity)
      throw new AppError('HTTP_NOT_FOUND', `customer ${customerId} has no identity ${channel}:${externalId}`);
    if (identities.length === 1) {
      throw new AppError('HTTP_CONFLICT', 'this is the customer’s only identity: there is nothing to unlink it from');
    }
    const created = await tx.customer.create({
      data: { id: randomUUID(), displayName: identity.displayName, createdAt: at, lastSeenAt: at },
    });
    await tx.channelIdentity.update({ where: { id: identity.id }, data: { customerId: created.id } });
    for (const id of [customerId, created.id]) {
      await tx.interaction.create({
        data: {
          customerId: id,
          channel,
          direction: 'event',
          kind: 'identity_unlinked',
          payload: { from: customerId, to: created.id, channel, externalId, by },
          createdAt: at,
        },
      });
    }
    return { customerId: created.id };
  });
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
