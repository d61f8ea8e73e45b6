/**
 * Readings and dead letters as InfluxDB line protocol, with the client library's escaping rules
 * (`escape` from @influxdata/influxdb-client). Built as strings rather than `Point` objects: a batch of
 * 5,000 readings serialises in ~5 ms instead of ~20 ms, on the 2 cores the broker and database share.
 *
 * Schema (docs/adr/0001-measurement-schema.md):
 *   reading,param=<code>,station=<id> value=<float>,flag="<HJ 212 flag>" <ms>
 *   dead_letter station="…",topic="…",reason="…",detail="…",payload="…",received_at=<ms>i <ns>
 */
import { escape } from '@influxdata/influxdb-client';
import type { DeadLetter, Reading } from '../../domain/reading.js';
import { capDeadLetter } from '../limits.js';

export const READING_MEASUREMENT = 'reading';
export const DEAD_LETTER_MEASUREMENT = 'dead_letter';

/** Lines with millisecond timestamps (write with precision=ms). Tags in key order, as InfluxDB sorts them. */
export function readingLines(readings: readonly Reading[]): string {
  const seriesKeys = new Map<string, string>();
  const lines = new Array<string>(readings.length);
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    const id = `${r.stationId}\u0000${r.parameter}`;
    let key = seriesKeys.get(id);
    if (key === undefined) {
      key = `${READING_MEASUREMENT},param=${escape.tag(r.parameter)},station=${escape.tag(r.stationId)} value=`;
      seriesKeys.set(id, key);
    }
    // String(number) gives the shortest round-trip form ("0.42", "5e-7"), which line protocol reads as a float.
    lines[i] = `${key}${String(r.value)},flag="${r.flag}" ${r.ts}`;
  }
  return lines.join('\n');
}

/**
 * Lines with nanosecond timestamps (write with precision=ns). Dead letters have no tags, so a point's identity
 * is its timestamp alone: the nanoseconds below the millisecond carry a per-store sequence number, so that two
 * letters received in the same millisecond are two points, in the order they were written.
 */
export function deadLetterLines(letters: readonly DeadLetter[], nextSequence: () => number): string {
  return letters
    .map((original) => {
      const l = capDeadLetter(original);
      const ns = String(nextSequence() % 1_000_000).padStart(6, '0');
      return (
        `${DEAD_LETTER_MEASUREMENT} station=${escape.quoted(l.stationId)},topic=${escape.quoted(l.topic)},reason=${escape.quoted(l.reason)},` +
        `detail=${escape.quoted(l.detail)},payload=${escape.quoted(l.payload)},received_at=${l.receivedAt}i ${l.receivedAt}${ns}`
      );
    })
    .join('\n');
}
