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
import { cpField, type CpGroups } from './cp.js';
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
const VALUE_FIELDS = new Set(['Rtd', 'Avg', 'Min', 'Max', 'Cou', 'Flag']);
const EXTREMES = [
  ['Min', 'min'],
  ['Max', 'max'],
] as const;

/** ASCII letters and digits only (a pollutant code). */
function isAlphanumeric(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false;
  }
  return true;
}

/**
 * `code-Suffix` of a value field (`w21003-Rtd`): [code, suffix], or undefined for any other field (DataTime,
 * -ZsRtd, -EFlag, -SampleTime…). Without a regular expression: this runs for every field of every packet.
 */
function valueField(name: string): [code: string, suffix: string] | undefined {
  const dash = name.indexOf('-');
  if (dash <= 0 || name.indexOf('-', dash + 1) !== -1) return undefined;
  const suffix = name.slice(dash + 1);
  if (!VALUE_FIELDS.has(suffix)) return undefined;
  const code = name.slice(0, dash);
  return isAlphanumeric(code) ? [code, suffix] : undefined;
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

interface Raw {
  main?: string;
  min?: string;
  max?: string;
  cou?: string;
  flag?: string;
}

export function readMeasurements(groups: CpGroups, options: MeasurementOptions): Measurements {
  const problems: Hj212Problem[] = [];
  const ts = readDataTime(groups, options, problems);
  const byCode = new Map<string, Raw>();
  const mainSuffix = options.stream === 'realtime' ? 'Rtd' : 'Avg';
  for (const group of groups) {
    for (const [name, text] of group) {
      const field = valueField(name);
      if (!field) continue; // DataTime, -ZsRtd, -EFlag, -SampleTime…: not values we store
      const [code, suffix] = field;
      let raw = byCode.get(code);
      if (!raw) byCode.set(code, (raw = {}));
      if (suffix === mainSuffix) raw.main = text;
      else if (suffix === 'Min') raw.min = text;
      else if (suffix === 'Max') raw.max = text;
      else if (suffix === 'Cou') raw.cou = text;
      else if (suffix === 'Flag') raw.flag = text;
    }
  }
  const values: Hj212Value[] = [];
  for (const [code, raw] of byCode) {
    const value = readValue(code, raw, mainSuffix, options, problems);
    if (value) values.push(value);
  }
  if (ts === undefined) return { ts, values: [], problems };
  return { ts, values, problems };
}

function readDataTime(groups: CpGroups, options: MeasurementOptions, problems: Hj212Problem[]): number | undefined {
  const text = cpField(groups, 'DataTime');
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
