// A loopback server that plays the Telegram Bot API where the emulator cannot: scripted failures
// (429 with retry_after, 403, 400, 5xx), a record of every call with the (fake) time it arrived,
// and updates served to getUpdates on demand.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_BOT = { id: 4242, is_bot: true, first_name: 'Rapport', username: 'RapportTestBot' };

export interface BotApiCall {
  method: string;
  body: Record<string, unknown>;
  /** The test's clock when the call arrived. */
  at: number;
}

export type BotApiFailure =
  | { status: 429; retryAfter: number }
  | { status: 400 | 401 | 403 | 404; description: string }
  | { status: 500 | 502 };

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class FakeBotApi {
  readonly calls: BotApiCall[] = [];
  /** Failures served, in order, to the next calls of a method (null: that call succeeds). */
  readonly failures = new Map<string, (BotApiFailure | null)[]>();
  /** Updates the next getUpdates returns. */
  readonly pending: unknown[] = [];
  /** What methods answer instead of `true` (getChatMember…). */
  readonly results = new Map<string, unknown>();
  private server: Server | undefined;
  private messageId = 1;

  constructor(private readonly now: () => number = Date.now) {}

  fail(method: string, ...failures: (BotApiFailure | null)[]): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...failures]);
  }

  async start(): Promise<string> {
    const server = createServer(async (req, res) => {
      const method = (req.url ?? '').split('?')[0]?.split('/').pop() ?? '';
      const raw = await read(req);
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      this.calls.push({ method, body, at: this.now() });
      const send = (status: number, payload: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      const failure = this.failures.get(method)?.shift();
      if (failure) {
        if (failure.status === 429) {
          return send(429, {
            ok: false,
            error_code: 429,
            description: `Too Many Requests: retry after ${failure.retryAfter}`,
            parameters: { retry_after: failure.retryAfter },
          });
        }
        if ('description' in failure) {
          return send(failure.status, { ok: false, error_code: failure.status, description: failure.description });
        }
        return send(failure.status, 'Bad Gateway');
      }
      send(200, { ok: true, result: this.answer(method, body) });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private answer(method: string, body: Record<string, unknown>): unknown {
    switch (method) {
      case 'getMe':
        return FAKE_BOT;
      case 'getUpdates':
        return this.pending.splice(0);
      case 'sendMessage':
        return {
          message_id: this.messageId++,
          date: Math.floor(this.now() / 1000),
          chat: { id: Number(body.chat_id), type: 'private' },
          from: FAKE_BOT,
          text: body.text,
          ...(body.reply_markup ? { reply_markup: body.reply_markup } : {}),
        };
      default:
        return this.results.has(method) ? this.results.get(method) : true;
    }
  }

  /** The bodies of one method's calls, in order. */
  of(method: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.body);
  }

  /** What was sent to a chat (sendMessage calls, failed ones included). */
  sentTo(chatId: string | number): BotApiCall[] {
    return this.calls.filter((c) => c.method === 'sendMessage' && String(c.body.chat_id) === String(chatId));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}

let nextUpdateId = 1;
let nextMessageId = 1;

/** A customer's text message as Telegram delivers it. */
export function textUpdate(
  o: {
    user: number;
    chat?: number;
    type?: 'private' | 'group' | 'supergroup';
    text: string;
    firstName?: string;
    languageCode?: string;
    messageId?: number;
    entities?: { type: string; offset: number; length: number; user?: unknown }[];
    replyToBot?: boolean;
  },
  bot = FAKE_BOT,
) {
  const chatId = o.chat ?? o.user;
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: o.messageId ?? nextMessageId++,
      date: 1_780_000_000,
      chat:
        o.type && o.type !== 'private'
          ? { id: chatId, type: o.type, title: 'Coffee lovers' }
          : { id: chatId, type: 'private', first_name: o.firstName ?? 'Mei' },
      from: {
        id: o.user,
        is_bot: false,
        first_name: o.firstName ?? 'Mei',
        ...(o.languageCode ? { language_code: o.languageCode } : {}),
      },
      text: o.text,
      ...(o.entities ? { entities: o.entities } : {}),
      ...(o.replyToBot
        ? {
            reply_to_message: {
              message_id: 1,
              date: 1_780_000_000,
              chat: { id: chatId, type: o.type ?? 'private' },
              from: bot,
              text: 'earlier',
            },
          }
        : {}),
    },
  };
}

/** A press of an inline button on one of the bot's messages. */
export function callbackUpdate(o: { user: number; chat?: number; data: string; id?: string; languageCode?: string }) {
  const id = o.id ?? `cq-${nextUpdateId}`;
  return {
    update_id: nextUpdateId++,
    callback_query: {
      id,
      chat_instance: 'ci-1',
      from: {
        id: o.user,
        is_bot: false,
        first_name: 'Mei',
        ...(o.languageCode ? { language_code: o.languageCode } : {}),
      },
      message: {
        message_id: 77,
        date: 1_780_000_000,
        chat: { id: o.chat ?? o.user, type: o.chat && o.chat < 0 ? 'group' : 'private' },
        from: FAKE_BOT,
        text: 'Which one?',
      },
      data: o.data,
    },
  };
}
