// The telegram-test-api Bot API emulator, behind a small recording proxy (the emulator keeps no
// record of calls such as answerCallbackQuery). The bot's TELEGRAM_API_ROOT is the proxy.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import emulatorModule from 'telegram-test-api';
import type { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';

// The package is CommonJS with `module.exports = TelegramServer`; its typings describe `exports.default`.
const TelegramServerClass = emulatorModule as unknown as typeof TelegramServer;

export interface ApiCall {
  method: string;
  body: Record<string, unknown>;
}

export interface BotMessage {
  text: string;
  reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] };
}

/** The emulator does not take port 0: find a free port first. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class Emulator {
  readonly calls: ApiCall[] = [];
  private proxy: Server | undefined;

  private constructor(
    readonly server: TelegramServer,
    readonly token: string,
    readonly upstream: string,
  ) {}

  static async start(token: string): Promise<Emulator> {
    const port = await freePort();
    const server = new TelegramServerClass({ port, host: '127.0.0.1', storeTimeout: 600 });
    await server.start();
    return new Emulator(server, token, `http://127.0.0.1:${port}`);
  }

  /** The API root for the bot: every call is recorded, then passed to the emulator. */
  async listen(): Promise<string> {
    const proxy = createServer(async (req, res) => {
      const body = await read(req);
      const method = (req.url ?? '').split('?')[0]?.split('/').pop() ?? '';
      let parsed: Record<string, unknown> = {};
      try {
        parsed = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      } catch {}
      this.calls.push({ method, body: parsed });
      try {
        const upstream = await fetch(`${this.upstream}${req.url}`, {
          method: req.method ?? 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          ...(req.method === 'POST' ? { body } : {}),
        });
        res
          .writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' })
          .end(Buffer.from(await upstream.arrayBuffer()));
      } catch {
        res.writeHead(502).end();
      }
    });
    this.proxy = proxy;
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }

  client(options: { userId: number; chatId?: number; type?: 'private' | 'group'; firstName?: string }) {
    return this.server.getClient(this.token, { chatId: options.userId, ...options });
  }

  /** What the bot sent to a chat, oldest first. */
  botMessages(chatId: number): BotMessage[] {
    return this.server
      .getUpdatesHistory(this.token)
      .filter((u: object) => 'message' in u && String((u.message as { chat_id?: unknown }).chat_id) === String(chatId))
      .map((u: object) => (u as { message: BotMessage }).message);
  }

  /** Waits until the bot sent a chat at least `count` messages (fails after `limitMs`). */
  async waitForBotMessages(chatId: number, count: number, limitMs = 10_000): Promise<BotMessage[]> {
    return eventually(
      () => this.botMessages(chatId),
      (m) => m.length >= count,
      limitMs,
      `${count} bot message(s) in chat ${chatId}`,
    );
  }

  of(method: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.body);
  }

  async stop(): Promise<void> {
    this.proxy?.closeAllConnections();
    await new Promise((resolve) => (this.proxy ? this.proxy.close(resolve) : resolve(undefined)));
    await this.server.stop();
  }
}

/** Polls `probe` until `ok` holds; throws with the last value after `limitMs`. */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  ok: (value: T) => boolean,
  limitMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
