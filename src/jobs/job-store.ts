/**
 * The durable record of job runs. The port is async so that it has two adapters: SQLite in DATA_DIR/jobs.db
 * (its own file, beside alerts.db, so the alert store's schema stays the alert core's) and PostgreSQL
 * (pg-job-store.ts, with DATABASE_URL, shared by the alerts instances). A run is written when it starts and
 * completed when it ends; a run still marked running when a scheduler starts was cut short by a crash (or by a
 * leader that lost its lease) and is marked `interrupted`. Old runs are pruned: the last RUNS_KEPT of each job
 * stay.
 */
import path from 'node:path';
import { openSqliteFile } from '../db/sqlite-file.js';
import type { JobSummary, JobTrigger } from './job.js';

/** 2: `at` (the instant a run is for) and `attempt`, for the retries of Job.retry. */
const SCHEMA_VERSION = 2;
export const RUNS_KEPT = 500;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS job_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL,
  trigger TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  duration_ms INTEGER,
  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'error', 'interrupted')),
  error TEXT,
  summary TEXT,
  at INTEGER,
  attempt INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS job_runs_job ON job_runs (job, id);
`;

/** From schema 1: the columns of the retries; old runs count as first attempts for their start time. */
const MIGRATE_1_TO_2 = `
ALTER TABLE job_runs ADD COLUMN at INTEGER;
ALTER TABLE job_runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
`;

export const JOB_OUTCOMES = ['running', 'ok', 'error', 'interrupted'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

export interface JobRun {
  id: number;
  job: string;
  trigger: JobTrigger;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  outcome: JobOutcome;
  error: string | null;
  summary: JobSummary | null;
  /** The instant the run was for (JobContext.now). */
  at: number;
  /** 1, or the retry's number. */
  attempt: number;
}

export interface JobRunStart {
  job: string;
  trigger: JobTrigger;
  startedAt: number;
  at?: number;
  attempt?: number;
}

export interface JobRunEnd {
  finishedAt: number;
  durationMs: number;
  outcome: 'ok' | 'error';
  error?: string;
  summary?: JobSummary;
}

export interface JobStore {
  /** Where the runs are kept, for messages: the file, or DATABASE_URL with its password masked. */
  readonly location: string;
  /** Records the start of a run; returns its id. */
  begin(run: JobRunStart): Promise<number>;
  finish(id: number, end: JobRunEnd): Promise<JobRun>;
  /** The latest run of a job, whatever its outcome (a running one included). */
  latest(job: string): Promise<JobRun | undefined>;
  /** The latest run that ended (ok, error or interrupted). */
  lastFinished(job: string): Promise<JobRun | undefined>;
  lastSuccess(job: string): Promise<JobRun | undefined>;
  /** Newest first; `limit` is clamped to 1..RUNS_KEPT (default 20). */
  history(job: string, limit?: number): Promise<JobRun[]>;
  /**
   * Marks every run still `running` as `interrupted`: called when a scheduler starts, since only one scheduler
   * (the leader's) runs at a time, whatever was running then will never finish. Returns how many.
   */
  interruptRunning(): Promise<number>;
  close(): Promise<void>;
}

export interface JobRunRow {
  id: number;
  job: string;
  trigger: string;
  started_at: number;
  finished_at: number | null;
  duration_ms: number | null;
  outcome: string;
  error: string | null;
  /** JSON text in SQLite, already parsed from jsonb in PostgreSQL. */
  summary: string | JobSummary | null;
  at: number | null;
  attempt: number;
}

/** A stored row as a run (both adapters store the same columns). */
export function toRun(r: JobRunRow): JobRun {
  return {
    id: r.id,
    job: r.job,
    trigger: r.trigger as JobTrigger,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
    outcome: r.outcome as JobOutcome,
    error: r.error,
    summary:
      r.summary === null ? null : typeof r.summary === 'string' ? (JSON.parse(r.summary) as JobSummary) : r.summary,
    at: r.at ?? r.started_at,
    attempt: r.attempt,
  };
}

export const clampLimit = (limit: number) => Math.min(Math.max(Math.trunc(limit), 1), RUNS_KEPT);

/** Opens (creating if needed) `file`, default `<dataDir>/jobs.db`; `:memory:` for tests that need no file. */
export function createJobStore(options: { dataDir?: string; file?: string }): JobStore {
  const file = options.file ?? path.join(options.dataDir ?? '.', 'jobs.db');
  const { db, version } = openSqliteFile(file, { schemaVersion: SCHEMA_VERSION });
  if (version === 1) db.exec(MIGRATE_1_TO_2);
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
  // Runs that were going when the process died: they will never finish (one process per file).
  const interrupt = db.prepare("UPDATE job_runs SET outcome = 'interrupted' WHERE outcome = 'running'");
  interrupt.run();

  const stmt = {
    begin: db.prepare(
      "INSERT INTO job_runs (job, trigger, started_at, outcome, at, attempt) VALUES (@job, @trigger, @startedAt, 'running', @at, @attempt)",
    ),
    finish: db.prepare(
      'UPDATE job_runs SET finished_at = @finishedAt, duration_ms = @durationMs, outcome = @outcome, error = @error, summary = @summary WHERE id = @id',
    ),
    get: db.prepare<[number], JobRunRow>('SELECT * FROM job_runs WHERE id = ?'),
    latest: db.prepare<[string], JobRunRow>('SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT 1'),
    lastFinished: db.prepare<[string], JobRunRow>(
      "SELECT * FROM job_runs WHERE job = ? AND outcome <> 'running' ORDER BY id DESC LIMIT 1",
    ),
    lastSuccess: db.prepare<[string], JobRunRow>(
      "SELECT * FROM job_runs WHERE job = ? AND outcome = 'ok' ORDER BY id DESC LIMIT 1",
    ),
    history: db.prepare<[string, number], JobRunRow>('SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT ?'),
    prune: db.prepare<[string, string, number]>(
      'DELETE FROM job_runs WHERE job = ? AND id <= (SELECT id FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
    ),
  };

  let closed = false;
  // better-sqlite3 is synchronous; the port is async for the PostgreSQL adapter.
  return {
    location: file,
    begin: async (run) =>
      Number(stmt.begin.run({ ...run, at: run.at ?? run.startedAt, attempt: run.attempt ?? 1 }).lastInsertRowid),
    async finish(id, end) {
      stmt.finish.run({
        id,
        finishedAt: end.finishedAt,
        durationMs: Math.round(end.durationMs),
        outcome: end.outcome,
        error: end.error ?? null,
        summary: end.summary ? JSON.stringify(end.summary) : null,
      });
      const row = stmt.get.get(id);
      if (!row) throw new Error(`no job run ${id} in ${file}`);
      const run = toRun(row);
      stmt.prune.run(run.job, run.job, RUNS_KEPT);
      return run;
    },
    latest: async (job) => {
      const row = stmt.latest.get(job);
      return row ? toRun(row) : undefined;
    },
    lastFinished: async (job) => {
      const row = stmt.lastFinished.get(job);
      return row ? toRun(row) : undefined;
    },
    lastSuccess: async (job) => {
      const row = stmt.lastSuccess.get(job);
      return row ? toRun(row) : undefined;
    },
    history: async (job, limit = 20) => stmt.history.all(job, clampLimit(limit)).map(toRun),
    interruptRunning: async () => interrupt.run().changes,
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
