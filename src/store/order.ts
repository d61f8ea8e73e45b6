/** The orders both adapters return rows in, compared as JavaScript strings (UTF-16 code units). */
import type { LatestValue } from './reading-store.js';

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byStationThenParameter(a: LatestValue, b: LatestValue): number {
  return compareText(a.stationId, b.stationId) || compareText(a.parameter, b.parameter);
}

export function byTimeThenParameter(
  a: { ts: number; parameter: string },
  b: { ts: number; parameter: string },
): number {
  return a.ts - b.ts || compareText(a.parameter, b.parameter);
}
