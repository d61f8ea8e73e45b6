/** What the data routes need from the composition root. */
import type { AlertStore } from '../../alerts/alert-store.js';
import type { Catalog } from '../../catalog/index.js';
import type { ReadingStore } from '../../store/reading-store.js';

export interface DataRouteDeps {
  store: ReadingStore;
  /** The catalog in force. A getter: the composition root may load the catalog in start() or reload it. */
  catalog: () => Catalog;
  now: () => number;
  /** Config TIMEZONE: the default `tz` for windows and local times. */
  timeZone: string;
  /** Config API_MAX_RANGE_DAYS: the longest `from`–`to` range one request may ask for. */
  maxRangeDays: number;
  /** Minimum share of expected valid readings for a window to be judged (default 0.75; catalog overrides per station). */
  minValidShare?: number;
  /**
   * The alert store, where re-judgments are recorded (ADR 0013): a getter, as the alerts start after the routes are
   * built and an API instance without the alerts role (or DATABASE_URL) has none. Absent: figures from it are null.
   */
  alertStore?: () => Pick<AlertStore, 'rejudgedByStation'> | undefined;
}

export function maxSpanMs(deps: Pick<DataRouteDeps, 'maxRangeDays'>): number {
  return deps.maxRangeDays * 86_400_000;
}
