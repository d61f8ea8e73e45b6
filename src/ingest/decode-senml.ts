/**
 * SenML JSON (RFC 8428) on `wq/{stationId}/senml`, as many data loggers speak it:
 *   [{"bn":"st01:","bt":1796083200,"bu":"mg/L","n":"nh3n","v":0.42},{"n":"ph","u":"","v":7.3,"flag":"M"}]
 * Resolution follows RFC 8428 §4.6: base name/time/unit/value apply to the records that follow until
 * changed; times are seconds, and values below 2^28 are relative to now. The parameter is the last segment
 * (after ':' or '/') of the resolved name. `flag` is our extension field for the HJ 212 data flag; it does
 * not end in '_', so receivers that do not know it may ignore it (§4.4), and absent means N.
 */
import { isPlainObject, type DecodeContext, type DecodedPayload, type RawEntry } from './raw-entry.js';
import type { Problem } from './rejection.js';
import { checkTimestampRange } from './timestamp.js';
import { describeType } from './decode-data.js';

/** RFC 8428 §4.5.2: a time below 2^28 seconds is relative to the current time. */
const RELATIVE_TIME_LIMIT = 2 ** 28;

/** SenML unit symbols (RFC 8428 §12.1 registry) spelled differently from ours. */
const SENML_UNITS: Record<string, string> = {
  Cel: '°C',
  'kg/m3': 'g/L',
  'm3/s': 'm3/s',
  'l/s': 'L/s',
  '/': '',
};

export function senmlUnit(unit: string): string {
  return SENML_UNITS[unit] ?? unit;
}

function parameterKey(name: string): string {
  const cut = Math.max(name.lastIndexOf(':'), name.lastIndexOf('/'));
  return cut >= 0 ? name.slice(cut + 1) : name;
}

export function decodeSenmlPayload(json: unknown, ctx: DecodeContext): DecodedPayload {
  const problems: Problem[] = [];
  if (!Array.isArray(json)) {
    return { entries: [], problems: [{ reason: 'invalid_message', detail: `a SenML pack is a JSON array of records, got ${describeType(json)}` }] };
  }
  if (json.length === 0) return { entries: [], problems: [{ reason: 'invalid_message', detail: 'empty SenML pack' }] };

  // RFC 8428 §4.4: a field ending in '_' must be understood, or the whole pack rejected.
  for (const [i, record] of json.entries()) {
    if (!isPlainObject(record)) continue;
    const unknown = Object.keys(record).find((k) => k.endsWith('_'));
    if (unknown !== undefined) {
      return { entries: [], problems: [{ reason: 'invalid_message', detail: `[${i}] must-understand field "${unknown}" is not supported` }] };
    }
  }

  const byTime = new Map<number, RawEntry>();
  const badTimes: RawEntry[] = [];
  let bn = '';
  let bt = 0;
  let bu: unknown;
  let bv = 0;
  for (const [i, record] of json.entries()) {
    const where = `[${i}] `;
    if (!isPlainObject(record)) {
      problems.push({ reason: 'invalid_message', detail: `${where}a SenML record is an object, got ${describeType(record)}` });
      continue;
    }
    if (record.bn !== undefined) {
      if (typeof record.bn !== 'string') return invalidBase(where, 'bn', record.bn);
      bn = record.bn;
    }
    if (record.bt !== undefined) {
      if (typeof record.bt !== 'number' || !Number.isFinite(record.bt)) return invalidBase(where, 'bt', record.bt);
      bt = record.bt;
    }
    if (record.bu !== undefined) bu = record.bu;
    if (record.bv !== undefined) {
      if (typeof record.bv !== 'number' || !Number.isFinite(record.bv)) return invalidBase(where, 'bv', record.bv);
      bv = record.bv;
    }

    const hasValue = 'v' in record;
    const otherValue = ['vs', 'vb', 'vd', 's'].find((k) => k in record);
    const name = record.n === undefined ? bn : typeof record.n === 'string' ? bn + record.n : undefined;
    if (name === undefined) {
      problems.push({ reason: 'invalid_message', detail: `${where}"n" must be a string, got ${describeType(record.n)}` });
      continue;
    }
    if (!hasValue && otherValue === undefined) {
      // A record of base fields only is legal; a named record without a value is not a reading.
      if (record.n !== undefined) problems.push({ reason: 'invalid_value', detail: `${where}${name}: record has no value "v"` });
      continue;
    }
    const key = parameterKey(name);
    if (!hasValue) {
      problems.push({
        reason: 'invalid_value',
        detail: `${where}${key}: only numeric "v" values are readings, not "${otherValue}"`,
      });
      continue;
    }

    let ts: number | Problem;
    if (record.t !== undefined && (typeof record.t !== 'number' || !Number.isFinite(record.t))) {
      ts = { reason: 'invalid_timestamp', detail: `${where}"t" must be a number of seconds, got ${describeType(record.t)}` };
    } else {
      const seconds = bt + ((record.t as number | undefined) ?? 0);
      const ms = seconds < RELATIVE_TIME_LIMIT ? ctx.now + Math.round(seconds * 1000) : Math.round(seconds * 1000);
      ts = checkTimestampRange(ms, ctx.now, ctx.maxFutureSkewMs, where);
    }
    const value = typeof record.v === 'number' ? record.v + bv : record.v;
    const rawUnit = record.u ?? bu;
    const item = {
      key,
      value,
      record: i,
      unit: typeof rawUnit === 'string' ? senmlUnit(rawUnit) : rawUnit,
      flag: record.flag,
    };
    if (typeof ts === 'number') {
      let entry = byTime.get(ts);
      if (!entry) byTime.set(ts, (entry = { ts, items: [] }));
      entry.items.push(item);
    } else {
      badTimes.push({ ts, items: [item] });
    }
  }
  return { entries: [...byTime.values(), ...badTimes], problems };

  function invalidBase(where: string, field: string, value: unknown): DecodedPayload {
    // A broken base field changes the meaning of every later record: reject the pack.
    return { entries: [], problems: [...problems, { reason: 'invalid_message', detail: `${where}"${field}" has the wrong type (${describeType(value)})` }] };
  }
}
