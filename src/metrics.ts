// Prometheus metrics (prom-client, a registry of Rapport's own): counters fed by small callbacks of
// the engine, the dispatcher and the scheduled jobs; gauges read from the database at scrape time.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TurnInfo } from './engine/engine.js';
import { outboxBacklog } from './outbox/backlog.js';
import type { SendOutcome } from './outbox/dispatcher.js';
import type { Db } from './store/index.js';

/** The FAQ's confidence bands, from the events its turns log. */
const faqBands: Record<string, string> = {
  faq_answered: 'answered',
  faq_suggested: 'suggested',
  faq_unanswered: 'unknown',
};

export class Metrics {
  readonly registry = new Registry();
  private readonly inbound: Counter<'channel'>;
  private readonly outbound: Counter<'channel'>;
  private readonly sendFailures: Counter<'channel' | 'outcome'>;
  private readonly turnSeconds: Histogram<'channel'>;
  private readonly faq: Counter<'band'>;
  private readonly jobRuns: Counter<'job' | 'outcome'>;

  constructor(db: Db, now: () => number = Date.now) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.inbound = new Counter({
      name: 'rapport_inbound_messages_total',
      help: 'Customer messages handled (stored and answered), by channel',
      labelNames: ['channel'],
      registers,
    });
    this.outbound = new Counter({
      name: 'rapport_outbound_messages_total',
      help: 'Messages delivered through a channel by the outbox',
      labelNames: ['channel'],
      registers,
    });
    this.sendFailures = new Counter({
      name: 'rapport_send_failures_total',
      help: 'Failed sends by channel and outcome: retry (tried again later), failed (given up), unreachable',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.turnSeconds = new Histogram({
      name: 'rapport_turn_duration_seconds',
      help: 'From a stored customer message to its replies committed to the outbox',
      labelNames: ['channel'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.faq = new Counter({
      name: 'rapport_faq_answers_total',
      help: 'Questions by FAQ band: answered, suggested (did you mean), unknown',
      labelNames: ['band'],
      registers,
    });
    this.jobRuns = new Counter({
      name: 'rapport_job_runs_total',
      help: 'Runs of the scheduled jobs, by job and outcome (ok, failed)',
      labelNames: ['job', 'outcome'],
      registers,
    });
    // Both outbox gauges come from one query per scrape.
    let backlog: ReturnType<typeof outboxBacklog> | undefined;
    const readBacklog = () => {
      backlog ??= outboxBacklog(db, new Date(now())).finally(() => {
        backlog = undefined;
      });
      return backlog;
    };
    new Gauge({
      name: 'rapport_outbox_pending',
      help: 'Outbox messages not sent yet (waiting, being sent or waiting for a retry)',
      registers,
      async collect() {
        this.set((await readBacklog()).pending);
      },
    });
    new Gauge({
      name: 'rapport_outbox_oldest_pending_seconds',
      help: 'How long the oldest unsent outbox message has waited',
      registers,
      async collect() {
        this.set((await readBacklog()).oldestPendingSeconds);
      },
    });
    new Gauge({
      name: 'rapport_tickets_open',
      help: 'Tickets waiting for staff, by status (open = unclaimed, claimed)',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await db.ticket.groupBy({
          by: ['status'],
          where: { status: { in: ['open', 'claimed'] } },
          _count: { _all: true },
        });
        this.reset();
        for (const status of ['open', 'claimed']) {
          this.set({ status }, counts.find((c) => c.status === status)?._count._all ?? 0);
        }
      },
    });
  }

  /** The engine's onTurn. */
  turn(info: TurnInfo): void {
    this.inbound.inc({ channel: info.channel });
    this.turnSeconds.observe({ channel: info.channel }, info.ms / 1000);
    for (const kind of info.events) {
      const band = faqBands[kind];
      if (band) this.faq.inc({ band });
    }
  }

  /** The dispatcher's onSend. */
  send(channel: string, outcome: SendOutcome): void {
    if (outcome === 'sent') this.outbound.inc({ channel });
    else this.sendFailures.inc({ channel, outcome });
  }

  /** Runs a scheduled job and counts how it ended; failures are rethrown for the caller to log. */
  async job<T>(name: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.jobRuns.inc({ job: name, outcome: 'ok' });
      return result;
    } catch (err) {
      this.jobRuns.inc({ job: name, outcome: 'failed' });
      throw err;
    }
  }
}
