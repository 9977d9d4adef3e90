// A loopback server that plays the Slack Web API for Bolt's client (SLACK_API_URL), recording
// every call; and what Slack does when it calls us: signing an Events API request.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
}

export type SlackFailure = { error: string } | { rateLimitedSeconds: number };

export const BOT_USER_ID = 'UBOT';

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** Failures served, in order, to the next calls of a method. */
  readonly failures = new Map<string, SlackFailure[]>();
  private server: Server | undefined;
  private nextTs = 1_700_000_000_000_100;

  async start(): Promise<string> {
    const server = createServer(async (req, res) => {
      const method = req.url?.replace(/^\/api\//, '').split('?')[0] ?? '';
      const args = parseArgs(await read(req), req.headers['content-type']);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      const failure = this.failures.get(method)?.shift();
      if (failure && 'rateLimitedSeconds' in failure) {
        return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.rateLimitedSeconds) });
      }
      this.calls.push({ method, args });
      if (failure) return send(200, { ok: false, error: failure.error });
      send(200, this.answer(method, args));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          user_id: BOT_USER_ID,
          bot_id: 'BBOT',
          team_id: 'T1',
          team: 'Test',
          url: 'https://t.slack.com/',
        };
      case 'chat.postMessage': {
        const ts = `${Math.floor(this.nextTs / 1e6)}.${String(this.nextTs++ % 1e6).padStart(6, '0')}`;
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts } };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      default:
        return { ok: true };
    }
  }

  /** The calls of one method, in order. */
  of(method: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** The Web API client posts form fields (nested values as JSON) or JSON. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return args;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** Headers Slack sends with a request it signed with the app's signing secret. */
export function slackSignature(secret: string, body: string, at = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(at / 1000));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature };
}

/** An Events API envelope for a message posted in a channel (a thread reply when threadTs is set). */
export function messageEvent(o: {
  channel: string;
  user: string;
  text: string;
  ts: string;
  threadTs?: string;
  eventId?: string;
  subtype?: string;
  botId?: string;
}) {
  return {
    token: 'legacy',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: o.eventId ?? `Ev${o.ts.replace('.', '')}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T1', user_id: BOT_USER_ID, is_bot: true }],
    event: {
      type: 'message',
      channel: o.channel,
      channel_type: 'channel',
      user: o.user,
      text: o.text,
      ts: o.ts,
      ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
      ...(o.subtype ? { subtype: o.subtype } : {}),
      ...(o.botId ? { bot_id: o.botId } : {}),
    },
  };
}

/** An interactivity payload: a staff member pressed a button on a ticket's root message. */
export function buttonPress(o: { channel: string; user: string; actionId: string; value: string; messageTs: string }) {
  return {
    type: 'block_actions',
    team: { id: 'T1', domain: 'test' },
    user: { id: o.user, username: o.user.toLowerCase(), name: o.user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
    container: { type: 'message', message_ts: o.messageTs, channel_id: o.channel, is_ephemeral: false },
    trigger_id: '1.2.3',
    channel: { id: o.channel, name: 'support' },
    message: { type: 'message', ts: o.messageTs, text: 'ticket' },
    response_url: 'http://127.0.0.1:9/none',
    actions: [
      {
        type: 'button',
        action_id: o.actionId,
        block_id: 'b1',
        value: o.value,
        text: { type: 'plain_text', text: 'Claim' },
        action_ts: '1700000000.000999',
      },
    ],
  };
}
