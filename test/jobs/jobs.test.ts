// Scheduled jobs: each due time runs once across instances (a database claim), runs are recorded,
// and the admin API lists the jobs and runs one on demand.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { JobScheduler, type JobSpec } from '../../src/jobs/scheduler.js';
import { admin, silentLogger, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

describeOnEachDatabase('scheduled jobs', (database) => {
  let a: App;
  let b: App;
  const schedulers: JobScheduler[] = [];

  beforeAll(async () => {
    // Two instances of the app on one database.
    a = await testApp(database().url);
    b = await testApp(database().url);
  });
  afterEach(async () => {
    await Promise.all(schedulers.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  const counting = (name: string, schedule = '* * * * *') => {
    const runs: Date[] = [];
    const job: JobSpec = {
      name,
      schedule,
      run: async (now) => {
        runs.push(now);
        return 1;
      },
    };
    return { job, runs };
  };
  const scheduler = (app: App, jobs: JobSpec[]) => {
    const s = new JobScheduler({ db: app.store.db, jobs, timezone: 'Asia/Shanghai', logger: silentLogger });
    schedulers.push(s);
    return s;
  };

  it('runs a due time once when two instances reach it together', async () => {
    const one = counting('claim-test');
    const two = counting('claim-test');
    const due = new Date('2026-12-01T01:15:00Z');
    const outcomes = await Promise.all([
      scheduler(a, [one.job]).runDue('claim-test', due, 'scheduled'),
      scheduler(b, [two.job]).runDue('claim-test', due, 'scheduled'),
    ]);
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    expect(one.runs.length + two.runs.length).toBe(1);
    const rows = await a.store.db.jobRun.findMany({ where: { job: 'claim-test' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ processed: 1, error: null, trigger: 'scheduled' });
    expect(rows[0]?.finishedAt).toBeInstanceOf(Date);
  });

  it('with node-cron timing both instances every second, each second runs exactly once', async () => {
    const one = counting('every-second', '* * * * * *');
    const two = counting('every-second', '* * * * * *');
    const first = scheduler(a, [one.job]);
    const second = scheduler(b, [two.job]);
    first.start();
    second.start();
    await new Promise((resolve) => setTimeout(resolve, 3300));
    await first.stop();
    await second.stop();
    const rows = await a.store.db.jobRun.findMany({ where: { job: 'every-second' }, orderBy: { dueAt: 'asc' } });
    expect(rows.length).toBeGreaterThanOrEqual(2);
    // One row per due second, and as many runs as rows: no second ran twice.
    expect(new Set(rows.map((r) => r.dueAt.getTime())).size).toBe(rows.length);
    expect(one.runs.length + two.runs.length).toBe(rows.length);
  });

  it('records a failed run with its error and keeps going', async () => {
    const failing: JobSpec = {
      name: 'failing',
      schedule: '0 9 * * *',
      run: async () => {
        throw new Error('the mail server is down');
      },
    };
    const s = scheduler(a, [failing]);
    const outcome = await s.runDue('failing', new Date('2026-12-01T01:00:00Z'), 'scheduled');
    expect(outcome).toEqual({ ran: true, error: 'the mail server is down' });
    const [status] = await s.status();
    expect(status?.lastRun).toMatchObject({ error: 'the mail server is down', processed: null });
    await expect(s.runNow('failing')).rejects.toThrow(/mail server/);
  });

  it('refuses a job scheduled twice or with a bad cron expression', () => {
    const { job } = counting('twice');
    expect(() => scheduler(a, [job, job])).toThrow(/twice/);
    expect(() => scheduler(a, [{ ...job, schedule: 'every day' }])).toThrow(/not a cron expression/);
  });

  it('GET /api/v1/jobs lists the jobs; POST /api/v1/jobs/:name/run runs one now', async () => {
    await a.start();
    const list = await a.server.inject({ url: '/api/v1/jobs', headers: admin });
    expect(list.statusCode).toBe(200);
    const jobs = list.json().jobs as { name: string; schedule: string; timezone: string; nextRun: string | null }[];
    expect(jobs.map((j) => j.name).sort()).toEqual([
      'birthdays',
      'campaigns',
      'care-occasions',
      'lifecycle',
      'moderation-captcha',
      'outbox-prune',
      'outreach-release',
      'points-expiry',
      'ticket-reminders',
    ]);
    expect(jobs.find((j) => j.name === 'birthdays')).toMatchObject({
      schedule: '0 9 * * *',
      timezone: 'Asia/Shanghai',
    });
    for (const j of jobs) expect(Date.parse(j.nextRun as string)).toBeGreaterThan(Date.now() - 1000);

    const run = await a.server.inject({ method: 'POST', url: '/api/v1/jobs/birthdays/run', headers: admin });
    expect(run.statusCode).toBe(200);
    expect(run.json()).toEqual({ processed: 0 });
    const after = (await a.server.inject({ url: '/api/v1/jobs', headers: admin })).json().jobs as {
      name: string;
      lastRun: { trigger: string; processed: number } | null;
    }[];
    expect(after.find((j) => j.name === 'birthdays')?.lastRun).toMatchObject({ trigger: 'manual', processed: 0 });
    // The other instance sees the same runs: they are in the database.
    const seen = (await b.jobs.status()).find((j) => j.name === 'birthdays');
    expect(seen?.lastRun?.trigger).toBe('manual');

    const unknown = await a.server.inject({ method: 'POST', url: '/api/v1/jobs/nope/run', headers: admin });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
    expect((await a.server.inject({ url: '/api/v1/jobs' })).statusCode).toBe(401);
  });
});
