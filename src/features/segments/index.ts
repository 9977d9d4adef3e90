// Segments: saved rule trees over customers (stage, tier, points, purchases, dates, tags, …),
// compiled to SQL and evaluated in the database; staff tags on customers to select by.
import { defineFeature } from '../../kernel/feature.js';
import { onOff } from '../../kernel/settings.js';
import { loyaltyFeature } from '../loyalty/index.js';
import { segmentRoutes } from './routes.js';
import { Segments } from './segments.js';
import { mergeTags, tagRoutes, tagsOf } from './tags.js';

export type { Segments } from './segments.js';

export interface SegmentsApi {
  segments: Segments;
}

export const segmentsFeature = defineFeature({
  name: 'segments',
  summary: 'Customer segments: rule trees over stage, tier, purchases, activity and tags, evaluated in the database',
  // The tier field reads the loyalty tiers; without loyalty it is refused, the rest works.
  uses: ['loyalty'],
  settings: { key: 'segments', schema: onOff },
  // Tags belong to the customer: they move with a merge even while segments are off.
  onCustomersMerged: mergeTags,
  setup(host) {
    const segments = new Segments({
      db: host.db,
      reads: host.reads,
      provider: host.provider,
      clock: host.clock,
      timezone: host.env.BUSINESS_TIMEZONE,
      tiers: host.optional(loyaltyFeature)?.loyalty.settings.tiers,
    });
    return {
      adminRoutes: async (app) => {
        await app.register(segmentRoutes, { segments });
        await app.register(tagRoutes, { db: host.db, provider: host.provider, clock: host.clock });
      },
      api: { segments } satisfies SegmentsApi,
      segmentWhere: (segmentId) => segments.whereOf(segmentId),
      async profile(customerId) {
        return { tags: await tagsOf(host.db, customerId) };
      },
    };
  },
});
