/**
 * Data freshness of a station for the map and the station list: `online` while readings arrive on time,
 * `late` once a reading is overdue by half an interval, `offline` after the station's `alerts.offline_after`
 * (default 3 × interval, the same gap after which the alert rules raise "station offline").
 */
import type { Station } from '../catalog/index.js';

export const FRESHNESS = ['online', 'late', 'offline'] as const;
export type Freshness = (typeof FRESHNESS)[number];

/** A reading is due every interval; half an interval of slack covers transmission and clock skew. */
const LATE_FACTOR = 1.5;
const OFFLINE_FACTOR = 3;

export function offlineAfterMs(station: Station): number {
  return station.alerts?.offline_after ?? OFFLINE_FACTOR * station.interval;
}

export interface FreshnessInfo {
  status: Freshness;
  /** Newest reading of any flag, epoch ms; null when the station never sent one. */
  lastReadingAt: number | null;
  /** now − lastReadingAt, ms; null without a reading. */
  ageMs: number | null;
}

export function freshnessOf(station: Station, lastReadingAt: number | undefined, now: number): FreshnessInfo {
  if (lastReadingAt === undefined) return { status: 'offline', lastReadingAt: null, ageMs: null };
  const age = Math.max(0, now - lastReadingAt);
  const offline = offlineAfterMs(station);
  const status: Freshness = age > offline ? 'offline' : age > LATE_FACTOR * station.interval ? 'late' : 'online';
  return { status, lastReadingAt, ageMs: age };
}
