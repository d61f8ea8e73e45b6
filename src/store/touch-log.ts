/**
 * Touched station-hours (issue 14, docs/adr/0013-rejudgment.md), the pure part shared by both reading stores: which
 * readings of a write are late — older than the alert evaluation delay, so a window holding them may already have
 * been judged — and the (station, [from, to)) touches that say so, one per run of consecutive UTC hours.
 *
 * The stores record these touches themselves, next to the readings (a `touched` measurement in InfluxDB, a table
 * in SQLite), so that the alerts role — perhaps another process — finds what to re-judge without rescanning
 * history: the same idea as the rollups' dirty hours (store/influx/hourly-rollup.ts).
 */
import type { WindowTouch } from '../alerts/window-touches.js';
import type { Reading } from '../domain/reading.js';
import { decodeReadingLine, indexOfByte, readingRuns, type ReadingRuns } from './encoded-readings.js';
// The rollups' pure hour helpers (no I/O): the same UTC hours, merged into runs the same way.
import { hourRanges, hourStart } from './influx/hourly-rollup.js';

/** A touch as a store hands it back: when it was recorded (the order the alerts role reads them in). */
export interface RecordedTouch extends WindowTouch {
  recordedAt: number;
}

export interface LateDataOptions {
  /** ALERT_EVAL_DELAY: windows are judged this long after they close. */
  evalDelayMs: number;
  now?: () => number;
}

/**
 * Readings older than this instant are late. A minute less than the evaluation delay: a reading written just as a
 * window is judged may miss the judgment, and a touch too many only costs a no-op re-judgment.
 */
export function lateCutoff(now: number, evalDelayMs: number): number {
  return now - Math.max(0, evalDelayMs - 60_000);
}

/** The readings of a write that are late. */
export function lateReadings(readings: readonly Reading[], now: number, evalDelayMs: number): Reading[] {
  const cutoff = lateCutoff(now, evalDelayMs);
  return readings.filter((r) => r.ts < cutoff);
}

/** Collects late (station, hour) pairs: a set per station. */
class LateHours {
  readonly byStation = new Map<string, Set<number>>();
  add(stationId: string, ts: number): void {
    let hours = this.byStation.get(stationId);
    if (!hours) this.byStation.set(stationId, (hours = new Set()));
    hours.add(hourStart(ts));
  }
  touches(at: number, cause: WindowTouch['cause'] = 'late_data'): WindowTouch[] {
    const out: WindowTouch[] = [];
    for (const [stationId, hours] of this.byStation) {
      for (const [from, to] of hourRanges([...hours])) out.push({ stationId, from, to, cause, at });
    }
    return out;
  }
}

/**
 * The touches a write of these readings makes at `now` (none in steady state: readings arrive on time). A store that
 * can tell cheaply which late readings re-send a stored one with another flag (`flagChanged`, asked only of late
 * readings) records their hours as `flag_correction`, the others as `late_data`.
 */
export function lateTouches(
  readings: readonly Reading[],
  now: number,
  evalDelayMs: number,
  flagChanged?: (reading: Reading) => boolean,
): WindowTouch[] {
  const cutoff = lateCutoff(now, evalDelayMs);
  const late = new LateHours();
  const corrected = new LateHours();
  for (const r of readings) {
    if (r.ts >= cutoff) continue;
    if (flagChanged?.(r)) corrected.add(r.stationId, r.ts);
    else late.add(r.stationId, r.ts);
  }
  // An hour with a corrected flag is a correction, whatever else arrived late in it.
  for (const [stationId, hours] of corrected.byStation) for (const h of hours) late.byStation.get(stationId)?.delete(h);
  return [...late.touches(now), ...corrected.touches(now, 'flag_correction')];
}

/**
 * The touches of a batch in the spool's line form (store/encoded-readings.ts), all late data, without decoding it:
 * one test per run of lines with the same station and time (`runs`, scanned from `bytes` when not given).
 */
export function lateTouchesEncoded(
  bytes: Uint8Array,
  now: number,
  evalDelayMs: number,
  runs: ReadingRuns = readingRuns(bytes),
): WindowTouch[] {
  const cutoff = lateCutoff(now, evalDelayMs);
  const late = new LateHours();
  for (let r = 0; r < runs.length; r++) {
    const ts = runs.ts[r]!;
    if (ts >= cutoff) continue;
    const start = runs.start[r]! + 2;
    late.add(Buffer.from(bytes.buffer, bytes.byteOffset + start, runs.stationEnd[r]! - start).toString(), ts);
  }
  return late.touches(now);
}

/**
 * The late readings of a batch in the spool's line form, decoded: only they are, so a steady-state batch (none
 * late) costs a test per run and no object. Undefined when more than `max` are late (nothing decoded).
 */
export function lateReadingsEncoded(
  bytes: Uint8Array,
  now: number,
  evalDelayMs: number,
  max = Infinity,
  runs: ReadingRuns = readingRuns(bytes),
): Reading[] | undefined {
  const cutoff = lateCutoff(now, evalDelayMs);
  const lines: number[] = [];
  for (let r = 0; r < runs.length; r++) {
    if (runs.ts[r]! >= cutoff) continue;
    const runEnd = runs.end[r]!;
    for (let start = runs.start[r]!; start < runEnd;) {
      let end = indexOfByte(bytes, 10, start, runEnd);
      if (end < 0) end = runEnd;
      if (end > start) lines.push(start, end);
      start = end + 1;
    }
  }
  if (lines.length / 2 > max) return undefined;
  const out: Reading[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const line = Buffer.from(bytes.buffer, bytes.byteOffset + lines[i]!, lines[i + 1]! - lines[i]!).toString('utf8');
    const reading = decodeReadingLine(line, 0, line.length);
    if (reading) out.push(reading);
  }
  return out;
}
