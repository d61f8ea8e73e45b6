/**
 * Touched windows in InfluxDB (store/touch-log.ts, docs/adr/0013-rejudgment.md): one point per touch, timed
 * when it was recorded, so the alerts role reads what is new with a time-range query (no rescan of history):
 *
 *   touched,station=<id> t_from=<ms>i,t_to=<ms>i,cause="late_data",at=<ms>i <recorded at, ns>
 *
 * The nanoseconds below the millisecond carry a per-store sequence number: two touches of one station recorded in
 * the same millisecond stay two points. Line protocol and InfluxQL that 1.x, 2.x and 3.x all accept (ADR 0002).
 */
import { escape } from '@influxdata/influxdb-client';
import type { WindowTouch } from '../../alerts/window-touches.js';
import type { RecordedTouch } from '../touch-log.js';
import { columnIndex, ident, numberOrNull, type StatementResult } from './influxql.js';

export const TOUCHED_MEASUREMENT = 'touched';

const CAUSES = new Set<RecordedTouch['cause']>(['late_data', 'flag_correction', 'mark']);

export function touchLines(touches: readonly WindowTouch[], recordedAt: number, nextSequence: () => number): string {
  return touches
    .map((t) => {
      const ns = String(nextSequence() % 1_000_000).padStart(6, '0');
      return (
        `${TOUCHED_MEASUREMENT},station=${escape.tag(t.stationId)} t_from=${Math.floor(t.from)}i,t_to=${Math.ceil(t.to)}i,` +
        `cause=${escape.quoted(t.cause)},at=${Math.floor(t.at)}i ${Math.floor(recordedAt)}${ns}`
      );
    })
    .join('\n');
}

/**
 * Touches recorded in (after, until], oldest first, by whole milliseconds: a point at `until` ms plus a sequence in
 * nanoseconds belongs to this range, not the next one.
 */
export function touchesStatement(after: number, until: number): string {
  return (
    `SELECT "t_from", "t_to", "cause", "at", "station" FROM ${ident(TOUCHED_MEASUREMENT)}` +
    ` WHERE time >= ${Math.floor(after) + 1}ms AND time < ${Math.floor(until) + 1}ms ORDER BY time ASC`
  );
}

export function touchesFromResult(result: StatementResult | undefined): RecordedTouch[] {
  const out: RecordedTouch[] = [];
  for (const series of result?.series ?? []) {
    const [time, from, to, cause, at, station] = columnIndex(
      series,
      'time',
      't_from',
      't_to',
      'cause',
      'at',
      'station',
    );
    for (const row of series.values) {
      const stationId = row[station!];
      const c = row[cause!] as RecordedTouch['cause'];
      const f = numberOrNull(row[from!]);
      const t = numberOrNull(row[to!]);
      if (typeof stationId !== 'string' || !CAUSES.has(c) || f === null || t === null) continue;
      const recordedAt = row[time!] as number;
      out.push({ recordedAt, stationId, from: f, to: t, cause: c, at: numberOrNull(row[at!]) ?? recordedAt });
    }
  }
  return out;
}
