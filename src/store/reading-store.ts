/**
 * The storage port. Two adapters implement it — `store/influx/` (InfluxDB 1.x/2.x/3.x) and `store/sqlite/`
 * (embedded) — and one contract suite (test/store/reading-store.contract.ts) runs against both.
 */
import type { DataFlag } from '../domain/flags.js';
import type { ParameterCode } from '../domain/parameters.js';
import type { DeadLetter, Reading } from '../domain/reading.js';
import type { TimeWindow } from '../domain/time-window.js';

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
}

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
  /** Page size; the adapter may cap it. */
  limit?: number;
  /** Cursor: return readings strictly after this (ts, parameter) position, in (ts, parameter) order. */
  after?: { ts: number; parameter: ParameterCode };
}

export interface DeadLetterQuery extends Partial<TimeRange> {
  stationId?: string;
  limit?: number;
}

export interface ReadingStore {
  /** Which technology, for logs and /readyz. */
  readonly kind: 'sqlite' | 'influx';
  /** Connects, creates schema/database if needed. */
  start(): Promise<void>;
  /** Flushes and closes; safe to call twice. */
  stop(): Promise<void>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  /**
   * Stores readings. Resolves only when they are durable; rejects when they are not (the caller spools them).
   * Idempotent: a reading with the same (stationId, parameter, ts) replaces the earlier one.
   */
  write(readings: readonly Reading[]): Promise<void>;
  writeDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  latest(query: LatestQuery): Promise<LatestValue[]>;
  /** Buckets in (parameter, start) order; empty buckets are omitted. */
  aggregate(query: AggregateQuery): Promise<Bucket[]>;
  /** Raw readings in (ts, parameter) order, with their flags. */
  raw(query: RawQuery): Promise<Reading[]>;
  /** Newest first. */
  deadLetters(query: DeadLetterQuery): Promise<DeadLetter[]>;
}
