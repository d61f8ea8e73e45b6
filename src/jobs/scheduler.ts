/**
 * The job scheduler: node-cron fires each job on its schedule in the configured time zone (Asia/Shanghai by
 * default); everything else is here and testable without a timer firing. A job never overlaps itself — a
 * trigger while it runs (its schedule, a manual run, a `tick`) is skipped and says so — and every run is
 * recorded durably (job-store.ts) with its trigger, duration, outcome and error, for `GET /api/v1/jobs`.
 *
 * start() schedules the node-cron tasks and, in the background, runs the jobs that catch up at start-up (in the
 * order the jobs were given); stop() stops the timers, aborts the jobs' signal and waits for running jobs.
 *
 * A job with a retry policy (Job.retry) that fails is run again for the same instant after each delay in turn,
 * on a timer, by `tick` when the injected clock reaches the retry, and at start-up when the process stopped
 * with a retry still owed. The next scheduled run supersedes pending retries.
 */
import { performance } from 'node:perf_hooks';
import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';
import { createCronSchedule, type CronSchedule } from './cron-schedule.js';
import { PartialFailure, type Job, type JobSummary, type JobTrigger } from './job.js';
import type { JobRun, JobStore } from './job-store.js';

export interface JobStatus {
  name: string;
  title: { zh: string; en: string };
  schedule: string;
  timeZone: string;
  /** The run in progress, if any. */
  running: { since: number; trigger: JobTrigger; runId: number } | null;
  /** The latest run that ended (ok, error, or interrupted by a crash). */
  lastRun: JobRun | null;
  lastSuccessAt: number | null;
  /** Next scheduled time after now; null while the scheduler is stopped or the expression never matches again. */
  nextRunAt: number | null;
  /** When a failed run is retried next (Job.retry); null when no retry is owed. */
  retryAt: number | null;
}

export type Launch =
  | { status: 'started'; runId: number; startedAt: number; done: Promise<JobRun> }
  | { status: 'already_running'; since: number; trigger: JobTrigger; runId: number };

export type RunResult =
  | { status: 'completed'; run: JobRun }
  | { status: 'already_running'; since: number; trigger: JobTrigger; runId: number };

/** Asked to run a job after stop(): the stores it writes to are closing. */
export class SchedulerStoppedError extends Error {
  constructor() {
    super('the job scheduler is stopped');
    this.name = 'SchedulerStoppedError';
  }
}

export class UnknownJobError extends Error {
  constructor(readonly job: string) {
    super(`no job named "${job}"`);
    this.name = 'UnknownJobError';
  }
}

export interface Scheduler {
  readonly timeZone: string;
  names(): string[];
  has(name: string): boolean;
  status(): Promise<JobStatus[]>;
  /**
   * Starts a run now unless the job is running; resolves once the run is recorded (the run goes on in `done`).
   * Throws SchedulerStoppedError after stop().
   */
  launch(name: string, trigger: JobTrigger, at?: number, attempt?: number): Promise<Launch>;
  /** Runs a job and waits for it (or reports that it is already running). */
  run(name: string, trigger?: JobTrigger, at?: number): Promise<RunResult>;
  /**
   * Runs, one after the other, every job whose schedule matches the minute of `now` (what node-cron's timers do),
   * and every retry due by `now` (what the retry timers do).
   */
  tick(now: number): Promise<{ job: string; result: RunResult }[]>;
  /** Schedules the timers and starts the start-up runs in the background. */
  start(): void;
  /** Resolves when no job is running (and the start-up runs are done). */
  whenIdle(): Promise<void>;
  /** node-cron's own next run of a started job (system clock), to check the timers agree with `status()`. */
  cronNextRun(name: string): Date | null;
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  jobs: readonly Job[];
  store: JobStore;
  /** IANA zone the cron expressions are read in (config TIMEZONE). */
  timeZone: string;
  now: () => number;
  logger: Logger;
  /** Elapsed-time source for durations (real time even when `now` is a test clock). */
  elapsed?: () => number;
  /**
   * The runs in progress, shared with the schedulers of earlier leadership terms in this process (createRunSlots):
   * a run of an earlier term that has not returned yet (its signal is aborted) keeps its job's slot, so this
   * scheduler skips that job as running instead of running it twice at once. Default: this scheduler's own.
   */
  slots?: RunSlots;
}

/** The runs in progress by job name, shared by the schedulers of one process (SchedulerOptions.slots). */
export type RunSlots = Map<string, RunSlot>;
export const createRunSlots = (): RunSlots => new Map();

/** A run in progress: its job's slot. */
export interface RunSlot {
  since: number;
  trigger: JobTrigger;
  /** Resolves with the run's id once it is recorded (the store is async). */
  recorded: Promise<number>;
  runId: number | undefined;
  done: Promise<JobRun>;
}

/** A retry owed for a failed run: when, for which instant, which attempt. */
interface Retry {
  dueAt: number;
  at: number;
  attempt: number;
  timer: NodeJS.Timeout | undefined;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const log = options.logger.child({ component: 'jobs' });
  const elapsed = options.elapsed ?? (() => performance.now());
  const jobs = new Map<string, { job: Job; schedule: CronSchedule }>();
  for (const job of options.jobs) {
    if (jobs.has(job.name)) throw new Error(`two jobs are named "${job.name}"`);
    jobs.set(job.name, { job, schedule: createCronSchedule(job.schedule, options.timeZone) });
  }
  const running = options.slots ?? createRunSlots();
  const retries = new Map<string, Retry>();
  const tasks = new Map<string, ScheduledTask>();
  const abort = new AbortController();
  let startup: Promise<void> | undefined;
  let started = false;
  let stopped = false;

  const entry = (name: string) => {
    const found = jobs.get(name);
    if (!found) throw new UnknownJobError(name);
    return found;
  };

  function cancelRetry(name: string): void {
    const retry = retries.get(name);
    if (retry?.timer) clearTimeout(retry.timer);
    retries.delete(name);
  }

  /** After a failed run: owe the next retry, if the policy has one left. */
  function oweRetry(job: Job, run: JobRun): void {
    const delays = job.retry?.delaysMs ?? [];
    const delay = delays[run.attempt - 1];
    if (delay === undefined) return;
    const dueAt = (run.finishedAt ?? options.now()) + delay;
    const retry: Retry = { dueAt, at: run.at, attempt: run.attempt + 1, timer: undefined };
    retries.set(job.name, retry);
    log.warn(
      { job: job.name, attempt: run.attempt, retryAt: new Date(dueAt).toISOString() },
      'job failed; it will be retried',
    );
    if (!started || stopped) return;
    // The real timer, for production; tests move the injected clock and call tick().
    retry.timer = setTimeout(() => {
      if (retries.get(job.name) === retry && !stopped)
        launchRetry(job.name, retry).catch((err: unknown) =>
          log.error({ err, job: job.name }, 'retry failed to start'),
        );
    }, delay);
    retry.timer.unref();
  }

  function launchRetry(name: string, retry: Retry): Promise<Launch> {
    retries.delete(name);
    return launch(name, 'retry', retry.at, retry.attempt);
  }

  async function launch(name: string, trigger: JobTrigger, at?: number, attempt = 1): Promise<Launch> {
    const { job } = entry(name);
    if (stopped) throw new SchedulerStoppedError();
    const current = running.get(name);
    if (current) {
      log.warn(
        { job: name, trigger, runningSince: new Date(current.since).toISOString(), runningTrigger: current.trigger },
        'job is still running; this trigger is skipped',
      );
      const runId = current.runId ?? (await current.recorded.catch(() => -1));
      return { status: 'already_running', since: current.since, trigger: current.trigger, runId };
    }
    const startedAt = options.now();
    // A run of its own supersedes the retries of an earlier failure; a retry is this run.
    if (trigger !== 'retry') cancelRetry(name);
    const runAt = at ?? startedAt;
    // The slot is taken before the first await, so a second trigger meanwhile sees the job as running.
    const recorded = options.store.begin({ job: name, trigger, startedAt, at: runAt, attempt });
    const finalAttempt = attempt > (job.retry?.delaysMs.length ?? 0);
    const slot: RunSlot = { since: startedAt, trigger, recorded, runId: undefined, done: undefined! };
    running.set(name, slot);
    const done = (async (): Promise<JobRun> => {
      const runId = await recorded;
      slot.runId = runId;
      const t0 = elapsed();
      const runLog = log.child({ job: name, runId, ...(attempt > 1 && { attempt }) });
      runLog.info({ trigger }, 'job started');
      let outcome: 'ok' | 'error' = 'ok';
      let error: string | undefined;
      let summary: JobSummary | undefined;
      try {
        summary =
          (await job.run({ now: runAt, trigger, attempt, finalAttempt, log: runLog, signal: abort.signal })) ??
          undefined;
      } catch (err) {
        outcome = 'error';
        error = err instanceof Error ? err.message : String(err);
        if (err instanceof PartialFailure) summary = err.summary;
        runLog.error({ err, summary }, 'job failed');
      }
      const run = await options.store.finish(runId, {
        finishedAt: options.now(),
        durationMs: elapsed() - t0,
        outcome,
        ...(error !== undefined ? { error } : {}),
        ...(summary ? { summary } : {}),
      });
      if (outcome === 'ok') runLog.info({ durationMs: run.durationMs, summary }, 'job finished');
      else if (!stopped) oweRetry(job, run);
      return run;
    })().finally(() => {
      // The slot may be shared (options.slots): free it only if it is still this run's.
      if (running.get(name) === slot) running.delete(name);
    });
    slot.done = done;
    try {
      return { status: 'started', runId: await recorded, startedAt, done };
    } catch (err) {
      // The store refused the run: nothing started (done rejects with the same error).
      done.catch(() => undefined);
      throw err;
    }
  }

  async function run(name: string, trigger: JobTrigger = 'manual', at?: number): Promise<RunResult> {
    const launched = await launch(name, trigger, at);
    if (launched.status === 'already_running') return launched;
    return { status: 'completed', run: await launched.done };
  }

  /** Jobs that catch up when the service starts: always, or when a scheduled time passed since their last run. */
  async function startupRuns(): Promise<void> {
    const interrupted = await options.store.interruptRunning();
    if (interrupted > 0) log.warn({ runs: interrupted }, 'runs left running by a stopped scheduler marked interrupted');
    const now = options.now();
    for (const { job, schedule } of jobs.values()) {
      if (stopped) return;
      const last = await options.store.latest(job.name);
      // The process stopped while a retry was owed: run it now, for the instant that failed — unless a scheduled
      // time has passed since that instant, which supersedes the retry as it would have while running.
      const nextScheduled = last ? schedule.nextAfter(last.at) : null;
      if (
        job.retry &&
        last &&
        last.outcome !== 'ok' &&
        last.outcome !== 'running' &&
        last.attempt <= job.retry.delaysMs.length &&
        (nextScheduled === null || nextScheduled > now)
      ) {
        log.info(
          { job: job.name, at: new Date(last.at).toISOString(), attempt: last.attempt + 1 },
          'retrying a run that failed before the restart',
        );
        const retried = await launch(job.name, 'retry', last.at, last.attempt + 1);
        if (retried.status === 'started') await retried.done;
        continue;
      }
      let due = job.onStart === 'always';
      if (job.onStart === 'if-missed') {
        const missed = last ? schedule.nextAfter(last.startedAt) : null;
        due = missed !== null && missed <= now;
        if (due) log.info({ job: job.name, missed: new Date(missed!).toISOString() }, 'catching up a missed run');
      }
      if (due) await run(job.name, 'start');
    }
  }

  return {
    timeZone: options.timeZone,
    names: () => [...jobs.keys()],
    has: (name) => jobs.has(name),
    status() {
      const now = options.now();
      return Promise.all(
        [...jobs.values()].map(async ({ job, schedule }): Promise<JobStatus> => {
          const [lastRun, lastSuccess] = await Promise.all([
            options.store.lastFinished(job.name),
            options.store.lastSuccess(job.name),
          ]);
          const current = running.get(job.name);
          const runId = current && (current.runId ?? (await current.recorded.catch(() => -1)));
          return {
            name: job.name,
            title: job.title,
            schedule: job.schedule,
            timeZone: options.timeZone,
            running: current ? { since: current.since, trigger: current.trigger, runId: runId! } : null,
            lastRun: lastRun ?? null,
            lastSuccessAt: lastSuccess?.finishedAt ?? null,
            nextRunAt: started && !stopped ? schedule.nextAfter(now) : null,
            retryAt: retries.get(job.name)?.dueAt ?? null,
          };
        }),
      );
    },
    launch,
    run,
    async tick(now) {
      const results: { job: string; result: RunResult }[] = [];
      for (const { job, schedule } of jobs.values()) {
        if (schedule.matches(now)) {
          results.push({ job: job.name, result: await run(job.name, 'schedule', now) });
          continue;
        }
        const retry = retries.get(job.name);
        if (retry && retry.dueAt <= now && !running.has(job.name)) {
          if (retry.timer) clearTimeout(retry.timer);
          const launched = await launchRetry(job.name, retry);
          results.push({
            job: job.name,
            result: launched.status === 'started' ? { status: 'completed', run: await launched.done } : launched,
          });
        }
      }
      return results;
    },
    start() {
      if (started || stopped) return;
      started = true;
      const cronLog = log.child({ component: 'node-cron' });
      for (const { job } of jobs.values()) {
        // noOverlap in node-cron as well as our own guard: its timer does not even call a job that is running.
        const task = createTask(job.schedule, () => run(job.name, 'schedule'), {
          name: job.name,
          timezone: options.timeZone,
          noOverlap: true,
          logger: {
            info: (m) => cronLog.debug({ job: job.name }, m),
            warn: (m) => cronLog.warn({ job: job.name }, m),
            error: (m, err) => cronLog.error({ job: job.name, err: err ?? m }, 'node-cron error'),
            debug: (m) => cronLog.debug({ job: job.name }, String(m)),
          },
        });
        void task.start();
        tasks.set(job.name, task);
      }
      startup = startupRuns().catch((err: unknown) => log.error({ err }, 'start-up runs failed'));
      log.info(
        { timeZone: options.timeZone, jobs: [...jobs.values()].map(({ job }) => `${job.name} (${job.schedule})`) },
        'job scheduler started',
      );
    },
    async whenIdle() {
      await startup;
      while (running.size > 0) await Promise.allSettled([...running.values()].map((r) => r.done));
    },
    cronNextRun: (name) => {
      entry(name);
      return tasks.get(name)?.getNextRun() ?? null;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const task of tasks.values()) {
        try {
          await task.destroy();
        } catch (err) {
          log.error({ err }, 'stopping a node-cron task failed');
        }
      }
      tasks.clear();
      for (const name of [...retries.keys()]) cancelRetry(name);
      abort.abort();
      await startup;
      await Promise.allSettled([...running.values()].map((r) => r.done));
      log.info('job scheduler stopped');
    },
  };
}
