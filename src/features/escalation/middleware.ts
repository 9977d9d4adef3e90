// Hands a customer to staff: /human, the FAQ's "talk to a person" button, or a complaint the
// detector notices opens a ticket and the customer is told when a person will reply. While the
// ticket is open the bot stays quiet for them: their messages go to the ticket (commands and
// buttons still work). Writing again soon after it was resolved reopens it.
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import { HANDOFF_PAYLOAD } from '../../engine/types.js';
import type { Db } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';
import type { Decision, EscalationDetector } from './detector.js';
import type { BusinessHours } from './hours.js';
import type { Ticket, TicketReason, Tickets } from './tickets.js';

export interface EscalationOptions {
  db: Db;
  tickets: Tickets;
  detector: EscalationDetector;
  hours: BusinessHours;
  clock: Clock;
  replyWithinMinutes: number;
  reopenMinutes: number;
}

/** Thanks and acknowledgements after a ticket was resolved do not reopen it. */
const closing =
  /^(谢谢|谢啦|多谢|感谢|好的|好滴|好|嗯+|收到|知道了|ok|okay|thanks?|thank you|thx|ty|great|cool|got it|👍|🙏)[\s!！。.~～]*(你们|您)?[\s!！。.~～]*$/i;

export function escalationMiddleware(o: EscalationOptions): Middleware<TurnContext> {
  return async (ctx, next) => {
    const { message } = ctx;
    if (!ctx.addressed) return next();
    const asked = ctx.command?.name === 'human' || message.payload === HANDOFF_PAYLOAD;
    const current = ctx.customer.ticketId ? await o.tickets.get(ctx.customer.ticketId) : null;
    const name = ctx.customer.displayName ?? message.sender.name ?? message.sender.id;

    if (current && current.status !== 'resolved') {
      if (asked) return ctx.reply(ctx.t('ticketAlreadyOpen'));
      // Commands, buttons, stickers and group chatter are handled as usual.
      if (ctx.command || message.payload !== undefined || !message.text || ctx.isGroup) return next();
      await o.tickets.addCustomerMessage(current, name, message.text);
      ctx.event('ticket_message', { ticketId: current.id });
      return;
    }
    if (ctx.command && !asked) return next();

    const text = message.payload === undefined ? message.text?.trim() : undefined;
    if (current && text && !ctx.isGroup && recentlyResolved(current, o) && !closing.test(text)) {
      if (await o.tickets.reopen(current, name, text)) return ctx.reply(ctx.t('ticketReopened'));
    }

    const detection: Decision | undefined = asked
      ? { escalate: true, reason: 'human', priority: 'normal', cues: ['asked'], by: 'request' }
      : text
        ? // The text as the FAQ reads it: the embedding computed here is the one it then finds cached.
          await o.detector.detect(message.text ?? text)
        : undefined;
    if (!detection?.escalate || !detection.reason) return next();

    const reason: TicketReason = message.payload === HANDOFF_PAYLOAD ? 'unanswered' : detection.reason;
    const { ticket, created } = await o.tickets.open({
      customerId: ctx.customer.id,
      previousTicketId: ctx.customer.ticketId,
      chat: { channel: message.channel, chatId: message.chatId, chatType: message.chatType },
      reason,
      priority: detection.priority,
      trigger: await triggerOf(ctx, o.db),
      authorName: name,
    });
    if (!created) return ctx.reply(ctx.t('ticketAlreadyOpen'));
    ctx.event('escalated', {
      ticketId: ticket.id,
      reason,
      priority: detection.priority,
      cues: detection.cues,
      by: detection.by,
      ...(detection.score !== undefined ? { score: detection.score } : {}),
    });
    const now = new Date(o.clock.now());
    if (o.hours.isOpen(now)) return ctx.reply(ctx.t('ticketOpened', { minutes: o.replyWithinMinutes }));
    ctx.reply(
      ctx.t('ticketOpenedClosed', {
        hours: o.hours.range,
        next: o.hours.formatOpening(o.hours.nextOpening(now), ctx.locale),
      }),
    );
  };
}

function recentlyResolved(ticket: Ticket, o: EscalationOptions): boolean {
  return (
    ticket.status === 'resolved' &&
    ticket.resolvedAt !== null &&
    o.clock.now() - ticket.resolvedAt.getTime() <= o.reopenMinutes * 60_000
  );
}

/** What staff should read first: the message itself, /human's words, or the question the FAQ could not answer. */
async function triggerOf(ctx: TurnContext, db: Db): Promise<string | null> {
  const { message, command } = ctx;
  if (command) return command.args.join(' ') || null;
  if (message.payload === undefined) return message.text ?? null;
  const question = await db.interaction.findFirst({
    where: { customerId: ctx.customer.id, direction: 'in', kind: 'message', text: { not: null } },
    orderBy: { id: 'desc' },
    select: { text: true },
  });
  return question?.text ?? null;
}
