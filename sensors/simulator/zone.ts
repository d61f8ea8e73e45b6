/**
 * Local time for the simulator: diurnal cycles follow the sun, stations report on the local clock
 * (a 4-hourly station reports at 00:00, 04:00 … Beijing time, as CNEMC stations do), and messages carry
 * ISO 8601 timestamps with the local offset, as the MQTT contract shows.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Zone {
  readonly timeZone: string;
  /** Offset of local time from UTC at instant `t`, in ms (+8 h for Asia/Shanghai). */
  offsetMs(t: number): number;
  /** Local hour of day as a fraction, 0 ≤ h < 24. */
  localHour(t: number): number;
  /** Day of the year in local time, 0-based, with the fraction of the day. */
  dayOfYear(t: number): number;
  /** `2026-11-28T08:00:00+08:00` (milliseconds only when non-zero). */
  iso(t: number): string;
  /** Start of the local day containing `t`. */
  startOfDay(t: number): number;
}

function offsetFromIntl(format: Intl.DateTimeFormat, t: number): number {
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(t))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
  return asUtc - Math.floor(t / 1000) * 1000;
}

export function createZone(timeZone = 'Asia/Shanghai'): Zone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  // Most zones that matter here (Asia/Shanghai) have no daylight saving: then one offset serves every instant.
  const probe = [Date.UTC(2025, 0, 15), Date.UTC(2025, 6, 15)].map((t) => offsetFromIntl(format, t));
  const fixed = probe[0] === probe[1] ? probe[0]! : undefined;
  // Per-instance cache by hour for zones with DST; bounded so a long run does not grow it forever.
  const cache = new Map<number, number>();
  const offsetMs = (t: number): number => {
    if (fixed !== undefined) return fixed;
    const key = Math.floor(t / HOUR);
    let off = cache.get(key);
    if (off === undefined) {
      off = offsetFromIntl(format, t);
      if (cache.size > 10_000) cache.clear();
      cache.set(key, off);
    }
    return off;
  };
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return {
    timeZone,
    offsetMs,
    localHour(t) {
      const local = t + offsetMs(t);
      return (((local % DAY) + DAY) % DAY) / HOUR;
    },
    dayOfYear(t) {
      const local = new Date(t + offsetMs(t));
      const yearStart = Date.UTC(local.getUTCFullYear(), 0, 1);
      return (local.getTime() - yearStart) / DAY;
    },
    iso(t) {
      const off = offsetMs(t);
      const d = new Date(t + off);
      const ms = d.getUTCMilliseconds();
      const sign = off < 0 ? '-' : '+';
      const abs = Math.abs(off) / 60_000;
      return (
        `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
        `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
        (ms === 0 ? '' : `.${pad(ms, 3)}`) +
        `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
      );
    },
    startOfDay(t) {
      const off = offsetMs(t);
      return Math.floor((t + off) / DAY) * DAY - off;
    },
  };
}

/**
 * Reporting instants of a station: multiples of its interval on the local clock. Intervals that divide a day
 * (1h, 4h, 5m) line up with local midnight; longer ones line up with the Unix epoch in local time.
 */
export function alignedSlot(zone: Zone, t: number, intervalMs: number): number {
  const off = zone.offsetMs(t);
  return Math.floor((t + off) / intervalMs) * intervalMs - off;
}

/** Reporting instants in the half-open range (from, to], oldest first. */
export function* slotsBetween(zone: Zone, from: number, to: number, intervalMs: number): Generator<number> {
  let t = alignedSlot(zone, from, intervalMs);
  if (t <= from) t += intervalMs;
  for (; t <= to; t += intervalMs) yield t;
}

/** How many reporting instants lie in (from, to]. */
export function countSlots(zone: Zone, from: number, to: number, intervalMs: number): number {
  if (to <= from) return 0;
  let first = alignedSlot(zone, from, intervalMs);
  if (first <= from) first += intervalMs;
  return first > to ? 0 : Math.floor((to - first) / intervalMs) + 1;
}
