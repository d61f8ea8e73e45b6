/**
 * HJ 212 times: `YYYYMMDDhhmmss` (DataTime, SystemTime, BeginTime, EndTime) and `YYYYMMDDhhmmsszzz` (QN), with no
 * offset — they are the station's local time (issue 13 §4: the catalog's or TIMEZONE's zone, Beijing by default).
 */
import { daysInMonth, localTimeToUtc, toLocalTime, type Zone } from '../../domain/time-window.js';

/** The number written by the ASCII digits `text[from, from + count)`; -1 when one is not a digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Epoch ms of an HJ 212 local time in `zone`; undefined when the text is not a valid 14- or 17-digit time. Read
 * digit by digit (every data packet has one).
 */
export function parseHj212Time(text: string, zone: Zone): number | undefined {
  if (text.length !== 14 && text.length !== 17) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 4, 2);
  const day = digits(text, 6, 2);
  const hour = digits(text, 8, 2);
  const minute = digits(text, 10, 2);
  const second = digits(text, 12, 2);
  const millisecond = text.length === 17 ? digits(text, 14, 3) : 0;
  if (year < 0 || hour < 0 || minute < 0 || second < 0 || millisecond < 0) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return localTimeToUtc({ year, month, day, hour, minute, second, millisecond }, zone);
}

/** `YYYYMMDDhhmmss` in `zone` (DataTime, SystemTime, BeginTime/EndTime). */
export function formatHj212Time(ts: number, zone: Zone): string {
  const t = toLocalTime(ts, zone);
  return `${t.year}${two(t.month)}${two(t.day)}${two(t.hour)}${two(t.minute)}${two(t.second)}`;
}

/** A QN: `YYYYMMDDhhmmsszzz` in `zone` (HJ 212-2017 Table 3: request id with milliseconds). */
export function formatQn(ts: number, zone: Zone): string {
  return `${formatHj212Time(ts, zone)}${String(toLocalTime(ts, zone).millisecond).padStart(3, '0')}`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const QUARTER_HOUR = 15 * 60_000;

/**
 * The zone with its offsets remembered per quarter hour: every packet converts a DataTime, and Intl's offset lookup
 * costs several microseconds. Offsets change only at quarter-hour boundaries in every real zone, so this is exact.
 */
export function cachedZone(zone: Zone, maxEntries = 4096): Zone {
  const offsets = new Map<number, number>();
  return {
    name: zone.name,
    offsetAt(ts: number): number {
      const key = Math.floor(ts / QUARTER_HOUR);
      let offset = offsets.get(key);
      if (offset === undefined) {
        if (offsets.size >= maxEntries) offsets.clear();
        offset = zone.offsetAt(ts);
        offsets.set(key, offset);
      }
      return offset;
    },
  };
}
