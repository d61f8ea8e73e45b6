/**
 * The alert state in PostgreSQL (DATABASE_URL; docs/adr/0005, 0013, 0015): the same port, tables and guarantees as
 * the SQLite store (migration 6), shared by every alerts and API instance.
 *
 * What two instances need beyond SQLite's single writer:
 * - A transaction runs on one pooled connection; `openAlert` inside it takes a transaction-scoped advisory lock on
 *   (rule, station) and locks the open alert's row, so two instances judging windows of one station and rule at
 *   once are serialized: the second sees the alert the first opened and counts into it. The partial unique index
 *   `alerts_one_open` stays the last word. `get` and `windowVerdict` inside a transaction lock their row too (an
 *   acknowledgement and an escalation of one alert, or two re-judgments of one window, do not interleave).
 * - The outbox is claimed with SELECT … FOR UPDATE SKIP LOCKED and a lease (`claimed_until`): two senders never
 *   take the same notification, and one that dies releases it when the lease ends.
 */
import type pg from 'pg';
import type { Postgres } from '../db/postgres.js';
import { LOCK_CLASS_ALERT_SERIES } from '../db/migrate.js';
import {
  alertFilterSql,
  outboxRow,
  patchColumns,
  type PATCH_COLUMNS,
  rejudgedRows,
  toAlert,
  toEntry,
  toTransition,
  toVerdict,
  transitionRow,
  type AlertPatch,
  type AlertRow,
  type AlertStore,
  type AlertStoreOps,
  type OutboxRow,
  type OutboxStats,
  type TransitionRow,
  type VerdictRow,
} from './alert-store.js';

// JSON columns are read as text, so the SQLite store's row readers serve both.
const ALERT = `id, rule, station_id, category, state, severity, opened_at, updated_at, count, compliant_streak,
  latest::text AS latest, escalation_level, escalated_at, acknowledged_by, acknowledged_at, acknowledge_note,
  resolved_by, resolved_at, resolve_reason, window_start, window_end, detected_at, detection`;
const TRANSITION = 'seq, alert_id, kind, at, actor, from_state, to_state, note, data::text AS data';
const OUTBOX = `id, alert_id, channel::text AS channel, notification::text AS notification, state, attempts,
  next_attempt_at, created_at, delivered_at, last_error`;
/** The patchable columns' types (schema in src/db/migrations.ts): `updateAlerts` casts its JSON values to them. */
const PATCH_COLUMN_TYPES: Record<(typeof PATCH_COLUMNS)[keyof AlertPatch], string> = {
  state: 'text',
  severity: 'text',
  updated_at: 'bigint',
  count: 'integer',
  compliant_streak: 'integer',
  latest: 'json',
  escalation_level: 'integer',
  escalated_at: 'bigint',
  acknowledged_by: 'text',
  acknowledged_at: 'bigint',
  acknowledge_note: 'text',
  resolved_by: 'text',
  resolved_at: 'bigint',
  resolve_reason: 'text',
  window_start: 'bigint',
  window_end: 'bigint',
};
const VERDICT = 'rule, station_id, window_start, window_end, outcome, severity, alert_id, cause, judged_at';

type Query = <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<T[]>;

export function createPgAlertStore(db: Postgres): AlertStore {
  const onPool: Query = (sql, params) => db.query(sql, params);
  const onClient =
    (client: pg.ClientBase): Query =>
    async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
      (await client.query<T>(sql, params)).rows;

  /**
   * The calls on `q`: the pool (each call its own statement) or one transaction's connection (`tx` set). Calls of
   * several statements run in a transaction of their own when they are not in one.
   */
  function ops(q: Query, tx: boolean): AlertStoreOps {
    const atomic = <T>(fn: (q: Query) => Promise<T>): Promise<T> =>
      tx ? fn(q) : db.transaction((client) => fn(onClient(client)));
    const forUpdate = tx ? ' FOR UPDATE' : '';
    const alertOf = async (sql: string, params: unknown[]) => {
      const [row] = await q<AlertRow>(sql, params);
      return row ? toAlert(row) : undefined;
    };

    const self: AlertStoreOps = {
      get: (id) => alertOf(`SELECT ${ALERT} FROM alerts WHERE id = $1${forUpdate}`, [id]),
      async openAlert(rule, stationId) {
        // Held to the end of the transaction: whoever asks next for this (rule, station) waits, then sees our alert.
        if (tx)
          await q('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
            LOCK_CLASS_ALERT_SERIES,
            JSON.stringify([rule, stationId]),
          ]);
        return alertOf(
          `SELECT ${ALERT} FROM alerts WHERE rule = $1 AND station_id = $2 AND state <> 'resolved'${forUpdate}`,
          [rule, stationId],
        );
      },
      async list(filter = {}) {
        const { where, params, limit } = alertFilterSql(filter, (n) => `$${n}`);
        const rows = await q<AlertRow>(
          `SELECT ${ALERT} FROM alerts ${where} ORDER BY window_end DESC, id DESC LIMIT ${limit}`,
          params,
        );
        return rows.map(toAlert);
      },
      activeAlerts: async () =>
        (await q<AlertRow>(`SELECT ${ALERT} FROM alerts WHERE state <> 'resolved' ORDER BY id`)).map(toAlert),
      async insertAlert(a) {
        const alert = await alertOf(
          `INSERT INTO alerts (rule, station_id, category, state, severity, opened_at, updated_at, count, compliant_streak,
             latest, escalation_level, escalated_at, window_start, window_end, detected_at, detection)
           VALUES ($1, $2, $3, 'open', $4, $5, $5, 1, 0, $6, 0, $5, $7, $8, $5, $9) RETURNING ${ALERT}`,
          [
            a.rule,
            a.stationId,
            a.category,
            a.severity,
            a.at,
            JSON.stringify(a.latest),
            a.windowStart,
            a.windowEnd,
            a.detection,
          ],
        );
        return alert!;
      },
      async updateAlert(id, patch) {
        const set = patchColumns(patch);
        const params: unknown[] = [id, ...Object.values(set)];
        const sets = Object.keys(set).map((c, i) => `${c} = $${i + 2}`);
        const updated =
          sets.length > 0
            ? await alertOf(`UPDATE alerts SET ${sets.join(', ')} WHERE id = $1 RETURNING ${ALERT}`, params)
            : await alertOf(`SELECT ${ALERT} FROM alerts WHERE id = $1`, [id]);
        if (!updated) throw new Error(`alert ${id} not found`);
        return updated;
      },

      async updateAlerts(patches) {
        if (patches.length === 0) return;
        const rows = patches.map(({ id, patch }) => ({ id, ...patchColumns(patch) }));
        // Each row sets the columns its patch names and keeps the others.
        const updated = await q(
          `UPDATE alerts AS a SET ${Object.entries(PATCH_COLUMN_TYPES)
            .map(([c, type]) => `${c} = CASE WHEN v.p ? '${c}' THEN (v.p ->> '${c}')::${type} ELSE a.${c} END`)
            .join(', ')}
           FROM jsonb_array_elements($1::jsonb) AS v(p) WHERE a.id = (v.p ->> 'id')::bigint RETURNING 1`,
          [JSON.stringify(rows)],
        );
        if (updated.length !== new Set(rows.map((r) => r.id)).size) throw new Error('an alert to update was not found');
      },

      async appendTransition(t) {
        const [row] = await q<TransitionRow>(
          `INSERT INTO alert_transitions (alert_id, kind, at, actor, from_state, to_state, note, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${TRANSITION}`,
          [
            t.alertId,
            t.kind,
            t.at,
            t.actor,
            t.fromState,
            t.toState,
            t.note ?? null,
            t.data ? JSON.stringify(t.data) : null,
          ],
        );
        return toTransition(row!);
      },
      async appendTransitions(ts) {
        if (ts.length === 0) return;
        // The data as text, cast to json: the column keeps it as written (jsonb would reorder it).
        const rows = ts.map((t, i) => ({ i, ...transitionRow(t) }));
        // In the array's order: the sequence numbers follow it.
        await q(
          `INSERT INTO alert_transitions (alert_id, kind, at, actor, from_state, to_state, note, data)
           SELECT alert_id, kind, at, actor, from_state, to_state, note, data::json
           FROM jsonb_to_recordset($1::jsonb) AS t(i integer, alert_id bigint, kind text, at bigint, actor text,
             from_state text, to_state text, note text, data text)
           ORDER BY i`,
          [JSON.stringify(rows)],
        );
      },
      timeline: async (alertId) =>
        (
          await q<TransitionRow>(`SELECT ${TRANSITION} FROM alert_transitions WHERE alert_id = $1 ORDER BY seq`, [
            alertId,
          ])
        ).map(toTransition),

      markProcessed: (w) =>
        atomic(async (q) => {
          const inserted = await q(
            `INSERT INTO processed_windows (rule, station_id, window_start, window_end, outcome, severity, alert_id, processed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING 1`,
            [w.rule, w.stationId, w.start, w.end, w.outcome, w.severity ?? null, w.alertId, w.at],
          );
          if (inserted.length === 0) return false;
          await q(
            `INSERT INTO window_verdicts (rule, station_id, window_start, window_end, outcome, severity, alert_id, cause, judged_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'scheduled', $8)`,
            [w.rule, w.stationId, w.start, w.end, w.outcome, w.severity ?? null, w.alertId, w.at],
          );
          return true;
        }),
      async windowVerdict(rule, stationId, start, end) {
        const [row] = await q<VerdictRow>(
          `SELECT p.rule, p.station_id, p.window_start, p.window_end, p.outcome, p.severity, p.alert_id,
                  COALESCE((SELECT v.cause FROM window_verdicts v WHERE v.rule = p.rule AND v.station_id = p.station_id
                            AND v.window_start = p.window_start AND v.window_end = p.window_end
                            ORDER BY v.seq DESC LIMIT 1), 'scheduled') AS cause,
                  p.processed_at AS judged_at
           FROM processed_windows p WHERE p.rule = $1 AND p.station_id = $2 AND p.window_start = $3 AND p.window_end = $4
           ${tx ? 'FOR UPDATE OF p' : ''}`,
          [rule, stationId, start, end],
        );
        return row ? toVerdict(row) : undefined;
      },
      rejudged: (v) =>
        atomic(async (q) => {
          const params = [v.rule, v.stationId, v.start, v.end, v.outcome, v.severity, v.alertId];
          const updated = await q(
            `UPDATE processed_windows SET outcome = $5, severity = $6, alert_id = $7, judgments = judgments + 1
             WHERE rule = $1 AND station_id = $2 AND window_start = $3 AND window_end = $4 RETURNING 1`,
            params,
          );
          if (updated.length !== 1) throw new Error('a window never judged cannot be re-judged');
          await q(
            `INSERT INTO window_verdicts (rule, station_id, window_start, window_end, outcome, severity, alert_id, cause, judged_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
            [...params, v.cause, v.at],
          );
        }),
      rejudgedMany: (vs) =>
        atomic(async (q) => {
          if (vs.length === 0) return;
          const { history, latest } = rejudgedRows(vs);
          const updated = await q(
            `UPDATE processed_windows p SET outcome = v.outcome, severity = v.severity, alert_id = v.alert_id,
               judgments = p.judgments + v.n
             FROM jsonb_to_recordset($1::jsonb) AS v(rule text, station_id text, window_start bigint, window_end bigint,
               outcome text, severity text, alert_id bigint, n integer)
             WHERE p.rule = v.rule AND p.station_id = v.station_id AND p.window_start = v.window_start
               AND p.window_end = v.window_end
             RETURNING 1`,
            [JSON.stringify(latest)],
          );
          if (updated.length !== latest.length) throw new Error('a window never judged cannot be re-judged');
          await q(
            `INSERT INTO window_verdicts (rule, station_id, window_start, window_end, outcome, severity, alert_id, cause, judged_at)
             SELECT rule, station_id, window_start, window_end, outcome, severity, alert_id, cause, judged_at
             FROM jsonb_to_recordset($1::jsonb) AS v(i integer, rule text, station_id text, window_start bigint,
               window_end bigint, outcome text, severity text, alert_id bigint, cause text, judged_at bigint)
             ORDER BY i`,
            [JSON.stringify(history.map((h, i) => ({ ...h, i })))],
          );
        }),
      verdictsAfter: async (rule, stationId, after) =>
        (
          await q<VerdictRow>(
            `SELECT rule, station_id, window_start, window_end, outcome, severity, alert_id, 'scheduled' AS cause,
                    processed_at AS judged_at
             FROM processed_windows WHERE rule = $1 AND station_id = $2 AND window_start > $3 ORDER BY window_start`,
            [rule, stationId, after],
          )
        ).map(toVerdict),
      verdictHistory: async (rule, stationId, start, end) =>
        (
          await q<VerdictRow>(
            `SELECT ${VERDICT} FROM window_verdicts
             WHERE rule = $1 AND station_id = $2 AND window_start = $3 AND window_end = $4 ORDER BY seq`,
            [rule, stationId, start, end],
          )
        ).map(toVerdict),
      violatingWindows: async (alertId) =>
        (
          await q<{ window_start: number; window_end: number; severity: string | null }>(
            `SELECT window_start, window_end, severity FROM processed_windows WHERE alert_id = $1 AND outcome = 'violation'
             ORDER BY window_start`,
            [alertId],
          )
        ).map((r) => ({
          start: r.window_start,
          end: r.window_end,
          severity: r.severity as Awaited<ReturnType<AlertStoreOps['violatingWindows']>>[number]['severity'],
        })),
      touchCursor: async (source) =>
        (await q<{ until: number }>('SELECT until FROM touch_cursor WHERE source = $1', [source]))[0]?.until ?? null,
      consumeTouches: (source, until, reports) =>
        atomic(async (q) => {
          for (const r of reports) {
            await q(
              `INSERT INTO touch_reports (recorded_at, station_id, t_from, t_to, cause, windows, beyond_horizon, consumed_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
              [r.recordedAt, r.stationId, r.from, r.to, r.cause, r.windows, r.beyondHorizon, r.consumedAt],
            );
          }
          await q(
            `INSERT INTO touch_cursor (source, until) VALUES ($1, $2)
             ON CONFLICT (source) DO UPDATE SET until = excluded.until`,
            [source, until],
          );
        }),
      async rejudgeCounts(from, to) {
        const [row] = await q<{ rejudged: number; changed: number; beyond: number | null }>(
          `SELECT
             (SELECT COUNT(*)::int FROM window_verdicts WHERE cause <> 'scheduled' AND judged_at >= $1 AND judged_at < $2) AS rejudged,
             (SELECT COUNT(*)::int FROM window_verdicts v
                LEFT JOIN LATERAL (
                  SELECT p.outcome, p.severity FROM window_verdicts p
                  WHERE p.rule = v.rule AND p.station_id = v.station_id AND p.window_start = v.window_start
                    AND p.window_end = v.window_end AND p.seq < v.seq
                  ORDER BY p.seq DESC LIMIT 1) p ON true
                WHERE v.cause <> 'scheduled' AND v.judged_at >= $1 AND v.judged_at < $2
                  AND (v.outcome, COALESCE(v.severity, '')) IS DISTINCT FROM (p.outcome, COALESCE(p.severity, ''))) AS changed,
             (SELECT SUM(beyond_horizon)::int FROM touch_reports WHERE consumed_at >= $1 AND consumed_at < $2) AS beyond`,
          [from, to],
        );
        return { rejudged: row!.rejudged, changed: row!.changed, beyondHorizon: row!.beyond ?? 0 };
      },
      rejudgedByStation: async (from, to) =>
        new Map(
          (
            await q<{ station_id: string; n: number }>(
              `SELECT station_id, COUNT(*)::int AS n FROM window_verdicts
               WHERE cause <> 'scheduled' AND judged_at >= $1 AND judged_at < $2 GROUP BY station_id`,
              [from, to],
            )
          ).map((r) => [r.station_id, r.n]),
        ),
      isProcessed: async (rule, stationId, start, end) =>
        (
          await q(
            'SELECT 1 FROM processed_windows WHERE rule = $1 AND station_id = $2 AND window_start = $3 AND window_end = $4',
            [rule, stationId, start, end],
          )
        ).length > 0,
      lastProcessedEnd: async (rule, stationId) =>
        (
          await q<{ last: number | null }>(
            'SELECT MAX(window_end) AS last FROM processed_windows WHERE rule = $1 AND station_id = $2',
            [rule, stationId],
          )
        )[0]?.last ?? null,

      async enqueue(entry) {
        const rows = await q(
          `INSERT INTO outbox (id, alert_id, channel, notification, state, attempts, next_attempt_at, created_at)
           VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) ON CONFLICT (id) DO NOTHING RETURNING 1`,
          [entry.id, entry.alertId, JSON.stringify(entry.channel), JSON.stringify(entry.notification), entry.at],
        );
        return rows.length === 1;
      },
      async enqueueMany(entries) {
        if (entries.length === 0) return 0;
        const rows = await q(
          `INSERT INTO outbox (id, alert_id, channel, notification, state, attempts, next_attempt_at, created_at)
           SELECT id, alert_id, channel::json, notification::json, 'pending', 0, at, at
           FROM jsonb_to_recordset($1::jsonb) AS e(i integer, id text, alert_id bigint, channel text, notification text,
             at bigint)
           ORDER BY i
           ON CONFLICT (id) DO NOTHING RETURNING 1`,
          [JSON.stringify(entries.map((e, i) => ({ i, ...outboxRow(e) })))],
        );
        return rows.length;
      },
      async claimDue(now, limit, leaseMs) {
        // SKIP LOCKED: rows another sender is claiming right now are passed over, not waited for.
        const rows = await q<OutboxRow>(
          `UPDATE outbox SET claimed_until = $3 WHERE id IN (
             SELECT id FROM outbox
             WHERE state = 'pending' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
             ORDER BY created_at, id COLLATE "C" LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING ${OUTBOX}`,
          [now, limit, now + leaseMs],
        );
        return rows.map(toEntry).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      },
      async markDelivered(id, at) {
        await q(
          `UPDATE outbox SET state = 'delivered', delivered_at = $2, attempts = attempts + 1, last_error = NULL,
             claimed_until = NULL WHERE id = $1 AND state <> 'delivered'`,
          [id, at],
        );
      },
      async markRetry(id, attempts, nextAttemptAt, error) {
        await q(
          `UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4, claimed_until = NULL
           WHERE id = $1 AND state = 'pending'`,
          [id, attempts, nextAttemptAt, error],
        );
      },
      async markFailed(id, attempts, error) {
        await q(
          `UPDATE outbox SET state = 'failed', attempts = $2, last_error = $3, claimed_until = NULL
           WHERE id = $1 AND state = 'pending'`,
          [id, attempts, error],
        );
      },
      notifications: async (alertId) =>
        (
          await q<OutboxRow>(`SELECT ${OUTBOX} FROM outbox WHERE alert_id = $1 ORDER BY created_at, id COLLATE "C"`, [
            alertId,
          ])
        ).map(toEntry),
      async outboxStats() {
        const out: OutboxStats = { pending: 0, delivered: 0, failed: 0, oldestPendingAt: null };
        const rows = await q<{ state: string; n: number; oldest: number | null }>(
          'SELECT state, COUNT(*)::int AS n, MIN(created_at) AS oldest FROM outbox GROUP BY state',
        );
        for (const row of rows) {
          if (row.state === 'pending' || row.state === 'delivered' || row.state === 'failed') out[row.state] = row.n;
          if (row.state === 'pending') out.oldestPendingAt = row.oldest;
        }
        return out;
      },
    };
    return self;
  }

  return {
    ...ops(onPool, false),
    location: db.shownUrl,
    transaction: (fn) => db.transaction((client) => fn(ops(onClient(client), true))),
    // The pool belongs to the process (it serves other stores too): closed by whoever opened it.
    close: async () => undefined,
  };
}
