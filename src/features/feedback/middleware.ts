// /feedback (我要反馈, 提个建议, "I have feedback") opens a survey; while one waits in the chat,
// a score (button or number) and then a comment are taken, and anything else (commands,
// questions) passes on to be answered as usual.
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import { type Dialog, ratingPrompt, SURVEY_PAYLOAD, type Surveys, scales } from './surveys.js';

const SKIP = 'sv-skip';
const feedbackPhrases =
  /^(我要反馈|我想反馈|提个建议|我有建议|我要投诉建议|意见反馈|i have (some )?feedback|give feedback|feedback)[。!!.]*$/i;
const question = /([?？]\s*$)|((吗|呢|么)\s*$)|(^(how|what|when|where|why|who|can|could|do|does|is|are|will)\b)/i;

function scoreOf(ctx: TurnContext, dialog: Dialog): number | 'out-of-range' | undefined {
  const payload = ctx.message.payload;
  if (payload?.startsWith(`${SURVEY_PAYLOAD}${dialog.id}:`)) return Number(payload.split(':').at(-1));
  const text = ctx.message.text?.trim().replace(/分$/, '');
  if (!text || !/^-?\d{1,3}$/.test(text)) return undefined;
  const n = Number(text);
  const { min, max } = scales[dialog.state.survey];
  return n >= min && n <= max ? n : 'out-of-range';
}

export function feedbackMiddleware(surveys: Surveys): Middleware<TurnContext> {
  return async (ctx, next) => {
    const { message } = ctx;
    const text = (key: 'surveyFeedback' | 'surveyCsat' | 'surveyNps') => ctx.t(key);

    if (ctx.command?.name === 'feedback' || (message.text && feedbackPhrases.test(message.text.trim()))) {
      const dialog = await surveys.open(ctx.customer.id, message.channel, message.chatId, 'feedback', 'command');
      const prompt = ratingPrompt('feedback', dialog.id, text);
      ctx.reply(prompt.text, prompt.buttons);
      return;
    }
    if (ctx.command || !ctx.addressed) return next();

    const dialog = await surveys.pending(ctx.dialogs);
    if (!dialog) {
      // A button of a survey that expired or was answered: say nothing twice, ask nothing again.
      if (message.payload?.startsWith(SURVEY_PAYLOAD) || message.payload === SKIP) return;
      return next();
    }

    if (dialog.state.stage === 'score') {
      const score = scoreOf(ctx, dialog);
      if (score === undefined) return next(); // an unrelated message: answer it, keep waiting
      if (score === 'out-of-range') {
        if (dialog.state.reprompted) {
          await surveys.close(dialog);
          return next();
        }
        await surveys.markReprompted(dialog);
        const { min, max } = scales[dialog.state.survey];
        const prompt = ratingPrompt(dialog.state.survey, dialog.id, text);
        ctx.reply(ctx.t('surveyRetry', { min, max }), prompt.buttons);
        return;
      }
      const { feedback, poor, points } = await surveys.score(dialog, score);
      ctx.event('feedback', { feedbackId: feedback.id, kind: feedback.kind, score, source: feedback.source });
      if (poor) ctx.event('followup_opened', { feedbackId: feedback.id });
      if (points) ctx.event('feedback_points', { points });
      const ask = dialog.state.survey === 'nps' ? 'surveyWhy' : 'surveyComment';
      ctx.reply(poor ? `${ctx.t('surveySorry')}\n${ctx.t(ask)}` : ctx.t(ask), [
        { label: ctx.t('surveySkip'), payload: SKIP },
      ]);
      return;
    }

    // Waiting for a comment: take free text, but let questions through to be answered.
    const comment = message.payload === SKIP ? null : message.text?.trim();
    if (comment !== null && (!comment || question.test(comment))) return next();
    await surveys.comment(dialog, comment);
    if (comment) ctx.event('feedback_comment', { feedbackId: dialog.state.feedbackId }, comment.slice(0, 500));
    const points = await surveys.pointsFor(dialog);
    ctx.reply(points ? ctx.t('surveyThanksPoints', { points }) : ctx.t('surveyThanks'));
  };
}
