/**
 * The PostgreSQL schema of the control state, as an ordered list of migrations (src/db/migrate.ts applies them).
 * Append only: never edit or reorder a migration that has shipped — add the next version. Times are epoch
 * milliseconds (bigint) as in the SQLite stores, so both adapters hand the same values to the same port.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'job runs',
    // src/jobs/job-store.ts (SQLite: DATA_DIR/jobs.db).
    sql: `
CREATE TABLE job_runs (
  id bigserial PRIMARY KEY,
  job text NOT NULL,
  trigger text NOT NULL,
  started_at bigint NOT NULL,
  finished_at bigint,
  duration_ms integer,
  outcome text NOT NULL CHECK (outcome IN ('running', 'ok', 'error', 'interrupted')),
  error text,
  summary jsonb,
  at bigint NOT NULL,
  attempt integer NOT NULL DEFAULT 1
);
CREATE INDEX job_runs_job ON job_runs (job, id);
`,
  },
  {
    version: 2,
    name: 'leader lease',
    // src/db/leader.ts (docs/adr/0016): one row per elected role; expiry on the database's clock.
    sql: `
CREATE TABLE leader_lease (
  name text PRIMARY KEY,
  holder text NOT NULL,
  epoch bigint NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
`,
  },
];
