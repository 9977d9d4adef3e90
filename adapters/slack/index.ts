// Slack as a staff channel (@slack/bolt): staff work tickets there: thread replies reach the customer, `note:` stays
// internal, Claim and Resolve buttons change the ticket. Events arrive through the Events API on
// the main HTTP port (SLACK_SIGNING_SECRET) or through Socket Mode (SLACK_APP_TOKEN).
import { App, LogLevel, type Receiver, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { errorMessage } from '../../src/errors.js';
import type { ModerationDesk, StaffDesk } from '../../src/staff/channel.js';
import { EventsReceiver } from './receiver.js';
import { CLAIM_ACTION, MODERATION_ACTIONS, plainFromSlack, RESOLVE_ACTION, SLACK_ACTOR } from './render.js';
import { SlackSender } from './sender.js';

export interface SlackSettings {
  botToken: string;
  signingSecret?: string | undefined;
  appToken?: string | undefined;
  escalationChannel: string;
  apiUrl?: string | undefined;
}

export interface SlackOptions {
  settings: SlackSettings;
  /** How staff in Slack act on tickets (replies, notes, Claim, Resolve); the adapter reaches nothing else. */
  desk: StaffDesk;
  /** Ban / Delete / Dismiss on group moderation cases (when moderation is on). */
  moderation?: ModerationDesk;
  logger: Logger;
  /** Replaces the receiver chosen from the settings (tests drive Socket Mode at this seam). */
  receiver?: Receiver;
  /** For tests: the clock the Events API signature timestamps are checked against. */
  now?: () => number;
}

/** Bolt's logger interface on top of pino; Bolt's info lines (start-up chatter) go to debug. */
function boltLogger(logger: Logger) {
  return {
    debug: (...m: unknown[]) => logger.debug(m.map(String).join(' ')),
    info: (...m: unknown[]) => logger.debug(m.map(String).join(' ')),
    warn: (...m: unknown[]) => logger.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => logger.error(m.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

/** Internal notes start with "note:" (or the full-width colon). */
const NOTE = /^\s*note\s*[:：]\s*/i;

interface ThreadMessage {
  type: 'message';
  subtype?: string;
  channel: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
}

export function createSlack(o: SlackOptions) {
  const { settings, desk, logger } = o;
  const mode: 'socket' | 'events' = settings.appToken ? 'socket' : 'events';
  const events =
    mode === 'events' && settings.signingSecret
      ? new EventsReceiver({ signingSecret: settings.signingSecret, logger, ...(o.now ? { now: o.now } : {}) })
      : undefined;
  const receiver =
    o.receiver ??
    events ??
    new SocketModeReceiver({ appToken: settings.appToken as string, logger: boltLogger(logger) });
  const clientOptions = {
    ...(settings.apiUrl
      ? { slackApiUrl: settings.apiUrl.endsWith('/') ? settings.apiUrl : `${settings.apiUrl}/` }
      : {}),
    // The outbox retries with backoff and honours retry-after: the client must not wait on its own.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  };
  const client = new webApi.WebClient(settings.botToken, clientOptions);
  // Who the bot is (auth.test), asked when first needed and asked again after a failure: Bolt's
  // own check runs once at construction and would keep a failed answer until restart.
  let identity: Promise<{ botUserId?: string; botId?: string }> | undefined;
  const authorize = async () => {
    identity ??= client.auth.test().then(
      (r) => ({ ...(r.user_id ? { botUserId: r.user_id } : {}), ...(r.bot_id ? { botId: r.bot_id } : {}) }),
      (err: unknown) => {
        identity = undefined;
        throw err;
      },
    );
    return { botToken: settings.botToken, ...(await identity) };
  };
  const app = new App({ authorize, receiver, logger: boltLogger(logger), clientOptions });

  // Staff replies in a ticket's thread. Edits, deletions, bot posts and top-level messages are not replies.
  app.event('message', async ({ event }) => {
    const m = event as unknown as ThreadMessage;
    if (m.channel !== settings.escalationChannel || m.subtype || m.bot_id || !m.user) return;
    if (!m.thread_ts || m.thread_ts === m.ts || !m.text?.trim()) return;
    const ticketId = await desk.ticketByThread(m.thread_ts);
    if (ticketId === null) return;
    const by = { name: `${SLACK_ACTOR}${m.user}`, sourceId: `slack:${m.channel}:${m.ts}` };
    const text = plainFromSlack(m.text);
    if (NOTE.test(text)) await desk.note(ticketId, text.replace(NOTE, ''), by);
    else await desk.reply(ticketId, text, by);
  });

  for (const [action, act] of [
    [CLAIM_ACTION, 'claim'],
    [RESOLVE_ACTION, 'resolve'],
  ] as const) {
    app.action(action, async ({ ack, body, action: pressed }) => {
      await ack();
      const id = Number((pressed as { value?: string }).value);
      const by = { name: `${SLACK_ACTOR}${body.user.id}` };
      try {
        if (act === 'claim') await desk.claim(id, by);
        else await desk.resolve(id, by);
      } catch (err) {
        // Claimed by someone else meanwhile, or gone: the root message already says so.
        logger.info({ ticketId: id, user: body.user.id, err: errorMessage(err) }, `slack: ${act} refused`);
      }
    });
  }

  const moderation = o.moderation;
  if (moderation) {
    for (const [action, act] of MODERATION_ACTIONS) {
      app.action(action, async ({ ack, body, action: pressed }) => {
        await ack();
        const id = Number((pressed as { value?: string }).value);
        try {
          await moderation.act(id, act, { name: `${SLACK_ACTOR}${body.user.id}` });
        } catch (err) {
          logger.warn({ actionId: id, user: body.user.id, err: errorMessage(err) }, `slack: moderation ${act} failed`);
        }
      });
    }
  }

  app.error(async (err) => {
    logger.error({ err }, 'slack: listener failed');
  });

  return {
    mode,
    app,
    receiver,
    /** The Events API route for the main HTTP server (absent in Socket Mode). */
    routes: events?.routes,
    sender: new SlackSender(client, desk),
    async start() {
      await app.start();
      // Not fatal: tickets wait in the outbox until Slack answers.
      authorize().then(
        (who) => logger.info({ bot: who.botUserId }, 'slack: connected'),
        (err: unknown) => logger.warn({ err: errorMessage(err) }, 'slack: auth.test failed; will retry'),
      );
    },
    stop: () => app.stop(),
  };
}

export type Slack = ReturnType<typeof createSlack>;
