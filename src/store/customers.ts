// Customers and their channel identities.

import type { Customer } from './generated/sqlite/client.js';
import { type Db, isUniqueViolation } from './index.js';

export type { Customer };

export interface ResolvedCustomer {
  customer: Customer;
  isNew: boolean;
}

/** Finds the customer behind a channel account, creating both on first contact. */
export async function resolveCustomer(
  db: Db,
  channel: string,
  externalId: string,
  name: string | undefined,
): Promise<ResolvedCustomer> {
  const where = { channel_externalId: { channel, externalId } };
  const found = await db.channelIdentity.findUnique({ where, include: { customer: true } });
  if (found) return { customer: found.customer, isNew: false };
  try {
    const customer = await db.customer.create({
      data: { displayName: name ?? null, identities: { create: { channel, externalId, displayName: name ?? null } } },
    });
    return { customer, isNew: true };
  } catch (err) {
    // Two first messages at once: the other request created the identity.
    if (!isUniqueViolation(err)) throw err;
    const again = await db.channelIdentity.findUnique({ where, include: { customer: true } });
    if (!again) throw err;
    return { customer: again.customer, isNew: false };
  }
}

export interface IdentityKey {
  channel: string;
  externalId: string;
  name: string | undefined;
}

/** resolveCustomer for many accounts: one query for those already known. */
export async function resolveCustomers(db: Db, keys: IdentityKey[]): Promise<ResolvedCustomer[]> {
  const found = await db.channelIdentity.findMany({
    where: {
      channel: { in: [...new Set(keys.map((k) => k.channel))] },
      externalId: { in: [...new Set(keys.map((k) => k.externalId))] },
    },
    include: { customer: true },
  });
  const known = new Map(found.map((f) => [`${f.channel}\u0000${f.externalId}`, f.customer]));
  const results: ResolvedCustomer[] = [];
  for (const key of keys) {
    const customer = known.get(`${key.channel}\u0000${key.externalId}`);
    if (customer) {
      results.push({ customer, isNew: false });
      continue;
    }
    const created = await resolveCustomer(db, key.channel, key.externalId, key.name);
    known.set(`${key.channel}\u0000${key.externalId}`, created.customer);
    results.push(created);
  }
  return results;
}

export interface CustomerQuery {
  channel?: string;
  externalId?: string;
  q?: string;
  limit?: number;
}

export async function findCustomers(db: Db, query: CustomerQuery) {
  const identity =
    query.channel || query.externalId
      ? {
          some: {
            ...(query.channel ? { channel: query.channel } : {}),
            ...(query.externalId ? { externalId: query.externalId } : {}),
          },
        }
      : undefined;
  const q = query.q?.trim();
  return db.customer.findMany({
    where: {
      ...(identity ? { identities: identity } : {}),
      ...(q
        ? {
            OR: [
              { displayName: { contains: q } },
              { id: q },
              { identities: { some: { OR: [{ externalId: q }, { displayName: { contains: q } }] } } },
            ],
          }
        : {}),
    },
    include: { identities: { select: { channel: true, externalId: true } } },
    orderBy: { lastSeenAt: 'desc' },
    take: query.limit ?? 50,
  });
}

export async function getCustomer(db: Db, id: string) {
  return db.customer.findUnique({
    where: { id },
    include: { identities: { select: { channel: true, externalId: true, displayName: true, reachable: true } } },
  });
}
