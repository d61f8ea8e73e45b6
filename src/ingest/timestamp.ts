/**
 * Message timestamps: ISO 8601 with an explicit offset, or epoch milliseconds. A local time without an
 * offset is refused rather than guessed: a station clock in UTC read as Beijing time shifts every reading 8 h.
 */
import { daysInMonth } from '../domain/time-window.js';
import type { Problem } from './rejection.js';

/** Earlier than this is almost certainly epoch seconds sent as milliseconds (1.7e9 ms is January 1970). */
export const EARLIEST_TS = Date.UTC(2000, 0, 1);

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;

/** Parses an ISO 8601 date-time with offset into epoch ms; undefined when it is not one. */
export function parseIsoTimestamp(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // Sub-millisecond digits are truncated (the store keeps milliseconds).
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8] as string;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 18 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

/**
 * Validates a message's `ts`: present, ISO 8601 with offset or integer epoch ms, after 2000-01-01, and not
 * further ahead of `now` than `maxFutureSkewMs`.
 */
export function readTimestamp(raw: unknown, now: number, maxFutureSkewMs: number, where: string): number | Problem {
  let ts: number | undefined;
  if (raw === undefined || raw === null) {
    return { reason: 'invalid_timestamp', detail: `${where}ts is missing` };
  } else if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw)) return { reason: 'invalid_timestamp', detail: `${where}ts ${raw} is not an integer of epoch milliseconds` };
    ts = raw;
  } else if (typeof raw === 'string') {
    ts = parseIsoTimestamp(raw);
    if (ts === undefined) {
      return { reason: 'invalid_timestamp', detail: `${where}ts ${JSON.stringify(raw.slice(0, 64))} is not ISO 8601 with an offset, e.g. 2026-11-28T08:00:00+08:00` };
    }
  } else {
    return { reason: 'invalid_timestamp', detail: `${where}ts must be an ISO 8601 string or epoch milliseconds, got ${typeof raw}` };
  }
  return checkTimestampRange(ts, now, maxFutureSkewMs, where);
}

/** The range rules shared by every format: after 2000-01-01, at most `maxFutureSkewMs` ahead of `now`. */
export function checkTimestampRange(ts: number, now: number, maxFutureSkewMs: number, where: string): number | Problem {
  if (!Number.isFinite(ts)) return { reason: 'invalid_timestamp', detail: `${where}time is not a finite number` };
  if (ts < EARLIEST_TS) {
    return { reason: 'invalid_timestamp', detail: `${where}ts ${describe(ts)} is before 2000-01-01 (epoch seconds sent instead of milliseconds?)` };
  }
  if (ts > now + maxFutureSkewMs) {
    return {
      reason: 'future_timestamp',
      detail: `${where}ts ${describe(ts)} is ${Math.round((ts - now) / 1000)} s ahead of the server clock (limit ${Math.round(maxFutureSkewMs / 1000)} s)`,
    };
  }
  return ts;
}

/** ISO form for messages; Date cannot represent beyond ±8.64e15 ms. */
function describe(ts: number): string {
  return Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString() : String(ts);
}
