// Bolt's Events API and interactivity on Rapport's own HTTP server (POST /slack/events), instead
// of the second server Bolt's HTTPReceiver would open. The raw body is kept for the signature
// check; a bad or missing signature is a 401 and reaches nothing.
import { type App, isValidSlackRequest, type Receiver, type ReceiverEvent } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AppError } from '../../src/errors.js';
import { SLACK_EVENTS_PATH, slackRouteSchema } from './route.js';

const ACK_GRACE_MS = 2500;
/** Slack's own rule for replays: a signed request older than 5 minutes is refused. Bolt checks only
 *  the past; a timestamp this far in the future is refused too, or a leaked signature could be
 *  prepared now and replayed later. */
export const SLACK_TIMESTAMP_TOLERANCE_MS = 5 * 60_000;

/** The request's x-slack-request-timestamp in seconds, when it is one (digits only) and within the tolerance. */
function freshTimestamp(header: unknown, nowMs: number): number | undefined {
  if (typeof header !== 'string' || !/^[0-9]{1,12}$/.test(header)) return undefined;
  const seconds = Number(header);
  return Math.abs(nowMs - seconds * 1000) <= SLACK_TIMESTAMP_TOLERANCE_MS ? seconds : undefined;
}

export interface EventsReceiverOptions {
  signingSecret: string;
  logger: Logger;
  /** For tests: the time the signature's timestamp is checked against. */
  now?: () => number;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  try {
    if (contentType?.startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(raw);
      const payload = form.get('payload');
      // Interactivity (buttons) sends its JSON in a form field; slash commands send plain fields.
      return payload ? (JSON.parse(payload) as Record<string, unknown>) : Object.fromEntries(form);
    }
    const body = JSON.parse(raw) as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    return body as Record<string, unknown>;
  } catch {
    throw new AppError('HTTP_BAD_REQUEST', 'the Slack request body is not valid JSON or form data');
  }
}

export class EventsReceiver implements Receiver {
  private app: App | undefined;

  constructor(private readonly o: EventsReceiverOptions) {}

  init(app: App): void {
    this.app = app;
  }

  /** The main HTTP server listens; nothing to start or stop here. */
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** The route, as a Fastify plugin (its own body parser keeps the raw text). */
  readonly routes = async (server: FastifyInstance): Promise<void> => {
    server.removeAllContentTypeParsers();
    server.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded'],
      { parseAs: 'string' },
      (_req, body, done) => done(null, body),
    );
    // Interactivity payloads carry the whole message with its blocks: more room than customer messages.
    server.post(SLACK_EVENTS_PATH, { schema: slackRouteSchema, bodyLimit: 1024 * 1024 }, async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      const signature = request.headers['x-slack-signature'];
      const nowMs = this.o.now ? this.o.now() : Date.now();
      const timestamp = freshTimestamp(request.headers['x-slack-request-timestamp'], nowMs);
      const valid =
        typeof signature === 'string' &&
        timestamp !== undefined &&
        isValidSlackRequest({
          signingSecret: this.o.signingSecret,
          body: raw,
          headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
          nowMilliseconds: nowMs,
        });
      if (!valid)
        throw new AppError(
          'HTTP_UNAUTHORIZED',
          'missing or bad Slack signature, or a timestamp more than 5 minutes from now',
        );

      const body = parseBody(raw, request.headers['content-type']);
      if (body.type === 'url_verification') return { challenge: body.challenge };
      if (!this.app) throw new Error('the Slack app is not initialized');

      const retryNum = Number(request.headers['x-slack-retry-num']);
      const retryReason = request.headers['x-slack-retry-reason'];
      let acked: { response: unknown } | undefined;
      let timer: NodeJS.Timeout | undefined;
      // Slack wants an answer within 3 s: handling gets 2.5 s, then we answer with what was acknowledged.
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ACK_GRACE_MS);
      });
      const event: ReceiverEvent = {
        body,
        ...(Number.isFinite(retryNum) ? { retryNum } : {}),
        ...(typeof retryReason === 'string' ? { retryReason } : {}),
        ack: async (response?: unknown) => {
          acked = { response };
        },
      };
      const processed = this.app.processEvent(event).catch((err: unknown) => {
        this.o.logger.error({ err }, 'slack: handling an event failed');
      });
      await Promise.race([processed, late]);
      clearTimeout(timer);
      const response = acked?.response;
      reply.code(200);
      return response ?? '';
    });
  };
}
