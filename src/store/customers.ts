// Customers and their channel identities.

import { randomUUID } from 'node:crypto';
import { insertMany } from './bulk.js';
import { hotQuery } from './direct-pg.js';
import type { Customer } from './generated/sqlite/client.js';
import { type Db, Prisma } from './index.js';
import type { DatabaseProvider } from './schema-engine.js';

export type { Customer };

export interface ResolvedCustomer {
  customer: Customer;
  isNew: boolean;
}

export interface IdentityKey {
  channel: string;
  externalId: string;
  name: string | undefined;
}

/**
 * The longest name stored, in characters. Names are in B-tree indexes (the admin list and the name
 * search read them there), and a PostgreSQL index entry holds at most about 2,700 bytes; no platform
 * sends a longer display name (Telegram's is at most 129 characters, the API channel's 200).
 */
export const NAME_MAX = 200;

/** A name as stored: cut to NAME_MAX characters, never inside a character. */
export const storedName = (name: string | undefined) =>
  name === undefined || name.length <= NAME_MAX ? name : [...name].slice(0, NAME_MAX).join('');

const keyOf = (channel: string, externalId: string) => `${channel}\u0000${externalId}`;

async function lookup(db: Db, provider: DatabaseProvider, keys: IdentityKey[]): Promise<Map<string, Customer>> {
  if (provider === 'postgresql') return lookupPostgres(db, keys);
  const found = await db.channelIdentity.findMany({
    where: {
      channel: { in: [...new Set(keys.map((k) => k.channel))] },
      externalId: { in: [...new Set(keys.map((k) => k.externalId))] },
    },
    include: { customer: true },
  });
  return new Map(found.map((f) => [keyOf(f.channel, f.externalId), f.customer]));
}

/** The same in one round trip (Prisma's include costs two): PostgreSQL's raw rows come back typed. */
async function lookupPostgres(db: Db, keys: IdentityKey[]): Promise<Map<string, Customer>> {
  const unique = [...new Map(keys.map((k) => [keyOf(k.channel, k.externalId), k])).values()];
  const rows = await hotQuery<IdentifiedCustomer>(
    db,
    Prisma.sql`
    SELECT i.channel AS "identityChannel", i."externalId" AS "identityExternalId", c.*
    FROM unnest(${unique.map((k) => k.channel)}::text[], ${unique.map((k) => k.externalId)}::text[])
      AS k(channel, "externalId")
    JOIN "ChannelIdentity" i ON i.channel = k.channel AND i."externalId" = k."externalId"
    JOIN "Customer" c ON c.id = i."customerId"`,
  );
  return byIdentity(rows);
}

/** A customer row with the identity it was found by (raw queries). */
type IdentifiedCustomer = Customer & { identityChannel: string; identityExternalId: string };

function byIdentity(rows: IdentifiedCustomer[]): Map<string, Customer> {
  return new Map(
    rows.map(({ identityChannel, identityExternalId, ...customer }) => [
      keyOf(identityChannel, identityExternalId),
      customer,
    ]),
  );
}

/**
 * Finds the customers behind channel accounts, creating both on first contact: one query for
 * the known ones, and one write that creates all the new ones. Safe against other instances
 * creating the same account at the same time (the identity's unique key decides).
 */
export async function resolveCustomers(
  db: Db,
  provider: DatabaseProvider,
  keys: IdentityKey[],
  now: Date = new Date(),
): Promise<ResolvedCustomer[]> {
  keys = keys.map((k) => (k.name && k.name.length > NAME_MAX ? { ...k, name: storedName(k.name) } : k));
  const known = await lookup(db, provider, keys);
  const missing = new Map<string, IdentityKey>();
  for (const k of keys) {
    const key = keyOf(k.channel, k.externalId);
    if (!known.has(key)) missing.set(key, k);
  }
  const created = new Set<string>();
  if (missing.size) {
    const fresh = [...missing.values()].map((k) => ({ key: k, id: randomUUID() }));
    const mine =
      provider === 'postgresql' ? await createPostgres(db, fresh, now) : await createPortable(db, provider, fresh, now);
    for (const [key, customer] of mine) {
      known.set(key, customer);
      created.add(key);
    }
    // Accounts another instance created first: theirs is the customer.
    const theirs = [...missing].filter(([key]) => !mine.has(key)).map(([, k]) => k);
    const after = theirs.length ? await lookup(db, provider, theirs) : new Map<string, Customer>();
    for (const k of theirs) {
      const key = keyOf(k.channel, k.externalId);
      const customer = after.get(key);
      if (!customer) throw new Error(`customer for ${k.channel}:${k.externalId} vanished`);
      known.set(key, customer);
    }
  }
  const reported = new Set<string>();
  return keys.map((k) => {
    const key = keyOf(k.channel, k.externalId);
    // The first message of a new customer in the batch is the one that greets.
    const isNew = created.has(key) && !reported.has(key);
    reported.add(key);
    return { customer: known.get(key) as Customer, isNew };
  });
}

interface FreshCustomer {
  key: IdentityKey;
  /** The id the customer gets if this call creates it. */
  id: string;
}

/**
 * Creates customers and identities in one transaction; an identity another instance stored
 * first is skipped and its would-be customer deleted. Returns the customers created here.
 */
async function createPortable(
  db: Db,
  provider: DatabaseProvider,
  fresh: FreshCustomer[],
  now: Date,
): Promise<Map<string, Customer>> {
  await db.$transaction([
    insertMany(
      db,
      provider,
      'Customer',
      fresh.map((f) => ({
        id: f.id,
        displayName: f.key.name ?? null,
        createdAt: now,
        updatedAt: now,
        lastSeenAt: now,
      })),
    ),
    insertMany(
      db,
      provider,
      'ChannelIdentity',
      fresh.map((f) => ({
        id: randomUUID(),
        channel: f.key.channel,
        externalId: f.key.externalId,
        customerId: f.id,
        displayName: f.key.name ?? null,
        createdAt: now,
      })),
      { skipConflictsOn: ['channel', 'externalId'] },
    ),
  ]);
  const after = await lookup(
    db,
    provider,
    fresh.map((f) => f.key),
  );
  const mine = new Map<string, Customer>();
  const losers: string[] = [];
  for (const f of fresh) {
    const key = keyOf(f.key.channel, f.key.externalId);
    const customer = after.get(key);
    if (customer?.id === f.id) mine.set(key, customer);
    else losers.push(f.id);
  }
  if (losers.length) await db.customer.deleteMany({ where: { id: { in: losers } } });
  return mine;
}

/**
 * The same in one statement: the identities go in first and only those stored get their
 * customer (the foreign key is checked at the end of the statement), so a lost race leaves
 * nothing to delete.
 */
async function createPostgres(db: Db, fresh: FreshCustomer[], now: Date): Promise<Map<string, Customer>> {
  const rows = await db.$queryRaw<IdentifiedCustomer[]>`
    WITH fresh AS (
      SELECT * FROM unnest(
        ${fresh.map((f) => f.id)}::text[],
        ${fresh.map(() => randomUUID())}::text[],
        ${fresh.map((f) => f.key.channel)}::text[],
        ${fresh.map((f) => f.key.externalId)}::text[],
        ${fresh.map((f) => f.key.name ?? null)}::text[]
      ) AS f("customerId", "identityId", channel, "externalId", name)
    ), identities AS (
      INSERT INTO "ChannelIdentity" (id, channel, "externalId", "customerId", "displayName", "createdAt")
      SELECT "identityId", channel, "externalId", "customerId", name, ${now} FROM fresh
      ON CONFLICT (channel, "externalId") DO NOTHING
      RETURNING "customerId", channel, "externalId"
    ), customers AS (
      INSERT INTO "Customer" (id, "displayName", "createdAt", "updatedAt", "lastSeenAt")
      SELECT f."customerId", f.name, ${now}, ${now}, ${now} FROM fresh f JOIN identities i USING ("customerId")
      RETURNING *
    )
    SELECT i.channel AS "identityChannel", i."externalId" AS "identityExternalId", c.*
    FROM customers c JOIN identities i ON i."customerId" = c.id`;
  return byIdentity(rows);
}

export async function getCustomer(db: Db, id: string) {
  return db.customer.findUnique({
    where: { id },
    include: { identities: { select: { channel: true, externalId: true, displayName: true, reachable: true } } },
  });
}
