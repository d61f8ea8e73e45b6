/**
 * How many valid readings a window needs before it is judged (standards.md §6 decision 9): a share of the
 * readings the station should have sent in the part of the window that was asked for and has elapsed. The
 * share defaults to 75 % and a station may override it in the catalog (`alerts.min_valid_share`).
 * The alert rules (src/alerts/rules/window-means.ts) apply the same arithmetic, so that the API and the
 * alerts call the same windows "insufficient data".
 */
import type { Station } from '../catalog/index.js';

export const DEFAULT_MIN_VALID_SHARE = 0.75;

export function minValidShareOf(station: Station, fallback = DEFAULT_MIN_VALID_SHARE): number {
  return station.alerts?.min_valid_share ?? fallback;
}

/** Readings a station reporting every `intervalMs` should send in `spanMs` (0 when the span is shorter). */
export function expectedCount(spanMs: number, intervalMs: number): number {
  if (!(spanMs > 0) || !(intervalMs > 0)) return 0;
  // The epsilon keeps 24 h / 4 h from becoming 5.999… after clipping arithmetic.
  return Math.floor(spanMs / intervalMs + 1e-9);
}

/** Valid readings needed: the share of the expected count, rounded up, and never less than one. */
export function requiredCount(expected: number, share: number): number {
  return Math.max(1, Math.ceil(expected * share - 1e-9));
}
