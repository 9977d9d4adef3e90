// Live updates for the console (server-sent events): while anyone has a console page open, one
// poll a second asks the database what changed last in tickets. Asking the database, not this
// process, is what makes a ticket opened through another instance appear too.
import type { ServerResponse } from 'node:http';
import type { Db } from '../store/index.js';

const POLL_MS = 1000;
const HEARTBEAT_MS = 25_000;

export class TicketFeed {
  private readonly clients = new Set<ServerResponse>();
  private version = '';
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly db: Db,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Streams "tickets" events to one browser until it goes away. */
  add(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    this.start();
  }

  get listeners(): number {
    return this.clients.size;
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.heartbeat = setInterval(() => this.send(': keep-alive\n\n'), HEARTBEAT_MS);
    void this.poll();
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
  }

  close(): void {
    this.stop();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      // Both are index lookups: Ticket(updatedAt) and TicketMessage's primary key.
      const [tickets, messages] = await Promise.all([
        this.db.ticket.aggregate({ _max: { updatedAt: true } }),
        this.db.ticketMessage.aggregate({ _max: { id: true } }),
      ]);
      const version = `${tickets._max.updatedAt?.getTime() ?? 0}.${messages._max.id ?? 0}`;
      if (version !== this.version) {
        const first = this.version === '';
        this.version = version;
        if (!first) this.send(`event: tickets\ndata: ${version}\n\n`);
      }
    } catch (err) {
      this.onError(err);
    } finally {
      this.polling = false;
    }
  }

  private send(chunk: string): void {
    for (const res of this.clients) res.write(chunk);
  }
}
