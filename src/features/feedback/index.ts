// Feedback: /feedback, CSAT and NPS surveys with buttons, comments, follow-ups on poor scores
// whose result is told back to the customer; points for answering when loyalty is on.
import { defineFeature } from '../../kernel/feature.js';
import type { Tx } from '../../store/index.js';
import { loyaltyFeature } from '../loyalty/index.js';
import { feedbackMiddleware } from './middleware.js';
import { feedbackRoutes } from './routes.js';
import { surveySettings } from './settings.js';
import { ratingPrompt, Surveys } from './surveys.js';
import { feedbackTexts } from './texts.js';

export type { SurveyKind, Surveys } from './surveys.js';

async function mergeFeedback(tx: Tx, survivorId: string, absorbedId: string): Promise<void> {
  const move = { where: { customerId: absorbedId }, data: { customerId: survivorId } };
  await tx.feedback.updateMany(move);
  await tx.followUp.updateMany(move);
  // The survivor's latest scores are the latest of either side's.
  for (const kind of ['csat', 'nps'] as const) {
    const latest = await tx.feedback.findFirst({
      where: { customerId: survivorId, kind, score: { not: null } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { score: true },
    });
    if (latest)
      await tx.customer.update({
        where: { id: survivorId },
        data: kind === 'csat' ? { lastCsat: latest.score } : { lastNps: latest.score },
      });
  }
}

export const feedbackFeature = defineFeature({
  name: 'feedback',
  summary: 'CSAT and NPS surveys with buttons, free-text feedback, follow-ups told back to the customer',
  uses: ['loyalty'],
  settings: { key: 'surveys', schema: surveySettings },
  texts: feedbackTexts,
  slots: ['surveys'],
  commands: [{ name: 'feedback', describe: { 'zh-CN': '给我们提意见', en: 'tell us what you think' } }],
  onCustomersMerged: mergeFeedback,
  setup(host) {
    const loyalty = host.optional(loyaltyFeature)?.loyalty;
    const surveys = new Surveys(
      host.db,
      host.provider,
      loyalty,
      host.clock,
      host.settings.expiryHours,
      host.outreach.politeness,
      host.reads,
    );
    return {
      middleware: { surveys: feedbackMiddleware(surveys) },
      adminRoutes: (app) =>
        feedbackRoutes(app, {
          db: host.db,
          surveys,
          texts: host.texts,
          defaultLocale: host.defaultLocale,
          timezone: host.env.BUSINESS_TIMEZONE,
        }),
      api: surveys,
      // GET /api/v1/me: a CSAT or NPS survey waiting for its score in the chat asking, with its buttons.
      async panel(customerId, chat, locale) {
        const dialogs = await host.db.pendingDialog.findMany({
          where: { customerId, channel: chat.channel, chatId: chat.chatId, kind: 'survey' },
        });
        const dialog = await surveys.pending(dialogs);
        if (!dialog) return { survey: null };
        const kind = dialog.state.survey;
        if (dialog.state.stage !== 'score' || (kind !== 'csat' && kind !== 'nps')) return { survey: null };
        const prompt = ratingPrompt(kind, dialog.id, (key) => host.texts[locale][key]);
        return { survey: { kind, question: prompt.text, buttons: prompt.buttons ?? [] } };
      },
    };
  },
});
