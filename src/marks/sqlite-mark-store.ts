/**
 * Data marks in SQLite (DATA_DIR/marks.db, a private file like the other databases): two append-only tables,
 * `marks` and `mark_decisions`. Triggers refuse every UPDATE and DELETE; partial unique indexes let a mark have
 * at most one verdict (approved or rejected) and one revocation, whatever two API instances do at once. A mark's
 * state is derived from its decisions, never stored (docs/adr/0014-data-marks.md).
 */
import path from 'node:path';
import { decisionRefusal, type DataMark, type EffectiveMark, type NewMark } from '../domain/data-marks.js';
import { openSqliteFile } from '../db/sqlite-file.js';
import {
  MarkConflictError,
  MarkNotFoundError,
  type MarkFilter,
  type MarkStore,
  type NewDecision,
} from './mark-store.js';
import { effectiveOf, markFilterSql, markOf, parametersJson, type MarkRow } from './mark-rows.js';

export const MARKS_FILE_NAME = 'marks.db';
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS marks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  station TEXT NOT NULL,
  -- JSON array of parameter codes, or the JSON string "all"
  parameters TEXT NOT NULL,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL,
  flag TEXT NOT NULL CHECK (flag IN ('M', 'C', 'D', 'F', 'N')),
  reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
  by_key TEXT NOT NULL,
  by_name TEXT NOT NULL,
  by_role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  CHECK (to_ts > from_ts)
);
CREATE INDEX IF NOT EXISTS marks_station_time ON marks (station, to_ts, from_ts);

CREATE TABLE IF NOT EXISTS mark_decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  mark_id INTEGER NOT NULL REFERENCES marks (id),
  kind TEXT NOT NULL CHECK (kind IN ('approved', 'rejected', 'revoked')),
  by_key TEXT NOT NULL,
  by_name TEXT NOT NULL,
  by_role TEXT NOT NULL,
  at INTEGER NOT NULL,
  note TEXT NOT NULL,
  automatic INTEGER NOT NULL CHECK (automatic IN (0, 1))
);
-- One verdict and one revocation per mark, enforced by the database itself.
CREATE UNIQUE INDEX IF NOT EXISTS mark_decisions_one_verdict ON mark_decisions (mark_id) WHERE kind IN ('approved', 'rejected');
CREATE UNIQUE INDEX IF NOT EXISTS mark_decisions_one_revocation ON mark_decisions (mark_id) WHERE kind = 'revoked';

-- Accountability (issue 14): what was marked, by whom, and who approved it can never be edited or removed.
CREATE TRIGGER IF NOT EXISTS marks_no_update BEFORE UPDATE ON marks
BEGIN SELECT RAISE(ABORT, 'data marks are append-only: record a decision instead'); END;
CREATE TRIGGER IF NOT EXISTS marks_no_delete BEFORE DELETE ON marks
BEGIN SELECT RAISE(ABORT, 'data marks are append-only: revoke instead'); END;
CREATE TRIGGER IF NOT EXISTS mark_decisions_no_update BEFORE UPDATE ON mark_decisions
BEGIN SELECT RAISE(ABORT, 'mark decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS mark_decisions_no_delete BEFORE DELETE ON mark_decisions
BEGIN SELECT RAISE(ABORT, 'mark decisions are append-only'); END;

CREATE VIEW IF NOT EXISTS mark_view AS
SELECT m.*,
  v.kind AS v_kind, v.by_key AS v_by_key, v.by_name AS v_by_name, v.by_role AS v_by_role, v.at AS v_at,
  v.note AS v_note, v.automatic AS v_automatic,
  r.by_key AS r_by_key, r.by_name AS r_by_name, r.by_role AS r_by_role, r.at AS r_at, r.note AS r_note,
  r.automatic AS r_automatic,
  CASE WHEN r.id IS NOT NULL THEN 'revoked' WHEN v.kind IS NULL THEN 'pending' ELSE v.kind END AS state
FROM marks m
LEFT JOIN mark_decisions v ON v.mark_id = m.id AND v.kind IN ('approved', 'rejected')
LEFT JOIN mark_decisions r ON r.mark_id = m.id AND r.kind = 'revoked';
`;

/** `file`: the database file, or `:memory:`; `dataDir`: DATA_DIR, for DATA_DIR/marks.db. */
export function createSqliteMarkStore(options: { dataDir?: string; file?: string }): MarkStore {
  const file = options.file ?? path.join(options.dataDir ?? '.', MARKS_FILE_NAME);
  // Marks name plants, their faults and the people who marked them: readable by the service user only.
  const { db } = openSqliteFile(file, { schemaVersion: SCHEMA_VERSION, foreignKeys: true });
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);

  const stmt = {
    insertMark: db.prepare(
      `INSERT INTO marks (station, parameters, from_ts, to_ts, flag, reason, by_key, by_name, by_role, created_at)
       VALUES (@station, @parameters, @from_ts, @to_ts, @flag, @reason, @by_key, @by_name, @by_role, @created_at)`,
    ),
    insertDecision: db.prepare(
      `INSERT INTO mark_decisions (mark_id, kind, by_key, by_name, by_role, at, note, automatic)
       VALUES (@mark_id, @kind, @by_key, @by_name, @by_role, @at, @note, @automatic)`,
    ),
    get: db.prepare<[number], MarkRow>('SELECT * FROM mark_view WHERE id = ?'),
  };

  const insertDecision = (d: NewDecision) =>
    stmt.insertDecision.run({
      mark_id: d.markId,
      kind: d.kind,
      by_key: d.by.keyId,
      by_name: d.by.name,
      by_role: d.by.role,
      at: d.at,
      note: d.note,
      automatic: d.automatic ? 1 : 0,
    });

  const create = db.transaction((mark: NewMark, approval?: Omit<NewDecision, 'markId' | 'kind'>): DataMark => {
    const { lastInsertRowid } = stmt.insertMark.run({
      station: mark.stationId,
      parameters: parametersJson(mark.parameters),
      from_ts: mark.from,
      to_ts: mark.to,
      flag: mark.flag,
      reason: mark.reason,
      by_key: mark.by.keyId,
      by_name: mark.by.name,
      by_role: mark.by.role,
      created_at: mark.at,
    });
    const id = Number(lastInsertRowid);
    if (approval) insertDecision({ ...approval, markId: id, kind: 'approved' });
    return markOf(stmt.get.get(id)!);
  });

  // IMMEDIATE: the state check and the insert see the same data even with another process writing.
  const decide = db.transaction((d: NewDecision): DataMark => {
    const row = stmt.get.get(d.markId);
    if (!row) throw new MarkNotFoundError(d.markId);
    const state = markOf(row).state;
    const refusal = decisionRefusal(state, d.kind);
    if (refusal) throw new MarkConflictError(d.markId, state, `mark ${d.markId}: ${refusal}`);
    insertDecision(d);
    return markOf(stmt.get.get(d.markId)!);
  });

  const sqlite = {
    placeholder: () => '?',
    appliesTo: (p: string) =>
      `(parameters = '"all"' OR EXISTS (SELECT 1 FROM json_each(parameters) WHERE value = ${p}))`,
  };

  function list(filter: MarkFilter): DataMark[] {
    const q = markFilterSql(filter, sqlite);
    if (!q) return [];
    return db
      .prepare<(string | number)[], MarkRow>(`SELECT * FROM mark_view${q.where} ORDER BY id DESC LIMIT ?`)
      .all(...q.args, q.limit)
      .map(markOf);
  }

  function effective(q: { stationIds?: readonly string[]; from: number; to: number }): EffectiveMark[] {
    if (q.stationIds && q.stationIds.length === 0) return [];
    const stations = q.stationIds ? ` AND station IN (${q.stationIds.map(() => '?').join(', ')})` : '';
    return db
      .prepare<(string | number)[], MarkRow>(
        `SELECT * FROM mark_view WHERE state = 'approved' AND to_ts > ? AND from_ts < ?${stations} ORDER BY v_at, id`,
      )
      .all(q.from, q.to, ...(q.stationIds ?? []))
      .map(effectiveOf);
  }

  let closed = false;
  return {
    kind: 'sqlite',
    create: async (mark, approval) => create.immediate(mark, approval),
    decide: async (d) => decide.immediate(d),
    get: async (id) => {
      const row = stmt.get.get(id);
      return row ? markOf(row) : undefined;
    },
    list: async (filter) => list(filter),
    effective: async (q) => effective(q),
    close: async () => {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
