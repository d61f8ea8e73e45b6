/**
 * Wall-clock time in an IANA zone ↔ epoch ms, with Intl only (no tz database of our own). Used to read `from`/`to`
 * written without an offset as local time, and to write times back with their offset.
 */

import { isValidTimeZone, utcOffset } from '../../domain/time-window.js';

export { isValidTimeZone };

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  return utcOffset(epochMs, timeZone);
}

/** The instant a wall-clock time denotes in `timeZone`. In a DST gap or overlap the earlier offset wins. */
export function wallClockToEpoch(wall: WallClock, timeZone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  const first = asUtc - zoneOffsetMs(asUtc, timeZone);
  const offset = zoneOffsetMs(first, timeZone);
  return asUtc - offset;
}

/** ISO 8601 with the zone's offset: `2024-05-01T08:00:00+08:00` (milliseconds only when not zero). */
export function formatInZone(epochMs: number, timeZone: string): string {
  const offset = zoneOffsetMs(epochMs, timeZone);
  const local = new Date(epochMs + offset).toISOString();
  const body = local.endsWith('.000Z') ? local.slice(0, 19) : local.slice(0, 23);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / 60_000;
  return `${body}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
