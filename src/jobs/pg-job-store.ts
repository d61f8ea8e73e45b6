/**
 * Job runs in PostgreSQL (DATABASE_URL; docs/adr/0015): the same port and behaviour as the SQLite store, shared by
 * the alerts instances so that `GET /api/v1/jobs` and a new leader's catch-up see the runs of the old leader.
 * The schema is migration 1 (src/db/migrations.ts).
 */
import type { Postgres } from '../db/postgres.js';
import { clampLimit, RUNS_KEPT, toRun, type JobRunRow, type JobStore } from './job-store.js';

const COLUMNS = 'id, job, trigger, started_at, finished_at, duration_ms, outcome, error, summary, at, attempt';

export function createPgJobStore(db: Postgres): JobStore {
  const one = async (sql: string, params: unknown[]) => {
    const [row] = await db.query<JobRunRow>(sql, params);
    return row ? toRun(row) : undefined;
  };
  return {
    location: db.shownUrl,
    async begin(run) {
      const [row] = await db.query<{ id: number }>(
        `INSERT INTO job_runs (job, trigger, started_at, outcome, at, attempt) VALUES ($1, $2, $3, 'running', $4, $5)
         RETURNING id`,
        [run.job, run.trigger, run.startedAt, run.at ?? run.startedAt, run.attempt ?? 1],
      );
      return row!.id;
    },
    async finish(id, end) {
      return db.transaction(async (client) => {
        const { rows } = await client.query<JobRunRow>(
          `UPDATE job_runs SET finished_at = $2, duration_ms = $3, outcome = $4, error = $5, summary = $6
           WHERE id = $1 RETURNING ${COLUMNS}`,
          [
            id,
            end.finishedAt,
            Math.round(end.durationMs),
            end.outcome,
            end.error ?? null,
            end.summary ? JSON.stringify(end.summary) : null,
          ],
        );
        if (!rows[0]) throw new Error(`no job run ${id} in ${db.shownUrl}`);
        const run = toRun(rows[0]);
        await client.query(
          `DELETE FROM job_runs WHERE job = $1 AND id <= (SELECT id FROM job_runs WHERE job = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
          [run.job, RUNS_KEPT],
        );
        return run;
      });
    },
    latest: (job) => one(`SELECT ${COLUMNS} FROM job_runs WHERE job = $1 ORDER BY id DESC LIMIT 1`, [job]),
    lastFinished: (job) =>
      one(`SELECT ${COLUMNS} FROM job_runs WHERE job = $1 AND outcome <> 'running' ORDER BY id DESC LIMIT 1`, [job]),
    lastSuccess: (job) =>
      one(`SELECT ${COLUMNS} FROM job_runs WHERE job = $1 AND outcome = 'ok' ORDER BY id DESC LIMIT 1`, [job]),
    history: async (job, limit = 20) =>
      (
        await db.query<JobRunRow>(`SELECT ${COLUMNS} FROM job_runs WHERE job = $1 ORDER BY id DESC LIMIT $2`, [
          job,
          clampLimit(limit),
        ])
      ).map(toRun),
    async interruptRunning() {
      const rows = await db.query("UPDATE job_runs SET outcome = 'interrupted' WHERE outcome = 'running' RETURNING id");
      return rows.length;
    },
    // The pool belongs to the process (it serves other stores too): closed by whoever opened it.
    close: async () => undefined,
  };
}
