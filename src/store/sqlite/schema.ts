/**
 * The embedded store's schema. A reading's identity (station, parameter, ts) is the primary key, so a
 * redelivered reading replaces itself (upsert) instead of adding a row. `WITHOUT ROWID` clusters the rows by
 * that key: a (station, parameter, time range) scan — every aggregate — reads contiguous pages.
 * `series` lists the (station, parameter) pairs ever written, so `latest` seeks one row per series instead of
 * scanning the table.
 */
import type Database from 'better-sqlite3';

/** 1: readings, series, dead letters. 2: touched. 3: logger_data (docs/adr/0012-logger-aggregates.md). */
export const SCHEMA_VERSION = 3;

const DDL = `
CREATE TABLE IF NOT EXISTS readings (
  station   TEXT    NOT NULL,
  parameter TEXT    NOT NULL,
  ts        INTEGER NOT NULL,
  value     REAL    NOT NULL,
  flag      TEXT    NOT NULL,
  PRIMARY KEY (station, parameter, ts)
) WITHOUT ROWID;

-- raw(): one station, all parameters, in (ts, parameter) order with a cursor.
CREATE INDEX IF NOT EXISTS readings_by_station_time ON readings (station, ts, parameter);

CREATE TABLE IF NOT EXISTS series (
  station   TEXT NOT NULL,
  parameter TEXT NOT NULL,
  PRIMARY KEY (station, parameter)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS dead_letters (
  id          INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  station     TEXT    NOT NULL,
  topic       TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  detail      TEXT    NOT NULL,
  payload     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_by_time ON dead_letters (received_at, id);
CREATE INDEX IF NOT EXISTS dead_letters_by_station ON dead_letters (station, received_at, id);

-- Version 2: data that changed after the fact (late readings, marks), for the alerts role to re-judge
-- (store/touch-log.ts, docs/adr/0013-rejudgment.md). Read by recording time, oldest first.
CREATE TABLE IF NOT EXISTS touched (
  id          INTEGER PRIMARY KEY,
  recorded_at INTEGER NOT NULL,
  station     TEXT    NOT NULL,
  t_from      INTEGER NOT NULL,
  t_to        INTEGER NOT NULL,
  cause       TEXT    NOT NULL,
  at          INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS touched_by_time ON touched (recorded_at, id);

-- Version 3: what HJ 212 loggers sent, stream by stream (realtime, minute, hourly, daily): docs/adr/0012.
CREATE TABLE IF NOT EXISTS logger_data (
  station     TEXT    NOT NULL,
  parameter   TEXT    NOT NULL,
  stream      TEXT    NOT NULL,
  ts          INTEGER NOT NULL,
  value       REAL    NOT NULL,
  min         REAL,
  max         REAL,
  cou         REAL,
  flag        TEXT    NOT NULL,
  late        INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (station, ts, parameter, stream)
) WITHOUT ROWID;
`;

/** Creates the schema in a new file, adds what a file of an earlier version lacks (every statement is IF NOT
 * EXISTS); refuses a file written by a newer Qingliu. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `${db.name} has schema version ${version}; this Qingliu understands up to ${SCHEMA_VERSION}. Upgrade Qingliu.`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(DDL);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
