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
  {
    version: 3,
    name: 'api keys',
    // src/api/auth/pg-key-repository.ts (the file: API_KEYS_FILE; docs/adr/0004). Hashes only. A record is never
    // deleted and changes once at most, when it is revoked: who had access, and until when, stays answerable.
    sql: `
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'bureau', 'operator', 'viewer')),
  plants text[] NOT NULL DEFAULT '{}',
  hash text NOT NULL UNIQUE CHECK (hash ~ '^sha256:[0-9a-f]{64}$'),
  rate_limit_per_minute integer CHECK (rate_limit_per_minute >= 0),
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  expires_at timestamptz CHECK (expires_at > created_at),
  CHECK ((role = 'operator') = (cardinality(plants) > 0))
);
CREATE FUNCTION api_keys_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'API keys are never deleted; revoke them' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
     OR (NEW.id, NEW.name, NEW.role, NEW.plants, NEW.hash, NEW.rate_limit_per_minute, NEW.created_at, NEW.expires_at)
        IS DISTINCT FROM
        (OLD.id, OLD.name, OLD.role, OLD.plants, OLD.hash, OLD.rate_limit_per_minute, OLD.created_at, OLD.expires_at) THEN
    RAISE EXCEPTION 'an API key record changes only once, when it is revoked' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER api_keys_append_only BEFORE UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION api_keys_guard();
`,
  },
  {
    version: 4,
    name: 'rate-limit buckets',
    // src/api/shared-rate-limit.ts: one token bucket per API key, shared by the API instances.
    sql: `
CREATE TABLE rate_limit_buckets (
  key text PRIMARY KEY,
  tokens double precision NOT NULL,
  at bigint NOT NULL
);
`,
  },
];
