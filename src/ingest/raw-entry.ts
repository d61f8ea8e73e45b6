/**
 * What a payload decoder hands to validation: entries (one timestamp each) of raw, unvalidated items.
 * Decoders only take the payload apart; whether a parameter, value, unit or flag is acceptable is decided in
 * one place (message-decoder.ts) for every format.
 */
import type { Problem } from './rejection.js';

export interface RawItem {
  /** The parameter as the station spelled it (canonical code, HJ 212 code or alias). */
  key: string;
  value: unknown;
  /** SenML: the record's index, for dead-letter details (`[2] nh3n`). */
  record?: number;
  /** Per-item unit and flag (SenML records); JSON messages give them per entry in `units`/`flags`. */
  unit?: unknown;
  flag?: unknown;
}

export interface RawEntry {
  /** JSON format: the entry's place in a backfill array (`[2] `, or '' for a single object). */
  where?: string;
  /** Epoch ms, or why the entry's time is unusable (then every item of the entry is rejected with it). */
  ts: number | Problem;
  items: RawItem[];
  /** Parameter spelling → unit / flag, matched by exact key, then by resolved parameter. */
  units?: Record<string, unknown>;
  flags?: Record<string, unknown>;
}

export interface DecodedPayload {
  entries: RawEntry[];
  /** Problems that belong to no item: a malformed element, a wrong type for `values`, … */
  problems: Problem[];
}

export interface DecodeContext {
  now: number;
  maxFutureSkewMs: number;
}

/**
 * Keys of `values`, `flags` or `units` for one time, and SenML records for one time: there are 33 parameters, so
 * a real logger never sends more than 64; beyond it the entry is refused whole (docs/mqtt.md, "Limits").
 */
export const MAX_KEYS_PER_ENTRY = 64;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where an item sits in the payload, for dead-letter details: `values.nh3n`, `[2] values.nh3n` or `[2] nh3n`.
 * Built only when something is wrong: most items never need it.
 */
export function whereOf(entry: RawEntry, item: RawItem): string {
  return item.record !== undefined ? `[${item.record}] ${item.key}` : `${entry.where ?? ''}values.${item.key}`;
}
