/**
 * The JSON format of `wq/{stationId}/data`:
 *   {"ts":"2026-11-28T08:00:00+08:00","values":{"ph":7.3,"nh3n":0.42},"flags":{"nh3n":"M"},"units":{"nh3n":"mg/L"}}
 * or an array of such objects (backfill). Each object is judged on its own, so one bad element of a backfill
 * does not hold back the others. Unknown top-level keys are ignored (room for station-side additions).
 */
import {
  isPlainObject,
  MAX_KEYS_PER_ENTRY,
  type DecodeContext,
  type DecodedPayload,
  type RawEntry,
} from './raw-entry.js';
import type { Problem } from './rejection.js';
import { readTimestamp } from './timestamp.js';

function decodeObject(raw: unknown, where: string, ctx: DecodeContext, problems: Problem[]): RawEntry | undefined {
  if (!isPlainObject(raw)) {
    problems.push({
      reason: 'invalid_message',
      detail: `${where}expected an object {"ts": …, "values": {…}}, got ${describeType(raw)}`,
    });
    return undefined;
  }
  const { values, flags, units } = raw;
  if (!isPlainObject(values)) {
    problems.push({
      reason: 'invalid_message',
      detail: `${where}"values" must be an object of parameter → number, got ${describeType(values)}`,
    });
    return undefined;
  }
  const keys = Object.keys(values);
  if (keys.length === 0) {
    problems.push({ reason: 'invalid_message', detail: `${where}"values" is empty` });
    return undefined;
  }
  // Counted before anything is resolved: the cost of refusing stays linear in the payload.
  for (const [name, map] of [
    ['values', values],
    ['flags', flags],
    ['units', units],
  ] as const) {
    const count = isPlainObject(map) ? Object.keys(map).length : 0;
    if (count > MAX_KEYS_PER_ENTRY) {
      problems.push({
        reason: 'invalid_message',
        detail: `${where}"${name}" has ${count} keys, at most ${MAX_KEYS_PER_ENTRY} (${keys.length} values rejected)`,
      });
      return undefined;
    }
  }
  // A malformed flags or units object makes every value of the entry unusable: storing them as "normal"
  // or in canonical units would be a guess.
  if (flags !== undefined && !isPlainObject(flags)) {
    problems.push({
      reason: 'invalid_flag',
      detail: `${where}"flags" must be an object of parameter → flag letter, got ${describeType(flags)}`,
    });
    return undefined;
  }
  if (units !== undefined && !isPlainObject(units)) {
    problems.push({
      reason: 'bad_unit',
      detail: `${where}"units" must be an object of parameter → unit, got ${describeType(units)}`,
    });
    return undefined;
  }
  return {
    where,
    ts: readTimestamp(raw.ts, ctx.now, ctx.maxFutureSkewMs, where),
    items: keys.map((key) => ({ key, value: values[key] })),
    flags,
    units,
  };
}

export function decodeDataPayload(json: unknown, ctx: DecodeContext): DecodedPayload {
  const problems: Problem[] = [];
  const entries: RawEntry[] = [];
  if (Array.isArray(json)) {
    if (json.length === 0) problems.push({ reason: 'invalid_message', detail: 'empty array' });
    json.forEach((element, i) => {
      const entry = decodeObject(element, `[${i}] `, ctx, problems);
      if (entry) entries.push(entry);
    });
  } else {
    const entry = decodeObject(json, '', ctx, problems);
    if (entry) entries.push(entry);
  }
  return { entries, problems };
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object'
    ? 'an object'
    : `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ''}`.trim();
}
