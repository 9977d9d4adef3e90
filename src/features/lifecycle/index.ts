// Lifecycle: stages computed from purchases and activity (prospect, new, active, loyal, at_risk,
// churned), each change logged; RFM scores on the profile; a daily job ages the stages.
import { defineFeature } from '../../kernel/feature.js';
import { loyaltyFeature } from '../loyalty/index.js';
import { Lifecycle } from './lifecycle.js';
import { lifecycleMiddleware } from './middleware.js';
import { RfmScale, rfmOf } from './rfm.js';
import { lifecycleSettings } from './settings.js';

export type { Lifecycle } from './lifecycle.js';
export { STAGES, type Stage } from './stage.js';

export interface LifecycleApi {
  lifecycle: Lifecycle;
}

export const lifecycleFeature = defineFeature({
  name: 'lifecycle',
  summary: 'Lifecycle stages computed from purchases and activity, RFM scores, a daily job that ages them',
  uses: ['loyalty'],
  settings: { key: 'lifecycle', schema: lifecycleSettings },
  slots: ['lifecycle'],
  setup(host) {
    const rfm = new RfmScale(host.reads, host.clock, host.logger);
    const lifecycle = new Lifecycle(host.db, host.settings, host.clock, rfm, host.logger);
    // Each purchase the business reports moves the stage at once (and the response says which).
    host.optional(loyaltyFeature)?.afterPurchase(async (customerId) => ({
      stage: await lifecycle.recompute(customerId, 'purchase'),
    }));
    return {
      middleware: { lifecycle: lifecycleMiddleware(lifecycle, host.clock) },
      jobs: [
        {
          name: 'lifecycle',
          schedule: host.settings.schedule,
          run: () => lifecycle.runDaily(new Date(host.clock.now())),
        },
      ],
      api: { lifecycle } satisfies LifecycleApi,
      async profile(customerId) {
        const c = await host.reads.customer.findUnique({
          where: { id: customerId },
          select: { purchaseCount: true, purchaseAmount: true, lastPurchaseAt: true, firstPurchaseAt: true },
        });
        if (!c) return {};
        return {
          rfm: rfmOf(c, await rfm.current()),
          lastPurchaseAt: c.lastPurchaseAt?.toISOString() ?? null,
          firstPurchaseAt: c.firstPurchaseAt?.toISOString() ?? null,
          purchases: { count: c.purchaseCount, amount: c.purchaseAmount },
        };
      },
    };
  },
});
