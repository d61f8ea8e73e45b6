/**
 * HJ 212 times: `YYYYMMDDhhmmss` (DataTime, SystemTime, BeginTime, EndTime) and `YYYYMMDDhhmmsszzz` (QN), with no
 * offset — they are the station's local time (issue 13 §4: the catalog's or TIMEZONE's zone, Beijing by default).
 */
import { localTimeToUtc, toLocalTime, type Zone } from '../../domain/time-window.js';

const TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/;

/** Epoch ms of an HJ 212 local time in `zone`; undefined when the text is not a valid 14- or 17-digit time. */
export function parseHj212Time(text: string, zone: Zone): number | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i])) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millisecond = m[7] === undefined ? 0 : Number(m[7]);
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
