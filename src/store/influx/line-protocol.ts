/**
 * Readings and dead letters as InfluxDB line protocol, with the client library's escaping rules
 * (`escape` from @influxdata/influxdb-client). Built as strings rather than `Point` objects: a batch of
 * 5,000 readings serialises in ~5 ms instead of ~20 ms, on the 2 cores the broker and database share.
 *
 * `encodedReadingLines` turns the compact form the ingest spool keeps readings in (store/encoded-readings.ts)
 * into line protocol byte by byte: no Reading object and no string per reading (the forwarder's fast path).
 *
 * Schema (docs/adr/0001-measurement-schema.md):
 *   reading,param=<code>,station=<id> value=<float>,flag="<HJ 212 flag>" <ms>
 *   dead_letter station="…",topic="…",reason="…",detail="…",payload="…",received_at=<ms>i <ns>
 */
import { escape } from '@influxdata/influxdb-client';
import type { LoggerValue } from '../../domain/logger-data.js';
import type { DeadLetter, Reading } from '../../domain/reading.js';
import { checkReading } from '../check-readings.js';
import {
  decodeReadingLine,
  indexOfByte,
  lineFields,
  plainReadingLine,
  type EncodedReadings,
} from '../encoded-readings.js';
import { capDeadLetter } from '../limits.js';
import { StoreError } from '../store-error.js';

export const READING_MEASUREMENT = 'reading';
export const DEAD_LETTER_MEASUREMENT = 'dead_letter';
/** What HJ 212 loggers sent, stream by stream (docs/adr/0012-logger-aggregates.md). */
export const LOGGER_DATA_MEASUREMENT = 'logger_data';

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

/** One reading's line, as `readingLines` writes it (tags escaped). */
function readingLine(r: Reading): string {
  return `${READING_MEASUREMENT},param=${escape.tag(r.parameter)},station=${escape.tag(r.stationId)} value=${String(r.value)},flag="${r.flag}" ${r.ts}`;
}

const PARAM_PREFIX = Buffer.from(`${READING_MEASUREMENT},param=`);
const STATION_PREFIX = Buffer.from(',station=');
const VALUE_PREFIX = Buffer.from(' value=');
const FLAG_PREFIX = Buffer.from(',flag="');
const FLAG_SUFFIX = Buffer.from('" ');
/** Line protocol is this much longer than the encoded line it comes from (prefixes and suffixes, less 5 tabs and R). */
const PLAIN_GROWTH =
  PARAM_PREFIX.length + STATION_PREFIX.length + VALUE_PREFIX.length + FLAG_PREFIX.length + FLAG_SUFFIX.length - 6;

/**
 * The readings of `batch` as line protocol (precision ms), the same lines `readingLines` writes for them, in
 * request bodies of at most `maxLines` lines. Plain lines are converted by copying bytes; others are decoded,
 * checked like `write` checks readings (a non-retryable StoreError for one no store can hold) and written
 * through `readingLines`' escaping.
 */
export function encodedReadingLines(batch: EncodedReadings, maxLines: number): Buffer[] {
  const src = batch.bytes;
  let out = take(src.length + batch.count * PLAIN_GROWTH + 64);
  let pos = 0;
  const put = (b: Uint8Array, from: number, to: number) => {
    for (let i = from; i < to; i++) out[pos++] = b[i]!;
  };
  const room = (n: number) => {
    if (pos + n <= out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(out.length * 2, pos + n));
    out.copy(grown, 0, 0, pos);
    out = grown;
  };
  const cuts: number[] = [];
  const fields = lineFields();
  let index = 0;
  let start = 0;
  while (start < src.length) {
    let end = indexOfByte(src, 10, start);
    if (end < 0) end = src.length;
    if (end > start) {
      if (index > 0 && index % maxLines === 0) cuts.push(pos);
      if (plainReadingLine(src, start, end, fields)) {
        // Offsets as int32 (`| 0`): read from a Float64Array, they would make every byte loop below index by double.
        const t1 = fields[0]! | 0;
        const t2 = fields[1]! | 0;
        const t3 = fields[2]! | 0;
        const t4 = fields[3]! | 0;
        room(end - start + PLAIN_GROWTH + 1);
        put(PARAM_PREFIX, 0, PARAM_PREFIX.length);
        put(src, t1 + 1, t2);
        put(STATION_PREFIX, 0, STATION_PREFIX.length);
        put(src, start + 2, t1);
        put(VALUE_PREFIX, 0, VALUE_PREFIX.length);
        put(src, t3 + 1, t4);
        put(FLAG_PREFIX, 0, FLAG_PREFIX.length);
        out[pos++] = src[t4 + 1]!;
        put(FLAG_SUFFIX, 0, FLAG_SUFFIX.length);
        put(src, t2 + 1, t3);
      } else {
        const text = src.toString('utf8', start, end);
        const reading = decodeReadingLine(text, 0, text.length);
        if (!reading)
          throw new StoreError(`reading ${index} cannot be stored: not a reading line`, { retryable: false });
        checkReading(reading, index);
        const line = Buffer.from(readingLine(reading), 'utf8');
        room(line.length + 1);
        put(line, 0, line.length);
      }
      out[pos++] = 10;
      index++;
    }
    start = end + 1;
  }
  // Without the last '\n' of each body, as `readingLines` joins them.
  const bodies: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, pos]) {
    bodies.push(out.subarray(from, cut - 1));
    from = cut;
  }
  return pos === 0 ? [] : bodies;
}

/**
 * Buffers of bodies already sent, written into again (`recycleLines`): a body lives until InfluxDB has answered,
 * long enough for V8 to promote it, and fresh ones would pile up as external memory until a full collection.
 */
const pool: Buffer[] = [];

function take(size: number): Buffer {
  const i = pool.findIndex((b) => b.length >= size);
  return i >= 0 ? pool.splice(i, 1)[0]! : Buffer.allocUnsafe(Math.max(size, 64 * 1024));
}

/** Gives the buffer of `encodedReadingLines`' bodies back, once they have been sent and are not referenced. */
export function recycleLines(bodies: readonly Buffer[]): void {
  const first = bodies[0];
  // Our own allocation (never a slice of Node's pool: at least 64 KiB), whole.
  if (first && first.byteOffset === 0 && first.buffer.byteLength >= 64 * 1024 && pool.length < 4) {
    pool.push(Buffer.from(first.buffer));
  }
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

/** Logger data lines (precision=ms): tags param, station, stream (the identity with the time); floats as in `reading`. */
export function loggerDataLines(values: readonly LoggerValue[]): string {
  return values
    .map((v) => {
      const extra = (['min', 'max', 'cou'] as const)
        .map((k) => (v[k] === undefined ? '' : `,${k}=${String(v[k])}`))
        .join('');
      return (
        `${LOGGER_DATA_MEASUREMENT},param=${escape.tag(v.parameter)},station=${escape.tag(v.stationId)},stream=${v.stream} ` +
        `value=${String(v.value)}${extra},flag="${v.flag}",late=${v.late},received_at=${v.receivedAt}i ${v.ts}`
      );
    })
    .join('\n');
}
