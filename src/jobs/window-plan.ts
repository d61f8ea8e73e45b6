/**
 * Which windows a job judges, for one (station, rule): pure. Windows are aligned to local time (4 h windows
 * start at 00:00, 04:00 … in TIMEZONE; days at local midnight) and judged only once they are complete and a
 * grace delay has passed, so late readings are in. After downtime the compliance rules catch up every window
 * completed since the last one judged, in order, back to a limit; the instant rules judge only the latest
 * window (a pre-alert about last night's trend is no use in the morning, and the compliance windows cover it).
 */
import { nominalWindowMs, bucketStart, bucketsBetween, parseWindow, type TimeWindow } from '../domain/time-window.js';
import type { AlertSettings } from '../alerts/settings.js';
import type { RuleId } from '../alerts/types.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Rules judged on completed windows of their own length, with catch-up. */
export const WINDOW_RULES: readonly RuleId[] = ['section_compliance', 'threshold', 'effluent_hourly', 'effluent_daily'];

/** Rules that look back from the evaluation time over their own span: judged on the latest short window. */
export const INSTANT_RULES: readonly RuleId[] = [
  'early_warning',
  'trend_warning',
  'station_offline',
  'sensor_stuck',
  'sensor_out_of_range',
  'sensor_spikes',
  'sensor_flags',
  'sensor_check_failed',
];

export type RuleKind = 'window' | 'instant';

export function ruleKind(rule: RuleId): RuleKind {
  return WINDOW_RULES.includes(rule) ? 'window' : 'instant';
}

/** A duration as a local-time window ('4h', '1d'); throws TimeWindowError when it does not divide a day. */
export function windowOfDuration(ms: number): TimeWindow {
  if (ms > 0 && ms % DAY === 0) return parseWindow(`${ms / DAY}d`);
  if (ms > 0 && ms % HOUR === 0) return parseWindow(`${ms / HOUR}h`);
  if (ms > 0 && ms % MINUTE === 0) return parseWindow(`${ms / MINUTE}m`);
  return parseWindow(`${ms}ms`);
}

/** The window a rule is judged on at a station (settings already carry the station's catalog overrides). */
export function ruleWindow(rule: RuleId, settings: AlertSettings, instant: TimeWindow): TimeWindow {
  switch (rule) {
    case 'section_compliance':
    case 'threshold':
      return windowOfDuration(settings.sectionWindow);
    case 'effluent_hourly':
      return parseWindow('1h');
    case 'effluent_daily':
      return parseWindow('1d');
    default:
      return instant;
  }
}

export interface Window {
  start: number;
  end: number;
}

export interface DuePlan {
  /** Windows to judge, oldest first. */
  windows: Window[];
  /** Completed windows left out because they are older than the catch-up limit. */
  skipped: number;
}

export interface DueInput {
  window: TimeWindow;
  timeZone: string;
  /** End of the last window judged for (rule, station), or null when none ever was. */
  lastEnd: number | null;
  now: number;
  /** Grace after a window closes. */
  delayMs: number;
  /** How far back catch-up goes; 0 or `catchUp: false` judges only the latest completed window. */
  maxCatchUpMs: number;
  catchUp: boolean;
}

/**
 * The completed windows (end + delay ≤ now) not judged yet. Without a record (a new station or rule) only the
 * latest one: Qingliu does not back-fill history it was not running for.
 */
export function dueWindows(input: DueInput): DuePlan {
  const { window, timeZone } = input;
  const cutoff = input.now - input.delayMs;
  const latestEnd = bucketStart(cutoff, window, timeZone);
  if (input.lastEnd !== null && input.lastEnd >= latestEnd) return { windows: [], skipped: 0 };
  const latestStart = bucketStart(latestEnd - 1, window, timeZone);
  if (input.lastEnd === null || !input.catchUp || input.maxCatchUpMs <= 0) {
    return { windows: [{ start: latestStart, end: latestEnd }], skipped: 0 };
  }
  const limit = Math.max(input.lastEnd, latestEnd - Math.max(input.maxCatchUpMs, nominalWindowMs(window)));
  // Starts of complete windows in [limit, latestEnd); a window cut by `lastEnd` (its length changed) is left out.
  const starts = bucketsBetween(limit, latestEnd, window, timeZone).filter((s) => s >= limit);
  const windows = starts.map((start, i) => ({ start, end: starts[i + 1] ?? latestEnd }));
  const skipped =
    limit > input.lastEnd
      ? bucketsBetween(input.lastEnd, limit, window, timeZone).filter((s) => s >= input.lastEnd!).length
      : 0;
  return { windows, skipped };
}
