// Reports: the staff console's charts — customers' messages, FAQ answers, tickets, CSAT and NPS,
// points, lifecycle stages and campaigns over a range of days — counted by the database per day
// in BUSINESS_TIMEZONE, as JSON or CSV, with the records behind each point of a chart.
import { defineFeature } from '../../kernel/feature.js';
import { onOff } from '../../kernel/settings.js';
import { escalationFeature } from '../escalation/index.js';
import { reportRoutes } from './routes.js';

export const reportsFeature = defineFeature({
  name: 'reports',
  summary: 'Reports for the staff console: messages, FAQ, tickets, CSAT/NPS, points, stages, campaigns per day; CSV',
  // The tickets report measures first responses against escalation's SLA (none when it is off).
  uses: ['escalation'],
  settings: { key: 'reports', schema: onOff },
  setup(host) {
    const escalation = host.optional(escalationFeature);
    return {
      adminRoutes: (app) =>
        reportRoutes(app, {
          timezone: host.env.BUSINESS_TIMEZONE,
          context: () => ({
            // Reports read off the message-handling thread (Store.reads).
            db: host.reads,
            provider: host.provider,
            now: new Date(host.clock.now()),
            slaMinutes: escalation?.slaMinutes,
          }),
        }),
    };
  },
});
