/**
 * The pollutant values of a data upload (2011/2051/2061/2031) → values in Qingliu's parameters and canonical units.
 * Pure. `xxxxxx-Rtd` is the value of real-time data, `-Avg` of minute/hour/day data, with `-Min/-Max/-Cou/-Flag`
 * beside it (HJ 212-2017 §6.3.3). Unknown codes, flags and numbers are reported as problems (a dead letter with
 * the raw packet) while the rest of the packet is kept: one bad item never costs the others.
 */
import { isDataFlag, type DataFlag } from '../../domain/flags.js';
import { isPossible, parameterOfHj212Code, toCanonicalUnit, UnitError, type Parameter } from '../../domain/parameters.js';
import type { Zone } from '../../domain/time-window.js';
import { checkTimestampRange } from '../timestamp.js';
import type { Hj212Stream, Hj212Value } from './contracts.js';
import { parseHj212Time } from './data-time.js';
import type { Hj212Problem } from './reasons.js';

/**
 * Codes whose HJ 212-2017 Table B.1 unit differs from Qingliu's canonical unit: these metals default to µg/L
 * (standards.md §4.6). A device's catalog `units` overrides this (national water stations send them in mg/L).
 */
export const HJ212_CODE_UNITS: Readonly<Record<string, string>> = {
  w20111: 'µg/L', // total Hg
  w20115: 'µg/L', // total Cd
  w20117: 'µg/L', // Cr(VI)
  w20119: 'µg/L', // total As
  w20120: 'µg/L', // total Pb
  w20128: 'µg/L', // total Se
  w20142: 'µg/L', // Hg
  w20143: 'µg/L', // Cd
};

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const EXTREMES = [
  ['Min', 'min'],
  ['Max', 'max'],
] as const;

/** ASCII letters and digits only (a pollutant code), in `text[from, to)`. */
function isAlphanumeric(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false;
  }
  return true;
}

/** Which value-field suffix `text[from, to)` is (`w21003-Rtd`), or NONE. */
const NONE = 0;
const RTD = 1;
const AVG = 2;
const MIN = 3;
const MAX = 4;
const COU = 5;
const FLAG = 6;
function suffixAt(text: string, from: number, to: number): number {
  const length = to - from;
  if (length === 4) return text.startsWith('Flag', from) ? FLAG : NONE;
  if (length !== 3) return NONE;
  if (text.startsWith('Rtd', from)) return RTD;
  if (text.startsWith('Avg', from)) return AVG;
  if (text.startsWith('Min', from)) return MIN;
  if (text.startsWith('Max', from)) return MAX;
  return text.startsWith('Cou', from) ? COU : NONE;
}

export interface MeasurementOptions {
  stream: Hj212Stream;
  units: Readonly<Record<string, string>>;
  zone: Zone;
  now: number;
  maxFutureSkewMs: number;
}

export interface Measurements {
  ts: number | undefined;
  values: Hj212Value[];
  problems: Hj212Problem[];
}

/** One pollutant's value fields as sent (texts), collected over the whole CP area. */
interface Raw {
  code: string;
  main: string | undefined;
  min: string | undefined;
  max: string | undefined;
  cou: string | undefined;
  flag: string | undefined;
}

/**
 * Scratch space of `readMeasurements`, reused from packet to packet (it runs synchronously, to completion): the
 * pollutants of one packet in the order first seen. A packet has a dozen or so, found by comparing codes; an index
 * by code is built only for a packet with more (a hostile one), and dropped with its slots afterwards.
 */
const scratch = { raws: [] as Raw[], used: 0, byCode: undefined as Map<string, Raw> | undefined };
const FEW_CODES = 32;

function rawOf(code: string): Raw {
  const { raws, used } = scratch;
  // A pollutant's fields usually come together (`w01018-Rtd=…,w01018-Flag=N`): the last one first.
  if (used > 0 && raws[used - 1]!.code === code) return raws[used - 1]!;
  if (scratch.byCode) {
    const found = scratch.byCode.get(code);
    if (found) return found;
  } else {
    for (let i = 0; i < used; i++) if (raws[i]!.code === code) return raws[i]!;
  }
  let raw = raws[used];
  if (raw) {
    raw.code = code;
    raw.main = raw.min = raw.max = raw.cou = raw.flag = undefined;
  } else {
    raw = { code, main: undefined, min: undefined, max: undefined, cou: undefined, flag: undefined };
    raws.push(raw);
  }
  scratch.used++;
  if (scratch.byCode) scratch.byCode.set(code, raw);
  else if (scratch.used > FEW_CODES) scratch.byCode = new Map(raws.slice(0, scratch.used).map((r) => [r.code, r]));
  return raw;
}

function resetScratch(): void {
  scratch.used = 0;
  scratch.byCode = undefined;
  if (scratch.raws.length > FEW_CODES) scratch.raws.length = FEW_CODES;
}

const DATA_TIME = 'DataTime';

/**
 * The values of a data upload's CP area, read in one pass over its text: the items (`name=value`, separated by `,`
 * and `;`, as parseCp splits them) are not built as arrays, nor their names as strings unless they are value fields
 * (this runs for every item of every packet). An item that is not `name=value` refuses the whole area, with the
 * problem parseCp gives.
 */
export function readMeasurements(cp: string, options: MeasurementOptions): Measurements | Hj212Problem {
  resetScratch();
  const mainSuffix = options.stream === 'realtime' ? RTD : AVG;
  let dataTime: string | undefined;
  const n = cp.length;
  let groupStart = true;
  // The next ',' and ';' at or after the item's start (n when none): found by indexOf, each at most once per item.
  let comma = -1;
  let semicolon = -1;
  for (let start = 0; n > 0; ) {
    if (comma < start) comma = indexOrEnd(cp, ',', start);
    if (semicolon < start) semicolon = indexOrEnd(cp, ';', start);
    // One item: [start, end), ending at ',', ';' or the end of the area; its name ends at the first '='.
    const end = comma < semicolon ? comma : semicolon;
    const closesGroup = end === semicolon;
    // An empty group (`;;`, a trailing `;`) is skipped, as parseCp does; an empty item in a group is not.
    if (!(end === start && groupStart && closesGroup)) {
      const eq = cp.indexOf('=', start);
      if (eq <= start || eq > end) return notNameValue(cp, start, end);
      if (eq - start === DATA_TIME.length && cp.startsWith(DATA_TIME, start)) {
        dataTime ??= cp.slice(eq + 1, end);
      } else {
        // `code-Suffix` of a value field; any other field (-ZsRtd, -EFlag, -SampleTime…) is not a value we store.
        const dash = dashIn(cp, start, eq);
        const suffix = dash > start ? suffixAt(cp, dash + 1, eq) : NONE;
        if (suffix !== NONE && isAlphanumeric(cp, start, dash)) {
          const raw = rawOf(cp.slice(start, dash));
          const text = cp.slice(eq + 1, end);
          if (suffix === mainSuffix) raw.main = text;
          else if (suffix === MIN) raw.min = text;
          else if (suffix === MAX) raw.max = text;
          else if (suffix === COU) raw.cou = text;
          else if (suffix === FLAG) raw.flag = text;
        }
      }
    }
    if (end === n) break;
    groupStart = closesGroup;
    start = end + 1;
  }
  const problems: Hj212Problem[] = [];
  const ts = readDataTime(dataTime, options, problems);
  const values: Hj212Value[] = [];
  const mainName = mainSuffix === RTD ? 'Rtd' : 'Avg';
  for (let i = 0; i < scratch.used; i++) {
    const raw = scratch.raws[i]!;
    const value = readValue(raw.code, raw, mainName, options, problems);
    if (value) values.push(value);
  }
  resetScratch();
  if (ts === undefined) return { ts, values: [], problems };
  return { ts, values, problems };
}

/** The first '-' in the (short) name `text[from, to)`, -1 when none. */
function dashIn(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 0x2d) return i;
  return -1;
}

function indexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? text.length : at;
}

function notNameValue(cp: string, start: number, end: number): Hj212Problem {
  const item = cp.slice(start, Math.min(end, start + 65));
  const shown = item.length > 64 ? `${item.slice(0, 64)}…` : item;
  return { reason: 'malformed_cp', detail: `CP item ${JSON.stringify(shown)} is not name=value` };
}

function readDataTime(
  text: string | undefined,
  options: MeasurementOptions,
  problems: Hj212Problem[],
): number | undefined {
  if (text === undefined) {
    problems.push({ reason: 'invalid_timestamp', detail: 'DataTime is missing (every value rejected)' });
    return undefined;
  }
  let ts = parseHj212Time(text, options.zone);
  if (ts === undefined) {
    problems.push({
      reason: 'invalid_timestamp',
      detail: `DataTime ${JSON.stringify(text.slice(0, 32))} is not YYYYMMDDhhmmss (every value rejected)`,
    });
    return undefined;
  }
  // Aggregates are stamped with the start of their period; national stations send e.g. 10:00:01 for the 10:00
  // hour (hj212-2025.md §5): the seconds are dropped so a resend is the same reading.
  if (options.stream !== 'realtime') ts -= ts % 60_000;
  const checked = checkTimestampRange(ts, options.now, options.maxFutureSkewMs, 'DataTime: ');
  if (typeof checked !== 'number') {
    problems.push({
      reason: checked.reason as Hj212Problem['reason'],
      detail: `${checked.detail} (every value rejected)`,
    });
    return undefined;
  }
  return checked;
}

function readValue(
  code: string,
  raw: Raw,
  mainSuffix: string,
  options: MeasurementOptions,
  problems: Hj212Problem[],
): Hj212Value | undefined {
  const param = parameterOfHj212Code(code);
  if (!param) {
    problems.push({
      reason: 'unknown_parameter',
      detail: `${code}: not a pollutant code Qingliu knows (kept in this dead letter)`,
    });
    return undefined;
  }
  if (raw.main === undefined) {
    // A -Cou without a concentration (e.g. a flow meter's volume alone) has nothing to trend.
    problems.push({ reason: 'invalid_value', detail: `${code}: no ${code}-${mainSuffix} value` });
    return undefined;
  }
  let flag: DataFlag = 'N';
  if (raw.flag !== undefined) {
    const upper = raw.flag.trim().toUpperCase();
    if (!isDataFlag(upper)) {
      problems.push({
        reason: 'invalid_flag',
        detail: `${code}-Flag=${JSON.stringify(raw.flag.slice(0, 8))} is not one of N F M S D C T B`,
      });
      return undefined;
    }
    flag = upper;
  }
  const unit = options.units[code] ?? HJ212_CODE_UNITS[code];
  const value = convert(param, code, unit, raw.main, mainSuffix);
  if (typeof value !== 'number') {
    problems.push(value);
    return undefined;
  }
  if (!isPossible(param, value)) {
    problems.push({
      reason: 'implausible_value',
      detail: `${code}-${mainSuffix}=${raw.main}${unit ? ` ${unit}` : ''} is physically impossible for ${param.code} (${param.nameZh}), possible ${param.possible.min}…${param.possible.max} ${param.unit}`,
    });
    return undefined;
  }
  const out: Hj212Value = { parameter: param.code, value, flag };
  for (const [field, key] of EXTREMES) {
    const text = raw[key];
    if (text === undefined) continue;
    const n = convert(param, code, unit, text, field);
    if (typeof n === 'number') out[key] = n;
    else problems.push(n);
  }
  if (raw.cou !== undefined) {
    if (NUMBER.test(raw.cou)) out.cou = Number(raw.cou);
    else
      problems.push({
        reason: 'invalid_value',
        detail: `${code}-Cou=${JSON.stringify(raw.cou.slice(0, 32))} is not a number`,
      });
  }
  return out;
}

/** A value field's text as a number in the parameter's canonical unit, or the problem with it. */
function convert(
  param: Parameter,
  code: string,
  unit: string | undefined,
  text: string,
  field: string,
): number | Hj212Problem {
  if (!NUMBER.test(text))
    return {
      reason: 'invalid_value',
      detail: `${code}-${field}=${JSON.stringify(text.slice(0, 32))} is not a number`,
    };
  const n = Number(text);
  try {
    const converted = toCanonicalUnit(param, n, unit);
    // Factors like 1e-3 leave binary noise (0.42000000000000004); 12 digits is far below any analyser's.
    return converted === n ? n : Number(converted.toPrecision(12));
  } catch (err) {
    if (!(err instanceof UnitError)) throw err;
    return { reason: 'bad_unit', detail: `${code}: ${err.message}` };
  }
}
