/**
 * ISO 8601 local times with their offset (`2024-05-01T08:00:00+08:00`) for thousands of points per response.
 * `formatInZone` asks Intl for every value (~5 µs); here the zone's offset segments over the range are
 * computed once and each time is plain arithmetic, which keeps a 90-day hourly series cheap to serialise.
 */
import { offsetSegments, type OffsetSegment } from '../domain/time-window.js';

const DAY = 86_400_000;

function offsetText(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(offsetMs) / 60_000;
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(Math.round(minutes % 60)).padStart(2, '0')}`;
}

/** A formatter valid for instants in [from − 1 day, to + 1 day); others fall back to a fresh segment lookup. */
export function createTimeFormatter(timeZone: string, from: number, to: number): (ts: number) => string {
  let segments: OffsetSegment[] = offsetSegments(from - DAY, to + DAY, timeZone);
  const texts = new Map<number, string>();
  const segmentOf = (ts: number): OffsetSegment => {
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid]!.from <= ts) lo = mid;
      else hi = mid - 1;
    }
    const found = segments[lo]!;
    if (ts >= found.from && ts < found.to) return found;
    segments = offsetSegments(ts - DAY, ts + DAY, timeZone);
    return segmentOf(ts);
  };
  return (ts) => {
    const { offset } = segmentOf(ts);
    let suffix = texts.get(offset);
    if (suffix === undefined) {
      suffix = offsetText(offset);
      texts.set(offset, suffix);
    }
    const local = new Date(ts + offset).toISOString();
    return (local.endsWith('.000Z') ? local.slice(0, 19) : local.slice(0, 23)) + suffix;
  };
}
