/**
 * The spool's line format. One line per reading, tab-separated (cheap to write and to parse back, which the
 * forwarder does for every reading); one line per dead letter, as JSON (its payload may hold anything;
 * JSON escapes newlines, so a record never spans lines):
 *   R\t{stationId}\t{parameter}\t{ts}\t{value}\t{flag}\n
 *   D\t{"receivedAt":…,"stationId":…,"topic":…,"reason":…,"detail":…,"payload":…}\n
 *   L\t{"stationId":…,"parameter":…,"stream":…,"ts":…,"value":…,"flag":…,"late":…,"receivedAt":…}\n  (HJ 212 logger data)
 * The reading lines are the store's compact form of readings (src/store/encoded-readings.ts): the forwarder
 * reads them as bytes (`RecordCollector`) and hands them to the store as they are, without decoding them.
 * A line that does not decode (a write torn by a power loss) is skipped and counted, never fatal.
 */
import { isDataFlag, type DataFlag } from '../../domain/flags.js';
import { isLoggerStream, type LoggerValue } from '../../domain/logger-data.js';
import { isParameterCode, PARAMETER_CODES, type ParameterCode } from '../../domain/parameters.js';
import type { DeadLetter, Reading } from '../../domain/reading.js';
import {
  decodeReadingLine,
  encodeReading,
  indexOfByte,
  lineFields,
  plainReadingLine,
  RunsCollector,
  type EncodedReadings,
} from '../../store/encoded-readings.js';
import { createBoundedMemo } from '../bounded-memo.js';
import { putNumber } from './number-bytes.js';

export function encodeRecords(
  readings: readonly Reading[],
  deadLetters: readonly DeadLetter[],
  loggerData: readonly LoggerValue[] = [],
): string {
  let out = '';
  for (const r of readings) out += encodeReading(r);
  for (const d of deadLetters) out += `D\t${JSON.stringify(d)}\n`;
  for (const v of loggerData) out += `L\t${JSON.stringify(v)}\n`;
  return out;
}

/** Readings of one station at one time, given as their values: an HJ 212 packet's pollutants, without a Reading each. */
export interface ReadingSeries {
  stationId: string;
  ts: number;
  values: readonly Pick<Reading, 'parameter' | 'value' | 'flag'>[];
}

/**
 * Station ids' bytes as a reading line starts (`R\t{stationId}\t`), kept for the stations seen: 4 MiB of keys is
 * tens of thousands of stations, far more than one ingest process has; past it a prefix is made each time.
 */
const STATION_PREFIXES = createBoundedMemo<Buffer>({ maxBytes: 4 * 1024 * 1024, maxKeyLength: 128 });
const PARAMETER_BYTES = new Map<string, Buffer>(PARAMETER_CODES.map((code) => [code, Buffer.from(code, 'latin1')]));

function stationPrefix(stationId: string): Buffer {
  let prefix = STATION_PREFIXES.get(stationId);
  if (!prefix) STATION_PREFIXES.remember(stationId, (prefix = Buffer.from(`R\t${stationId}\t`, 'utf8')));
  return prefix;
}

/** Room a reading line needs besides its station prefix: parameter, two numbers, flag and separators. */
const READING_ROOM = 128;

/**
 * The records of several messages, encoded as each message is added, for one write: the pipeline's group
 * commit. The decoded messages need not live until the write (they would survive into V8's old space). Reused
 * after `clear()`. Reading lines are written as bytes, the same bytes `encodeReading` gives, without a string per
 * reading (numbers: number-bytes.ts).
 */
export class RecordGroup {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private length = 0;
  messages = 0;
  readings = 0;
  /** The digits of the last timestamp written. */
  private readonly tsBytes = Buffer.alloc(32);
  private lastTs = Number.NaN;
  private lastTsLength = 0;

  add(
    readings: readonly Reading[],
    deadLetters: readonly DeadLetter[],
    loggerData: readonly LoggerValue[] = [],
    series?: ReadingSeries,
  ): void {
    for (const r of readings)
      this.putReading(r.stationId, stationPrefix(r.stationId), r.parameter, r.ts, r.value, r.flag);
    if (series) {
      const prefix = stationPrefix(series.stationId);
      for (const v of series.values) this.putReading(series.stationId, prefix, v.parameter, series.ts, v.value, v.flag);
      this.readings += series.values.length;
    }
    if (deadLetters.length > 0 || loggerData.length > 0) this.putText(encodeRecords([], deadLetters, loggerData));
    this.messages++;
    this.readings += readings.length;
  }

  private room(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  private putReading(
    stationId: string,
    prefix: Buffer,
    parameter: ParameterCode,
    ts: number,
    value: number,
    flag: DataFlag,
  ): void {
    const code = PARAMETER_BYTES.get(parameter);
    if (code === undefined || flag.length !== 1 || !Number.isFinite(ts) || !Number.isFinite(value)) {
      // Not a reading the store would take: written as before, the reader counts it as a line that does not decode.
      this.putText(encodeReading({ stationId, parameter, ts, value, flag }));
      return;
    }
    this.room(prefix.length + READING_ROOM);
    const b = this.buffer;
    let pos = this.length;
    // Byte loops: these pieces are a few bytes long, shorter than what a native copy costs to call.
    for (let i = 0; i < prefix.length; i++) b[pos++] = prefix[i]!;
    for (let i = 0; i < code.length; i++) b[pos++] = code[i]!;
    b[pos++] = 9;
    // A message's readings, a packet's values, share their timestamp: its digits are written once.
    if (ts !== this.lastTs) {
      this.lastTs = ts;
      this.lastTsLength = putNumber(this.tsBytes, 0, ts);
    }
    for (let i = 0; i < this.lastTsLength; i++) b[pos++] = this.tsBytes[i]!;
    b[pos++] = 9;
    pos = putNumber(b, pos, value);
    b[pos++] = 9;
    b[pos++] = flag.charCodeAt(0);
    b[pos++] = 10;
    this.length = pos;
  }

  private putText(text: string): void {
    this.room(text.length * 3);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  /** The encoded records; valid until the next `add` or `clear`. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
    this.messages = 0;
    this.readings = 0;
    // A burst can grow it a lot; do not keep that for good.
    if (this.buffer.length > 4 * 1024 * 1024) this.buffer = Buffer.allocUnsafe(64 * 1024);
  }
}

export interface DecodedRecords {
  readings: Reading[];
  deadLetters: DeadLetter[];
  /** Filled when the text holds HJ 212 logger data. */
  loggerData?: LoggerValue[];
  /** Lines that could not be decoded. */
  corrupt: number;
}

/** Decodes complete lines (the text ends with '\n' or is empty) and appends to `into`. */
export function decodeRecords(text: string, into: DecodedRecords): DecodedRecords {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const kind = text.charCodeAt(start);
      const reading = kind === 82 /* R */ ? decodeReadingLine(text, start, end) : undefined;
      const letter = kind === 68 /* D */ ? decodeDeadLetterLine(text, start, end) : undefined;
      const logged = kind === 76 /* L */ ? decodeLoggerLine(text.slice(start, end)) : undefined;
      if (reading) into.readings.push(reading);
      else if (letter) into.deadLetters.push(letter);
      else if (logged) (into.loggerData ??= []).push(logged);
      else into.corrupt++;
    }
    start = end + 1;
  }
  return into;
}

function decodeDeadLetterLine(text: string, start: number, end: number): DeadLetter | undefined {
  if (text.charCodeAt(start) !== 68 /* D */ || text.charCodeAt(start + 1) !== 9) return undefined;
  try {
    const d = JSON.parse(text.slice(start + 2, end)) as Partial<DeadLetter>;
    if (
      typeof d === 'object' &&
      d !== null &&
      typeof d.receivedAt === 'number' &&
      typeof d.stationId === 'string' &&
      typeof d.topic === 'string' &&
      typeof d.reason === 'string' &&
      typeof d.detail === 'string' &&
      typeof d.payload === 'string'
    ) {
      return {
        receivedAt: d.receivedAt,
        stationId: d.stationId,
        topic: d.topic,
        reason: d.reason,
        detail: d.detail,
        payload: d.payload,
      };
    }
  } catch {
    // not a dead letter: counted by the caller
  }
  return undefined;
}

const optionalNumber = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));

function decodeLoggerLine(line: string): LoggerValue | undefined {
  if (line.charCodeAt(0) !== 76 /* L */ || line.charCodeAt(1) !== 9) return undefined;
  try {
    const v = JSON.parse(line.slice(2)) as Partial<LoggerValue>;
    if (
      typeof v === 'object' &&
      v !== null &&
      typeof v.stationId === 'string' &&
      typeof v.parameter === 'string' &&
      isParameterCode(v.parameter) &&
      isLoggerStream(v.stream) &&
      typeof v.ts === 'number' &&
      Number.isFinite(v.ts) &&
      typeof v.value === 'number' &&
      Number.isFinite(v.value) &&
      typeof v.flag === 'string' &&
      isDataFlag(v.flag) &&
      typeof v.late === 'boolean' &&
      typeof v.receivedAt === 'number' &&
      optionalNumber(v.min) &&
      optionalNumber(v.max) &&
      optionalNumber(v.cou)
    ) {
      return {
        stationId: v.stationId,
        parameter: v.parameter,
        stream: v.stream,
        ts: v.ts,
        value: v.value,
        ...(v.min === undefined ? {} : { min: v.min }),
        ...(v.max === undefined ? {} : { max: v.max }),
        ...(v.cou === undefined ? {} : { cou: v.cou }),
        flag: v.flag,
        late: v.late,
        receivedAt: v.receivedAt,
      };
    }
  } catch {
    // not a logger line: counted by the caller
  }
  return undefined;
}

/**
 * The read side of the spool: collects the reading lines of what it is given as bytes (plain lines are copied
 * in runs, others decoded and written again in the same format), and the dead letters as objects. Decodes the
 * same records as `decodeRecords` would, without a string or an object per reading.
 */
export class RecordCollector {
  /** `buffer`: where to collect (a recycled one; it grows if needed). */
  constructor(private buffer?: Buffer) {}

  private length = 0;
  private readonly fields = lineFields();
  /** The runs of the reading lines collected (encoded-readings.ts): the forwarder and the store need not scan. */
  private readonly runs = new RunsCollector();
  count = 0;
  corrupt = 0;
  /**
   * Of the corrupt lines, those that start like a reading (`R`). The spool counts pending readings by that first
   * byte, before it can know which lines decode; what it skips must come off that count too.
   */
  corruptReadings = 0;
  readonly deadLetters: DeadLetter[] = [];
  readonly loggerData: LoggerValue[] = [];

  /** Decodes the lines of `b[start, end)`; `end` is just after a '\n'. */
  add(b: Buffer, start: number, end: number): void {
    // A run of plain reading lines, copied at once when it ends (to `runAt` in the collected bytes).
    let run = -1;
    let runAt = 0;
    const fields = this.fields;
    let s = start;
    while (s < end) {
      let e = indexOfByte(b, 10, s, end);
      if (e < 0) e = end;
      if (e > s) {
        if (plainReadingLine(b, s, e, fields)) {
          if (run < 0) {
            run = s;
            runAt = this.length;
          }
          this.runs.line(runAt + (s - run), fields[4]!, b, s + 2, fields[0]! | 0);
          this.count++;
        } else {
          if (run >= 0) this.append(b, run, s);
          run = -1;
          this.decodeLine(b.toString('utf8', s, e));
        }
      }
      s = e + 1;
    }
    if (run >= 0) {
      this.append(b, run, Math.min(s, end));
      if (b[end - 1] !== 10) this.append(NEWLINE, 0, 1);
    }
  }

  /** The reading lines collected so far. */
  readings(): EncodedReadings {
    return {
      bytes: this.buffer ? this.buffer.subarray(0, this.length) : Buffer.alloc(0),
      count: this.count,
      runs: this.runs.finish(this.length),
    };
  }

  private decodeLine(line: string): void {
    const kind = line.charCodeAt(0);
    const reading = kind === 82 /* R */ ? decodeReadingLine(line, 0, line.length) : undefined;
    if (reading) {
      const bytes = Buffer.from(encodeReading(reading), 'utf8');
      const stationEnd = 2 + Buffer.byteLength(reading.stationId, 'utf8');
      this.runs.line(this.length, reading.ts, bytes, 2, stationEnd);
      this.append(bytes, 0, bytes.length);
      this.count++;
      return;
    }
    const letter = kind === 68 /* D */ ? decodeDeadLetterLine(line, 0, line.length) : undefined;
    const logged = letter || kind !== 76 /* L */ ? undefined : decodeLoggerLine(line);
    if (letter) this.deadLetters.push(letter);
    else if (logged) this.loggerData.push(logged);
    else this.skip(kind);
  }

  /** Counts a line that does not decode; `firstByte` is its first character code. */
  skip(firstByte: number | undefined): void {
    this.corrupt++;
    if (firstByte === 82 /* R */) this.corruptReadings++;
  }

  private append(b: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (!this.buffer || this.length + n > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.length + n, (this.buffer?.length ?? 0) * 2, 4096));
      this.buffer?.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.buffer.set(b.subarray(start, end), this.length);
    this.length += n;
  }
}

const NEWLINE = Buffer.from('\n');
