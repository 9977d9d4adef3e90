// What became of a campaign's messages, read from the rows the sending left behind: each
// customer's MarketingSend record (the campaign's id on it) and, through its outboxId, the Outbox
// row that carried the message. The counters of the Campaign row say what the enqueueing decided;
// these say what happened after: delivered, given up on, answered.
import { type Db, Prisma } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';

/** A customer who writes to us within this many hours after the campaign's message "replied". */
export const REPLY_WINDOW_HOURS = 48;

export interface Outcomes {
  /** Delivered: the Outbox row is sent, or gone (pruning deletes sent rows only). */
  sent: number;
  /** The dispatcher gave up on it (outbox.maxAttempts, or the platform refused it for good). */
  failed: number;
  /** Customers who wrote to us within REPLY_WINDOW_HOURS after their message was queued or held. */
  replied: number;
}

const none: Outcomes = { sent: 0, failed: 0, replied: 0 };

/** The end of a MarketingSend's reply window, as SQL over the row `ms`: date arithmetic differs. */
function windowEnd(provider: DatabaseProvider): Prisma.Sql {
  return provider === 'postgresql'
    ? Prisma.raw(`ms."at" + INTERVAL '${REPLY_WINDOW_HOURS} hours'`)
    : // SQLite keeps DateTime as the adapter writes it, ISO 8601 text ending in +00:00; the same
      // form compares as text with Interaction.createdAt.
      Prisma.raw(`strftime('%Y-%m-%dT%H:%M:%f+00:00', ms."at", '+${REPLY_WINDOW_HOURS} hours')`);
}

/**
 * The outcomes of each campaign, in one statement over the campaigns' MarketingSend rows
 * (MarketingSend(campaignId)); the reply check is an EXISTS read from Interaction(customerId,
 * createdAt), one short index range per customer.
 */
export async function outcomesOf(
  db: Db,
  provider: DatabaseProvider,
  campaignIds: readonly string[],
): Promise<Map<string, Outcomes>> {
  const byId = new Map<string, Outcomes>(campaignIds.map((id) => [id, { ...none }]));
  if (!campaignIds.length) return byId;
  const rows = await db.$queryRaw<
    {
      campaignId: string;
      sent: number | bigint | null;
      failed: number | bigint | null;
      replied: number | bigint | null;
    }[]
  >`
    SELECT ms."campaignId" AS "campaignId",
      SUM(CASE WHEN o."status" = 'sent' OR (ms."outboxId" IS NOT NULL AND o."id" IS NULL) THEN 1 ELSE 0 END) AS sent,
      SUM(CASE WHEN o."status" = 'failed' THEN 1 ELSE 0 END) AS failed,
      SUM(CASE WHEN EXISTS (
        SELECT 1 FROM "Interaction" i
        WHERE i."customerId" = ms."customerId" AND i."createdAt" > ms."at" AND i."createdAt" <= ${windowEnd(provider)}
          AND i."direction" = 'in'
      ) THEN 1 ELSE 0 END) AS replied
    FROM "MarketingSend" ms LEFT JOIN "Outbox" o ON o."id" = ms."outboxId"
    WHERE ms."campaignId" IN (${Prisma.join(campaignIds)})
    GROUP BY ms."campaignId"`;
  for (const r of rows) {
    byId.set(r.campaignId, {
      sent: Number(r.sent ?? 0),
      failed: Number(r.failed ?? 0),
      replied: Number(r.replied ?? 0),
    });
  }
  return byId;
}

/**
 * Of these campaigns (every message enqueued, the reply window over), those whose messages are all
 * final: none held through quiet hours, none pending or being sent. Their outcomes cannot change.
 */
export async function outcomesFinal(db: Db, campaignIds: readonly string[]): Promise<string[]> {
  if (!campaignIds.length) return [];
  const open = await db.$queryRaw<{ campaignId: string }[]>`
    SELECT DISTINCT ms."campaignId" AS "campaignId" FROM "MarketingSend" ms
    WHERE ms."campaignId" IN (${Prisma.join(campaignIds)})
      AND (EXISTS (SELECT 1 FROM "HeldMessage" h WHERE h."dedupeKey" = ms."dedupeKey")
        OR EXISTS (SELECT 1 FROM "Outbox" o WHERE o."id" = ms."outboxId" AND o."status" IN ('pending', 'sending')))`;
  const waiting = new Set(open.map((r) => r.campaignId));
  return campaignIds.filter((id) => !waiting.has(id));
}
