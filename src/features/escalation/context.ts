// What staff see about a customer when a ticket reaches them: who, where, how valuable, how
// satisfied so far, and what was said last.
import type { CustomerContext, StaffCustomer } from '../../staff/channel.js';
import type { Db } from '../../store/index.js';
import type { Loyalty } from '../loyalty/index.js';

export type { CustomerContext };

type Named = { id: string; displayName: string | null; identities: { displayName: string | null }[] };

/** The name staff know a customer by: theirs, a platform's, or the start of their id. */
function nameOf(customer: Named): string {
  return customer.displayName ?? customer.identities.find((i) => i.displayName)?.displayName ?? customer.id.slice(0, 8);
}

/** Who the customer is, for posts that show one line about them (one query). */
export async function staffCustomer(db: Db, customerId: string): Promise<StaffCustomer> {
  const customer = await db.customer.findUniqueOrThrow({
    where: { id: customerId },
    select: { id: true, displayName: true, identities: { select: { displayName: true } } },
  });
  return { id: customer.id, name: nameOf(customer) };
}

export async function customerContext(
  db: Db,
  loyalty: Loyalty | undefined,
  customerId: string,
  recentMessages: number,
): Promise<CustomerContext> {
  const [customer, summary, csat, recent] = await Promise.all([
    db.customer.findUniqueOrThrow({
      where: { id: customerId },
      include: { identities: { select: { channel: true, externalId: true, displayName: true } } },
    }),
    loyalty?.summary(customerId),
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
  return {
    id: customer.id,
    name: nameOf(customer),
    identities: customer.identities.map(({ channel, externalId }) => ({ channel, externalId })),
    stage: customer.stage,
    points: summary ? summary.balance : null,
    tier: summary ? `${summary.tier.name.en} · ${summary.tier.name['zh-CN']}` : null,
    csat: csat._count.score ? { count: csat._count.score, average: Number(csat._avg.score?.toFixed(1)) } : null,
    recent: recent.reverse().map((r) => ({
      direction: r.direction === 'in' ? 'in' : 'out',
      text: r.text ?? '',
      at: r.createdAt,
    })),
  };
}
