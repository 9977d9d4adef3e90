// The purchase totals on a Customer row (count, sum, first and latest), which lifecycle stages,
// RFM scores and segments read instead of the Purchase table. Summed again from the customer's
// purchases, in the transaction that changed them, so a merge or an out-of-order `at` keeps them exact.
import type { Tx } from './index.js';

export async function refreshPurchaseTotals(tx: Tx, customerId: string): Promise<void> {
  const totals = await tx.purchase.aggregate({
    where: { customerId },
    _count: { _all: true },
    _sum: { amount: true },
    _min: { at: true },
    _max: { at: true },
  });
  await tx.customer.update({
    where: { id: customerId },
    data: {
      purchaseCount: totals._count._all,
      purchaseAmount: totals._sum.amount ?? 0,
      firstPurchaseAt: totals._min.at,
      lastPurchaseAt: totals._max.at,
    },
  });
}
