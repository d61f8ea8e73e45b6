/**
 * Random MQTT messages with a known right answer, for property-based tests: each generated message carries
 * the readings it must yield and the dead-letter reasons it must produce. Used by the pure decoder fuzz and by
 * the end-to-end fuzz through a real broker into a real store.
 */
import fc from 'fast-check';
import { DATA_FLAGS } from '../../src/domain/flags.js';
import { parameter, type ParameterCode } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import type { RejectionReason } from '../../src/ingest/rejection.js';
import { SURFACE_PARAMETERS } from './helpers.js';

export interface ModelMessage {
  topic: string;
  payload: Buffer;
  /** What the store must hold afterwards because of this message. */
  readings: Reading[];
  /** The reasons of its dead letters; undefined for random garbage, where only "at least one" is known. */
  reasons: Set<RejectionReason> | undefined;
}

type TimeKind = 'valid' | 'missing' | 'invalid' | 'future';
type ValueKind = 'valid' | 'string' | 'null' | 'bool' | 'implausible';
type FlagKind = 'none' | 'valid' | 'lower' | 'invalid';
type UnitKind = 'none' | 'canonical' | 'bad';
type Key =
  { kind: 'measured' | 'elsewhere'; code: ParameterCode; spelling: 0 | 1 | 2 } | { kind: 'unknown'; name: string };

interface ItemSpec {
  key: Key;
  value: ValueKind;
  fraction: number;
  flag: FlagKind;
  flagLetter: (typeof DATA_FLAGS)[number];
  unit: UnitKind;
}

interface EntrySpec {
  time: TimeKind;
  iso: boolean;
  items: ItemSpec[];
}

interface MessageSpec {
  station: 'known' | 'unknown';
  format: 'data' | 'senml';
  damage: 'none' | 'truncate' | 'garbage' | 'oversize';
  garbage: string;
  cut: number;
  asArray: boolean;
  entries: EntrySpec[];
}

const ELSEWHERE: ParameterCode[] = ['cod', 'flow', 'bod5', 'cu'];
const UNKNOWN_NAMES = ['chloride', 'salinity', 'foo_bar', 'w99999', 'ph2'];

const keyArb: fc.Arbitrary<Key> = fc.oneof(
  {
    weight: 40,
    arbitrary: fc.record({
      kind: fc.constant('measured' as const),
      code: fc.constantFrom(...SURFACE_PARAMETERS),
      spelling: fc.constantFrom(0 as const, 1 as const, 2 as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('elsewhere' as const),
      code: fc.constantFrom(...ELSEWHERE),
      spelling: fc.constant(0 as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('unknown' as const), name: fc.constantFrom(...UNKNOWN_NAMES) }),
  },
);

/** Mostly the common case, now and then each kind of mistake. */
function mostly<T>(common: T[], rare: T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...common) },
    { weight: 1, arbitrary: fc.constantFrom(...rare) },
  );
}

const itemArb: fc.Arbitrary<ItemSpec> = fc.record({
  key: keyArb,
  value: mostly<ValueKind>(['valid'], ['string', 'null', 'bool', 'implausible']),
  fraction: fc.double({ min: 0, max: 1, noNaN: true }),
  flag: mostly<FlagKind>(['none', 'none', 'valid', 'lower'], ['invalid']),
  flagLetter: fc.constantFrom(...DATA_FLAGS),
  unit: mostly<UnitKind>(['none', 'none', 'canonical'], ['bad']),
});

const entryArb: fc.Arbitrary<EntrySpec> = fc.record({
  time: mostly<TimeKind>(['valid'], ['missing', 'invalid', 'future']),
  iso: fc.boolean(),
  items: fc.array(itemArb, { minLength: 1, maxLength: 9 }),
});

export const messageSpecArb: fc.Arbitrary<MessageSpec> = fc.record({
  station: fc.constantFrom<'known' | 'unknown'>(
    'known',
    'known',
    'known',
    'known',
    'known',
    'known',
    'known',
    'known',
    'known',
    'unknown',
  ),
  format: fc.constantFrom<'data' | 'senml'>('data', 'data', 'data', 'senml'),
  damage: fc.constantFrom<MessageSpec['damage']>(
    ...(Array(16).fill('none') as 'none'[]),
    'truncate',
    'garbage',
    'oversize',
  ),
  garbage: fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.json({ maxDepth: 2 }),
  ),
  cut: fc.double({ min: 0, max: 0.99, noNaN: true }),
  asArray: fc.boolean(),
  entries: fc.array(entryArb, { minLength: 1, maxLength: 3 }),
});

function spellingOf(code: ParameterCode, spelling: 0 | 1 | 2): string {
  const p = parameter(code);
  if (spelling === 1 && p.hj212[0]) return p.hj212[0];
  if (spelling === 2 && p.aliases[0]) return p.aliases[0];
  return code;
}

/** A value inside the parameter's plausible range that survives JSON unchanged. */
function plausible(code: ParameterCode, fraction: number): number {
  const { min, max } = parameter(code).possible;
  return Number((min + (Math.min(max, 1e6) - min) * fraction).toPrecision(6));
}

/**
 * Builds the message for a spec. `slot` makes its timestamps unique among all generated messages, so the
 * expected store contents are the plain union of every message's readings.
 */
export function buildMessage(spec: MessageSpec, slot: number, now: number, maxPayloadBytes: number): ModelMessage {
  const stationId = spec.station === 'known' ? 'demo-01' : 'ghost-7';
  const topic = `wq/${stationId}/${spec.format}`;
  const readings: Reading[] = [];
  const reasons = new Set<RejectionReason>();
  const entriesJson: unknown[] = [];
  const senml: Record<string, unknown>[] = [];

  spec.entries.forEach((entry, e) => {
    // Whole minutes, so SenML seconds are exact; distinct per message and entry.
    const ts = now - (slot * 4 + e + 1) * 60_000;
    const time: TimeKind = spec.format === 'senml' && entry.time === 'missing' ? 'valid' : entry.time;
    const tsValue = time === 'valid' ? ts : time === 'future' ? now + 86_400_000 : undefined;
    const seen = new Set<string>();
    const values: Record<string, unknown> = {};
    const flags: Record<string, unknown> = {};
    const units: Record<string, unknown> = {};
    for (const item of entry.items) {
      const code = item.key.kind === 'unknown' ? undefined : item.key.code;
      const name = item.key.kind === 'unknown' ? item.key.name : spellingOf(item.key.code, item.key.spelling);
      // One item per parameter (and per unknown name) per entry: duplicates have their own unit test.
      if (seen.has(code ?? name)) continue;
      seen.add(code ?? name);
      const param = code ? parameter(code) : undefined;
      const value =
        item.value === 'valid'
          ? code
            ? plausible(code, item.fraction)
            : 1
          : item.value === 'string'
            ? '7.1'
            : item.value === 'null'
              ? null
              : item.value === 'bool'
                ? true
                : param
                  ? param.possible.max * 2 + 1
                  : 1;
      const flag =
        item.flag === 'valid'
          ? item.flagLetter
          : item.flag === 'lower'
            ? item.flagLetter.toLowerCase()
            : item.flag === 'invalid'
              ? 'X'
              : undefined;
      const unit = item.unit === 'canonical' ? (param?.unit ?? 'mg/L') : item.unit === 'bad' ? 'furlong' : undefined;
      values[name] = value;
      if (flag !== undefined) flags[name] = flag;
      if (unit !== undefined) units[name] = unit;
      if (spec.format === 'senml') {
        const record: Record<string, unknown> = { n: name };
        if (time === 'invalid') record.t = 'later';
        else if (tsValue !== undefined) record.t = tsValue / 1000;
        if (item.value === 'string') record.vs = '7.1';
        else if (item.value === 'bool') record.vb = true;
        else if (item.value !== 'null') record.v = value;
        if (unit !== undefined) record.u = unit;
        if (flag !== undefined) record.flag = flag;
        senml.push(record);
      }

      // The oracle, in the decoder's order of checks.
      let reason: RejectionReason | undefined;
      // SenML: a record without a numeric "v" is refused before its time is looked at.
      if (spec.format === 'senml' && item.value !== 'valid' && item.value !== 'implausible') reason = 'invalid_value';
      else if (time === 'missing' || time === 'invalid') reason = 'invalid_timestamp';
      else if (time === 'future') reason = 'future_timestamp';
      else if (item.key.kind === 'unknown') reason = 'unknown_parameter';
      else if (item.key.kind === 'elsewhere') reason = 'parameter_not_at_station';
      else if (item.value !== 'valid' && item.value !== 'implausible') reason = 'invalid_value';
      else if (item.flag === 'invalid') reason = 'invalid_flag';
      else if (item.unit === 'bad') reason = 'bad_unit';
      else if (item.value === 'implausible') reason = 'implausible_value';
      if (reason) reasons.add(reason);
      else
        readings.push({
          stationId,
          parameter: code!,
          ts,
          value: value as number,
          flag: (flag?.toUpperCase() ?? 'N') as Reading['flag'],
        });
    }
    const object: Record<string, unknown> = { values };
    if (time === 'valid') object.ts = entry.iso ? isoPlus8(ts) : ts;
    else if (time === 'future') object.ts = entry.iso ? isoPlus8(tsValue!) : tsValue;
    else if (time === 'invalid') object.ts = entry.iso ? '28/11/2026 08:00' : 1_700_000_000;
    if (Object.keys(flags).length > 0) object.flags = flags;
    if (Object.keys(units).length > 0) object.units = units;
    entriesJson.push(object);
  });

  let text =
    spec.format === 'senml'
      ? JSON.stringify(senml)
      : JSON.stringify(spec.asArray || entriesJson.length > 1 ? entriesJson : entriesJson[0]);
  if (spec.damage === 'none' && spec.station === 'unknown')
    return { topic, payload: Buffer.from(text), readings: [], reasons: new Set(['unknown_station']) };
  switch (spec.damage) {
    case 'none':
      return { topic, payload: Buffer.from(text), readings, reasons };
    case 'oversize':
      text = `${text}${' '.repeat(maxPayloadBytes)}`;
      return { topic, payload: Buffer.from(text), readings: [], reasons: new Set(['payload_too_large']) };
    case 'truncate':
      text = text.slice(0, Math.floor(text.length * spec.cut));
      return {
        topic,
        payload: Buffer.from(text),
        readings: [],
        reasons: new Set([spec.station === 'unknown' ? 'unknown_station' : 'malformed_json']),
      };
    case 'garbage':
      return {
        topic,
        payload: Buffer.from(spec.garbage),
        readings: [],
        reasons: spec.station === 'unknown' ? new Set(['unknown_station']) : undefined,
      };
  }
}

function isoPlus8(ts: number): string {
  return new Date(ts + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
}
