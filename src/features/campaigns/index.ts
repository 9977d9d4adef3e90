// Campaigns: a message to the customers of a segment (or a rule tree), in each one's language,
// now or at a set time; sent once each through the outbox's marketing rules (opt-out, frequency
// cap, quiet hours), with delivery and reply stats, and cancellable until it is out.

import { z } from 'zod';
import { defineFeature } from '../../kernel/feature.js';
import { enabled } from '../../kernel/settings.js';
import { segmentsFeature } from '../segments/index.js';
import { BATCH_SIZE, Campaigns } from './campaigns.js';
import { campaignRoutes } from './routes.js';

export type { Campaigns } from './campaigns.js';
export { type Outcomes, outcomesOf } from './stats.js';

export interface CampaignsApi {
  campaigns: Campaigns;
}

export const campaignsFeature = defineFeature({
  name: 'campaigns',
  summary:
    'Campaigns: a message to a segment, in each customer’s language, now or scheduled; sent once each, politely, with stats',
  // Audiences are segment rules, compiled to SQL by the segments feature.
  dependsOn: ['segments'],
  // Switched off with segments (`campaigns: { enabled: false }`), which it needs.
  settings: {
    key: 'campaigns',
    schema: z
      .object({
        enabled,
        // Customers queued a transaction. Larger is faster to queue; smaller holds SQLite's one
        // writer for less time (a customer's message waits for the batch in progress).
        batchSize: z.number().int().min(50).max(10_000).default(BATCH_SIZE),
      })
      .strict()
      .prefault({}),
  },
  setup(host) {
    const { segments } = host.use(segmentsFeature);
    const campaigns = new Campaigns({
      db: host.db,
      reads: host.reads,
      outreach: host.outreach,
      segments,
      batchSize: host.settings.batchSize,
      clock: host.clock,
      businessName: host.businessName,
      logger: host.logger.child({ part: 'campaigns' }),
    });
    return {
      adminRoutes: (app) => campaignRoutes(app, { campaigns }),
      // Every minute: scheduled campaigns start within a minute of sendAt, and a campaign an
      // instance stopped in the middle of (a crash, a deploy) carries on from its cursor.
      jobs: [{ name: 'campaigns', schedule: '* * * * *', run: () => campaigns.runDue() }],
      api: { campaigns } satisfies CampaignsApi,
      stop: () => campaigns.stop(),
    };
  },
});
