// The path Slack posts to and its documentation, apart from the receiver so that a bot without
// Slack never loads Bolt: with Slack off (or in Socket Mode) the path says how to turn it on.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../src/errors.js';
import { errorSchema } from '../../src/http/schemas.js';

export const SLACK_EVENTS_PATH = '/slack/events';

export const slackRouteSchema = {
  tags: ['Slack'],
  summary: 'Slack Events API and interactivity (signed by Slack; enabled by SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET)',
  response: { 200: {}, 400: errorSchema, 401: errorSchema, 404: errorSchema },
};

/** Without the Events API (Slack off, or Socket Mode) the path says so instead of a bare 404. */
export async function slackEventsOff(server: FastifyInstance): Promise<void> {
  server.post(SLACK_EVENTS_PATH, { schema: slackRouteSchema }, async () => {
    throw new AppError('HTTP_NOT_FOUND', 'the Slack Events API is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
  });
}
