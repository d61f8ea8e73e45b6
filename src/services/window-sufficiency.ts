/**
 * How many valid readings a window needs before it is judged (standards.md §6 decision 9): a share of the
 * readings the station should have sent in the part of the window that was asked for and has elapsed. The
 * share defaults to 75 % and a station may override it in the catalog (`alerts.min_valid_share`).
 * The required count comes from src/domain/window-sufficiency.ts, shared with the alert rules. The expected
 * count here counts only the elapsed part of a window (0 when it is shorter than the interval); the alert rules
 * judge completed windows only and expect at least one reading.
 */
import type { Station } from '../catalog/index.js';
import { DEFAULT_MIN_VALID_SHARE } from '../domain/window-sufficiency.js';

export { DEFAULT_MIN_VALID_SHARE, requiredCount } from '../domain/window-sufficiency.js';

export function minValidShareOf(station: Station, fallback = DEFAULT_MIN_VALID_SHARE): number {
  return station.alerts?.min_valid_share ?? fallback;
}

/** Readings a station reporting every `intervalMs` should send in `spanMs` (0 when the span is shorter). */
export function expectedCount(spanMs: number, intervalMs: number): number {
  if (!(spanMs > 0) || !(intervalMs > 0)) return 0;
  // The epsilon keeps 24 h / 4 h from becoming 5.999… after clipping arithmetic.
  return Math.floor(spanMs / intervalMs + 1e-9);
}
