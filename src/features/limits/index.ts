// limits.perCustomer: a customer flooding the bot gets one "slow down" per window and no answers.
// The `limits` section is the engine's (the API channel applies limits.perIp at the HTTP edge).
import { defineFeature } from '../../kernel/feature.js';
import { perCustomerLimit } from './middleware.js';
import { limitsTexts } from './texts.js';

export const limitsFeature = defineFeature({
  name: 'limits',
  summary: 'At most limits.perCustomer messages per customer and window on every channel',
  texts: limitsTexts,
  slots: ['rate-limit'],
  setup: (host) => ({ middleware: { 'rate-limit': perCustomerLimit(host.core.limits.perCustomer, host.clock) } }),
});
