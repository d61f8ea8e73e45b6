/**
 * One MQTT message in, readings and dead letters out — every message ends as a counted outcome, never an
 * exception. Pure apart from the clock passed in: no I/O, so it is tested exhaustively and fuzzed.
 *
 * Granularity: the valid readings of a partly valid message are kept; the rejected parts become one dead
 * letter per reason, whose detail lists every rejected item, with the whole raw payload attached.
 */
import { isDataFlag, type DataFlag } from '../domain/flags.js';
import { isPossible, resolveParameter, toCanonicalUnit, UnitError, type Parameter } from '../domain/parameters.js';
import type { DeadLetter, Reading } from '../domain/reading.js';
import { createBoundedMemo } from './bounded-memo.js';
import { decodeDataPayload, describeType } from './decode-data.js';
import { decodeSenmlPayload } from './decode-senml.js';
import {
  MAX_KEYS_PER_ENTRY,
  whereOf,
  type DecodeContext,
  type DecodedPayload,
  type RawEntry,
  type RawItem,
} from './raw-entry.js';
import type { Problem, RejectionReason } from './rejection.js';
import type { StationDirectory } from './station-directory.js';
import { parseTopic, stationOfTopic, type ParsedTopic, type PayloadFormat } from './topics.js';

export interface DecodedMessage {
  stationId: string;
  format: PayloadFormat | 'other';
  readings: Reading[];
  deadLetters: DeadLetter[];
}

export interface MessageDecoderOptions {
  stations: StationDirectory;
  maxPayloadBytes: number;
  maxFutureSkewSeconds: number;
}

export interface MessageDecoder {
  decode(topic: string, payload: Uint8Array, receivedAt: number): DecodedMessage;
}

export interface MemoizingDecoder extends MessageDecoder {
  /** What the decoder's memos hold: bounded whatever stations send (issue 12, item 6). */
  memoStats(): { spellings: number; topics: number; bytes: number };
}

/** Oversized payloads are kept only in part: enough to recognise the sender. */
const OVERSIZED_KEEP_BYTES = 1024;
/** A dead letter's detail lists the rejected items up to about this length. */
const MAX_DETAIL_CHARS = 1500;
/**
 * The memos: parameter spellings (only those that name a parameter, 64 characters at most) and topics (only those
 * of catalog stations). Together under half a megabyte whatever stations invent.
 */
const SPELLING_MEMO = { maxBytes: 256 * 1024, maxKeyLength: 64 };
const TOPIC_MEMO = { maxBytes: 256 * 1024, maxKeyLength: 160 };
/**
 * No parameter is spelled longer (the longest name is 41 characters, "five-day biochemical oxygen demand (BOD5)");
 * a longer key is an unknown parameter without being folded.
 */
const MAX_SPELLING_LENGTH = 128;

/** Parameter → the first other spelling under which a map (flags or units) gives it; built when first needed. */
interface SpellingIndex {
  byParameter?: Map<string, string>;
}

interface EntryIndexes {
  flags: SpellingIndex;
  units: SpellingIndex;
}

interface Seen {
  /** Numbers the entries validated. */
  entry: number;
  /** Parameter code → how it was spelled, and in which entry (`entry` at the time). */
  spelling: Map<string, string>;
  inEntry: Map<string, number>;
}

export function createMessageDecoder(options: MessageDecoderOptions): MemoizingDecoder {
  const maxFutureSkewMs = options.maxFutureSkewSeconds * 1000;
  // Parameter spellings repeat in every message; folding them each time would dominate the decode cost. Only
  // spellings that name a parameter are remembered: what a station invents is folded again, never kept.
  const spellings = createBoundedMemo<Parameter>(SPELLING_MEMO);
  const resolve = (key: string): Parameter | undefined => {
    const known = spellings.get(key);
    if (known !== undefined || key.length > MAX_SPELLING_LENGTH) return known;
    const found = resolveParameter(key);
    if (found) spellings.remember(key, found);
    return found;
  };

  // Topics repeat too (one or two per station): only those of catalog stations are remembered.
  const topics = createBoundedMemo<ParsedTopic>(TOPIC_MEMO);
  const parseTopicCached = (topic: string): ParsedTopic | undefined => {
    const known = topics.get(topic);
    if (known !== undefined) return known;
    const parsed = parseTopic(topic);
    if (parsed && options.stations.station(parsed.stationId)) topics.remember(topic, parsed);
    return parsed;
  };

  // Parameters already given for the entry being validated: the spelling, and the entry it was seen in. The
  // maps keep one key per parameter code for good, so the per-entry reset allocates nothing (a cleared Map
  // allocates a new table, which in the group commit outlived scavenges: ~20 % of the old-space garbage).
  const seen: Seen = { entry: 0, spelling: new Map(), inEntry: new Map() };

  /**
   * The unit or flag given for an item: under its own spelling, else under another spelling of the same parameter
   * (the first one). The index of the other spellings is built once per entry, when first needed, so that the
   * cost is linear in the keys (walking every key for every value was quadratic: issue 12, item 2).
   */
  const lookup = (
    map: Record<string, unknown> | undefined,
    index: SpellingIndex,
    key: string,
    param: Parameter,
  ): unknown => {
    if (map === undefined) return undefined;
    if (Object.hasOwn(map, key)) return map[key];
    if (index.byParameter === undefined) {
      index.byParameter = new Map();
      for (const other of Object.keys(map)) {
        const p = resolve(other);
        if (p && !index.byParameter.has(p.code)) index.byParameter.set(p.code, other);
      }
    }
    const other = index.byParameter.get(param.code);
    return other === undefined ? undefined : map[other];
  };

  function validateItem(
    item: RawItem,
    entry: RawEntry,
    indexes: EntryIndexes,
    ts: number,
    stationId: string,
    measured: readonly string[],
    seen: Seen,
  ): Reading | Problem {
    const param = resolve(item.key);
    if (!param)
      return {
        reason: 'unknown_parameter',
        detail: `${whereOf(entry, item)}: "${clip(item.key)}" is not a known parameter code, HJ 212 code or alias`,
      };
    if (!measured.includes(param.code)) {
      return {
        reason: 'parameter_not_at_station',
        detail: `${whereOf(entry, item)}: ${param.code} (${param.nameZh}) is not among the parameters of station ${stationId} in the catalog`,
      };
    }
    if (typeof item.value !== 'number' || !Number.isFinite(item.value)) {
      return {
        reason: 'invalid_value',
        detail: `${whereOf(entry, item)}: expected a finite number, got ${describe(item.value)}`,
      };
    }
    const rawFlag = item.flag ?? lookup(entry.flags, indexes.flags, item.key, param);
    let flag: DataFlag = 'N';
    if (rawFlag !== undefined) {
      const upper = typeof rawFlag === 'string' ? rawFlag.trim().toUpperCase() : '';
      if (!isDataFlag(upper))
        return {
          reason: 'invalid_flag',
          detail: `${whereOf(entry, item)}: flag ${describe(rawFlag)} is not one of N F M S D C T B`,
        };
      flag = upper;
    }
    let value = item.value;
    const unit = item.unit ?? lookup(entry.units, indexes.units, item.key, param);
    if (unit !== undefined) {
      if (typeof unit !== 'string')
        return { reason: 'bad_unit', detail: `${whereOf(entry, item)}: unit must be a string, got ${describe(unit)}` };
      try {
        const converted = toCanonicalUnit(param, value, unit);
        // Conversion factors like 1e-3 leave binary noise (0.42000000000000004); 12 digits is far below any sensor's.
        value = converted === value ? value : Number(converted.toPrecision(12));
      } catch (err) {
        if (!(err instanceof UnitError)) throw err;
        return { reason: 'bad_unit', detail: `${whereOf(entry, item)}: ${err.message}` };
      }
    }
    // Impossible values are refused; unusual ones are kept and left to sensor health (docs/standards.md).
    if (!isPossible(param, value)) {
      return {
        reason: 'implausible_value',
        detail: `${whereOf(entry, item)}: ${value}${param.unit ? ` ${param.unit}` : ''} is physically impossible for ${param.code} (${param.nameZh}), possible ${param.possible.min}…${param.possible.max}`,
      };
    }
    if (seen.inEntry.get(param.code) === seen.entry) {
      const earlier = seen.spelling.get(param.code)!;
      return {
        reason: 'duplicate_parameter',
        detail: `${whereOf(entry, item)}: ${param.code} was already given as ${clip(earlier)} for the same time; the first is kept`,
      };
    }
    seen.inEntry.set(param.code, seen.entry);
    seen.spelling.set(param.code, item.key);
    return { stationId, parameter: param.code, ts, value, flag };
  }

  return {
    memoStats: () => ({ spellings: spellings.size, topics: topics.size, bytes: spellings.bytes + topics.bytes }),
    decode(topic, payload, receivedAt) {
      const fail = (
        stationId: string,
        format: DecodedMessage['format'],
        reason: RejectionReason,
        detail: string,
        text: string,
      ): DecodedMessage => ({
        stationId,
        format,
        readings: [],
        deadLetters: [{ receivedAt, stationId, topic, reason, detail, payload: text }],
      });

      const parsed = parseTopicCached(topic);
      if (!parsed) {
        return fail(
          stationOfTopic(topic),
          'other',
          'invalid_topic',
          `topic "${clip(topic)}" is not wq/{stationId}/data or wq/{stationId}/senml`,
          utf8(payload, options.maxPayloadBytes),
        );
      }
      const { stationId, format } = parsed;
      if (payload.byteLength > options.maxPayloadBytes) {
        return fail(
          stationId,
          format,
          'payload_too_large',
          `${payload.byteLength} bytes, limit ${options.maxPayloadBytes} (first ${OVERSIZED_KEEP_BYTES} bytes kept)`,
          utf8(payload, OVERSIZED_KEEP_BYTES),
        );
      }
      const text = utf8(payload, payload.byteLength);
      const station = options.stations.station(stationId);
      if (!station)
        return fail(stationId, format, 'unknown_station', `station "${stationId}" is not in the catalog`, text);

      let json: unknown;
      try {
        json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch (err) {
        return fail(stationId, format, 'malformed_json', (err as Error).message, text);
      }

      const ctx: DecodeContext = { now: receivedAt, maxFutureSkewMs };
      const decoded: DecodedPayload = format === 'data' ? decodeDataPayload(json, ctx) : decodeSenmlPayload(json, ctx);
      const problems = decoded.problems;
      const readings: Reading[] = [];
      const measured = station.parameters as readonly string[];
      for (const entry of decoded.entries) {
        if (typeof entry.ts !== 'number') {
          problems.push({
            ...entry.ts,
            detail: `${entry.ts.detail} (${entry.items.length} value${entry.items.length === 1 ? '' : 's'} rejected)`,
          });
          continue;
        }
        if (entry.items.length > MAX_KEYS_PER_ENTRY) {
          // More parameters than exist for one time: a real logger never sends that (docs/mqtt.md, limits).
          problems.push({
            reason: 'invalid_message',
            detail: `${entry.where ?? ''}${entry.items.length} values for one time, at most ${MAX_KEYS_PER_ENTRY} (all rejected)`,
          });
          continue;
        }
        seen.entry++;
        const indexes: EntryIndexes = { flags: {}, units: {} };
        for (const item of entry.items) {
          const outcome = validateItem(item, entry, indexes, entry.ts, stationId, measured, seen);
          if ('reason' in outcome) problems.push(outcome);
          else readings.push(outcome);
        }
      }
      // Nothing to store and nothing wrong found (e.g. a SenML pack of records without names or values):
      // still an outcome, never a silent drop.
      if (readings.length === 0 && problems.length === 0)
        problems.push({ reason: 'invalid_message', detail: 'the message holds no readings' });
      return {
        stationId,
        format,
        readings,
        deadLetters: groupProblems(problems, { receivedAt, stationId, topic, payload: text }),
      };
    },
  };
}

function groupProblems(problems: Problem[], base: Omit<DeadLetter, 'reason' | 'detail'>): DeadLetter[] {
  if (problems.length === 0) return [];
  const byReason = new Map<RejectionReason, string[]>();
  for (const p of problems) {
    const list = byReason.get(p.reason);
    if (list) list.push(p.detail);
    else byReason.set(p.reason, [p.detail]);
  }
  return [...byReason].map(([reason, details]) => ({ ...base, reason, detail: joinDetails(details) }));
}

function joinDetails(details: string[]): string {
  let out = '';
  for (let i = 0; i < details.length; i++) {
    const next = out === '' ? details[i]! : `${out}; ${details[i]!}`;
    if (next.length > MAX_DETAIL_CHARS && out !== '') return `${out}; … and ${details.length - i} more`;
    out = next;
  }
  return out;
}

function utf8(payload: Uint8Array, maxBytes: number): string {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, maxBytes));
  return bytes.toString('utf8');
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/**
 * A value for a dead letter's detail. Objects and arrays are named, not serialised: a value nested 50,000 levels
 * deep must cost its own item, not overflow the stack and lose the message (issue 12, item 10).
 */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return clip(JSON.stringify(value));
  return describeType(value);
}
