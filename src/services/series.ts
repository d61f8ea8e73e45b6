/**
 * Trends of one station: time buckets of the store's aggregates, downsampled to a maximum number of points per
 * parameter rather than refused (the response names the window actually used), or raw readings with their
 * flags, a page at a time.
 */
import type { Station } from '../catalog/index.js';
import { parameter as parameterInfo, type ParameterCode } from '../domain/parameters.js';
import type { Reading } from '../domain/reading.js';
import { nominalWindowMs, parseWindow, type TimeWindow } from '../domain/time-window.js';
import type { Bucket, RawQuery, ReadingStore } from '../store/reading-store.js';
import { ServiceError } from './service-error.js';

export const DEFAULT_MAX_POINTS = 3_000;
export const MAX_MAX_POINTS = 20_000;

/** Windows a series may be coarsened to, finest first; every one divides a day (or is whole days, or a month). */
export const DOWNSAMPLE_LADDER: readonly TimeWindow[] = [
  '1m',
  '5m',
  '10m',
  '15m',
  '30m',
  '1h',
  '2h',
  '3h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '2d',
  '7d',
  '1mo',
].map(parseWindow);

/** Buckets a window makes over [from, to): the partial first and last buckets count. */
export function bucketCountEstimate(window: TimeWindow, from: number, to: number): number {
  return Math.ceil((to - from) / nominalWindowMs(window)) + 1;
}

/**
 * The requested window, or the finest coarser one that keeps every parameter's series within `maxPoints`.
 * When even a month is too fine (a very small maxPoints), the month is used anyway.
 */
export function chooseWindow(requested: TimeWindow, from: number, to: number, maxPoints: number): TimeWindow {
  if (bucketCountEstimate(requested, from, to) <= maxPoints) return requested;
  const min = nominalWindowMs(requested);
  const coarser = DOWNSAMPLE_LADDER.filter((w) => nominalWindowMs(w) > min);
  return coarser.find((w) => bucketCountEstimate(w, from, to) <= maxPoints) ?? coarser[coarser.length - 1] ?? requested;
}

/** Checks that the station measures every parameter asked for; all of its parameters when none is asked for. */
export function stationParameters(
  station: Station,
  asked: readonly ParameterCode[] | undefined,
  field = 'params',
): ParameterCode[] {
  if (!asked || asked.length === 0) return [...station.parameters];
  const missing = asked.filter((p) => !station.parameters.includes(p));
  if (missing.length > 0) {
    const list = missing.join(', ');
    const has = station.parameters.join(', ');
    throw new ServiceError(
      'parameter_not_measured',
      `站点 ${station.id} 不监测 ${list}；该站监测：${has}`,
      `station ${station.id} does not measure ${list}; it measures: ${has}`,
      field,
    );
  }
  return [...asked];
}

export interface SeriesQuery {
  station: Station;
  parameters: readonly ParameterCode[];
  from: number;
  to: number;
  tz: string;
  window: TimeWindow;
  /** true: mean/min/max over flags N and T only (the default); false: over every reading (`include=all`). */
  validOnly: boolean;
  maxPoints: number;
  /** false when the caller shows no min and max: the store may skip them (cheaper on InfluxDB). Default true. */
  extremes?: boolean;
}

export interface ParameterSeries {
  parameter: ParameterCode;
  unit: string;
  name: { zh: string; en: string };
  /** Buckets in time order; empty buckets are left out (a gap in the line). */
  points: Bucket[];
}

export interface SeriesResult {
  requested: TimeWindow;
  window: TimeWindow;
  downsampled: boolean;
  series: ParameterSeries[];
}

export async function querySeries(deps: { store: ReadingStore }, q: SeriesQuery): Promise<SeriesResult> {
  const window = chooseWindow(q.window, q.from, q.to, q.maxPoints);
  const buckets = await deps.store.aggregate({
    stationId: q.station.id,
    parameters: [...q.parameters],
    from: q.from,
    to: q.to,
    window,
    timeZone: q.tz,
    validOnly: q.validOnly,
    extremes: q.extremes !== false,
  });
  const byParameter = new Map<ParameterCode, Bucket[]>(q.parameters.map((p) => [p, []]));
  for (const b of buckets) byParameter.get(b.parameter)?.push(b);
  return {
    requested: q.window,
    window,
    downsampled: window.spec !== q.window.spec,
    series: q.parameters.map((code) => {
      const info = parameterInfo(code);
      return {
        parameter: code,
        unit: info.unit,
        name: { zh: info.nameZh, en: info.nameEn },
        points: byParameter.get(code)!,
      };
    }),
  };
}

export interface RawPageQuery {
  station: Station;
  parameters: readonly ParameterCode[];
  from: number;
  to: number;
  limit: number;
  after?: { ts: number; parameter: ParameterCode } | undefined;
}

export interface RawPage<R extends Reading = Reading> {
  items: R[];
  /** Where the next page starts; null on the last page. */
  next: { ts: number; parameter: ParameterCode } | null;
}

/** One page of raw readings with their flags. Asks for one more than the page to know whether another follows. */
export async function rawSeriesPage<R extends Reading = Reading>(
  deps: { store: { raw(q: RawQuery): Promise<R[]> } },
  q: RawPageQuery,
): Promise<RawPage<R>> {
  const rows = await deps.store.raw({
    stationId: q.station.id,
    parameters: [...q.parameters],
    from: q.from,
    to: q.to,
    limit: q.limit + 1,
    ...(q.after ? { after: q.after } : {}),
  });
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > q.limit && last ? { ts: last.ts, parameter: last.parameter } : null };
}
