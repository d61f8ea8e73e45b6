/**
 * Hourly rollups of the `reading` measurement (docs/adr/0006-hourly-rollups.md), the pure part: which hours are
 * dirty, how to recompute them, how to write and read them. No I/O here; rollup-maintainer.ts runs it.
 *
 *   reading_1h,param=<code>,station=<id> s=<sum>,n=<count>i,lo=<min>,hi=<max>,total=<count>i <UTC hour, ms>
 *   rollup_state,instance=<writer> clean_before=<ms>i <ms>
 *   rollup_coverage covered_from=<ms>i 0
 *
 * `s`, `n`, `lo`, `hi` are over the readings that count for compliance (flags N and T), `total` over every
 * reading of the hour. An hour with no valid reading has n=0, s=0 and sentinel extremes (lo = +MAX_VALUE,
 * hi = −MAX_VALUE): a point rewritten in InfluxDB keeps the fields it is not given, so "leave them out" would
 * leave stale extremes behind after a correction; the sentinels lose every min()/max() against a real value,
 * and a bucket of only such hours has n = 0, where min and max are not read.
 */
import type { ParameterCode } from '../../domain/parameters.js';
import type { Reading } from '../../domain/reading.js';
import type { AggregatePlan } from '../bucket-plan.js';
import { readingRuns, sameBytes, type ReadingRuns } from '../encoded-readings.js';
import { anyOf, columnIndex, ident, numberOrNull, str, type StatementResult } from './influxql.js';
import { READING_MEASUREMENT } from './line-protocol.js';

export const ROLLUP_MEASUREMENT = 'reading_1h';
export const ROLLUP_STATE_MEASUREMENT = 'rollup_state';
export const ROLLUP_COVERAGE_MEASUREMENT = 'rollup_coverage';
export const HOUR = 3_600_000;
/** Station ids `DirtyHours` keeps by hash: far more than one ingest process has stations. */
const MAX_KNOWN_IDS = 100_000;

export function hourStart(ts: number): number {
  return ts - (((ts % HOUR) + HOUR) % HOUR);
}

// ---- Dirty hours ------------------------------------------------------------------------------------------

/** One dirty (station, hour): the versions of its first and last mark, and when it was first and last marked. */
interface Mark {
  created: number;
  version: number;
  first: number;
  last: number;
}

/** When a dirty hour is ready for a pass: quiet for `settleMs`, or dirty for `maxDelayMs` in any case. */
export interface Readiness {
  now: number;
  settleMs: number;
  maxDelayMs: number;
}

/**
 * Hours (UTC hour starts) whose rollup no longer matches the readings, per station. Each mark has a version, so
 * that a pass removes only the marks it recomputed, not one a write added again while the pass ran.
 */
export class DirtyHours {
  private readonly stations = new Map<string, Map<number, Mark>>();
  /** Station ids seen by `markEncoded`, by the FNV-1a hash of their bytes (encoded-readings.ts `ReadingRuns`). */
  private readonly idsByHash = new Map<number, { bytes: Buffer; id: string }>();
  private version = 0;
  private marks = 0;
  /** The newest `created` among the marks the last mark call touched (new or not). */
  private touched = 0;

  get size(): number {
    return this.marks;
  }

  /** Every mark made so far has a version at most this. */
  get currentVersion(): number {
    return this.version;
  }

  /**
   * The version at which the newest of the marks touched by the last markReadings/markEncoded call was made: a
   * write of those readings may go ahead once every mark up to this version is on disk (and published).
   */
  get lastTouched(): number {
    return this.touched;
  }

  private markAt(
    hours: Map<number, Mark>,
    stationId: string,
    hour: number,
    now: number,
    added: { stationId: string; hour: number }[],
  ): void {
    const mark = hours.get(hour);
    if (mark) {
      mark.version = this.version;
      mark.last = now;
      if (mark.created > this.touched) this.touched = mark.created;
      return;
    }
    hours.set(hour, { created: this.version, version: this.version, first: now, last: now });
    this.touched = this.version;
    added.push({ stationId, hour });
    this.marks++;
  }

  private hoursOf(stationId: string): Map<number, Mark> {
    let hours = this.stations.get(stationId);
    if (!hours) this.stations.set(stationId, (hours = new Map()));
    return hours;
  }

  /** Marks the hours of these readings at `now`; returns the (station, hour) pairs that were not marked before. */
  markReadings(readings: readonly Reading[], now = 0): { stationId: string; hour: number }[] {
    const added: { stationId: string; hour: number }[] = [];
    let lastStation: string | undefined;
    let hours: Map<number, Mark> | undefined;
    this.version++;
    this.touched = 0;
    for (const r of readings) {
      if (r.stationId !== lastStation) {
        lastStation = r.stationId;
        hours = this.hoursOf(r.stationId);
      }
      this.markAt(hours!, r.stationId, hourStart(r.ts), now, added);
    }
    return added;
  }

  /**
   * Marks the hours of readings in the spool's line form (`R\t{station}\t{param}\t{ts}\t…\n`, see
   * store/encoded-readings.ts) without decoding them: once per run of lines with the same station and time
   * (`runs`, scanned from `bytes` when not given), the station id found by the hash of its bytes, not made into a
   * string again. Lines that are not reading lines are skipped (the store refuses them anyway).
   */
  markEncoded(
    bytes: Uint8Array,
    now = 0,
    runs: ReadingRuns = readingRuns(bytes),
  ): { stationId: string; hour: number }[] {
    const added: { stationId: string; hour: number }[] = [];
    let hours: Map<number, Mark> | undefined;
    let stationId: string | undefined;
    this.version++;
    this.touched = 0;
    for (let r = 0; r < runs.length; r++) {
      const id = this.stationIdAt(bytes, runs.start[r]! + 2, runs.stationEnd[r]!, runs.stationHash[r]!);
      if (id !== stationId) {
        stationId = id;
        hours = this.hoursOf(id);
      }
      this.markAt(hours!, id, hourStart(runs.ts[r]!), now, added);
    }
    return added;
  }

  /** The station id in `bytes[start, end)`, from `idsByHash` when its bytes are there. */
  private stationIdAt(bytes: Uint8Array, start: number, end: number, hash: number): string {
    const known = this.idsByHash.get(hash);
    if (known && known.bytes.length === end - start && sameBytes(known.bytes, 0, bytes, start, end - start)) {
      return known.id;
    }
    const id = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
    if (!known) {
      // Bounded: ids come from devices; past the bound it starts again rather than grow.
      if (this.idsByHash.size >= MAX_KNOWN_IDS) this.idsByHash.clear();
      this.idsByHash.set(hash, { bytes: Buffer.from(bytes.subarray(start, end)), id });
    }
    return id;
  }

  mark(stationId: string, hour: number, now = 0): void {
    this.version++;
    this.markAt(this.hoursOf(stationId), stationId, hour, now, []);
  }

  /** The earliest marked hour, or undefined when nothing is dirty. */
  earliest(): number | undefined {
    let min: number | undefined;
    for (const hours of this.stations.values()) for (const h of hours.keys()) if (min === undefined || h < min) min = h;
    return min;
  }

  /**
   * The marks of hours before `before` (ready ones only, when `ready` is given; last touched before version
   * `touchedBefore`), with their versions: what a pass recomputes.
   */
  snapshot(before: number, ready?: Readiness, touchedBefore = Infinity): DirtySnapshot {
    const out: DirtySnapshot = new Map();
    for (const [station, hours] of this.stations) {
      const taken = new Map<number, number>();
      for (const [h, m] of hours) {
        if (h >= before || m.version >= touchedBefore) continue;
        if (ready && ready.now - m.last < ready.settleMs && ready.now - m.first < ready.maxDelayMs) continue;
        taken.set(h, m.version);
      }
      if (taken.size > 0) out.set(station, taken);
    }
    return out;
  }

  /** Clears the marks of a snapshot that were not marked again since. */
  clear(snapshot: DirtySnapshot): void {
    for (const [station, taken] of snapshot) {
      const hours = this.stations.get(station);
      if (!hours) continue;
      for (const [h, v] of taken) {
        if (hours.get(h)?.version === v) {
          hours.delete(h);
          this.marks--;
        }
      }
      if (hours.size === 0) this.stations.delete(station);
    }
  }

  /** Per station, the marked hours as [from, to) ranges: compact enough to persist on every new mark. */
  toJSON(): Record<string, [number, number][]> {
    const out: Record<string, [number, number][]> = {};
    for (const [station, hours] of this.stations) out[station] = hourRanges([...hours.keys()]);
    return out;
  }

  /** Marks read back from `toJSON`, as marked at `now` (a restarted writer lets them settle like new ones). */
  static fromJSON(data: Record<string, [number, number][]>, now = 0): DirtyHours {
    const dirty = new DirtyHours();
    for (const [station, ranges] of Object.entries(data)) {
      for (const [from, to] of ranges) for (let h = from; h < to; h += HOUR) dirty.mark(station, h, now);
    }
    return dirty;
  }
}

export type DirtySnapshot = Map<string, Map<number, number>>;

/** Sorted hour starts as [from, to) ranges of consecutive hours. */
export function hourRanges(hours: number[]): [number, number][] {
  const sorted = [...hours].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const h of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === h) last[1] = h + HOUR;
    else if (!last || h >= last[1]) ranges.push([h, h + HOUR]);
  }
  return ranges;
}

// ---- Recomputing ------------------------------------------------------------------------------------------

/** One recompute query: these stations over these hours. */
export interface RecomputeTask {
  stationIds: string[];
  from: number;
  to: number;
}

export interface TaskLimits {
  /** Stations named in one query (an OR of tag equalities). */
  maxStations: number;
  /** Station-hours in one query, which bounds the rows of its answer (× parameters). */
  maxStationHours: number;
}

export const DEFAULT_TASK_LIMITS: TaskLimits = { maxStations: 200, maxStationHours: 1_000 };

/**
 * Groups the dirty hours into few queries: stations whose dirty ranges are the same (typically: every
 * station, the hour that just ended) share a query; a long backfill of one station is cut into pieces.
 */
export function planRecompute(snapshot: DirtySnapshot, limits: TaskLimits = DEFAULT_TASK_LIMITS): RecomputeTask[] {
  const byRange = new Map<string, { from: number; to: number; stationIds: string[] }>();
  for (const [station, hours] of snapshot) {
    for (const [from, to] of hourRanges([...hours.keys()])) {
      const key = `${from}:${to}`;
      let group = byRange.get(key);
      if (!group) byRange.set(key, (group = { from, to, stationIds: [] }));
      group.stationIds.push(station);
    }
  }
  const tasks: RecomputeTask[] = [];
  for (const group of byRange.values()) {
    const stations = [...group.stationIds].sort();
    for (let i = 0; i < stations.length; i += limits.maxStations) {
      const chunk = stations.slice(i, i + limits.maxStations);
      const hoursPerTask = Math.max(1, Math.floor(limits.maxStationHours / chunk.length));
      for (let from = group.from; from < group.to; from += hoursPerTask * HOUR) {
        tasks.push({ stationIds: chunk, from, to: Math.min(group.to, from + hoursPerTask * HOUR) });
      }
    }
  }
  return tasks.sort((a, b) => a.from - b.from || (a.stationIds[0] ?? '').localeCompare(b.stationIds[0] ?? ''));
}

const VALID = `("flag" = 'N' OR "flag" = 'T')`;

function stationFilter(stationIds: readonly string[]): string {
  const terms = stationIds.map((s) => `"station" = ${str(s)}`);
  return terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
}

/** Two statements: the valid readings' sum, count, min and max per hour, and the count of all readings. */
export function recomputeStatements(task: RecomputeTask): [string, string] {
  const where = `${stationFilter(task.stationIds)} AND time >= ${task.from}ms AND time < ${task.to}ms`;
  const groupBy = ` GROUP BY time(${HOUR}ms), "station", "param" fill(none)`;
  const reading = ident(READING_MEASUREMENT);
  return [
    `SELECT sum("value") AS "s", count("value") AS "n", min("value") AS "lo", max("value") AS "hi" FROM ${reading} WHERE ${where} AND ${VALID}${groupBy}`,
    `SELECT count("value") AS "total" FROM ${reading} WHERE ${where}${groupBy}`,
  ];
}

export interface HourRollup {
  stationId: string;
  parameter: string;
  hour: number;
  sum: number;
  count: number;
  min: number;
  max: number;
  total: number;
}

/** The rollups of every (station, parameter, hour) with at least one reading, from the two statements' answers. */
export function rollupsFromResults(results: readonly StatementResult[]): HourRollup[] {
  const cells = new Map<string, HourRollup>();
  const cell = (stationId: string, parameter: string, hour: number): HourRollup => {
    const key = `${stationId}\u0000${parameter}\u0000${hour}`;
    let c = cells.get(key);
    if (!c) {
      c = { stationId, parameter, hour, sum: 0, count: 0, min: Number.MAX_VALUE, max: -Number.MAX_VALUE, total: 0 };
      cells.set(key, c);
    }
    return c;
  };
  results.forEach((result, statement) => {
    for (const series of result.series ?? []) {
      const stationId = series.tags?.station;
      const parameter = series.tags?.param;
      if (!stationId || !parameter) continue;
      const [t, s, n, lo, hi, total] = columnIndex(series, 'time', 's', 'n', 'lo', 'hi', 'total');
      for (const row of series.values) {
        const hour = numberOrNull(row[t!]);
        if (hour === null) continue;
        const c = cell(stationId, parameter, hour);
        if (statement === 0) {
          c.count = numberOrNull(row[n!]) ?? 0;
          c.sum = numberOrNull(row[s!]) ?? 0;
          c.min = numberOrNull(row[lo!]) ?? Number.MAX_VALUE;
          c.max = numberOrNull(row[hi!]) ?? -Number.MAX_VALUE;
        } else {
          c.total = numberOrNull(row[total!]) ?? 0;
        }
      }
    }
  });
  // An hour whose valid readings the first statement saw but the second did not (a write in between) still
  // has at least that many readings.
  for (const c of cells.values()) c.total = Math.max(c.total, c.count);
  return [...cells.values()];
}

/** Line protocol (precision ms). Floats via String(number), which line protocol reads as floats. */
export function rollupLines(rollups: readonly HourRollup[], escapeTag: (value: string) => string): string {
  return rollups
    .map(
      (r) =>
        `${ROLLUP_MEASUREMENT},param=${escapeTag(r.parameter)},station=${escapeTag(r.stationId)} ` +
        `s=${String(r.sum)},n=${r.count}i,lo=${String(r.min)},hi=${String(r.max)},total=${r.total}i ${r.hour}`,
    )
    .join('\n');
}

export function stateLine(
  instance: string,
  cleanBefore: number,
  at: number,
  escapeTag: (value: string) => string,
): string {
  return `${ROLLUP_STATE_MEASUREMENT},instance=${escapeTag(instance)} clean_before=${cleanBefore}i ${at}`;
}

export function coverageLine(coveredFrom: number): string {
  return `${ROLLUP_COVERAGE_MEASUREMENT} covered_from=${coveredFrom}i 0`;
}

// ---- Reading --------------------------------------------------------------------------------------------

/** How long a writer's state counts: a writer silent for longer is taken to be gone (ADR 0006). */
export const STATE_TTL_MS = 7 * 24 * HOUR;

/** The two statements that say which hours the rollups may answer for (see `rollupStatus`). */
export function coverageStatements(now: number): [string, string] {
  return [
    `SELECT last("clean_before") AS "clean_before" FROM ${ident(ROLLUP_STATE_MEASUREMENT)} WHERE time >= ${now - STATE_TTL_MS}ms GROUP BY "instance"`,
    `SELECT last("covered_from") AS "covered_from" FROM ${ident(ROLLUP_COVERAGE_MEASUREMENT)}`,
  ];
}

export interface RollupStatus {
  /** Hours from here on have rollups (or get them from a writer); undefined: nothing is covered yet. */
  coveredFrom: number | undefined;
  /** The writers heard from within STATE_TTL_MS, each with the hour before which it owes no rollup. */
  writers: { instance: string; cleanBefore: number }[];
  /** [from, to): the hours answered from the rollups; undefined when none are. */
  trusted: { from: number; to: number } | undefined;
}

/**
 * From the answers of `coverageStatements`: the trusted hours run from the coverage mark to the smallest
 * clean_before of all writers. No writer, or no coverage mark: nothing is trusted.
 */
export function rollupStatus(results: readonly StatementResult[]): RollupStatus {
  const writers: RollupStatus['writers'] = [];
  for (const series of results[0]?.series ?? []) {
    const [col] = columnIndex(series, 'clean_before');
    const cleanBefore = numberOrNull(series.values[0]?.[col!]);
    if (cleanBefore !== null) writers.push({ instance: series.tags?.instance ?? '', cleanBefore });
  }
  const coverage = results[1]?.series?.[0];
  const coveredFrom =
    (coverage && numberOrNull(coverage.values[0]?.[columnIndex(coverage, 'covered_from')[0]!])) ?? undefined;
  const to = writers.length > 0 ? Math.min(...writers.map((w) => w.cleanBefore)) : undefined;
  const trusted =
    to !== undefined && coveredFrom !== undefined && coveredFrom < to ? { from: coveredFrom, to } : undefined;
  return { coveredFrom, writers, trusted };
}

/**
 * Aggregates of the rollups per grid cell, in the shape the raw statements answer (mergeCells reads both). An
 * hourly grid takes the rollups as they are: every rollup is a cell, and `GROUP BY time` over 2,000 one-point
 * cells per series costs influxd more than sending the points.
 */
export function rollupAggregateStatement(
  part: PlanPart,
  stationIds: string | readonly string[],
  parameters: readonly ParameterCode[],
  extremes: boolean,
): string {
  const ids = typeof stationIds === 'string' ? [stationIds] : stationIds;
  const where =
    `FROM ${ident(ROLLUP_MEASUREMENT)} WHERE ${anyOf('station', ids)} AND ${anyOf('param', parameters)} ` +
    `AND time >= ${part.from}ms AND time < ${part.to}ms`;
  const station = ids.length > 1 ? '"station", ' : '';
  if (part.step === HOUR)
    return `SELECT "s", "n"${extremes ? `, "lo", "hi"` : ''}, "total" ${where} GROUP BY ${station}"param"`;
  return (
    `SELECT sum("s") AS "s", sum("n") AS "n"${extremes ? `, min("lo") AS "lo", max("hi") AS "hi"` : ''}, sum("total") AS "total" ` +
    `${where} GROUP BY time(${part.step}ms, ${part.phase}ms), ${station}"param" fill(none)`
  );
}

/** A piece of one slice of an aggregate plan, answered from the raw readings or from the rollups. */
export interface PlanPart {
  /** Index of the plan's slice (mergeCells reads the slice's offset and edges). */
  slice: number;
  from: number;
  to: number;
  step: number;
  phase: number;
  source: 'raw' | 'rollup';
}

/**
 * Cuts each slice of the plan into a raw head, whole trusted hours from the rollups, and a raw tail. Rollups
 * answer only on an hourly grid: windows of whole hours in a zone whose offset is whole hours, where every UTC
 * hour lies in exactly one cell. Everything else (minute windows, Asia/Kolkata) stays raw.
 */
export function splitPlan(plan: AggregatePlan, trusted: { from: number; to: number } | undefined): PlanPart[] {
  return plan.slices.flatMap((slice, i): PlanPart[] => {
    const whole: PlanPart = {
      slice: i,
      from: slice.from,
      to: slice.to,
      step: slice.step,
      phase: slice.phase,
      source: 'raw',
    };
    if (!trusted || slice.step % HOUR !== 0 || slice.phase % HOUR !== 0) return [whole];
    const a = hourStart(Math.max(slice.from, trusted.from) + HOUR - 1);
    const b = hourStart(Math.min(slice.to, trusted.to));
    if (!(a < b)) return [whole];
    const parts: PlanPart[] = [];
    if (slice.from < a) parts.push({ ...whole, to: a });
    parts.push({ ...whole, from: a, to: b, source: 'rollup' });
    if (b < slice.to) parts.push({ ...whole, from: b });
    return parts;
  });
}
