// Scheduled jobs: node-cron times them in each instance; the database decides which instance
// runs a due time. Every run first inserts its JobRun row, keyed by (job, due time): the instance
// whose insert wins runs it, the others skip. No in-process flag could do that across instances.
import { randomUUID } from 'node:crypto';
import { createTask, type ScheduledTask, validate } from 'node-cron';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import { type Db, isUniqueViolation } from '../store/index.js';
import { type Clock, systemClock } from '../util/clock.js';

export interface JobSpec {
  /** Unique: the key of its runs (lower-case words joined by "-"). */
  name: string;
  /** A cron expression (5 fields, or 6 with seconds). */
  schedule: string;
  /** The time zone of the schedule; the business's when absent. */
  timezone?: string;
  /** Does the work due at `now`; returns how many things it handled. */
  run(now: Date): Promise<number>;
}

export interface JobStatus {
  name: string;
  schedule: string;
  timezone: string;
  lastRun: { at: string; processed: number | null; error?: string; trigger: string } | null;
  nextRun: string | null;
}

export interface SchedulerOptions {
  db: Db;
  jobs: readonly JobSpec[];
  timezone: string;
  logger: Logger;
  clock?: Clock;
  /** Wraps every run (metrics count them). */
  around?: (job: string, run: () => Promise<number>) => Promise<number>;
}

export class JobScheduler {
  readonly instance = randomUUID();
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly clock: Clock;
  private readonly byName = new Map<string, JobSpec>();

  constructor(private readonly o: SchedulerOptions) {
    this.clock = o.clock ?? systemClock;
    for (const job of o.jobs) {
      if (this.byName.has(job.name)) throw new Error(`job ${job.name} is scheduled twice`);
      if (!validate(job.schedule)) throw new Error(`job ${job.name}: "${job.schedule}" is not a cron expression`);
      this.byName.set(job.name, job);
    }
  }

  get jobs(): JobSpec[] {
    return [...this.byName.values()];
  }

  /** Starts timing every job (each instance does; the claim decides who runs). */
  start(): void {
    for (const job of this.byName.values()) {
      if (this.tasks.has(job.name)) continue;
      const task = createTask(job.schedule, (context) => this.runDue(job.name, context.date, 'scheduled'), {
        name: job.name,
        timezone: this.timezoneOf(job),
        noOverlap: true,
      });
      task.unref();
      void task.start();
      this.tasks.set(job.name, task);
    }
  }

  async stop(): Promise<void> {
    for (const task of this.tasks.values()) await task.destroy();
    this.tasks.clear();
  }

  /** Runs a job now (the admin API); returns what it processed, or undefined for an unknown job. */
  async runNow(name: string): Promise<number | undefined> {
    if (!this.byName.has(name)) return undefined;
    const outcome = await this.runDue(name, new Date(this.clock.now()), 'manual');
    if (outcome.error !== undefined) throw new Error(outcome.error);
    return outcome.processed ?? 0;
  }

  /**
   * Runs `name` for the due time `dueAt` unless another instance claimed it first. Never throws:
   * a failed run is logged and recorded with its error.
   */
  async runDue(
    name: string,
    dueAt: Date,
    trigger: 'scheduled' | 'manual',
  ): Promise<{ ran: boolean; processed?: number; error?: string }> {
    const job = this.byName.get(name);
    if (!job) return { ran: false };
    const { db, logger } = this.o;
    let runId: number;
    try {
      const row = await db.jobRun.create({
        data: { job: name, dueAt, trigger, instance: this.instance, startedAt: new Date(this.clock.now()) },
        select: { id: true },
      });
      runId = row.id;
    } catch (err) {
      if (isUniqueViolation(err)) return { ran: false }; // another instance has this due time
      logger.error({ err, job: name }, `job ${name}: could not claim its run`);
      return { ran: false, error: errorMessage(err) };
    }
    const work = () => job.run(new Date(this.clock.now()));
    try {
      const processed = await (this.o.around ? this.o.around(name, work) : work());
      await db.jobRun.update({
        where: { id: runId },
        data: { finishedAt: new Date(this.clock.now()), processed },
      });
      if (processed) logger.info({ job: name, processed }, `job ${name} done`);
      return { ran: true, processed };
    } catch (err) {
      const error = errorMessage(err);
      logger.error({ err, job: name }, `job ${name} failed`);
      await db.jobRun
        .update({ where: { id: runId }, data: { finishedAt: new Date(this.clock.now()), error: error.slice(0, 1000) } })
        .catch(() => {});
      return { ran: true, error };
    }
  }

  /** Every job with its schedule, its latest run (any instance's) and its next due time. */
  async status(): Promise<JobStatus[]> {
    const result: JobStatus[] = [];
    for (const job of this.byName.values()) {
      const last = await this.o.db.jobRun.findFirst({
        where: { job: job.name },
        orderBy: { startedAt: 'desc' },
      });
      const next = this.tasks.get(job.name)?.getNextRun() ?? null;
      result.push({
        name: job.name,
        schedule: job.schedule,
        timezone: this.timezoneOf(job),
        lastRun: last
          ? {
              at: last.startedAt.toISOString(),
              processed: last.processed,
              trigger: last.trigger,
              ...(last.error ? { error: last.error } : {}),
            }
          : null,
        nextRun: next ? next.toISOString() : null,
      });
    }
    return result;
  }

  private timezoneOf(job: JobSpec): string {
    return job.timezone ?? this.o.timezone;
  }
}
