// A loopback server playing a staff webhook's receiver (a WeCom, Feishu or DingTalk group bot, or
// the business's own endpoint): records every request and answers what the test queued.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookRequest {
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface WebhookAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class FakeWebhookReceiver {
  readonly requests: WebhookRequest[] = [];
  /** Answers served in order; when none is queued: 200 with `ok`. */
  readonly answers: WebhookAnswer[] = [];
  private server: Server | undefined;

  constructor(private readonly ok: unknown = { errcode: 0, errmsg: 'ok' }) {}

  /** Starts listening; returns the webhook URL (with a query like the platforms' keys). */
  async start(path = '/hook?key=test-key'): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.requests.push({
          url: new URL(req.url ?? '/', 'http://127.0.0.1'),
          headers: req.headers,
          body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
        });
        const answer = this.answers.shift() ?? {};
        res
          .writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers })
          .end(JSON.stringify(answer.body ?? this.ok));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
