// The reports, in the order the console lists them.
import { campaignsReport } from './campaigns.js';
import { faqReport } from './faq.js';
import { feedbackReport } from './feedback.js';
import { messagesReport } from './messages.js';
import { pointsReport } from './points.js';
import type { Report } from './report.js';
import { stagesReport } from './stages.js';
import { ticketsReport } from './tickets.js';

export const REPORTS: readonly Report[] = [
  messagesReport,
  faqReport,
  ticketsReport,
  feedbackReport,
  pointsReport,
  stagesReport,
  campaignsReport,
];
