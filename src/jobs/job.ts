/**
 * What a scheduled job is, for the scheduler (scheduler.ts) and the jobs API: a name, a cron schedule read in the
 * configured time zone, and a `run` that gets the time it runs for. Jobs never read the clock themselves, so a
 * test can run one "at" any instant.
 */
import type { Logger } from '../logger.js';

/** `retry`: a failed run of a job with a retry policy, run again for the same instant (Job.retry). */
export type JobTrigger = 'schedule' | 'start' | 'manual' | 'retry';

export interface JobContext {
  /** The instant this run is for (the scheduler's clock, or the minute a `tick` stands for), epoch ms. */
  now: number;
  trigger: JobTrigger;
  /** 1 for a run, 2… for its retries (same `now`). */
  attempt: number;
  /** No retry follows if this run fails (no retry policy, or the last one): the job's last chance to say something. */
  finalAttempt: boolean;
  log: Logger;
  /** Aborted when the scheduler stops: a long catch-up stops between two windows. */
  signal: AbortSignal;
}

/** A short account of a run, stored with it and shown by `GET /api/v1/jobs` (counts, mostly). */
export type JobSummary = Record<string, number | string | boolean | null>;

/**
 * When a job runs at start-up: `always` (the window jobs: catching up after downtime is their normal run),
 * `if-missed` (a scheduled time passed since its last run, e.g. the 08:30 digest while the service was down),
 * or `never`.
 */
export type StartPolicy = 'always' | 'if-missed' | 'never';

export interface Job {
  /** kebab-case; the `{name}` of `POST /api/v1/jobs/{name}/run`. */
  name: string;
  title: { zh: string; en: string };
  /** Five-field cron expression (minute hour day month weekday), in the scheduler's time zone. */
  schedule: string;
  onStart: StartPolicy;
  /**
   * A failed run is run again for the same instant after each of these delays in turn (the clock of the
   * scheduler), until one succeeds; the next scheduled run supersedes the retries. A retry still due when the
   * process stops is run at the next start. Without it, a failed run waits for the next schedule.
   */
  retry?: { delaysMs: readonly number[] };
  run(ctx: JobContext): Promise<JobSummary | void>;
}

/**
 * A run that did part of its work: stored as an error, with the summary of what it did. Thrown by jobs that
 * go on after one station fails (the others still get their windows judged).
 */
export class PartialFailure extends Error {
  constructor(
    message: string,
    readonly summary: JobSummary,
  ) {
    super(message);
    this.name = 'PartialFailure';
  }
}
