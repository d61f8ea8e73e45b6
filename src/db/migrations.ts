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
  {
    version: 5,
    name: 'data marks',
    // src/marks/pg-mark-store.ts (SQLite: DATA_DIR/marks.db; docs/adr/0014). Append-only like the SQLite tables: a
    // decision is a new row, triggers refuse UPDATE, DELETE and TRUNCATE, partial unique indexes allow one verdict
    // and one revocation per mark. The state is derived (mark_view), never stored.
    sql: `
CREATE TABLE marks (
  id bigserial PRIMARY KEY,
  station text NOT NULL,
  -- an array of parameter codes, or the string "all"
  parameters jsonb NOT NULL CHECK (jsonb_typeof(parameters) = 'array' OR parameters = '"all"'),
  from_ts bigint NOT NULL,
  to_ts bigint NOT NULL,
  flag text NOT NULL CHECK (flag IN ('M', 'C', 'D', 'F', 'N')),
  reason text NOT NULL CHECK (length(btrim(reason)) > 0),
  by_key text NOT NULL,
  by_name text NOT NULL,
  by_role text NOT NULL,
  created_at bigint NOT NULL,
  CHECK (to_ts > from_ts)
);
CREATE INDEX marks_station_time ON marks (station, to_ts, from_ts);
CREATE TABLE mark_decisions (
  id bigserial PRIMARY KEY,
  mark_id bigint NOT NULL REFERENCES marks (id),
  kind text NOT NULL CHECK (kind IN ('approved', 'rejected', 'revoked')),
  by_key text NOT NULL,
  by_name text NOT NULL,
  by_role text NOT NULL,
  at bigint NOT NULL,
  note text NOT NULL,
  automatic boolean NOT NULL
);
CREATE UNIQUE INDEX mark_decisions_one_verdict ON mark_decisions (mark_id) WHERE kind IN ('approved', 'rejected');
CREATE UNIQUE INDEX mark_decisions_one_revocation ON mark_decisions (mark_id) WHERE kind = 'revoked';
CREATE FUNCTION marks_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% are append-only: record a decision instead (% refused)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER marks_append_only BEFORE UPDATE OR DELETE ON marks
  FOR EACH ROW EXECUTE FUNCTION marks_append_only();
CREATE TRIGGER marks_no_truncate BEFORE TRUNCATE ON marks
  FOR EACH STATEMENT EXECUTE FUNCTION marks_append_only();
CREATE TRIGGER mark_decisions_append_only BEFORE UPDATE OR DELETE ON mark_decisions
  FOR EACH ROW EXECUTE FUNCTION marks_append_only();
CREATE TRIGGER mark_decisions_no_truncate BEFORE TRUNCATE ON mark_decisions
  FOR EACH STATEMENT EXECUTE FUNCTION marks_append_only();
CREATE VIEW mark_view AS
SELECT m.*,
  v.kind AS v_kind, v.by_key AS v_by_key, v.by_name AS v_by_name, v.by_role AS v_by_role, v.at AS v_at,
  v.note AS v_note, v.automatic AS v_automatic,
  r.by_key AS r_by_key, r.by_name AS r_by_name, r.by_role AS r_by_role, r.at AS r_at, r.note AS r_note,
  r.automatic AS r_automatic,
  CASE WHEN r.id IS NOT NULL THEN 'revoked' WHEN v.kind IS NULL THEN 'pending' ELSE v.kind END AS state
FROM marks m
LEFT JOIN mark_decisions v ON v.mark_id = m.id AND v.kind IN ('approved', 'rejected')
LEFT JOIN mark_decisions r ON r.mark_id = m.id AND r.kind = 'revoked';
`,
  },
  {
    version: 6,
    name: 'alerts',
    // src/alerts/pg-alert-store.ts (SQLite: DATA_DIR/alerts.db; docs/adr/0005, 0013). The same tables. One open alert
    // per (rule, station) by a partial unique index; the timeline, the verdict history and the touch reports are
    // append-only (triggers refuse UPDATE, DELETE and TRUNCATE), alerts are never deleted. JSON is kept as `json`
    // (the text as written: a notification retried days later is sent byte for byte as it was rendered). A sender
    // claims outbox rows until `claimed_until` (a lease), taken with SELECT … FOR UPDATE SKIP LOCKED.
    sql: `
CREATE TABLE alerts (
  id bigserial PRIMARY KEY,
  rule text NOT NULL,
  station_id text NOT NULL,
  category text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
  severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  opened_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  count integer NOT NULL,
  compliant_streak integer NOT NULL DEFAULT 0,
  latest json NOT NULL,
  escalation_level integer NOT NULL DEFAULT 0,
  escalated_at bigint NOT NULL,
  acknowledged_by text,
  acknowledged_at bigint,
  acknowledge_note text,
  resolved_by text,
  resolved_at bigint,
  resolve_reason text,
  window_start bigint NOT NULL,
  window_end bigint NOT NULL,
  detected_at bigint NOT NULL,
  detection text
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (rule, station_id) WHERE state <> 'resolved';
CREATE INDEX alerts_station ON alerts (station_id, opened_at);
CREATE INDEX alerts_state ON alerts (state, opened_at);
CREATE INDEX alerts_window ON alerts (window_end DESC, id DESC);

CREATE TABLE alert_transitions (
  seq bigserial PRIMARY KEY,
  alert_id bigint NOT NULL REFERENCES alerts (id),
  kind text NOT NULL,
  at bigint NOT NULL,
  actor text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  note text,
  data json
);
CREATE INDEX alert_transitions_alert ON alert_transitions (alert_id, seq);

CREATE TABLE processed_windows (
  rule text NOT NULL,
  station_id text NOT NULL,
  window_start bigint NOT NULL,
  window_end bigint NOT NULL,
  outcome text NOT NULL,
  severity text,
  alert_id bigint,
  judgments integer NOT NULL DEFAULT 1,
  processed_at bigint NOT NULL,
  PRIMARY KEY (rule, station_id, window_start, window_end)
);
CREATE INDEX processed_windows_alert ON processed_windows (alert_id) WHERE alert_id IS NOT NULL;

CREATE TABLE window_verdicts (
  seq bigserial PRIMARY KEY,
  rule text NOT NULL,
  station_id text NOT NULL,
  window_start bigint NOT NULL,
  window_end bigint NOT NULL,
  outcome text NOT NULL,
  severity text,
  alert_id bigint,
  cause text NOT NULL,
  judged_at bigint NOT NULL
);
CREATE INDEX window_verdicts_window ON window_verdicts (rule, station_id, window_start, seq);
CREATE INDEX window_verdicts_time ON window_verdicts (judged_at);

CREATE TABLE touch_cursor (source text PRIMARY KEY, until bigint NOT NULL);
CREATE TABLE touch_reports (
  seq bigserial PRIMARY KEY,
  recorded_at bigint NOT NULL,
  station_id text NOT NULL,
  t_from bigint NOT NULL,
  t_to bigint NOT NULL,
  cause text NOT NULL,
  windows integer NOT NULL,
  beyond_horizon integer NOT NULL,
  consumed_at bigint NOT NULL
);
CREATE INDEX touch_reports_time ON touch_reports (consumed_at);

CREATE TABLE outbox (
  id text PRIMARY KEY,
  alert_id bigint NOT NULL,
  channel json NOT NULL,
  notification json NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  created_at bigint NOT NULL,
  delivered_at bigint,
  last_error text,
  claimed_until bigint
);
CREATE INDEX outbox_due ON outbox (created_at, id) WHERE state = 'pending';
CREATE INDEX outbox_alert ON outbox (alert_id);

CREATE FUNCTION alert_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% are append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER alert_transitions_append_only BEFORE UPDATE OR DELETE ON alert_transitions
  FOR EACH ROW EXECUTE FUNCTION alert_history_append_only();
CREATE TRIGGER alert_transitions_no_truncate BEFORE TRUNCATE ON alert_transitions
  FOR EACH STATEMENT EXECUTE FUNCTION alert_history_append_only();
CREATE TRIGGER window_verdicts_append_only BEFORE UPDATE OR DELETE ON window_verdicts
  FOR EACH ROW EXECUTE FUNCTION alert_history_append_only();
CREATE TRIGGER window_verdicts_no_truncate BEFORE TRUNCATE ON window_verdicts
  FOR EACH STATEMENT EXECUTE FUNCTION alert_history_append_only();
CREATE TRIGGER touch_reports_append_only BEFORE UPDATE OR DELETE ON touch_reports
  FOR EACH ROW EXECUTE FUNCTION alert_history_append_only();
CREATE TRIGGER touch_reports_no_truncate BEFORE TRUNCATE ON touch_reports
  FOR EACH STATEMENT EXECUTE FUNCTION alert_history_append_only();
CREATE FUNCTION alerts_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'alerts are never deleted (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts FOR EACH ROW EXECUTE FUNCTION alerts_never_deleted();
CREATE TRIGGER alerts_no_truncate BEFORE TRUNCATE ON alerts FOR EACH STATEMENT EXECUTE FUNCTION alerts_never_deleted();
`,
  },
  {
    version: 7,
    name: 'HJ 212 device state',
    // src/ingest/hj212/pg-device-state.ts (SQLite: DATA_DIR/devices.db). Written by every ingest instance behind the
    // TCP load balancer (updates merged under a row lock, device-state-merge.ts), read by the API instances.
    sql: `
CREATE TABLE device_state (
  mn text PRIMARY KEY,
  station text NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX device_state_by_station ON device_state (station, mn);
CREATE TABLE device_records (
  id bigserial PRIMARY KEY,
  mn text NOT NULL,
  station text NOT NULL,
  at bigint NOT NULL,
  cn text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('status', 'check')),
  passed boolean,
  failed jsonb NOT NULL,
  -- json, not jsonb: the fields keep the order the logger sent them in
  fields json NOT NULL
);
CREATE INDEX device_records_by_station ON device_records (station, at, id);
`,
  },
  {
    version: 8,
    name: 'report archive',
    // src/reports/pg-report-archive.ts (SQLite: DATA_DIR/reports.db; docs/adr/0010). The files are in the row
    // (bytea, docs/adr/0015): an issue is one immutable row, backed up with the rest, no shared disk needed.
    sql: `
CREATE TABLE report_issues (
  kind text NOT NULL CHECK (kind IN ('monthly', 'quarterly', 'annual')),
  period text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  issued_at bigint NOT NULL,
  reason text NOT NULL,
  issued_by text NOT NULL,
  lang text NOT NULL CHECK (lang IN ('zh-CN', 'en')),
  -- json, not jsonb: the model is kept as it was issued, byte for byte
  report json NOT NULL,
  xlsx bytea NOT NULL,
  pdf bytea NOT NULL,
  PRIMARY KEY (kind, period, version)
);
CREATE INDEX report_issues_by_time ON report_issues (issued_at DESC, version DESC);
CREATE FUNCTION report_issues_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'issued reports are immutable and never deleted: issue a new version (% refused)', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER report_issues_immutable BEFORE UPDATE OR DELETE ON report_issues
  FOR EACH ROW EXECUTE FUNCTION report_issues_immutable();
CREATE TRIGGER report_issues_no_truncate BEFORE TRUNCATE ON report_issues
  FOR EACH STATEMENT EXECUTE FUNCTION report_issues_immutable();
`,
  },
];
