/**
 * The pollutant values of a data upload (2011/2051/2061/2031) → values in Qingliu's parameters and canonical units.
 * Pure. `xxxxxx-Rtd` is the value of real-time data, `-Avg` of minute/hour/day data, with `-Min/-Max/-Cou/-Flag`
 * beside it (HJ 212-2017 §6.3.3). Unknown codes, flags and numbers are reported as problems (a dead letter with
 * the raw packet) while the rest of the packet is kept: one bad item never costs the others.
 */
import { DATA_FLAGS, isDataFlag, type DataFlag } from '../../domain/flags.js';
import {
  isPossible,
  parameterOfHj212Code,
  toCanonicalUnit,
  UnitError,
  type Parameter,
} from '../../domain/parameters.js';
import type { Zone } from '../../domain/time-window.js';
import { checkTimestampRange } from '../timestamp.js';
import type { Hj212Stream, Hj212Value } from './contracts.js';
import { numberIn } from './cp-number.js';
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

/** A pollutant's value fields, by slot: the stream's main value (`-Rtd` or `-Avg`), `-Min`, `-Max`, `-Cou`, `-Flag`. */
const MAIN_FIELD = 0;
const MIN_FIELD = 1;
const MAX_FIELD = 2;
const COU_FIELD = 3;
const FLAG_FIELD = 4;
const FIELDS = 5;
/** A suffix's field slot, -1 for none (RTD and AVG: the main value only when it is the stream's, see fieldOf). */
const FIELD_OF_SUFFIX = [-1, -1, -1, MIN_FIELD, MAX_FIELD, COU_FIELD, FLAG_FIELD];

function fieldOf(suffix: number, mainSuffix: number): number {
  return suffix === mainSuffix ? MAIN_FIELD : FIELD_OF_SUFFIX[suffix]!;
}

/**
 * One pollutant's value fields as sent, collected over the whole CP area: where each field's text is in the CP
 * area, `[from[f], to[f])` for field slot f, from -1 when the field is absent (offsets, not strings: no string
 * per value).
 */
interface Raw {
  code: string;
  from: Int32Array;
  to: Int32Array;
}

/**
 * Scratch space of `readMeasurements`, reused from packet to packet (it runs synchronously, to completion): the
 * pollutants of one packet in the order first seen. A packet has a dozen or so, found by comparing codes; an index
 * by code is built only for a packet with more (a hostile one), and dropped with its slots afterwards.
 */
const scratch = { raws: [] as Raw[], used: 0, byCode: undefined as Map<string, Raw> | undefined };
const FEW_CODES = 32;

/** True when `text[from, to)` is `code`. */
function isCodeAt(code: string, text: string, from: number, to: number): boolean {
  return code.length === to - from && text.startsWith(code, from);
}

/** The pollutant whose code is `cp[from, to)`. */
function rawOf(cp: string, from: number, to: number): Raw {
  const { raws, used } = scratch;
  // A pollutant's fields usually come together (`w01018-Rtd=…,w01018-Flag=N`): the last one first.
  if (used > 0 && isCodeAt(raws[used - 1]!.code, cp, from, to)) return raws[used - 1]!;
  if (scratch.byCode) {
    const found = scratch.byCode.get(cp.slice(from, to));
    if (found) return found;
  } else {
    for (let i = 0; i < used; i++) if (isCodeAt(raws[i]!.code, cp, from, to)) return raws[i]!;
  }
  let raw = raws[used];
  if (raw) {
    // A logger sends its pollutants in the same order every time: the slot's code of an earlier packet is often
    // this one, and kept rather than sliced again.
    if (!isCodeAt(raw.code, cp, from, to)) raw.code = cp.slice(from, to);
    raw.from.fill(-1);
  } else {
    raw = { code: cp.slice(from, to), from: new Int32Array(FIELDS).fill(-1), to: new Int32Array(FIELDS) };
    raws.push(raw);
  }
  const code = raw.code;
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
  for (let start = 0; n > 0;) {
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
          // The pollutant is noted even for a field that is not this stream's (an -Avg in real-time data).
          const raw = rawOf(cp, start, dash);
          const field = fieldOf(suffix, mainSuffix);
          if (field >= 0) {
            raw.from[field] = eq + 1;
            raw.to[field] = end;
          }
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
    const value = readValue(cp, raw, mainName, options, problems);
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

/** The data flag written in `text[from, to)` (trimmed, either case), undefined when it is none. */
function flagIn(text: string, from: number, to: number): DataFlag | undefined {
  // The usual single letter, without a string; anything else (spaces around it…) as the text.
  if (to - from === 1) {
    const flag = FLAG_OF_CHAR[text.charCodeAt(from)];
    if (flag) return flag;
  }
  const upper = text.slice(from, to).trim().toUpperCase();
  return isDataFlag(upper) ? upper : undefined;
}

/** Character code of a flag letter, upper or lower case → the flag. */
const FLAG_OF_CHAR: (DataFlag | undefined)[] = [];
for (const flag of DATA_FLAGS) FLAG_OF_CHAR[flag.charCodeAt(0)] = FLAG_OF_CHAR[flag.toLowerCase().charCodeAt(0)] = flag;

/** `text[from, to)` as shown in a problem: its first `max` characters, as JSON. */
function shown(text: string, from: number, to: number, max: number): string {
  return JSON.stringify(text.slice(from, Math.min(to, from + max)));
}

function readValue(
  cp: string,
  raw: Raw,
  mainSuffix: string,
  options: MeasurementOptions,
  problems: Hj212Problem[],
): Hj212Value | undefined {
  const { code, from, to } = raw;
  const param = parameterOfHj212Code(code);
  if (!param) {
    problems.push({
      reason: 'unknown_parameter',
      detail: `${code}: not a pollutant code Qingliu knows (kept in this dead letter)`,
    });
    return undefined;
  }
  if (from[MAIN_FIELD]! < 0) {
    // A -Cou without a concentration (e.g. a flow meter's volume alone) has nothing to trend.
    problems.push({ reason: 'invalid_value', detail: `${code}: no ${code}-${mainSuffix} value` });
    return undefined;
  }
  let flag: DataFlag = 'N';
  if (from[FLAG_FIELD]! >= 0) {
    const read = flagIn(cp, from[FLAG_FIELD]!, to[FLAG_FIELD]!);
    if (read === undefined) {
      problems.push({
        reason: 'invalid_flag',
        detail: `${code}-Flag=${shown(cp, from[FLAG_FIELD]!, to[FLAG_FIELD]!, 8)} is not one of N F M S D C T B`,
      });
      return undefined;
    }
    flag = read;
  }
  const unit = options.units[code] ?? HJ212_CODE_UNITS[code];
  const value = convert(param, code, unit, cp, from[MAIN_FIELD]!, to[MAIN_FIELD]!, mainSuffix);
  if (typeof value !== 'number') {
    problems.push(value);
    return undefined;
  }
  if (!isPossible(param, value)) {
    problems.push({
      reason: 'implausible_value',
      detail: `${code}-${mainSuffix}=${cp.slice(from[MAIN_FIELD]!, to[MAIN_FIELD]!)}${unit ? ` ${unit}` : ''} is physically impossible for ${param.code} (${param.nameZh}), possible ${param.possible.min}…${param.possible.max} ${param.unit}`,
    });
    return undefined;
  }
  const out: Hj212Value = { parameter: param.code, value, flag };
  if (from[MIN_FIELD]! >= 0) {
    const min = convert(param, code, unit, cp, from[MIN_FIELD]!, to[MIN_FIELD]!, 'Min');
    if (typeof min === 'number') out.min = min;
    else problems.push(min);
  }
  if (from[MAX_FIELD]! >= 0) {
    const max = convert(param, code, unit, cp, from[MAX_FIELD]!, to[MAX_FIELD]!, 'Max');
    if (typeof max === 'number') out.max = max;
    else problems.push(max);
  }
  if (from[COU_FIELD]! >= 0) {
    const cou = numberIn(cp, from[COU_FIELD]!, to[COU_FIELD]!);
    if (!Number.isNaN(cou)) out.cou = cou;
    else
      problems.push({
        reason: 'invalid_value',
        detail: `${code}-Cou=${shown(cp, from[COU_FIELD]!, to[COU_FIELD]!, 32)} is not a number`,
      });
  }
  return out;
}

/** A value field's number (`text[from, to)`) in the parameter's canonical unit, or the problem with it. */
function convert(
  param: Parameter,
  code: string,
  unit: string | undefined,
  text: string,
  from: number,
  to: number,
  field: string,
): number | Hj212Problem {
  const n = numberIn(text, from, to);
  if (Number.isNaN(n))
    return {
      reason: 'invalid_value',
      detail: `${code}-${field}=${shown(text, from, to, 32)} is not a number`,
    };
  try {
    const converted = toCanonicalUnit(param, n, unit);
    // Factors like 1e-3 leave binary noise (0.42000000000000004); 12 digits is far below any analyser's.
    return converted === n ? n : Number(converted.toPrecision(12));
  } catch (err) {
    if (!(err instanceof UnitError)) throw err;
    return { reason: 'bad_unit', detail: `${code}: ${err.message}` };
  }
}
