import { write as fsWrite } from 'node:fs';
import { type Logger, pino } from 'pino';

export type { Logger };

/** How much log text may wait for a slow reader of stdout before new lines are dropped. */
const MAX_QUEUED_CHARS = 4 * 1024 * 1024;

/**
 * Log lines to a file descriptor (stdout) that can never block or hang the process.
 *
 * pino's own stdout stream flushes synchronously when the process exits and retries a failed
 * write forever, so a process whose stdout reader had gone away (EPIPE) hung on exit. Here writes
 * are asynchronous, a write error means the reader is gone and later lines are dropped, a reader
 * that stops reading gets at most MAX_QUEUED_CHARS of backlog, and nothing runs at exit: the caller
 * flushes, with a time limit, before it exits.
 */
export class LogWriter {
  private queue: string[] = [];
  private queuedChars = 0;
  private writing = false;
  private dropped = 0;
  private waiters: (() => void)[] = [];
  /** Set once a write failed (the reader went away): everything after is dropped. */
  broken = false;

  constructor(
    private readonly fd = 1,
    private readonly maxQueuedChars = MAX_QUEUED_CHARS,
  ) {}

  write(line: string): boolean {
    if (this.broken) return true;
    if (this.queuedChars + line.length > this.maxQueuedChars) {
      this.dropped++;
      return true;
    }
    this.queue.push(line);
    this.queuedChars += line.length;
    if (!this.writing) this.writeNext();
    return true;
  }

  /** Resolves once every line written so far is out, the reader is gone, or after `ms`. */
  flush(ms: number): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private writeNext(): void {
    if (this.broken || !this.queue.length) {
      this.writing = false;
      for (const wake of this.waiters.splice(0)) wake();
      return;
    }
    this.writing = true;
    let text = this.queue.join('');
    this.queue = [];
    this.queuedChars = 0;
    if (this.dropped) {
      const note = { level: 40, time: Date.now(), msg: `${this.dropped} log line(s) dropped: stdout was not read` };
      text = `${JSON.stringify(note)}\n${text}`;
      this.dropped = 0;
    }
    this.writeOut(Buffer.from(text), 0);
  }

  private writeOut(buffer: Buffer, offset: number): void {
    fsWrite(this.fd, buffer, offset, buffer.length - offset, null, (err, written) => {
      if (err) {
        // A non-blocking pipe that is full: the reader is slow, not gone.
        if (err.code === 'EAGAIN') {
          setTimeout(() => this.writeOut(buffer, offset), 20);
          return;
        }
        this.broken = true;
        this.queue = [];
        this.queuedChars = 0;
        this.writeNext();
        return;
      }
      if (offset + written < buffer.length) this.writeOut(buffer, offset + written);
      else this.writeNext();
    });
  }
}

/** Where the process's log lines go when nobody watches a terminal. */
export const stdoutLog = new LogWriter(1);

/** JSON lines for machines; readable lines when a person watches the terminal. */
export function createLogger(level: string, destination: LogWriter = stdoutLog): Logger {
  const pretty = process.stdout.isTTY && !process.env.CI;
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level }, destination);
}
