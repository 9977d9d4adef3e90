// Escalation: complaints and requests for a person become tickets; staff are told wherever they
// work (Slack, webhooks: host.staffChannels), their replies reach the customer's own chat, and
// unclaimed tickets are reminded after the SLA.
import type { Embedder, EmbedderLoad } from '../../embedding/index.js';
import { defineFeature } from '../../kernel/feature.js';
import type { Tx } from '../../store/index.js';
import { feedbackFeature } from '../feedback/index.js';
import { loyaltyFeature } from '../loyalty/index.js';
import { customerContext, staffCustomer } from './context.js';
import { EscalationDetector, loadClassifiers } from './detector.js';
import { exampleRoutes } from './example-routes.js';
import { TaughtExamples } from './examples.js';
import { BusinessHours } from './hours.js';
import type { Language } from './language.js';
import { escalationMiddleware } from './middleware.js';
import { ticketRoutes } from './routes.js';
import { escalationSettings } from './settings.js';
import { staffDesk } from './staff-desk.js';
import { escalationTexts } from './texts.js';
import { Tickets } from './tickets.js';

export type { Tickets } from './tickets.js';

/** Keeps one open ticket: the survivor's, else the absorbed one's; a second open one is folded in. */
async function uniteTickets(tx: Tx, keptId: number | null, otherId: number | null, at: Date): Promise<number | null> {
  const [kept, other] = await Promise.all([
    keptId ? tx.ticket.findUnique({ where: { id: keptId } }) : null,
    otherId ? tx.ticket.findUnique({ where: { id: otherId } }) : null,
  ]);
  const isOpen = (t: typeof kept) => t !== null && t.status !== 'resolved';
  if (kept && other && isOpen(kept) && isOpen(other)) {
    await tx.ticketMessage.updateMany({ where: { ticketId: other.id }, data: { ticketId: kept.id } });
    await tx.ticket.update({
      where: { id: other.id },
      data: { status: 'resolved', resolvedAt: at, assignee: other.assignee ?? `merged into #${kept.id}` },
    });
    return kept.id;
  }
  if (isOpen(kept)) return kept?.id ?? null;
  if (isOpen(other)) return other?.id ?? null;
  return Math.max(kept?.id ?? 0, other?.id ?? 0) || null;
}

/** All tickets move; if both customers had one open, the absorbed one's joins the survivor's. */
async function mergeTickets(tx: Tx, survivorId: string, absorbedId: string, at: Date): Promise<void> {
  const [survivor, absorbed] = await Promise.all(
    [survivorId, absorbedId].map((id) => tx.customer.findUniqueOrThrow({ where: { id }, select: { ticketId: true } })),
  );
  const ticketId = await uniteTickets(tx, survivor?.ticketId ?? null, absorbed?.ticketId ?? null, at);
  await tx.ticket.updateMany({ where: { customerId: absorbedId }, data: { customerId: survivorId } });
  await tx.customer.update({ where: { id: survivorId }, data: { ticketId } });
}

/** The embedding models the scorer reads, per language: the app's, shared with the FAQ (none when EMBEDDING_MODEL_DIR is empty). */
async function escalationModels(host: {
  env: { EMBEDDING_MODEL_DIR: string; EMBEDDING_MODEL_DIR_EN: string };
  embeddings: { load(dir: string): Promise<EmbedderLoad> };
}): Promise<Partial<Record<Language, Embedder>>> {
  const { EMBEDDING_MODEL_DIR: main, EMBEDDING_MODEL_DIR_EN: english } = host.env;
  if (!main) return {};
  const [zh, en] = await Promise.all([host.embeddings.load(main), english ? host.embeddings.load(english) : undefined]);
  return { ...(zh.ok ? { zh: zh.embedder } : {}), ...(en?.ok ? { en: en.embedder } : {}) };
}

export const escalationFeature = defineFeature({
  name: 'escalation',
  summary: 'Tickets for complaints and requests for a person; staff told in Slack and webhooks; SLA reminders',
  uses: ['loyalty', 'feedback'],
  settings: { key: 'escalation', schema: escalationSettings },
  texts: escalationTexts,
  slots: ['escalation'],
  commands: [{ name: 'human', describe: { 'zh-CN': '转人工客服', en: 'talk to a person' } }],
  onCustomersMerged: mergeTickets,
  async setup(host) {
    const { settings, env } = host;
    const models = await escalationModels(host);
    const examples = new TaughtExamples({ db: host.db, models, logger: host.logger.child({ part: 'escalation' }) });
    const classifiers = env.ESCALATION_CLASSIFIER ? loadClassifiers(env.ESCALATION_CLASSIFIER) : undefined;
    if (classifiers?.problem) host.logger.warn(`escalation: ${classifiers.problem}: the rules decide alone`);
    const detector = new EscalationDetector({ classifiers: classifiers?.file, models, examples, logger: host.logger });
    host.logger.info(`escalation: ${classifiers?.file ? `scoring with ${detector.describe()}` : 'rules only'}`);
    const loyalty = host.optional(loyaltyFeature)?.loyalty;
    const tickets = new Tickets({
      ...host.outreach,
      surveys: host.optional(feedbackFeature),
      context: (customerId) => customerContext(host.db, loyalty, customerId, settings.recentMessages),
      customer: (customerId) => staffCustomer(host.db, customerId),
      staff: host.staffChannels,
      sla: {
        minutes: settings.slaMinutes,
        repeatMinutes: settings.reminderRepeatMinutes,
        staffGroup: settings.staffGroup,
      },
    });
    return {
      middleware: {
        escalation: escalationMiddleware({
          db: host.db,
          tickets,
          detector,
          clock: host.clock,
          hours: new BusinessHours(settings.businessHours, host.env.BUSINESS_TIMEZONE),
          replyWithinMinutes: settings.replyWithinMinutes,
          reopenMinutes: settings.reopenMinutes,
        }),
      },
      adminRoutes: async (app) => {
        await ticketRoutes(app, { db: host.db, reads: host.reads, tickets, recentMessages: settings.recentMessages });
        await exampleRoutes(app, { examples, detector, tickets });
      },
      start: async () => {
        await examples.refresh();
        examples.start();
      },
      stop: async () => examples.stop(),
      jobs: [{ name: 'ticket-reminders', schedule: '* * * * *', run: () => tickets.remindOverdue() }],
      staffDesk: (origin) => staffDesk(tickets, origin),
      api: tickets,
    };
  },
});
