// One customer across channels: merging two customer records into one, and splitting an
// identity off again. The merge is one transaction: everything that belongs to the absorbed
// customer (identities, history, points, purchases, rewards, feedback, tickets, dialogs) moves to
// the survivor, whose profile keeps its own values and takes the other's where it has none.
//
// Conflicting fields, the documented rule:
// - displayName, locale, birthday, referralCode, attributes: the survivor's; the other's only where the survivor has none.
// - stage: the more engaged of the two (prospect < churned < at_risk < customer < repeat < loyal).
// - optedOut: opted out if either was (an opt-out is never lost).
// - points: the ledgers are joined, so the balance is the sum; createdAt the earlier, lastSeenAt the later.
// - tickets: all move; if both had one open, the absorbed one's messages join the survivor's and it is
//   closed as merged (one open ticket per customer).
// - referrals: a customer can be referred once: if both were, the survivor's referral stays.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors.js';
import type { Db, Prisma, Tx } from '../../store/index.js';

const engagement = ['prospect', 'churned', 'at_risk', 'customer', 'repeat', 'loyal'];
const moreEngaged = (a: string, b: string) => (engagement.indexOf(b) > engagement.indexOf(a) ? b : a);

export interface MergeResult {
  survivorId: string;
  absorbedId: string;
  identities: { channel: string; externalId: string }[];
  pointsBalance: number;
}

/** Moves everything of `absorbedId` into `survivorId`, logs it on both sides' chats, deletes the absorbed record. */
export async function mergeCustomers(
  db: Db,
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
    const ticketId = await uniteTickets(tx, survivor.ticketId, absorbed.ticketId, at);
    const refereeRows = await tx.referral.count({ where: { refereeId: { in: [survivorId, absorbedId] } } });
    if (refereeRows === 2) await tx.referral.deleteMany({ where: { refereeId: absorbedId } });
    await tx.referral.updateMany({ where: { refereeId: absorbedId }, data: { refereeId: survivorId } });
    await tx.referral.updateMany({ where: { referrerId: absorbedId }, data: { referrerId: survivorId } });
    await tx.linkCode.deleteMany({ where: { customerId: absorbedId } });

    const move = { where: { customerId: absorbedId }, data: { customerId: survivorId } };
    await tx.channelIdentity.updateMany(move);
    await tx.interaction.updateMany(move);
    await tx.outbox.updateMany(move);
    await tx.pointsEntry.updateMany(move);
    await tx.purchase.updateMany(move);
    await tx.redemption.updateMany(move);
    await tx.feedback.updateMany(move);
    await tx.followUp.updateMany(move);
    await tx.pendingDialog.updateMany(move);
    await tx.ticket.updateMany(move);

    // The absorbed record goes first: its referral code is unique and may move to the survivor.
    await tx.customer.delete({ where: { id: absorbedId } });
    const merged = await tx.customer.update({
      where: { id: survivorId },
      data: {
        displayName: survivor.displayName ?? absorbed.displayName,
        locale: survivor.locale ?? absorbed.locale,
        birthday: survivor.birthday ?? absorbed.birthday,
        referralCode: survivor.referralCode ?? absorbed.referralCode,
        attributes: { ...asObject(absorbed.attributes), ...asObject(survivor.attributes) } as Prisma.InputJsonValue,
        stage: moreEngaged(survivor.stage, absorbed.stage),
        optedOut: survivor.optedOut || absorbed.optedOut,
        pointsBalance: survivor.pointsBalance + absorbed.pointsBalance,
        createdAt: survivor.createdAt < absorbed.createdAt ? survivor.createdAt : absorbed.createdAt,
        lastSeenAt: survivor.lastSeenAt > absorbed.lastSeenAt ? survivor.lastSeenAt : absorbed.lastSeenAt,
        ticketId,
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

/** Keeps one open ticket: the survivor's, else the absorbed one's; a second open one is folded in. */
async function uniteTickets(tx: Tx, keptId: number | null, otherId: number | null, at: Date): Promise<number | null> {
  const [kept, other] = await Promise.all([
    keptId ? tx.ticket.findUnique({ where: { id: keptId } }) : null,
    otherId ? tx.ticket.findUnique({ where: { id: otherId } }) : null,
  ]);
  const isOpen = (t: typeof kept) => t !== null && t.status !== 'resolved';
  if (kept && other && isOpen(kept) && isOpen(other)) {
    await tx.ticketMessage.updateMany({ where: { ticketId: other.id }, data: { ticketId: kept.id } });
    await tx.ticket.update({
      where: { id: other.id },
      data: { status: 'resolved', resolvedAt: at, assignee: other.assignee ?? `merged into #${kept.id}` },
    });
    return kept.id;
  }
  if (isOpen(kept)) return kept?.id ?? null;
  if (isOpen(other)) return other?.id ?? null;
  return Math.max(kept?.id ?? 0, other?.id ?? 0) || null;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
