/**
 * The loggers' state in SQLite, `<DATA_DIR>/devices.db` (a private file like the other control state): written by
 * the ingest role, read by the API — one file, separate processes (WAL lets readers run beside the writer).
 */
import path from 'node:path';
import { openSqliteFile } from '../../db/sqlite-file.js';
import { DEVICE_RECORDS_MAX, type DeviceRecord, type DeviceState, type DeviceStateStore } from './device-state.js';
import { applyUpdate, type DeviceStateUpdate } from './device-state-merge.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS device_state (
  mn         TEXT PRIMARY KEY,
  station    TEXT NOT NULL,
  state      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS device_state_by_station ON device_state (station);
CREATE TABLE IF NOT EXISTS device_records (
  id       INTEGER PRIMARY KEY,
  mn       TEXT    NOT NULL,
  station  TEXT    NOT NULL,
  at       INTEGER NOT NULL,
  cn       TEXT    NOT NULL,
  kind     TEXT    NOT NULL,
  passed   INTEGER,
  failed   TEXT    NOT NULL,
  fields   TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS device_records_by_station ON device_records (station, at, id);
`;

interface RecordRow {
  mn: string;
  station: string;
  at: number;
  cn: string;
  kind: DeviceRecord['kind'];
  passed: number | null;
  failed: string;
  fields: string;
}

function toRecord(row: RecordRow): DeviceRecord {
  return {
    mn: row.mn,
    stationId: row.station,
    at: row.at,
    cn: row.cn,
    kind: row.kind,
    passed: row.passed === null ? null : row.passed === 1,
    failed: JSON.parse(row.failed) as string[],
    fields: JSON.parse(row.fields) as Record<string, string>,
  };
}

export function deviceStateFile(dataDir: string): string {
  return path.join(dataDir, 'devices.db');
}

/** Opens (creating if needed) the file; `:memory:` for tests that need no file. */
export function createSqliteDeviceStateStore(file: string): DeviceStateStore {
  const { db } = openSqliteFile(file === ':memory:' ? file : path.resolve(file), { schemaVersion: SCHEMA_VERSION });
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
  const stmt = {
    save: db.prepare(
      `INSERT INTO device_state (mn, station, state) VALUES (?, ?, ?)
       ON CONFLICT (mn) DO UPDATE SET station = excluded.station, state = excluded.state`,
    ),
    all: db.prepare<[], { state: string }>('SELECT state FROM device_state ORDER BY mn'),
    one: db.prepare<[string], { state: string }>('SELECT state FROM device_state WHERE mn = ?'),
    byStation: db.prepare<[string], { state: string }>(
      'SELECT state FROM device_state WHERE station = ? ORDER BY mn LIMIT 1',
    ),
    add: db.prepare(
      'INSERT INTO device_records (mn, station, at, cn, kind, passed, failed, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    records: db.prepare<[string, number, number, number], RecordRow>(
      `SELECT mn, station, at, cn, kind, passed, failed, fields FROM device_records
       WHERE station = ? AND at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?`,
    ),
    between: db.prepare<[string, number, number], RecordRow>(
      `SELECT mn, station, at, cn, kind, passed, failed, fields FROM device_records
       WHERE station IN (SELECT value FROM json_each(?)) AND at >= ? AND at < ? ORDER BY at, id`,
    ),
  };
  // A write transaction (IMMEDIATE): another process's updates wait, and each merges into what the other wrote.
  const applyAll = db.transaction((updates: readonly DeviceStateUpdate[]) => {
    for (const u of updates) {
      const row = stmt.one.get(u.mn);
      const s = applyUpdate(row ? (JSON.parse(row.state) as DeviceState) : undefined, u);
      stmt.save.run(s.mn, s.stationId, JSON.stringify(s));
    }
  });
  let closed = false;
  // better-sqlite3 is synchronous; the port is async for the PostgreSQL adapter to come.
  return {
    async apply(updates) {
      applyAll.immediate(updates);
    },
    async addRecord(r) {
      stmt.add.run(
        r.mn,
        r.stationId,
        r.at,
        r.cn,
        r.kind,
        r.passed === null ? null : r.passed ? 1 : 0,
        JSON.stringify(r.failed),
        JSON.stringify(r.fields),
      );
    },
    async states() {
      return stmt.all.all().map((row) => JSON.parse(row.state) as DeviceState);
    },
    async stateOfStation(stationId) {
      const row = stmt.byStation.get(stationId);
      return row ? (JSON.parse(row.state) as DeviceState) : undefined;
    },
    async records(q) {
      const limit = Math.min(Math.max(Math.trunc(q.limit ?? 100), 1), DEVICE_RECORDS_MAX);
      return stmt.records.all(q.stationId, q.from ?? 0, q.to ?? Number.MAX_SAFE_INTEGER, limit).map(toRecord);
    },
    async recordsBetween(q) {
      if (q.stationIds.length === 0 || !(q.from < q.to)) return [];
      return stmt.between.all(JSON.stringify(q.stationIds), q.from, q.to).map(toRecord);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
