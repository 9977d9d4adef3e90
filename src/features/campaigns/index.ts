// Campaigns: a message to the customers of a segment (or a rule tree), in each one's language,
// now or at a set time; sent once each through the outbox's marketing rules (opt-out, frequency
// cap, quiet hours), with delivery and reply stats, and cancellable until it is out.
import { defineFeature } from '../../kernel/feature.js';
import { onOff } from '../../kernel/settings.js';
import { segmentsFeature } from '../segments/index.js';
import { Campaigns } from './campaigns.js';
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
  settings: { key: 'campaigns', schema: onOff },
  setup(host) {
    const { segments } = host.use(segmentsFeature);
    const campaigns = new Campaigns({
      db: host.db,
      reads: host.reads,
      outreach: host.outreach,
      segments,
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
