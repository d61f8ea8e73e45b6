/**
 * Touched windows in InfluxDB (store/touch-log.ts, docs/adr/0013-rejudgment.md): one point per touch, timed
 * when it was recorded, so the alerts role reads what is new with a time-range query (no rescan of history):
 *
 *   touched,writer=<store instance> station_id="<id>",t_from=<ms>i,t_to=<ms>i,cause="late_data",at=<ms>i <recorded at, ns>
 *
 * The station is a field, not a tag: a time-range query opens every series of the measurement in the shard, and a
 * series per station touched made the alerts role's every read cost ~10 µs per station touched that week (influxd
 * 1.6.7: 6 ms at 500 stations, 23 ms at 2,000, against 2–3 ms as one series), now one series per writing store
 * instance. The nanoseconds below the millisecond carry the instance's sequence number, so its points never
 * collide; the `writer` tag (random per instance) keeps two instances' points apart. Points written before this
 * (`touched,station=<id> …`, the station a tag) are still read. Line protocol and InfluxQL that 1.x, 2.x and 3.x all
 * accept (ADR 0002).
 */
import { escape } from '@influxdata/influxdb-client';
import type { WindowTouch } from '../../alerts/window-touches.js';
import type { RecordedTouch } from '../touch-log.js';
import { columnIndex, ident, numberOrNull, type StatementResult } from './influxql.js';

export const TOUCHED_MEASUREMENT = 'touched';

const CAUSES = new Set<RecordedTouch['cause']>(['late_data', 'flag_correction', 'mark']);

/** `writer`: the writing store instance's tag (a random id each start). */
export function touchLines(
  touches: readonly WindowTouch[],
  recordedAt: number,
  nextSequence: () => number,
  writer: string,
): string {
  const key = `${TOUCHED_MEASUREMENT},writer=${escape.tag(writer)} `;
  return touches
    .map((t) => {
      const ns = String(nextSequence() % 1_000_000).padStart(6, '0');
      return (
        `${key}station_id=${escape.quoted(t.stationId)},t_from=${Math.floor(t.from)}i,t_to=${Math.ceil(t.to)}i,` +
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
    `SELECT "t_from", "t_to", "cause", "at", "station_id", "station" FROM ${ident(TOUCHED_MEASUREMENT)}` +
    ` WHERE time >= ${Math.floor(after) + 1}ms AND time < ${Math.floor(until) + 1}ms ORDER BY time ASC`
  );
}

export function touchesFromResult(result: StatementResult | undefined): RecordedTouch[] {
  const out: RecordedTouch[] = [];
  for (const series of result?.series ?? []) {
    const [time, from, to, cause, at, station, stationTag] = columnIndex(
      series,
      'time',
      't_from',
      't_to',
      'cause',
      'at',
      'station_id',
      'station',
    );
    for (const row of series.values) {
      // The field; the tag on a point written before the station was a field.
      const stationId = row[station!] ?? row[stationTag!];
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
