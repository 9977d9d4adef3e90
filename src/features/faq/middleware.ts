// Answers questions from the knowledge base: offline by search and confidence bands, or through
// a model grounded on the best entries when one is configured (falling back to offline).
import type { Logger } from 'pino';
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import { detectLocale, type Locale } from '../../engine/i18n.js';
import { HANDOFF_PAYLOAD } from '../../engine/types.js';
import type { LlmClient } from '../../llm/client.js';
import { decide, type FaqDecision, type Thresholds } from './decide.js';
import { checkGrounding } from './grounding.js';
import { decideHybrid } from './hybrid.js';
import type { KnowledgeBase } from './knowledge-base.js';
import type { Learning } from './learning.js';
import { askModel } from './model.js';
import { questionKey } from './question-key.js';
import type { Match } from './search.js';
import type { SemanticLookup } from './semantic-ranking.js';
import { tokenize } from './tokenize.js';

/** Button payloads this feature understands. */
export const FAQ_PAYLOAD_PREFIX = 'faq:';
/** The "talk to a person" button; escalation opens a ticket for it. */

export interface FaqOptions {
  knowledge: KnowledgeBase;
  thresholds: Thresholds;
  /** Entries the model sees per question. */
  modelEntries: number;
  llm?: LlmClient | undefined;
  logger: Logger;
  /** Offer "talk to a person" when the bot does not know (escalation is on). */
  handoff: boolean;
  /** Learns from the suggestions customers tap. */
  learning?: Learning | undefined;
  /** The knowledge base as sentence embeddings, when the model is there and the index is built. */
  semantic?: () => SemanticLookup | undefined;
}

const label = (question: string) => (question.length > 40 ? `${question.slice(0, 39)}…` : question);

export function faqMiddleware(o: FaqOptions): Middleware<TurnContext> {
  return async (ctx, next) => {
    const payload = ctx.message.payload;
    if (payload?.startsWith(FAQ_PAYLOAD_PREFIX)) {
      const entry = o.knowledge.entry(payload.slice(FAQ_PAYLOAD_PREFIX.length));
      if (!entry) return next();
      ctx.reply(entry.answer);
      ctx.event('faq_answered', { entryId: entry.id, via: 'button' });
      // What the customer asked before tapping is a way of asking for this entry.
      const asked = await o.learning?.suggestedFor(ctx.customer.id, entry.id);
      if (asked) {
        const learned = await o.learning?.tapped(ctx.customer.id, entry.id, asked);
        if (learned) ctx.event('faq_learned', { entryId: entry.id, question: asked, learnedId: learned.id });
      }
      return;
    }
    const text = ctx.message.text;
    if (!text || ctx.command || !ctx.addressed) return next();

    const index = o.knowledge.current;
    if (!tokenize(text).length) {
      // Nothing to look up ("hi", "你好", "??"): invite a question unless we greeted already.
      if (!ctx.replies.length) ctx.reply(ctx.t('faqAskMe'));
      return;
    }
    const matches = index.search(text, {
      locale: detectLocale(text) ?? ctx.locale,
      limit: Math.max(5, o.modelEntries),
    });

    // Why a model's reply was not sent, when it was not: kept with the offline answer's event.
    let modelRejected: string | undefined;
    if (o.llm) {
      const entries = matches.slice(0, o.modelEntries).map((m) => m.entry);
      if (!entries.length) return dontKnow(ctx, o.handoff, text);
      try {
        const answer = await askModel(o.llm, text, entries, ctx.locale, ctx.businessName[ctx.locale]);
        if (!answer) return dontKnow(ctx, o.handoff, text);
        const grounding = checkGrounding(
          answer.text,
          entries.filter((e) => answer.entryIds.includes(e.id)),
        );
        if (grounding.ok) {
          ctx.reply(answer.text);
          ctx.event('faq_answered', { entryIds: answer.entryIds, via: 'model' });
          return;
        }
        modelRejected = grounding.reason;
        o.logger.warn(
          { reason: grounding.reason, detail: grounding.detail, entryIds: answer.entryIds },
          'faq: the model’s reply says more than its entries; answering offline',
        );
      } catch (err) {
        o.logger.warn({ err }, 'faq: model failed; answering offline');
      }
    }
    const rejected: Record<string, string> = modelRejected ? { modelRejected } : {};

    const decision = await decideWith(o, text, detectLocale(text) ?? ctx.locale, matches);
    switch (decision.band) {
      case 'high':
        ctx.reply(decision.match.entry.answer);
        ctx.event('faq_answered', {
          entryId: decision.match.entry.id,
          via: 'search',
          ...scores(decision.match),
          ...rejected,
        });
        return;
      case 'middle':
        ctx.reply(
          ctx.t('faqDidYouMean'),
          decision.suggestions.map((m) => ({
            label: label(m.entry.questions[0] ?? m.entry.id),
            payload: `${FAQ_PAYLOAD_PREFIX}${m.entry.id}`,
          })),
        );
        ctx.event('faq_suggested', {
          entryIds: decision.suggestions.map((m) => m.entry.id),
          question: text,
          ...rejected,
        });
        return;
      case 'low':
        return dontKnow(ctx, o.handoff, text, rejected);
    }
  };
}

/** Lexical and embedding ranking together when the model is there; lexical alone otherwise. */
async function decideWith(o: FaqOptions, text: string, locale: Locale, matches: Match[]): Promise<FaqDecision> {
  const lookup = o.semantic?.();
  if (!lookup) return decide(matches, o.thresholds);
  try {
    return decideHybrid(matches, await lookup(text, locale), o.thresholds);
  } catch (err) {
    o.logger.warn({ err }, 'faq: the embedding model failed; answering with lexical search');
    return decide(matches, o.thresholds);
  }
}

function scores(m: Match) {
  return { score: Math.round(m.score * 100) / 100, coverage: Math.round(m.coverage * 100) / 100 };
}

/** Says so plainly, offers a person, and logs the question for the business to answer next time. */
function dontKnow(ctx: TurnContext, handoff: boolean, text: string, extra: Record<string, string> = {}): void {
  ctx.reply(ctx.t('faqDontKnow'), handoff ? [{ label: ctx.t('faqHumanButton'), payload: HANDOFF_PAYLOAD }] : []);
  ctx.event('faq_unanswered', { question: text, locale: ctx.locale, ...extra }, questionKey(text));
}
