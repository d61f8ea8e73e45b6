/**
 * Readings in a compact text form: UTF-8, one reading per line, tab-separated,
 *   R\t{stationId}\t{parameter}\t{ts}\t{value}\t{flag}\n
 * This is the spool's record format for readings (src/ingest/spool/spool-codec.ts, docs/adr/0003), and the form
 * in which the ingest forwarder hands a batch it read from the spool to a store that can take it as is
 * (`ReadingStore.writeEncoded`): no `Reading` object per line, no JavaScript string per field. That is most of
 * the ingester's garbage under load, and batches in flight live long enough to be promoted to the old space.
 *
 * Every line of an `EncodedReadings` decodes (`decodeReadingLine`). Most lines are also *plain*
 * (`plainReadingLine`): the station id is printable ASCII without space, comma, equals sign or backslash, and
 * the numbers are written the way JavaScript writes them — such a line can be turned into another text format
 * (line protocol) by copying its bytes. Other lines are valid too, just slower to handle: decode them.
 */
import { DATA_FLAGS, type DataFlag } from '../domain/flags.js';
import { PARAMETER_CODES, type ParameterCode } from '../domain/parameters.js';
import type { Reading } from '../domain/reading.js';

export interface EncodedReadings {
  /** Whole reading lines, each ending with '\n'. */
  readonly bytes: Buffer;
  /** How many lines (readings) `bytes` holds. */
  readonly count: number;
  /** Its runs (`ReadingRuns`), when whoever made the batch found them; `runsOf` scans the bytes otherwise. */
  readonly runs?: ReadingRuns;
}

/** One reading as a line (with its '\n'). */
export function encodeReading(r: Reading): string {
  return `R\t${r.stationId}\t${r.parameter}\t${r.ts}\t${r.value}\t${r.flag}\n`;
}

export function encodeReadings(readings: readonly Reading[]): EncodedReadings {
  let text = '';
  for (const r of readings) text += encodeReading(r);
  return { bytes: Buffer.from(text, 'utf8'), count: readings.length };
}

const PARAMETERS = new Set<string>(PARAMETER_CODES);
const FLAGS = new Set<string>(DATA_FLAGS);

/** The reading in `text` between `start` and `end` (the line without its '\n'), or undefined if it is not one. */
export function decodeReadingLine(text: string, start: number, end: number): Reading | undefined {
  if (text.charCodeAt(start) !== 82 /* R */ || text.charCodeAt(start + 1) !== 9) return undefined;
  // Hand-rolled split: slice+split+checks cost ~3x as much.
  const t1 = text.indexOf('\t', start + 2);
  const t2 = t1 < 0 ? -1 : text.indexOf('\t', t1 + 1);
  const t3 = t2 < 0 ? -1 : text.indexOf('\t', t2 + 1);
  const t4 = t3 < 0 ? -1 : text.indexOf('\t', t3 + 1);
  // Four tabs inside this line; a fifth would end up in the flag, which then is not a flag.
  if (!(t4 > 0 && t4 < end)) return undefined;
  const stationId = text.slice(start + 2, t1);
  const parameter = text.slice(t1 + 1, t2);
  const ts = Number(text.slice(t2 + 1, t3));
  const valueText = text.slice(t3 + 1, t4);
  const value = Number(valueText);
  const flag = text.slice(t4 + 1, end);
  if (
    stationId === '' ||
    !PARAMETERS.has(parameter) ||
    !Number.isSafeInteger(ts) ||
    valueText === '' ||
    !Number.isFinite(value) ||
    !FLAGS.has(flag)
  ) {
    return undefined;
  }
  return { stationId, parameter: parameter as ParameterCode, ts, value, flag: flag as DataFlag };
}

/** The readings of a batch as objects (for stores without a fast path, and to isolate a refused reading). */
export function decodeEncodedReadings(batch: EncodedReadings): Reading[] {
  const text = batch.bytes.toString('utf8');
  const readings: Reading[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const reading = decodeReadingLine(text, start, end);
      if (!reading)
        throw new Error(`not a reading line: ${JSON.stringify(text.slice(start, Math.min(end, start + 200)))}`);
      readings.push(reading);
    }
    start = end + 1;
  }
  return readings;
}

/** Parameter codes by a hash of their bytes, for matching without making a string (`paramHash`). */
const CODES_BY_HASH = new Map<number, Buffer>();
const paramHash = (h: number, c: number) => (Math.imul(h, 31) + c) | 0;
for (const code of PARAMETER_CODES) {
  const bytes = Buffer.from(code, 'latin1');
  let h = 0;
  for (const c of bytes) h = paramHash(h, c);
  if (CODES_BY_HASH.has(h)) throw new Error(`parameter codes ${code} and ${CODES_BY_HASH.get(h)} collide`);
  CODES_BY_HASH.set(h, bytes);
}

const FLAG_BYTES = new Uint8Array(128);
for (const flag of DATA_FLAGS) FLAG_BYTES[flag.charCodeAt(0)] = 1;

/** Printable ASCII that no text format we convert to needs to escape: not space , = \ or a control character. */
const PLAIN_STATION_BYTE = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) PLAIN_STATION_BYTE[c] = c === 0x2c || c === 0x3d || c === 0x5c ? 0 : 1;

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Where the fields of a plain line are: [0..3] are the offsets of the four tabs after the station id, [4] is the
 * timestamp. Reused by the callers of `plainReadingLine` (one line at a time).
 */
export type LineFields = Float64Array;
export const lineFields = (): LineFields => new Float64Array(5);

/**
 * True when the line `b[start, end)` (without its '\n') is a reading line in plain form (see the module
 * comment); `fields` then holds its tabs. Every plain line decodes to the same reading with `decodeReadingLine`.
 */
export function plainReadingLine(b: Uint8Array, start: number, end: number, fields: LineFields): boolean {
  if (end - start < 11 || b[start] !== 82 /* R */ || b[start + 1] !== 9) return false;
  // Station id: one or more plain bytes.
  let i = start + 2;
  while (i < end && PLAIN_STATION_BYTE[b[i]!] === 1) i++;
  if (i === start + 2 || i >= end || b[i] !== 9) return false;
  fields[0] = i;
  // Parameter: one of the codes.
  const p = ++i;
  let h = 0;
  for (; i < end && b[i] !== 9; i++) h = paramHash(h, b[i]!);
  if (i >= end) return false;
  const code = CODES_BY_HASH.get(h);
  if (code === undefined || code.length !== i - p) return false;
  for (let k = 0; k < code.length; k++) if (code[k] !== b[p + k]) return false;
  fields[1] = i;
  // Timestamp: a safe integer written without leading zeros.
  i++;
  const negative = b[i] === 45; /* - */
  const t = negative ? i + 1 : i;
  let ts = 0;
  for (i = t; i < end && isDigit(b[i]!); i++) ts = ts * 10 + (b[i]! - 48);
  if (i === t || i - t > 16 || (b[t] === 48 && i - t > 1) || ts > Number.MAX_SAFE_INTEGER || i >= end || b[i] !== 9) {
    return false;
  }
  fields[2] = i;
  fields[4] = negative ? -ts : ts;
  // Value: -?digits(.digits)?(e[+-]?d{1,2})? — always finite.
  i++;
  if (b[i] === 45) i++;
  const mantissa = i;
  while (i < end && isDigit(b[i]!)) i++;
  if (i === mantissa || i - mantissa > 21) return false;
  if (b[i] === 46 /* . */) {
    const fraction = ++i;
    while (i < end && isDigit(b[i]!)) i++;
    if (i === fraction || i - fraction > 30) return false;
  }
  if (b[i] === 101 /* e */) {
    i++;
    if (b[i] === 43 || b[i] === 45) i++;
    const exponent = i;
    while (i < end && isDigit(b[i]!)) i++;
    if (i === exponent || i - exponent > 2) return false;
  }
  if (i >= end || b[i] !== 9) return false;
  fields[3] = i;
  // Flag: one letter, and the line ends.
  return i + 2 === end && FLAG_BYTES[b[i + 1]!] === 1;
}

/** Where a reading line's station id ends, and its timestamp: filled in by `readLineKey` (one object, reused). */
export interface LineKey {
  stationEnd: number;
  ts: number;
}

/**
 * The station id (the bytes from `start + 2` to `key.stationEnd`) and the timestamp of the line `b[start, end)`,
 * without decoding the line; false when it is not a reading line. A timestamp written as JavaScript writes an
 * integer is read from its digits; any other form is left to `decodeReadingLine`.
 */
export function readLineKey(b: Uint8Array, start: number, end: number, key: LineKey): boolean {
  if (b[start] !== 82 /* R */ || b[start + 1] !== 9) return false;
  const stationEnd = indexOfByte(b, 9, start + 2, end);
  const parameterEnd = stationEnd < 0 ? -1 : indexOfByte(b, 9, stationEnd + 1, end);
  if (parameterEnd < 0) return false;
  let i = parameterEnd + 1;
  const negative = b[i] === 45; /* - */
  if (negative) i++;
  const digits = i;
  let ts = 0;
  for (; i < end && isDigit(b[i]!); i++) ts = ts * 10 + (b[i]! - 48);
  if (i > digits && b[i] === 9) {
    key.ts = negative ? -ts : ts;
  } else {
    const text = Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
    const reading = decodeReadingLine(text, 0, text.length);
    if (!reading) return false;
    key.ts = reading.ts;
  }
  key.stationEnd = stationEnd;
  return true;
}

/**
 * Where the last run of `b[start, end)` begins (`end` just after a '\n'): the first of the lines at its end that
 * are reading lines with the last line's station id and timestamp. `end` when the last line is no reading line or
 * the run is all there is. A reader that cuts a batch there never splits a run (an HJ 212 packet's pollutants)
 * between two batches, which would make them overlap (same station, same time) and be written one after the other.
 */
export function trailingRunStart(b: Uint8Array, start: number, end: number): number {
  const key: LineKey = { stationEnd: 0, ts: 0 };
  const lineStart = (lineEnd: number) => {
    let i = lineEnd - 1;
    while (i >= start && b[i] !== 10) i--;
    return i + 1;
  };
  let runStart = lineStart(end - 1);
  if (!readLineKey(b, runStart, end - 1, key)) return end;
  const stationStart = runStart + 2;
  const stationLength = key.stationEnd - stationStart;
  const ts = key.ts;
  while (runStart > start) {
    const previous = lineStart(runStart - 1);
    if (
      !readLineKey(b, previous, runStart - 1, key) ||
      key.ts !== ts ||
      key.stationEnd - previous - 2 !== stationLength ||
      !sameBytes(b, previous + 2, b, stationStart, stationLength)
    )
      return runStart;
    runStart = previous;
  }
  return end;
}

/** The offset of the first byte `c` in `b[from, end)`, or -1 (lines are short: a loop beats a native call). */
export function indexOfByte(b: Uint8Array, c: number, from: number, end: number = b.length): number {
  for (let i = from; i < end; i++) if (b[i] === c) return i;
  return -1;
}

/** Calls `line(start, end)` for each line of `bytes` (`end` is the offset of its '\n', or the end). */
export function forEachLine(bytes: Uint8Array, line: (start: number, end: number) => void): void {
  let start = 0;
  while (start < bytes.length) {
    let end = indexOfByte(bytes, 10, start);
    if (end < 0) end = bytes.length;
    if (end > start) line(start, end);
    start = end + 1;
  }
}

/**
 * A batch's reading lines as runs of consecutive lines with the same station id and timestamp — an HJ 212 packet's
 * pollutants, an MQTT message's readings. What the forwarder and the store ask of a batch per station and time
 * (overlapping spans, dirty rollup hours, late readings) is asked once per run, from one scan of the bytes: asked
 * line by line, in three scans, it was a tenth of the HJ 212 gateway's CPU (bench:hj212 profile).
 * Lines that are not reading lines belong to no run (the store refuses them anyway).
 */
export interface ReadingRuns {
  readonly length: number;
  /** Offset of the run's first line; its station id is the bytes [start + 2, stationEnd). */
  readonly start: Int32Array;
  readonly stationEnd: Int32Array;
  /** Offset just after the run's last line. */
  readonly end: Int32Array;
  readonly ts: Float64Array;
  /** FNV-1a of the station id's bytes: runs with different hashes are different stations. */
  readonly stationHash: Int32Array;
}

class RunsBuilder implements ReadingRuns {
  length = 0;
  start = new Int32Array(64);
  stationEnd = new Int32Array(64);
  end = new Int32Array(64);
  ts = new Float64Array(64);
  stationHash = new Int32Array(64);

  push(start: number, stationEnd: number, end: number, ts: number, hash: number): void {
    if (this.length === this.start.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.start = grow(this.start);
      this.stationEnd = grow(this.stationEnd);
      this.end = grow(this.end);
      this.ts = grow(this.ts);
      this.stationHash = grow(this.stationHash);
    }
    const i = this.length++;
    this.start[i] = start;
    this.stationEnd[i] = stationEnd;
    this.end[i] = end;
    this.ts[i] = ts;
    this.stationHash[i] = hash;
  }
}

/**
 * Builds the runs of reading lines given one at a time, in order: `readingRuns` scanning bytes, and the spool's
 * RecordCollector as it reads (it parses every line anyway, so a batch it reads is not scanned again).
 */
export class RunsCollector {
  private readonly runs = new RunsBuilder();
  /** The open run: the bytes of its station id (a copy: its line may be in a buffer that moves), start, time. */
  private station = new Uint8Array(64);
  private stationLength = -1;
  private start = 0;
  private ts = 0;
  private hash = 0;

  /**
   * A reading line that starts at `start` in the collected bytes, at time `ts`; its station id is
   * `src[stationStart, stationEnd)` (`src`: where the line is now, the collected bytes or the bytes read).
   */
  line(start: number, ts: number, src: Uint8Array, stationStart: number, stationEnd: number): void {
    const n = stationEnd - stationStart;
    if (n === this.stationLength && ts === this.ts && sameBytes(this.station, 0, src, stationStart, n)) return;
    this.close(start);
    if (n > this.station.length) this.station = new Uint8Array(Math.max(n, this.station.length * 2));
    let hash = 0x811c9dc5;
    for (let i = 0; i < n; i++) {
      const c = src[stationStart + i]!;
      this.station[i] = c;
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    this.stationLength = n;
    this.start = start;
    this.ts = ts;
    this.hash = hash;
  }

  /** Ends the open run at `end` (where the next line, that belongs to no run, starts). */
  close(end: number): void {
    if (this.stationLength >= 0)
      this.runs.push(this.start, this.start + 2 + this.stationLength, end, this.ts, this.hash);
    this.stationLength = -1;
  }

  /** The runs, the open one ended at `end` (the end of the bytes). */
  finish(end: number): ReadingRuns {
    this.close(end);
    return this.runs;
  }
}

/**
 * Whether `a[aStart, aStart + n)` and `b[bStart, bStart + n)` hold the same bytes: a station id (a few bytes) against
 * one seen before, by a loop, which is cheaper than a native compare at that length.
 */
export function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/** The runs of the lines in `bytes` (one scan; see `ReadingRuns`). */
export function readingRuns(bytes: Uint8Array): ReadingRuns {
  const runs = new RunsCollector();
  const key: LineKey = { stationEnd: 0, ts: 0 };
  let start = 0;
  while (start < bytes.length) {
    let end = indexOfByte(bytes, 10, start);
    if (end < 0) end = bytes.length;
    if (end > start) {
      if (readLineKey(bytes, start, end, key)) runs.line(start, key.ts, bytes, start + 2, key.stationEnd);
      else runs.close(start);
    }
    start = end + 1;
  }
  return runs.finish(Math.min(start, bytes.length));
}

const RUNS = new WeakMap<EncodedReadings, ReadingRuns>();

/** The runs of a batch: as its reader found them, or scanned once however many times they are asked for. */
export function runsOf(batch: EncodedReadings): ReadingRuns {
  if (batch.runs) return batch.runs;
  let runs = RUNS.get(batch);
  if (!runs) RUNS.set(batch, (runs = readingRuns(batch.bytes)));
  return runs;
}
