/**
 * Fetches what the rules judge from the reading store, deterministically for a given window end (so a window
 * re-evaluated during catch-up sees the same data as it would have live). The store is narrowed to the three
 * queries used; `ReadingStore` satisfies it structurally.
 */
import type { DataFlag } from '../domain/flags.js';
import { countsForCompliance } from '../domain/flags.js';
import type { ParameterCode } from '../domain/parameters.js';
import type { TimeWindow } from '../domain/time-window.js';
import type { CheckPoint, RawPoint } from './rules/sensor-health.js';
import { combineBuckets, type WindowMean } from './rules/window-means.js';

/** The buckets of one station's parameters over a range, as the rules read them (the store's AggregateQuery). */
interface WindowAggregate {
  parameters: ParameterCode[];
  from: number;
  to: number;
  window: TimeWindow;
  timeZone: string;
  validOnly: boolean;
  /** false: no min and max needed (means only): cheaper on InfluxDB 1.x. */
  extremes?: boolean;
  /** false: no count of the readings left out by their flag: one InfluxDB statement instead of two. */
  excluded?: boolean;
}

type WindowBucket = { parameter: ParameterCode; start: number; mean: number | null; count: number; excluded: number };

export interface WindowReadings {
  aggregate(query: WindowAggregate & { stationId: string }): Promise<WindowBucket[]>;
  /**
   * `aggregate`'s answer when it is in memory already (a span reader whose read has arrived), else undefined
   * (optional): a window judged without a promise per step (bench:alerts judges 120 at a time).
   */
  aggregateNow?(query: WindowAggregate & { stationId: string }): WindowBucket[] | undefined;
  /** Several stations' `aggregate` in one request (optional; span-readings.ts falls back to `aggregate`). */
  aggregateStations?(query: WindowAggregate & { stationIds: string[] }): Promise<Map<string, WindowBucket[]>>;
  raw(query: {
    stationId: string;
    from: number;
    to: number;
    parameters?: ParameterCode[];
    limit?: number;
    after?: { ts: number; parameter: ParameterCode };
  }): Promise<{ stationId: string; parameter: ParameterCode; ts: number; value: number; flag: DataFlag }[]>;
  latest?(query: {
    stationIds?: string[];
    parameters?: ParameterCode[];
    validOnly?: boolean;
    before?: number;
  }): Promise<{ parameter: ParameterCode; ts: number }[]>;
  deadLetters?(query: {
    stationId?: string;
    from?: number;
    to?: number;
    limit?: number;
  }): Promise<{ reason: string }[]>;
  /** The loggers' standard-sample checks made in [from, to), oldest first (device-mark-source.ts). */
  standardChecks?(query: { stationId: string; from: number; to: number }): Promise<CheckPoint[]>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The buckets the store sums [from, to) in: the window's own length where that is a window spec (4 h, 1 d) — one
 * row per parameter instead of one per hour, which is most of the answer's size — else hours when the window is on
 * whole hours, else minutes. Any of them gives the same means: the store counts only readings in [from, to), so a
 * bucket off the window's grid is cut at its edges, and combineBuckets adds the pieces up by count.
 */
function tilingWindow(from: number, to: number): TimeWindow {
  const length = to - from;
  if (from % HOUR === 0 && length === DAY) return { spec: '1d', unit: 'day', size: 1 };
  const hours = length / HOUR;
  if (from % HOUR === 0 && Number.isInteger(hours) && hours < 24 && 24 % hours === 0)
    return { spec: `${hours}h`, unit: 'hour', size: hours };
  if (from % HOUR === 0 && to % HOUR === 0) return { spec: '1h', unit: 'hour', size: 1 };
  return { spec: '1m', unit: 'minute', size: 1 };
}

type MeansQuery = {
  stationId: string;
  parameters: readonly ParameterCode[];
  from: number;
  to: number;
  timeZone: string;
};

function meansAggregate(q: MeansQuery): WindowAggregate & { stationId: string } {
  return {
    stationId: q.stationId,
    parameters: [...q.parameters],
    from: q.from,
    to: q.to,
    window: tilingWindow(q.from, q.to),
    timeZone: q.timeZone,
    validOnly: true,
    extremes: false, // the rules judge means
    excluded: false, // of the valid readings only
  };
}

export async function windowMeans(readings: WindowReadings, q: MeansQuery): Promise<WindowMean[]> {
  // The store may label the first bucket before `from`; it holds only readings from `from` on.
  return combineBuckets(await readings.aggregate(meansAggregate(q)));
}

/** `windowMeans` when the readings have the answer in memory (`aggregateNow`), else undefined. */
export function windowMeansNow(readings: WindowReadings, q: MeansQuery): WindowMean[] | undefined {
  const buckets = readings.aggregateNow?.(meansAggregate(q));
  return buckets && combineBuckets(buckets);
}

const PAGE = 5_000;

/** Every raw reading in [from, to), following the store's cursor. */
export async function rawReadings(
  readings: WindowReadings,
  q: { stationId: string; from: number; to: number; parameters?: readonly ParameterCode[] },
): Promise<RawPoint[]> {
  const out: RawPoint[] = [];
  let after: { ts: number; parameter: ParameterCode } | undefined;
  for (;;) {
    const page = await readings.raw({
      stationId: q.stationId,
      from: q.from,
      to: q.to,
      ...(q.parameters ? { parameters: [...q.parameters] } : {}),
      limit: PAGE,
      ...(after ? { after } : {}),
    });
    for (const r of page) out.push({ parameter: r.parameter, ts: r.ts, value: r.value, flag: r.flag });
    if (page.length < PAGE) return out;
    const last = page[page.length - 1]!;
    after = { ts: last.ts, parameter: last.parameter };
  }
}

export function validOnly(points: readonly RawPoint[]): RawPoint[] {
  return points.filter((p) => countsForCompliance(p.flag));
}
