/**
 * Device marks as a MarkSource (docs/adr/0017-device-health-marks.md): the loggers' failed standard-sample checks
 * and equipment states, read from the device-state store the ingest role writes, turned into marks in effect
 * (ingest/hj212/device-marks.ts). Combined with the people's marks, they reach every reader through
 * `withDataMarks` — compliance, alert rules, re-judgment, reports — so a suspect reading counts nowhere.
 */
import type { EffectiveMark } from '../domain/data-marks.js';
import { zone as zoneOf } from '../domain/time-window.js';
import {
  DEVICE_MARK_LIMITS,
  deviceMarks,
  recordsRangeFor,
  standardChecks,
  type DeviceMarkLimits,
  type StandardCheck,
} from '../ingest/hj212/device-marks.js';
import type { DeviceStateStore } from '../ingest/hj212/device-state.js';
import type { MarkSource } from './marked-reading-store.js';

export interface DeviceHealth extends MarkSource {
  /** The 2062 checks of a station made in [from, to), oldest first (the `sensor_check_failed` rule). */
  standardChecks(q: { stationId: string; from: number; to: number }): Promise<StandardCheck[]>;
}

export interface DeviceHealthOptions {
  /** The device-state store (opened on first use: a catalog without loggers never opens it). */
  store: () => Promise<Pick<DeviceStateStore, 'recordsBetween'>>;
  /** The stations that have a logger (catalog `hj212`): the only ones with device records. */
  stationsWithLoggers: () => readonly string[];
  /** Zone of the loggers' DataTime (TIMEZONE). */
  timeZone: string;
  limits?: DeviceMarkLimits;
}

export function deviceHealth(options: DeviceHealthOptions): DeviceHealth {
  const zone = zoneOf(options.timeZone);
  const limits = options.limits ?? DEVICE_MARK_LIMITS;
  const stationsOf = (wanted: readonly string[] | undefined): string[] => {
    const loggers = options.stationsWithLoggers();
    return wanted ? wanted.filter((id) => loggers.includes(id)) : [...loggers];
  };
  return {
    async effective(q) {
      const stationIds = stationsOf(q.stationIds);
      if (stationIds.length === 0 || !(q.from < q.to)) return [];
      const range = recordsRangeFor(q.from, q.to, limits);
      const records = await (await options.store()).recordsBetween({ stationIds, ...range });
      return deviceMarks(records, zone, limits).filter((m) => m.from < q.to && m.to > q.from);
    },
    async standardChecks(q) {
      if (stationsOf([q.stationId]).length === 0 || !(q.from < q.to)) return [];
      // A check's record arrives after it was made: read a little past `to`, keep the checks made before it.
      const records = await (
        await options.store()
      ).recordsBetween({ stationIds: [q.stationId], from: q.from, to: q.to + limits.checkLookbackMs });
      return records
        .flatMap((r) => standardChecks(r, zone))
        .filter((c) => c.at >= q.from && c.at < q.to)
        .sort((a, b) => a.at - b.at);
    },
  };
}

/** The marks in effect of several sources (people's marks and device marks) as one source. */
export function combinedMarks(...sources: readonly MarkSource[]): MarkSource {
  return {
    async effective(q) {
      const all: EffectiveMark[][] = await Promise.all(sources.map((s) => s.effective(q)));
      return all.flat();
    },
  };
}

/** The readings as the alert rules see them: with the loggers' standard-sample checks beside them. */
export function withStandardChecks<R extends object>(
  readings: R,
  health: Pick<DeviceHealth, 'standardChecks'>,
): R & Pick<DeviceHealth, 'standardChecks'> {
  // By prototype, like withDataMarks: whatever the store adds beyond its port stays reachable.
  const standardChecks: DeviceHealth['standardChecks'] = (q) => health.standardChecks(q);
  return Object.assign(Object.create(readings) as R, { standardChecks });
}
