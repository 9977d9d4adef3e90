// A loopback server that speaks the OpenAI chat completions API, for the model path's tests:
// it records every request and answers as the test says (content, HTTP error, or a delay).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string };
}

export type FakeReply = { content: string } | { status: number; body: unknown } | { delayMs: number; content: string };

export class FakeOpenAi {
  readonly requests: ChatRequest[] = [];
  reply: (request: ChatRequest) => FakeReply = () => ({ content: '{}' });
  private server: Server | undefined;
  private readonly pending = new Set<NodeJS.Timeout>();

  async start(): Promise<string> {
    const server = createServer(async (req, res) => {
      const body = JSON.parse(await read(req)) as ChatRequest;
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      this.requests.push(body);
      const reply = this.reply(body);
      const send = (status: number, payload: unknown) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      };
      if ('status' in reply) return send(reply.status, reply.body);
      const completion = {
        id: `chatcmpl-${this.requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      };
      if ('delayMs' in reply) {
        const timer = setTimeout(() => {
          this.pending.delete(timer);
          send(200, completion);
        }, reply.delayMs);
        this.pending.add(timer);
        return;
      }
      send(200, completion);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    for (const t of this.pending) clearTimeout(t);
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
