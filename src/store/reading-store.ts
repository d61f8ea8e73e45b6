/**
 * The storage port. Two adapters implement it — `store/influx/` (InfluxDB 1.x/2.x/3.x) and `store/sqlite/`
 * (embedded) — and one contract suite (test/store/reading-store.contract.ts) runs against both.
 * Database failures reject with a `StoreError` (store-error.ts) whose `retryable` says whether trying again can help.
 */
import type { DataFlag } from '../domain/flags.js';
import type { LoggerStream, LoggerValue } from '../domain/logger-data.js';
import type { ParameterCode } from '../domain/parameters.js';
import type { DeadLetter, Reading } from '../domain/reading.js';
import type { TimeWindow } from '../domain/time-window.js';
import type { WindowTouch } from '../alerts/window-touches.js';
import type { EncodedReadings } from './encoded-readings.js';
import type { RecordedTouch } from './touch-log.js';

export interface TimeRange {
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
}

export interface LatestQuery {
  stationIds?: string[];
  parameters?: ParameterCode[];
  /** Only readings whose flag counts for compliance (N, T). */
  validOnly?: boolean;
  /**
   * Only readings at or after this instant (epoch ms). Bounds the search: without it InfluxDB 1.x reads every
   * series' whole history to find its last point. Series with nothing since then are left out.
   */
  since?: number;
  /**
   * Only readings before this instant (epoch ms, exclusive): the latest as of then, for a judgement about the
   * past (an alert window that ended before newer readings came in).
   */
  before?: number;
}

export interface LatestValue {
  stationId: string;
  parameter: ParameterCode;
  ts: number;
  value: number;
  flag: DataFlag;
}

export interface AggregateQuery extends TimeRange {
  stationId: string;
  parameters: ParameterCode[];
  window: TimeWindow;
  /** IANA zone that day and month buckets align to (local midnight, first of the month). */
  timeZone: string;
  /** true (the default for compliance): mean/min/max over flags N and T only. false: over every reading. */
  validOnly: boolean;
  /**
   * false: the caller needs no min and max (compliance means), and an adapter may leave them out (null) — on
   * InfluxDB 1.x they cost as much as the rest of the statement. Default true.
   */
  extremes?: boolean;
  /**
   * false: the caller does not read `excluded` (the window rules judge the valid readings only), and an adapter may
   * leave it out (0, and a bucket with no valid reading absent) — on InfluxDB it costs a second statement, a count
   * of every reading. Default true; only meaningful with validOnly.
   */
  excluded?: boolean;
}

export interface StationsAggregateQuery extends Omit<AggregateQuery, 'stationId'> {
  stationIds: string[];
}

/**
 * One local-time bucket of one parameter. A bucket whose readings were all excluded is still returned (count 0,
 * mean/min/max null, excluded > 0). The first bucket may start before `from` (it holds the readings from `from` on).
 */
export interface Bucket {
  parameter: ParameterCode;
  /** Bucket start, epoch ms. */
  start: number;
  /** null when the bucket has no reading that counts. */
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Readings aggregated. */
  count: number;
  /** Readings in the bucket left out because of their flag (0 when validOnly is false). */
  excluded: number;
}

export interface RawQuery extends TimeRange {
  stationId: string;
  parameters?: ParameterCode[];
  /** Page size: default 1,000, at most 10,000 (store/limits.ts). */
  limit?: number;
  /** Cursor: return readings strictly after this (ts, parameter) position, in (ts, parameter) order. */
  after?: { ts: number; parameter: ParameterCode };
}

export interface LoggerDataQuery extends TimeRange {
  stationId: string;
  /** One stream; default all, in (ts, parameter, stream) order. */
  stream?: LoggerStream;
  parameters?: ParameterCode[];
  /** Default 1,000, at most 10,000. */
  limit?: number;
}

export interface DeadLetterQuery extends Partial<TimeRange> {
  stationId?: string;
  /** Default 100, at most 1,000. */
  limit?: number;
}

export interface ReadingStore {
  /** Which technology, for logs and /readyz. */
  readonly kind: 'sqlite' | 'influx';
  /**
   * Connects, creates schema/database if needed. The InfluxDB adapter resolves even when the database is
   * unreachable (it connects on first use, so ingest can spool meanwhile); it rejects on a refused token.
   */
  start(): Promise<void>;
  /** Flushes and closes; safe to call twice. */
  stop(): Promise<void>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  /**
   * Stores readings. Resolves only when they are durable; rejects when they are not (the caller spools them).
   * Idempotent: a reading with the same (stationId, parameter, ts) replaces the earlier one.
   * All or nothing from the caller's view: after a rejection, write the whole batch again.
   * A non-retryable StoreError means the batch holds a reading no store will take (e.g. a NaN value).
   */
  write(readings: readonly Reading[]): Promise<void>;
  /**
   * Optional fast path of `write` for the ingest forwarder: the same readings in the compact form the spool
   * keeps them in (encoded-readings.ts), stored without building a Reading object per line. Same contract as
   * `write`. Adapters without it are given `write(decodeEncodedReadings(batch))` instead.
   */
  writeEncoded?(batch: EncodedReadings): Promise<void>;
  /**
   * Resolves when what the store keeps beside the database for the writes so far (InfluxDB: the hourly-rollup
   * dirty marks, docs/adr/0006-hourly-rollups.md) survives a power loss. The ingest forwarder lets the spool drop
   * a stored batch only then. Absent: nothing to wait for.
   */
  durable?(): Promise<void>;
  writeDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  /**
   * Stores what HJ 212 loggers sent, stream by stream (docs/adr/0012-logger-aggregates.md); same contract as
   * `write`, identity (stationId, parameter, stream, ts). Both adapters have it; test doubles may leave it out.
   */
  writeLoggerData?(values: readonly LoggerValue[]): Promise<void>;
  /** Logger data in (ts, parameter, stream) order. */
  loggerData?(query: LoggerDataQuery): Promise<LoggerValue[]>;
  /** One value per (station, parameter), ordered by station id, then parameter. */
  latest(query: LatestQuery): Promise<LatestValue[]>;
  /** Buckets in the order of `query.parameters`, then by start; empty buckets are omitted. */
  aggregate(query: AggregateQuery): Promise<Bucket[]>;
  /**
   * `aggregate` of several stations over one range, in one request where the database allows it (re-judging a
   * back-fill reads a day of many stations: src/alerts/span-readings.ts). Each station's buckets are what
   * `aggregate` answers for it; a station without any is absent. Optional: callers fall back to `aggregate`.
   */
  aggregateStations?(query: StationsAggregateQuery): Promise<Map<string, Bucket[]>>;
  /** Raw readings in (ts, parameter) order, with their flags. */
  raw(query: RawQuery): Promise<Reading[]>;
  /** Newest first (by receivedAt, then by the order they were written). */
  deadLetters(query: DeadLetterQuery): Promise<DeadLetter[]>;
  /**
   * Deletes the dead letters received before `before` (epoch ms): the retention of DEAD_LETTER_RETENTION.
   * Resolves with how many were deleted when the database says (SQLite), undefined when it does not (InfluxDB)
   * or cannot delete by time (InfluxDB 3: set a retention period on the database instead).
   */
  pruneDeadLetters(before: number): Promise<number | undefined>;
  /**
   * Records that data changed over these (station, time range)s after the fact — a data mark, a revocation —
   * so that the alerts role, in whatever process, re-judges the windows (docs/adr/0013-rejudgment.md). `write`
   * records late readings by itself when the store was given `lateData`. Durable once resolved.
   */
  recordTouches?(touches: readonly WindowTouch[]): Promise<void>;
  /** The touches recorded in (after, until] (epoch ms of recording), oldest first. */
  touches?(range: { after: number; until: number }): Promise<RecordedTouch[]>;
}
