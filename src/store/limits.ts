/**
 * Page sizes and field caps that both adapters apply, so that they return the same answers.
 * Dead-letter text is capped because InfluxDB 1.x limits string fields to 64 KB and because a rejected
 * 256 KiB payload is diagnosed from its beginning; the cap is in UTF-8 bytes and never splits a character.
 */
import type { DeadLetter } from '../domain/reading.js';

/**
 * The instants every store can answer for, so that a question has the same answer on both (issue 12 item 13):
 * InfluxDB keeps time as int64 nanoseconds (1677-09-21 to 2262-04-11) and JavaScript dates end at ±8.64e15 ms.
 * 1900-01-01 to 2200-01-01 (UTC) leaves room for aligning windows to local days, months and years at either end.
 */
export const EARLIEST_TIME = Date.UTC(1900, 0, 1);
export const LATEST_TIME = Date.UTC(2200, 0, 1);

export const RAW_PAGE_DEFAULT = 1_000;
export const RAW_PAGE_MAX = 10_000;
export const DEAD_LETTER_PAGE_DEFAULT = 100;
export const DEAD_LETTER_PAGE_MAX = 1_000;
export const DEAD_LETTER_PAYLOAD_MAX_BYTES = 32 * 1024;
export const DEAD_LETTER_TEXT_MAX_BYTES = 2 * 1024;

/** A page size within [1, max]; `undefined` gives the default. */
export function pageSize(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(1, Math.floor(limit)));
}

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Every UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no measuring.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that did not fit.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** The dead letter as both adapters store it. */
export function capDeadLetter(letter: DeadLetter): DeadLetter {
  return {
    receivedAt: Math.trunc(letter.receivedAt),
    stationId: truncateUtf8(letter.stationId, DEAD_LETTER_TEXT_MAX_BYTES),
    topic: truncateUtf8(letter.topic, DEAD_LETTER_TEXT_MAX_BYTES),
    reason: truncateUtf8(letter.reason, DEAD_LETTER_TEXT_MAX_BYTES),
    detail: truncateUtf8(letter.detail, DEAD_LETTER_TEXT_MAX_BYTES),
    payload: truncateUtf8(letter.payload, DEAD_LETTER_PAYLOAD_MAX_BYTES),
  };
}
