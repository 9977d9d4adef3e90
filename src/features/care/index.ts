// Care: the occasions a business reaches out on by itself (RAPPORT_CONFIG outreach.occasions):
// 回访 after a purchase (a CSAT question), after a resolved ticket, 节日关怀 on the holidays (lunar
// ones computed each year), win-back of at-risk customers, points about to expire, membership
// anniversaries. One daily job; every message marketing, once per occasion instance.
import { defineFeature } from '../../kernel/feature.js';
import { dayIn } from '../../util/zoned-day.js';
import { feedbackFeature } from '../feedback/index.js';
import { loyaltyFeature } from '../loyalty/index.js';
import { Care } from './occasions.js';
import { careRoutes } from './routes.js';

export const careFeature = defineFeature({
  name: 'care',
  summary:
    'Care occasions on a daily job: purchase and ticket follow-ups, holiday greetings (lunar dates computed), win-back, expiring points, anniversaries',
  uses: ['loyalty', 'feedback'],
  setup(host) {
    const settings = host.core.outreach.occasions;
    const timezone = host.env.BUSINESS_TIMEZONE;
    const loyalty = host.optional(loyaltyFeature)?.loyalty;
    const surveys = host.optional(feedbackFeature);
    const care = new Care({
      db: host.db,
      reads: host.reads,
      outreach: host.outreach,
      settings,
      timezone,
      businessName: host.businessName,
      logger: host.logger,
      ...(loyalty ? { loyalty } : {}),
      ...(surveys ? { surveys } : {}),
    });
    return {
      adminRoutes: (app) =>
        careRoutes(app, {
          db: host.db,
          greeted: settings.holidays.enabled ? settings.holidays.include : [],
          settingsDates: settings.holidays.dates,
          currentYear: () => Number(dayIn(new Date(host.clock.now()), timezone).slice(0, 4)),
        }),
      jobs: [
        {
          name: 'care-occasions',
          schedule: settings.schedule,
          run: async () => Object.values(await care.runDay()).reduce((a, b) => a + b, 0),
        },
      ],
      api: care,
    };
  },
});
