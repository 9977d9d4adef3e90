// Answers from the business's knowledge base (KNOWLEDGE_DIR, reloaded when files change):
// offline search in Chinese and English, grounded model answers when OPENAI_API_KEY is set,
// "did you mean" buttons, and the questions it could not answer for the business to add.

import { defineFeature } from '../../kernel/feature.js';
import { createOpenAiClient } from '../../llm/client.js';
import { escalationFeature } from '../escalation/index.js';
import { knowledgeEntryRoutes } from './entry-routes.js';
import { KnowledgeBase } from './knowledge-base.js';
import { Learning, mergeTaps } from './learning.js';
import { faqMiddleware } from './middleware.js';
import { knowledgeRoutes } from './routes.js';
import { semanticRanking } from './semantic-ranking.js';
import { faqSettings } from './settings.js';
import { faqTexts } from './texts.js';
import { Synonyms } from './tokenize.js';

export type { KnowledgeBase } from './knowledge-base.js';

export const faqFeature = defineFeature({
  name: 'faq',
  summary: 'Answers from the knowledge base, offline or with an OpenAI-compatible model; unanswered questions',
  uses: ['escalation'],
  settings: { key: 'faq', schema: faqSettings },
  texts: faqTexts,
  slots: ['faq'],
  onCustomersMerged: mergeTaps,
  async setup(host) {
    const { env, settings } = host;
    const knowledge = new KnowledgeBase({
      dir: env.KNOWLEDGE_DIR,
      synonyms: new Synonyms(settings.synonyms),
      defaultLocale: env.DEFAULT_LOCALE,
      logger: host.logger.child({ part: 'knowledge' }),
    });
    const kb = await knowledge.load();
    host.logger.info(
      `knowledge base: ${kb.entries} entries from ${env.KNOWLEDGE_DIR}${kb.errors.length ? ` (${kb.errors.length} load error(s), see GET /api/v1/knowledge)` : ''}; answering ${env.OPENAI_API_KEY ? `with model ${env.OPENAI_MODEL}` : 'offline'}`,
    );
    const llm = env.OPENAI_API_KEY
      ? createOpenAiClient({
          apiKey: env.OPENAI_API_KEY,
          baseURL: env.OPENAI_BASE_URL,
          model: env.OPENAI_MODEL,
          timeoutMs: env.OPENAI_TIMEOUT_MS,
        })
      : undefined;
    const learning = new Learning({
      db: host.db,
      knowledge,
      autoApproveAfter: settings.learn.autoApproveAfter,
      clock: host.clock,
      logger: host.logger.child({ part: 'knowledge' }),
    });
    const semantic = await semanticRanking({
      modelDir: host.env.EMBEDDING_MODEL_DIR,
      englishModelDir: host.env.EMBEDDING_MODEL_DIR_EN,
      models: host.embeddings,
      knowledge,
      logger: host.logger,
    });
    // After a reload the learned questions go back into the new index (those of removed entries are dropped).
    knowledge.onLoad(
      () =>
        void learning.refresh().catch((err) => host.logger.warn({ err }, 'knowledge: learned questions not refreshed')),
    );
    return {
      middleware: {
        faq: faqMiddleware({
          knowledge,
          llm,
          logger: host.logger.child({ part: 'faq' }),
          modelEntries: settings.modelEntries,
          handoff: host.optional(escalationFeature) !== undefined,
          learning,
          semantic: semantic.current,
          thresholds: {
            high: settings.highCoverage,
            highEvidence: settings.highEvidence,
            margin: settings.margin,
            middle: settings.middleCoverage,
            middleEvidence: settings.middleEvidence,
            maxSuggestions: settings.maxSuggestions,
          },
        }),
      },
      adminRoutes: async (app) => {
        await app.register(knowledgeEntryRoutes, { knowledge, dir: env.KNOWLEDGE_DIR, now: () => host.clock.now() });
        await knowledgeRoutes(app, {
          db: host.db,
          reads: host.reads,
          provider: host.provider,
          knowledge,
          learning,
          embedTexts: () => semantic.embedTexts(),
          semanticStatus: () => semantic.status(),
          timezone: env.BUSINESS_TIMEZONE,
          clock: host.clock,
        });
      },
      api: knowledge,
      // The learned questions are read at start, before any message: reading the database while
      // the app is being built kept SQLite busy for a second app built on the same file (tests).
      start: async () => {
        await learning.refresh();
        knowledge.watch();
        learning.start();
      },
      stop: async () => {
        knowledge.close();
        learning.stop();
        await semantic.close();
      },
    };
  },
});
