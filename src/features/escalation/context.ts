// What staff see about a customer when a ticket reaches them: who, where, how valuable, how
// satisfied so far, and what was said last.
import type { Db } from '../../store/index.js';
import type { Loyalty } from '../loyalty/service.js';

export interface CustomerContext {
  name: string;
  identities: { channel: string; externalId: string }[];
  stage: string;
  points: number;
  tier: string;
  /** Past CSAT answers: how many and their average (1–5). */
  csat: { count: number; average: number } | null;
  /** The latest messages both ways, oldest first. */
  recent: { direction: 'in' | 'out'; text: string; at: Date }[];
}

export async function customerContext(
  db: Db,
  loyalty: Loyalty,
  customerId: string,
  recentMessages: number,
): Promise<CustomerContext> {
  const [customer, summary, csat, recent] = await Promise.all([
    db.customer.findUniqueOrThrow({
      where: { id: customerId },
      include: { identities: { select: { channel: true, externalId: true, displayName: true } } },
    }),
    loyalty.summary(customerId),
    db.feedback.aggregate({
      where: { customerId, kind: 'csat', score: { not: null } },
      _count: { score: true },
      _avg: { score: true },
    }),
    recentMessages
      ? db.interaction.findMany({
          where: { customerId, direction: { in: ['in', 'out'] }, text: { not: null } },
          orderBy: { id: 'desc' },
          take: recentMessages,
          select: { direction: true, text: true, createdAt: true },
        })
      : [],
  ]);
  const name =
    customer.displayName ?? customer.identities.find((i) => i.displayName)?.displayName ?? customer.id.slice(0, 8);
  return {
    name,
    identities: customer.identities.map(({ channel, externalId }) => ({ channel, externalId })),
    stage: customer.stage,
    points: summary.balance,
    tier: `${summary.tier.name.en} · ${summary.tier.name['zh-CN']}`,
    csat: csat._count.score ? { count: csat._count.score, average: Number(csat._avg.score?.toFixed(1)) } : null,
    recent: recent.reverse().map((r) => ({
      direction: r.direction === 'in' ? 'in' : 'out',
      text: r.text ?? '',
      at: r.createdAt,
    })),
  };
}
