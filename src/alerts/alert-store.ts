/**
 * The durable alert store: SQLite (better-sqlite3) in DATA_DIR/alerts.db, separate from the reading store so
 * alerts survive whatever holds the readings (InfluxDB or the embedded store).
 *
 * Four tables: alerts (current state, one row per alert), alert_transitions (the timeline, append-only: triggers
 * refuse UPDATE and DELETE), processed_windows (what makes re-evaluating a window a no-op) and outbox
 * (notifications stored before they are sent). Writes that belong together run in one transaction
 * (`transaction(fn)`), so an alert is never opened without its notifications queued. See
 * docs/adr/0005-alert-store-and-outbox.md.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import type { Statement } from 'better-sqlite3';
import { openSqliteFile } from '../db/sqlite-file.js';
import type { ChannelSpec } from './alert-catalog.js';
import type { OutboxEntry, OutboxMessage, OutboxState } from './notification.js';
import type {
  Alert,
  AlertCategory,
  AlertState,
  Detection,
  Finding,
  RuleId,
  RuleOutcome,
  Severity,
  Transition,
  TransitionKind,
} from './types.js';
import type { TouchCause } from './window-touches.js';

const SCHEMA_VERSION = 4;

/** Version 1: the tables of ADR 0005. */
const SCHEMA_1 = `
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rule TEXT NOT NULL,
  station_id TEXT NOT NULL,
  category TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  opened_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  count INTEGER NOT NULL,
  compliant_streak INTEGER NOT NULL DEFAULT 0,
  latest TEXT NOT NULL,
  escalation_level INTEGER NOT NULL DEFAULT 0,
  escalated_at INTEGER NOT NULL,
  acknowledged_by TEXT, acknowledged_at INTEGER, acknowledge_note TEXT,
  resolved_by TEXT, resolved_at INTEGER, resolve_reason TEXT
);
-- One open (or acknowledged) alert per (rule, station), enforced by the database itself.
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_open ON alerts (rule, station_id) WHERE state <> 'resolved';
CREATE INDEX IF NOT EXISTS alerts_station ON alerts (station_id, opened_at);
CREATE INDEX IF NOT EXISTS alerts_state ON alerts (state, opened_at);

CREATE TABLE IF NOT EXISTS alert_transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id INTEGER NOT NULL REFERENCES alerts (id),
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  note TEXT,
  data TEXT
);
CREATE INDEX IF NOT EXISTS alert_transitions_alert ON alert_transitions (alert_id, seq);
-- Accountability: a transition, once written, can never be edited or removed.
CREATE TRIGGER IF NOT EXISTS alert_transitions_no_update BEFORE UPDATE ON alert_transitions
BEGIN SELECT RAISE(ABORT, 'alert transitions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS alert_transitions_no_delete BEFORE DELETE ON alert_transitions
BEGIN SELECT RAISE(ABORT, 'alert transitions are append-only'); END;
-- An alert that has a timeline cannot be deleted either.
CREATE TRIGGER IF NOT EXISTS alerts_no_delete BEFORE DELETE ON alerts
BEGIN SELECT RAISE(ABORT, 'alerts are never deleted'); END;

CREATE TABLE IF NOT EXISTS processed_windows (
  rule TEXT NOT NULL,
  station_id TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  window_end INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  alert_id INTEGER,
  processed_at INTEGER NOT NULL,
  PRIMARY KEY (rule, station_id, window_start, window_end)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS outbox (
  id TEXT PRIMARY KEY,
  alert_id INTEGER NOT NULL,
  channel TEXT NOT NULL,
  notification TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_alert ON outbox (alert_id);
`;

/**
 * Version 2 (issue 14, ADR 0013): what an alert is about (its windows) apart from when it was detected; each
 * window's latest verdict (processed_windows) and every verdict it ever had (window_verdicts, append-only); where
 * the re-judgment stopped reading touches, and what each touch led to.
 */
const SCHEMA_2 = `
ALTER TABLE alerts ADD COLUMN window_start INTEGER;
ALTER TABLE alerts ADD COLUMN window_end INTEGER;
ALTER TABLE alerts ADD COLUMN detected_at INTEGER;
ALTER TABLE alerts ADD COLUMN detection TEXT;
UPDATE alerts SET window_start = json_extract(latest, '$.windowStart'), window_end = json_extract(latest, '$.windowEnd'),
  detected_at = opened_at;
CREATE INDEX alerts_window ON alerts (window_start, id);

ALTER TABLE processed_windows ADD COLUMN severity TEXT;
ALTER TABLE processed_windows ADD COLUMN judgments INTEGER NOT NULL DEFAULT 1;
UPDATE processed_windows SET severity = (SELECT severity FROM alerts WHERE alerts.id = processed_windows.alert_id)
  WHERE outcome = 'violation';

CREATE TABLE window_verdicts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  rule TEXT NOT NULL,
  station_id TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  window_end INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  severity TEXT,
  alert_id INTEGER,
  cause TEXT NOT NULL,
  judged_at INTEGER NOT NULL
);
CREATE INDEX window_verdicts_window ON window_verdicts (rule, station_id, window_start, seq);
CREATE INDEX window_verdicts_time ON window_verdicts (judged_at);
CREATE TRIGGER window_verdicts_no_update BEFORE UPDATE ON window_verdicts
BEGIN SELECT RAISE(ABORT, 'window verdicts are append-only'); END;
CREATE TRIGGER window_verdicts_no_delete BEFORE DELETE ON window_verdicts
BEGIN SELECT RAISE(ABORT, 'window verdicts are append-only'); END;
INSERT INTO window_verdicts (rule, station_id, window_start, window_end, outcome, severity, alert_id, cause, judged_at)
  SELECT rule, station_id, window_start, window_end, outcome, severity, alert_id, 'scheduled', processed_at
  FROM processed_windows ORDER BY processed_at;

CREATE TABLE touch_cursor (source TEXT PRIMARY KEY, until INTEGER NOT NULL);
CREATE TABLE touch_reports (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  recorded_at INTEGER NOT NULL,
  station_id TEXT NOT NULL,
  t_from INTEGER NOT NULL,
  t_to INTEGER NOT NULL,
  cause TEXT NOT NULL,
  windows INTEGER NOT NULL,
  beyond_horizon INTEGER NOT NULL,
  consumed_at INTEGER NOT NULL
);
CREATE INDEX touch_reports_time ON touch_reports (consumed_at);
`;

/**
 * Version 3 (issue 16): a sender claims the notifications it is about to send until `claimed_until` (a lease), so
 * that two senders never send one notification, and one that dies releases its claim when the lease ends.
 */
const SCHEMA_3 = `
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
`;

/**
 * Version 4: an alert's windows by alert (`violatingWindows`, read for every window re-judged into an alert) without
 * scanning every window ever judged; PostgreSQL has had this index from the start (db/migrations.ts).
 */
const SCHEMA_4 = `
CREATE INDEX IF NOT EXISTS processed_windows_alert ON processed_windows (alert_id) WHERE alert_id IS NOT NULL;
`;

/** Migrations by the version they lead to; each runs once, in one transaction with the new user_version. */
const MIGRATIONS: readonly string[] = [SCHEMA_1, SCHEMA_2, SCHEMA_3, SCHEMA_4];

/** Why a window was judged: on schedule (or catch-up), or again because its data changed (ADR 0013). */
export type VerdictCause = 'scheduled' | TouchCause;

/** A window's verdict, as the store keeps it (the latest in processed_windows, each one in window_verdicts). */
export interface WindowVerdict {
  rule: RuleId;
  stationId: string;
  start: number;
  end: number;
  outcome: RuleOutcome['kind'];
  /** The finding's severity for a violation, else null. */
  severity: Severity | null;
  /** The alert the window counted into (or that was open when it was judged), if any. */
  alertId: number | null;
  cause: VerdictCause;
  judgedAt: number;
}

/** What one touch led to, for the digest and the job's summary. */
export interface TouchReport {
  recordedAt: number;
  stationId: string;
  from: number;
  to: number;
  cause: TouchCause;
  /** Windows judged again for it. */
  windows: number;
  /** Judged windows it touched that ended before the horizon: recorded here, not re-judged. */
  beyondHorizon: number;
  consumedAt: number;
}

export interface AlertFilter {
  state?: AlertState | readonly AlertState[];
  severity?: Severity | readonly Severity[];
  category?: AlertCategory;
  rule?: RuleId;
  stationId?: string;
  /** Restrict to these stations (an operator's plants). An empty list matches nothing. */
  stationIds?: readonly string[];
  /** Alerts about some time in [from, to): their windows overlap it. */
  from?: number;
  to?: number;
  /** Latest window first (then newest id); page with `before`. Default 100, at most 1000. */
  limit?: number;
  /** The (windowEnd, id) of the last alert of the previous page. */
  before?: { windowEnd: number; id: number };
}

export interface NewAlert {
  rule: RuleId;
  stationId: string;
  category: AlertCategory;
  severity: Severity;
  at: number;
  latest: Finding;
  windowStart: number;
  windowEnd: number;
  detection: Detection | null;
}

export type AlertPatch = Partial<
  Pick<
    Alert,
    | 'state'
    | 'severity'
    | 'updatedAt'
    | 'count'
    | 'compliantStreak'
    | 'latest'
    | 'escalationLevel'
    | 'escalatedAt'
    | 'acknowledgedBy'
    | 'acknowledgedAt'
    | 'acknowledgeNote'
    | 'resolvedBy'
    | 'resolvedAt'
    | 'resolveReason'
    | 'windowStart'
    | 'windowEnd'
  >
>;

export interface NewTransition {
  alertId: number;
  kind: TransitionKind;
  at: number;
  actor: string;
  fromState: AlertState | null;
  toState: AlertState;
  note?: string | null;
  data?: Record<string, unknown> | null;
}

export interface OutboxStats {
  pending: number;
  delivered: number;
  failed: number;
  /** Oldest pending notification's creation time, or null. */
  oldestPendingAt: number | null;
}

/**
 * The reads and writes of the alert state, on the store itself or inside one transaction (`transaction(fn)` hands
 * `fn` a handle bound to it). Async, so that it has two adapters: SQLite (this file, answering at once) and
 * PostgreSQL (pg-alert-store.ts, shared by the alerts instances; docs/adr/0015).
 */
export interface AlertStoreOps {
  get(id: number): Promise<Alert | undefined>;
  /** The open (or acknowledged) alert of (rule, station); inside a transaction it stays so until the commit. */
  openAlert(rule: RuleId, stationId: string): Promise<Alert | undefined>;
  list(filter?: AlertFilter): Promise<Alert[]>;
  /** Open and acknowledged alerts, oldest first. */
  activeAlerts(): Promise<Alert[]>;
  insertAlert(alert: NewAlert): Promise<Alert>;
  updateAlert(id: number, patch: AlertPatch): Promise<Alert>;
  /**
   * `updateAlert` of several alerts at once, each id once, nothing read back (a batch of re-judgments knows the
   * alerts it changed and writes each one's last state at its end); fails when an alert does not exist.
   */
  updateAlerts(patches: readonly { id: number; patch: AlertPatch }[]): Promise<void>;

  appendTransition(t: NewTransition): Promise<Transition>;
  /** Several transitions at once, in this order (a batch of re-judgments writes its timeline rows together). */
  appendTransitions(ts: readonly NewTransition[]): Promise<void>;
  timeline(alertId: number): Promise<Transition[]>;

  /** Records a processed window and its first verdict; false when it had been processed already. */
  markProcessed(w: {
    rule: RuleId;
    stationId: string;
    start: number;
    end: number;
    outcome: RuleOutcome['kind'];
    severity?: Severity | null;
    alertId: number | null;
    at: number;
  }): Promise<boolean>;
  /** The latest verdict of a window, or undefined when it was never judged. */
  windowVerdict(rule: RuleId, stationId: string, start: number, end: number): Promise<WindowVerdict | undefined>;
  /** A new verdict for a window judged before (a re-judgment): the latest, and one more row of its history. */
  rejudged(v: Omit<WindowVerdict, 'judgedAt'> & { at: number }): Promise<void>;
  /**
   * `rejudged` for several verdicts, in this order (a window may come more than once: its latest is the last, its
   * judgments count each), in a few statements; all of them or none (a window never judged fails them all).
   */
  rejudgedMany(vs: readonly (Omit<WindowVerdict, 'judgedAt'> & { at: number })[]): Promise<void>;
  /** Latest verdicts of (rule, station) for windows starting after `after`, oldest first. */
  verdictsAfter(rule: RuleId, stationId: string, after: number): Promise<WindowVerdict[]>;
  /** Every verdict a window had, oldest first. */
  verdictHistory(rule: RuleId, stationId: string, start: number, end: number): Promise<WindowVerdict[]>;
  /** Windows whose latest verdict is a violation counted into this alert. */
  violatingWindows(alertId: number): Promise<{ start: number; end: number; severity: Severity | null }[]>;
  /** Until when (epoch ms of recording) touches from `source` were consumed; null before the first time. */
  touchCursor(source: string): Promise<number | null>;
  /** Moves the cursor and records what the consumed touches led to (one transaction with the caller's). */
  consumeTouches(source: string, until: number, reports: readonly TouchReport[]): Promise<void>;
  /** Re-judgments in [from, to): windows judged again, and how many of them changed verdict; touched windows beyond the horizon. */
  rejudgeCounts(from: number, to: number): Promise<{ rejudged: number; changed: number; beyondHorizon: number }>;
  /**
   * `rejudged` of rejudgeCounts station by station (stations without a re-judgment in [from, to) are absent): their
   * sum over every station is the service's figure the daily digest states.
   */
  rejudgedByStation(from: number, to: number): Promise<Map<string, number>>;
  isProcessed(rule: RuleId, stationId: string, start: number, end: number): Promise<boolean>;
  /** The latest processed window end for (rule, station), for catch-up after downtime. */
  lastProcessedEnd(rule: RuleId, stationId: string): Promise<number | null>;

  /**
   * Queues one message; digests and reports (not about one alert) use alertId 0. False when a message with this id
   * is queued already (its idempotency key: a digest or report queued again is not sent twice).
   */
  enqueue(entry: {
    id: string;
    alertId: number;
    channel: ChannelSpec;
    notification: OutboxMessage;
    at: number;
  }): Promise<boolean>;
  /** Several `enqueue`s at once, in this order; how many were queued (ids queued already are left out). */
  enqueueMany(entries: readonly Parameters<AlertStoreOps['enqueue']>[0][]): Promise<number>;
  /**
   * Claims up to `limit` pending notifications whose next attempt is due and that no other sender holds, oldest
   * first, until `now + leaseMs`: nobody else gets them until they are marked or the lease ends (the sender died).
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]>;
  /** Marks (and releases) a sent notification; the first delivery's time stays. */
  markDelivered(id: string, at: number): Promise<void>;
  /** Releases a pending notification, to be tried again at `nextAttemptAt`. */
  markRetry(id: string, attempts: number, nextAttemptAt: number, error: string): Promise<void>;
  /** Gives a pending notification up. */
  markFailed(id: string, attempts: number, error: string): Promise<void>;
  notifications(alertId: number): Promise<OutboxEntry[]>;
  outboxStats(): Promise<OutboxStats>;
}

export interface AlertStore extends AlertStoreOps {
  /** Where the alerts are kept, for messages: the file, or DATABASE_URL with its password masked. */
  readonly location: string;
  /**
   * Runs fn in one transaction, on the handle it is given (not on the store: a call on the store waits for the
   * transaction to end). COMMIT when fn resolves, ROLLBACK when it throws.
   */
  transaction<T>(fn: (tx: AlertStoreOps) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The SQLite adapter's synchronous core: the same calls, answered at once. */
type SyncOps = {
  [K in keyof AlertStoreOps]: (...args: Parameters<AlertStoreOps[K]>) => Awaited<ReturnType<AlertStoreOps[K]>>;
};

export interface AlertRow {
  id: number;
  rule: string;
  station_id: string;
  category: string;
  state: string;
  severity: string;
  opened_at: number;
  updated_at: number;
  count: number;
  compliant_streak: number;
  latest: string;
  escalation_level: number;
  escalated_at: number;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  acknowledge_note: string | null;
  resolved_by: string | null;
  resolved_at: number | null;
  resolve_reason: string | null;
  window_start: number | null;
  window_end: number | null;
  detected_at: number | null;
  detection: string | null;
}

export function toAlert(r: AlertRow): Alert {
  return alertOfRow(r, JSON.parse(r.latest) as Finding);
}

/** The alert of a row whose `latest` is this finding's JSON (the finding itself, not parsed again). */
function alertOfRow(r: AlertRow, latest: Finding): Alert {
  return {
    id: r.id,
    rule: r.rule as RuleId,
    stationId: r.station_id,
    category: r.category as AlertCategory,
    state: r.state as AlertState,
    severity: r.severity as Severity,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    windowStart: r.window_start ?? latest.windowStart,
    windowEnd: r.window_end ?? latest.windowEnd,
    detectedAt: r.detected_at ?? r.opened_at,
    detection: r.detection as Detection | null,
    count: r.count,
    compliantStreak: r.compliant_streak,
    latest,
    escalationLevel: r.escalation_level,
    escalatedAt: r.escalated_at,
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: r.acknowledged_at,
    acknowledgeNote: r.acknowledge_note,
    resolvedBy: r.resolved_by,
    resolvedAt: r.resolved_at,
    resolveReason: r.resolve_reason,
  };
}

/** A new alert's row, but its id (the database gives it): open, counted once, not escalated, detected now. */
function insertedRow(a: NewAlert): NewAlertRow {
  return {
    rule: a.rule,
    station_id: a.stationId,
    category: a.category,
    state: 'open',
    severity: a.severity,
    opened_at: a.at,
    updated_at: a.at,
    count: 1,
    compliant_streak: 0,
    latest: JSON.stringify(a.latest),
    escalation_level: 0,
    escalated_at: a.at,
    acknowledged_by: null,
    acknowledged_at: null,
    acknowledge_note: null,
    resolved_by: null,
    resolved_at: null,
    resolve_reason: null,
    window_start: a.windowStart,
    window_end: a.windowEnd,
    detected_at: a.at,
    detection: a.detection,
  };
}

type NewAlertRow = Omit<AlertRow, 'id'>;
const INSERTED_COLUMNS = Object.keys(insertedRow({ latest: {} } as NewAlert)) as readonly (keyof NewAlertRow)[];

export interface TransitionRow {
  seq: number;
  alert_id: number;
  kind: string;
  at: number;
  actor: string;
  from_state: string | null;
  to_state: string;
  note: string | null;
  data: string | null;
}

export function toTransition(r: TransitionRow): Transition {
  return {
    seq: r.seq,
    alertId: r.alert_id,
    kind: r.kind as TransitionKind,
    at: r.at,
    actor: r.actor,
    fromState: r.from_state as AlertState | null,
    toState: r.to_state as AlertState,
    note: r.note,
    data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
  };
}

/** A new transition as its row (the data as JSON text), without the sequence number the database gives it. */
export function transitionRow(t: NewTransition): Omit<TransitionRow, 'seq'> {
  return {
    alert_id: t.alertId,
    kind: t.kind,
    at: t.at,
    actor: t.actor,
    from_state: t.fromState,
    to_state: t.toState,
    note: t.note ?? null,
    data: t.data ? JSON.stringify(t.data) : null,
  };
}

export interface OutboxRow {
  id: string;
  alert_id: number;
  channel: string;
  notification: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  delivered_at: number | null;
  last_error: string | null;
}

export function toEntry(r: OutboxRow): OutboxEntry {
  return {
    id: r.id,
    alertId: r.alert_id,
    channel: JSON.parse(r.channel) as ChannelSpec,
    notification: JSON.parse(r.notification) as OutboxMessage,
    state: r.state as OutboxState,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    lastError: r.last_error,
  };
}

export const PATCH_COLUMNS = {
  state: 'state',
  severity: 'severity',
  updatedAt: 'updated_at',
  count: 'count',
  compliantStreak: 'compliant_streak',
  latest: 'latest',
  escalationLevel: 'escalation_level',
  escalatedAt: 'escalated_at',
  acknowledgedBy: 'acknowledged_by',
  acknowledgedAt: 'acknowledged_at',
  acknowledgeNote: 'acknowledge_note',
  resolvedBy: 'resolved_by',
  resolvedAt: 'resolved_at',
  resolveReason: 'resolve_reason',
  windowStart: 'window_start',
  windowEnd: 'window_end',
} as const satisfies Record<keyof AlertPatch, string>;

/** The columns an alert's patch sets, with their values (`latest` as its JSON text). */
export function patchColumns(patch: AlertPatch): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch) as [keyof AlertPatch, unknown][]) {
    if (value === undefined) continue;
    set[PATCH_COLUMNS[key]] = key === 'latest' ? JSON.stringify(value) : value;
  }
  return set;
}

/** A queued message as the outbox row's columns (channel and message as their JSON text). */
export function outboxRow(entry: Parameters<AlertStoreOps['enqueue']>[0]): Record<string, unknown> {
  return {
    id: entry.id,
    alert_id: entry.alertId,
    channel: JSON.stringify(entry.channel),
    notification: JSON.stringify(entry.notification),
    at: entry.at,
  };
}

export interface VerdictRow {
  rule: string;
  station_id: string;
  window_start: number;
  window_end: number;
  outcome: string;
  severity: string | null;
  alert_id: number | null;
  cause: string;
  judged_at: number;
}

export function toVerdict(r: VerdictRow): WindowVerdict {
  return {
    rule: r.rule as RuleId,
    stationId: r.station_id,
    start: r.window_start,
    end: r.window_end,
    outcome: r.outcome as WindowVerdict['outcome'],
    severity: r.severity as Severity | null,
    alertId: r.alert_id,
    cause: r.cause as VerdictCause,
    judgedAt: r.judged_at,
  };
}

function asList<T>(v: T | readonly T[] | undefined): readonly T[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

/**
 * The rows of `rejudgedMany`: every verdict for the history, in order, and each window once for its latest verdict,
 * with how many verdicts it got (its `judgments` grow by that).
 */
export function rejudgedRows(vs: readonly (Omit<WindowVerdict, 'judgedAt'> & { at: number })[]): {
  history: Record<string, unknown>[];
  latest: Record<string, unknown>[];
} {
  const history = vs.map((v) => ({
    rule: v.rule,
    station_id: v.stationId,
    window_start: v.start,
    window_end: v.end,
    outcome: v.outcome,
    severity: v.severity,
    alert_id: v.alertId,
    cause: v.cause,
    judged_at: v.at,
  }));
  const byWindow = new Map<string, Record<string, unknown> & { n: number }>();
  for (const h of history) {
    const key = `${h.rule}\u0000${h.station_id}\u0000${h.window_start}\u0000${h.window_end}`;
    byWindow.set(key, { ...h, n: (byWindow.get(key)?.n ?? 0) + 1 });
  }
  return { history, latest: [...byWindow.values()] };
}

/** The WHERE clause (or '') and the LIMIT of a list, in the dialect's placeholders (`?`, or `$n` for the n-th). */
export function alertFilterSql(
  filter: AlertFilter,
  placeholder: (n: number) => string,
): { where: string; params: unknown[]; limit: number } {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return placeholder(params.length);
  };
  const inList = (column: string, values: readonly unknown[]) => {
    where.push(values.length === 0 ? '1 = 0' : `${column} IN (${values.map(p).join(', ')})`);
  };
  const states = asList(filter.state);
  if (states) inList('state', states);
  const severities = asList(filter.severity);
  if (severities) inList('severity', severities);
  if (filter.category) inList('category', [filter.category]);
  if (filter.rule) inList('rule', [filter.rule]);
  if (filter.stationId !== undefined) inList('station_id', [filter.stationId]);
  if (filter.stationIds) inList('station_id', filter.stationIds);
  if (filter.to !== undefined) where.push(`window_start < ${p(filter.to)}`);
  if (filter.from !== undefined) where.push(`window_end > ${p(filter.from)}`);
  if (filter.before !== undefined) {
    const { windowEnd, id } = filter.before;
    where.push(`(window_end < ${p(windowEnd)} OR (window_end = ${p(windowEnd)} AND id < ${p(id)}))`);
  }
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 100), 1), 1000);
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', params, limit };
}

/**
 * Opens (creating if needed) the alert database. `file` defaults to `<dataDir>/alerts.db`.
 * synchronous=FULL: an alert or a delivery mark that was committed survives a power cut, not only a crash;
 * alert writes are few, so the cost does not matter.
 */
export function createAlertStore(options: { dataDir?: string; file?: string }): AlertStore {
  const file = options.file ?? path.join(options.dataDir ?? '.', 'alerts.db');
  // It holds webhook URLs (tokens) and who acknowledged what: readable by the service user only.
  const { db, version } = openSqliteFile(file, {
    schemaVersion: SCHEMA_VERSION,
    foreignKeys: true,
    synchronousFull: true,
  });
  db.transaction(() => {
    // Version 1 is all IF NOT EXISTS (as every start ran it before versions existed); later ones run once.
    db.exec(SCHEMA_1);
    for (let v = Math.max(version, 1); v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();

  const stmt = {
    get: db.prepare<[number], AlertRow>('SELECT * FROM alerts WHERE id = ?'),
    open: db.prepare<[string, string], AlertRow>(
      "SELECT * FROM alerts WHERE rule = ? AND station_id = ? AND state <> 'resolved'",
    ),
    active: db.prepare<[], AlertRow>("SELECT * FROM alerts WHERE state <> 'resolved' ORDER BY id"),
    // Every column from the row `insertedRow` builds: the new alert's defaults are written once, there.
    insert: db.prepare<[NewAlertRow]>(
      `INSERT INTO alerts (${INSERTED_COLUMNS.join(', ')}) VALUES (${INSERTED_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    ),
    appendTransition: db.prepare(
      `INSERT INTO alert_transitions (alert_id, kind, at, actor, from_state, to_state, note, data)
       VALUES (@alert_id, @kind, @at, @actor, @from_state, @to_state, @note, @data)`,
    ),
    timeline: db.prepare<[number], TransitionRow>('SELECT * FROM alert_transitions WHERE alert_id = ? ORDER BY seq'),
    markProcessed: db.prepare(
      `INSERT OR IGNORE INTO processed_windows (rule, station_id, window_start, window_end, outcome, severity, alert_id, processed_at)
       VALUES (@rule, @stationId, @start, @end, @outcome, @severity, @alertId, @at)`,
    ),
    appendVerdict: db.prepare(
      `INSERT INTO window_verdicts (rule, station_id, window_start, window_end, outcome, severity, alert_id, cause, judged_at)
       VALUES (@rule, @stationId, @start, @end, @outcome, @severity, @alertId, @cause, @at)`,
    ),
    updateVerdict: db.prepare(
      `UPDATE processed_windows SET outcome = @outcome, severity = @severity, alert_id = @alertId, judgments = judgments + 1
       WHERE rule = @rule AND station_id = @stationId AND window_start = @start AND window_end = @end`,
    ),
    verdict: db.prepare<[string, string, number, number], VerdictRow>(
      `SELECT p.rule, p.station_id, p.window_start, p.window_end, p.outcome, p.severity, p.alert_id,
              COALESCE((SELECT cause FROM window_verdicts v WHERE v.rule = p.rule AND v.station_id = p.station_id
                        AND v.window_start = p.window_start AND v.window_end = p.window_end ORDER BY seq DESC LIMIT 1), 'scheduled') AS cause,
              p.processed_at AS judged_at
       FROM processed_windows p WHERE p.rule = ? AND p.station_id = ? AND p.window_start = ? AND p.window_end = ?`,
    ),
    verdictsAfter: db.prepare<[string, string, number], VerdictRow>(
      `SELECT rule, station_id, window_start, window_end, outcome, severity, alert_id, 'scheduled' AS cause, processed_at AS judged_at
       FROM processed_windows WHERE rule = ? AND station_id = ? AND window_start > ? ORDER BY window_start`,
    ),
    history: db.prepare<[string, string, number, number], VerdictRow>(
      `SELECT * FROM window_verdicts WHERE rule = ? AND station_id = ? AND window_start = ? AND window_end = ? ORDER BY seq`,
    ),
    violating: db.prepare<[number], { window_start: number; window_end: number; severity: string | null }>(
      `SELECT window_start, window_end, severity FROM processed_windows WHERE alert_id = ? AND outcome = 'violation'
       ORDER BY window_start`,
    ),
    cursor: db.prepare<[string], { until: number }>('SELECT until FROM touch_cursor WHERE source = ?'),
    setCursor: db.prepare(
      'INSERT INTO touch_cursor (source, until) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET until = excluded.until',
    ),
    report: db.prepare(
      `INSERT INTO touch_reports (recorded_at, station_id, t_from, t_to, cause, windows, beyond_horizon, consumed_at)
       VALUES (@recordedAt, @stationId, @from, @to, @cause, @windows, @beyondHorizon, @consumedAt)`,
    ),
    rejudgedCount: db.prepare<[number, number], { rejudged: number }>(
      "SELECT COUNT(*) AS rejudged FROM window_verdicts WHERE cause <> 'scheduled' AND judged_at >= ? AND judged_at < ?",
    ),
    rejudgedByStation: db.prepare<[number, number], { station_id: string; n: number }>(
      `SELECT station_id, COUNT(*) AS n FROM window_verdicts WHERE cause <> 'scheduled' AND judged_at >= ? AND judged_at < ?
       GROUP BY station_id`,
    ),
    beyondCount: db.prepare<[number, number], { beyond: number | null }>(
      'SELECT SUM(beyond_horizon) AS beyond FROM touch_reports WHERE consumed_at >= ? AND consumed_at < ?',
    ),
    isProcessed: db.prepare<[string, string, number, number], { one: number }>(
      'SELECT 1 AS one FROM processed_windows WHERE rule = ? AND station_id = ? AND window_start = ? AND window_end = ?',
    ),
    lastProcessed: db.prepare<[string, string], { last: number | null }>(
      'SELECT MAX(window_end) AS last FROM processed_windows WHERE rule = ? AND station_id = ?',
    ),
    enqueue: db.prepare(
      `INSERT INTO outbox (id, alert_id, channel, notification, state, attempts, next_attempt_at, created_at)
       VALUES (@id, @alertId, @channel, @notification, 'pending', 0, @at, @at) ON CONFLICT (id) DO NOTHING`,
    ),
    due: db.prepare<[number, number, number], OutboxRow>(
      `SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
       ORDER BY created_at, id LIMIT ?`,
    ),
    claim: db.prepare('UPDATE outbox SET claimed_until = ? WHERE id = ?'),
    delivered: db.prepare(
      `UPDATE outbox SET state = 'delivered', delivered_at = ?, attempts = attempts + 1, last_error = NULL, claimed_until = NULL
       WHERE id = ? AND state <> 'delivered'`,
    ),
    retry: db.prepare(
      `UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, claimed_until = NULL
       WHERE id = ? AND state = 'pending'`,
    ),
    failed: db.prepare(
      "UPDATE outbox SET state = 'failed', attempts = ?, last_error = ?, claimed_until = NULL WHERE id = ? AND state = 'pending'",
    ),
    notifications: db.prepare<[number], OutboxRow>('SELECT * FROM outbox WHERE alert_id = ? ORDER BY created_at, id'),
    stats: db.prepare<[], { state: string; n: number; oldest: number | null }>(
      'SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox GROUP BY state',
    ),
  };

  /** UPDATEs by the columns they set (and whether they read the row back), prepared once each. */
  const updates = new Map<string, Statement<unknown[], AlertRow>>();
  const updateOf = (columns: readonly string[], returning = true) => {
    const key = `${columns.join(',')}${returning ? ' RETURNING' : ''}`;
    let update = updates.get(key);
    if (!update) {
      const sets = columns.map((c) => `${c} = ?`).join(', ');
      update = db.prepare<unknown[], AlertRow>(
        `UPDATE alerts SET ${sets} WHERE id = ?${returning ? ' RETURNING *' : ''}`,
      );
      updates.set(key, update);
    }
    return update;
  };
  // A batch's rows one cached statement each, in one savepoint (all or none): 120 verdicts with their history rows
  // took 1.2 ms as one UPDATE … FROM json_each and one INSERT … SELECT FROM json_each of a JSON parameter, against
  // 0.6 ms row by row (docs/benchmarks.md, bench:alerts); the timeline rows likewise.
  /** Re-judged windows' verdicts, each the window's latest and one more row of its history. */
  const rejudgedManyTx = db.transaction((vs: Parameters<SyncOps['rejudgedMany']>[0]) => {
    for (const v of vs) {
      const row = { ...v, severity: v.severity ?? null };
      if (stmt.updateVerdict.run(row).changes !== 1) throw new Error('a window never judged cannot be re-judged');
      stmt.appendVerdict.run(row);
    }
  });
  const appendTransitionsTx = db.transaction((ts: readonly NewTransition[]) => {
    for (const t of ts) stmt.appendTransition.run(transitionRow(t));
  });

  const ops: SyncOps = {
    get: (id) => {
      const row = stmt.get.get(id);
      return row ? toAlert(row) : undefined;
    },
    openAlert: (rule, stationId) => {
      const row = stmt.open.get(rule, stationId);
      return row ? toAlert(row) : undefined;
    },
    activeAlerts: () => stmt.active.all().map(toAlert),
    list(filter = {}) {
      const { where, params, limit } = alertFilterSql(filter, () => '?');
      const sql = `SELECT * FROM alerts ${where} ORDER BY window_end DESC, id DESC LIMIT ${limit}`;
      return (db.prepare(sql).all(...params) as AlertRow[]).map(toAlert);
    },
    // The row as the INSERT writes it, not read back: `RETURNING *` made an insert 2.5 times as long (bench:alerts
    // opens 20 alerts per back-fill).
    insertAlert(alert) {
      const row = insertedRow(alert);
      return alertOfRow({ ...row, id: Number(stmt.insert.run(row).lastInsertRowid) }, alert.latest);
    },
    updateAlert(id, patch) {
      const set = patchColumns(patch);
      const columns = Object.keys(set);
      const row = columns.length > 0 ? updateOf(columns).get(...Object.values(set), id) : stmt.get.get(id);
      if (!row) throw new Error(`alert ${id} not found`);
      return toAlert(row);
    },
    // One cached UPDATE per column set, as updateAlert, without reading the row back: half its time. One statement
    // for the batch (UPDATE … FROM json_each, each row's columns picked by json_type) took longer than these: 0.22
    // against 0.09 ms for 10 alerts (docs/benchmarks.md, bench:alerts).
    updateAlerts(patches) {
      for (const { id, patch } of patches) {
        const set = patchColumns(patch);
        const columns = Object.keys(set);
        if (columns.length > 0 && updateOf(columns, false).run(...Object.values(set), id).changes !== 1)
          throw new Error(`alert ${id} not found`);
      }
    },

    appendTransition(t) {
      const row = transitionRow(t);
      const info = stmt.appendTransition.run(row);
      // What reading the row back would give, without reading it back.
      return toTransition({ ...row, seq: Number(info.lastInsertRowid) });
    },
    appendTransitions(ts) {
      if (ts.length > 0) appendTransitionsTx(ts);
    },
    timeline: (alertId) => stmt.timeline.all(alertId).map(toTransition),

    markProcessed(w) {
      const row = { ...w, severity: w.severity ?? null };
      if (stmt.markProcessed.run(row).changes !== 1) return false;
      stmt.appendVerdict.run({ ...row, cause: 'scheduled' });
      return true;
    },
    windowVerdict(rule, stationId, start, end) {
      const row = stmt.verdict.get(rule, stationId, start, end);
      return row ? toVerdict(row) : undefined;
    },
    rejudged: (v) => rejudgedManyTx([v]),
    rejudgedMany(vs) {
      if (vs.length > 0) rejudgedManyTx(vs);
    },
    verdictsAfter: (rule, stationId, after) => stmt.verdictsAfter.all(rule, stationId, after).map(toVerdict),
    verdictHistory: (rule, stationId, start, end) => stmt.history.all(rule, stationId, start, end).map(toVerdict),
    violatingWindows: (alertId) =>
      stmt.violating
        .all(alertId)
        .map((r) => ({ start: r.window_start, end: r.window_end, severity: r.severity as Severity | null })),
    touchCursor: (source) => stmt.cursor.get(source)?.until ?? null,
    consumeTouches(source, until, reports) {
      db.transaction(() => {
        for (const r of reports) stmt.report.run(r);
        stmt.setCursor.run(source, until);
      })();
    },
    rejudgeCounts(from, to) {
      const rejudged = stmt.rejudgedCount.get(from, to)?.rejudged ?? 0;
      const changed =
        db
          .prepare<[number, number], { n: number }>(
            `SELECT COUNT(*) AS n FROM window_verdicts v WHERE v.cause <> 'scheduled' AND v.judged_at >= ? AND v.judged_at < ?
             AND (v.outcome, COALESCE(v.severity, '')) IS NOT (
               SELECT p.outcome, COALESCE(p.severity, '') FROM window_verdicts p WHERE p.rule = v.rule AND p.station_id = v.station_id
               AND p.window_start = v.window_start AND p.window_end = v.window_end AND p.seq < v.seq ORDER BY p.seq DESC LIMIT 1)`,
          )
          .get(from, to)?.n ?? 0;
      return { rejudged, changed, beyondHorizon: stmt.beyondCount.get(from, to)?.beyond ?? 0 };
    },
    rejudgedByStation: (from, to) => new Map(stmt.rejudgedByStation.all(from, to).map((r) => [r.station_id, r.n])),
    isProcessed: (rule, stationId, start, end) => stmt.isProcessed.get(rule, stationId, start, end) !== undefined,
    lastProcessedEnd: (rule, stationId) => stmt.lastProcessed.get(rule, stationId)?.last ?? null,

    enqueue(entry) {
      const info = stmt.enqueue.run({
        id: entry.id,
        alertId: entry.alertId,
        channel: JSON.stringify(entry.channel),
        notification: JSON.stringify(entry.notification),
        at: entry.at,
      });
      return info.changes === 1;
    },
    // One prepared INSERT each: one statement for the batch (json_each of one JSON text holding every message, each
    // encoded twice) took longer: 0.21 against 0.13 ms for 10 messages.
    enqueueMany(entries) {
      let queued = 0;
      for (const entry of entries) if (ops.enqueue(entry)) queued += 1;
      return queued;
    },
    claimDue: (now, limit, leaseMs) =>
      db.transaction(() => {
        const rows = stmt.due.all(now, now, limit);
        for (const row of rows) stmt.claim.run(now + leaseMs, row.id);
        return rows.map(toEntry);
      })(),
    markDelivered: (id, at) => void stmt.delivered.run(at, id),
    markRetry: (id, attempts, nextAttemptAt, error) => void stmt.retry.run(attempts, nextAttemptAt, error, id),
    markFailed: (id, attempts, error) => void stmt.failed.run(attempts, error, id),
    notifications: (alertId) => stmt.notifications.all(alertId).map(toEntry),
    outboxStats() {
      const out: OutboxStats = { pending: 0, delivered: 0, failed: 0, oldestPendingAt: null };
      for (const row of stmt.stats.all()) {
        if (row.state === 'pending' || row.state === 'delivered' || row.state === 'failed') out[row.state] = row.n;
        if (row.state === 'pending') out.oldestPendingAt = row.oldest;
      }
      return out;
    },
  };

  // One transaction at a time on the one connection: while it runs (across its awaits), calls on the store wait,
  // so that nothing outside it joins it by accident. Calls on the transaction's handle run at once.
  let current: Promise<void> | undefined;
  const inTransaction = new AsyncLocalStorage<true>();
  const notInside = () => {
    if (inTransaction.getStore()) throw new Error('inside a transaction, use its handle, not the store');
  };
  const handle = {} as AlertStoreOps;
  const outside = {} as AlertStoreOps;
  for (const name of Object.keys(ops) as (keyof SyncOps)[]) {
    const fn = ops[name] as (...args: unknown[]) => unknown;
    (handle as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => fn(...args);
    (outside as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      notInside();
      // No await between the last check and the call: a transaction cannot start in between.
      while (current) await current;
      return fn(...args);
    };
  }

  let closed = false;
  return {
    ...outside,
    location: file,
    async transaction(fn) {
      notInside();
      while (current) await current;
      let release!: () => void;
      current = new Promise((resolve) => (release = resolve));
      try {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await inTransaction.run(true, () => fn(handle));
          db.exec('COMMIT');
          return result;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      } finally {
        current = undefined;
        release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (current) await current;
      db.close();
    },
  };
}
