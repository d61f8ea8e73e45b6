/**
 * Tracing a section's water upstream: every station whose water reaches it (same river at smaller km,
 * tributaries joining above — the catalog's flow network), nearest first, each with its readings over the
 * hours before `at`. `travel_hours` says how long the water takes from there: a plume seen at an outbound
 * section at 14:00 passed a station 6 travel-hours upstream around 08:00.
 */
import type { Catalog, Station } from '../catalog/index.js';
import type { ParameterCode } from '../domain/parameters.js';
import type { TimeWindow } from '../domain/time-window.js';
import type { ReadingStore } from '../store/reading-store.js';
import { mapLimit } from './map-limit.js';
import { DEFAULT_MAX_POINTS, querySeries, type ParameterSeries } from './series.js';
import { limitBands, standardOf, type LimitBand, type StationStandard } from './station-standard.js';

export const MAX_UPSTREAM_HOURS = 7 * 24;

export interface UpstreamQuery {
  station: Station;
  /** The access policy: stations the caller may not see are left out, silently. */
  canSee: (station: Station) => boolean;
  at: number;
  hours: number;
  window: TimeWindow;
  tz: string;
  /** Only these parameters (each station shows those of them it measures); all of a station's when absent. */
  parameters?: readonly ParameterCode[] | undefined;
  validOnly: boolean;
}

export interface TracedStation {
  station: Station;
  standard: StationStandard;
  /** 0 for the station traced from. */
  distance_km: number;
  travel_hours: number;
  /** Rivers the water passes from this station to the one traced from. */
  rivers: readonly string[];
  limits: Partial<Record<ParameterCode, LimitBand>>;
  series: ParameterSeries[];
}

export interface UpstreamResult {
  from: number;
  to: number;
  window: TimeWindow;
  origin: TracedStation;
  upstream: TracedStation[];
}

export async function traceUpstream(
  deps: { store: ReadingStore; catalog: Catalog },
  q: UpstreamQuery,
): Promise<UpstreamResult> {
  const from = q.at - q.hours * 3_600_000;
  const to = q.at;
  const links = deps.catalog.upstreamOf(q.station.id).filter((link) => q.canSee(link.station));
  const targets = [
    { station: q.station, distance_km: 0, travel_hours: 0, rivers: q.station.river ? [q.station.river] : [] },
    ...links,
  ];
  const traced = await mapLimit(targets, 8, async (link): Promise<TracedStation> => {
    const parameters = q.parameters
      ? link.station.parameters.filter((p) => q.parameters!.includes(p))
      : [...link.station.parameters];
    const standard = standardOf(deps.catalog, link.station);
    const series =
      parameters.length === 0
        ? { series: [] }
        : await querySeries(deps, {
            station: link.station,
            parameters,
            from,
            to,
            tz: q.tz,
            window: q.window,
            validOnly: q.validOnly,
            maxPoints: DEFAULT_MAX_POINTS,
          });
    return {
      station: link.station,
      standard,
      distance_km: link.distance_km,
      travel_hours: link.travel_hours,
      rivers: link.rivers,
      limits: limitBands(standard, parameters),
      series: series.series,
    };
  });
  return { from, to, window: q.window, origin: traced[0]!, upstream: traced.slice(1) };
}
