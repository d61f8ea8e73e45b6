/**
 * How both adapters compute local-time buckets with plain UTC arithmetic, so that one plan serves SQLite and
 * InfluxQL alike (InfluxQL has no month duration, and InfluxDB 3 does not implement `tz()`: docs/adr/0002).
 *
 * The query range is cut where the zone's UTC offset changes. Inside each slice the local buckets are a
 * regular UTC grid — `GROUP BY time(step, phase)` in InfluxQL, `(ts - phase) / step` in SQL — whose cells the
 * database aggregates into partial sums, counts, minima and maxima. `mergeCells` then maps every cell to its
 * true bucket (a cell cut by a slice edge, or a day of a month) and combines the partials. For Asia/Shanghai
 * (no DST) there is one slice and every cell is a bucket.
 */
import type { ParameterCode } from '../domain/parameters.js';
import {
  bucketStart,
  localTimeToUtc,
  offsetSegments,
  zone,
  type TimeWindow,
  type Zone,
} from '../domain/time-window.js';
import type { Bucket } from './reading-store.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Same anchor as time-window.ts: whole-day windows count from Monday 1970-01-05. */
const DAY_ANCHOR = 4 * DAY;

export interface GridSlice {
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
  /** UTC offset in this slice, ms. */
  offset: number;
  /** Cell length, ms (the window; one day for month windows). */
  step: number;
  /** Cells start at instants t with (t - phase) divisible by step; 0 <= phase < step. */
  phase: number;
}

export interface AggregatePlan {
  window: TimeWindow;
  zone: Zone;
  slices: GridSlice[];
}

function stepOf(window: TimeWindow): number {
  switch (window.unit) {
    case 'minute':
      return window.size * MINUTE;
    case 'hour':
      return window.size * HOUR;
    case 'day':
      return window.size * DAY;
    case 'month':
      return DAY; // local days, rolled up into months by mergeCells
  }
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

export function planAggregate(query: {
  from: number;
  to: number;
  window: TimeWindow;
  timeZone: string | Zone;
}): AggregatePlan {
  const z = zone(query.timeZone);
  const step = stepOf(query.window);
  const slices = offsetSegments(query.from, query.to, z).map((segment) => ({
    ...segment,
    step,
    phase: mod(DAY_ANCHOR - segment.offset, step),
  }));
  return { window: query.window, zone: z, slices };
}

/** Start of the grid cell containing ts. */
export function cellStart(ts: number, slice: GridSlice): number {
  return ts - mod(ts - slice.phase, slice.step);
}

/** What the database returns for one grid cell of one parameter in one slice. */
export interface CellAggregate {
  slice: number;
  parameter: ParameterCode;
  /** Cell start, epoch ms (may be before the slice start). */
  start: number;
  /** Readings that count (flags N and T when validOnly, all otherwise) and their sum, min and max. */
  count: number;
  sum: number | null;
  min: number | null;
  max: number | null;
  /** All readings in the cell, whatever their flag. */
  total: number;
}

interface Accumulator {
  parameter: ParameterCode;
  start: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  total: number;
}

/**
 * Combines cell aggregates into buckets in the order of `parameters`, then by start; buckets without any
 * reading are omitted. `excluded` is total − counted when `withExcluded` (a validOnly query that wants it), else 0,
 * and then a bucket without a reading that counts is omitted too, wherever its total came from (raw or rollup).
 */
export function mergeCells(
  plan: AggregatePlan,
  cells: readonly CellAggregate[],
  parameters: readonly ParameterCode[],
  withExcluded: boolean,
): Bucket[] {
  const buckets = new Map<string, Accumulator>();
  const sliceEdgeBucket = new Map<number, number>();
  const monthStart = new Map<number, number>();

  const bucketOf = (cell: CellAggregate): number => {
    const slice = plan.slices[cell.slice]!;
    if (plan.window.unit === 'month') {
      // Day cells never cross a local midnight, so the local date of any instant in the cell names its month.
      const wall = new Date(Math.max(cell.start, slice.from) + slice.offset);
      const key = wall.getUTCFullYear() * 12 + wall.getUTCMonth();
      let start = monthStart.get(key);
      if (start === undefined) {
        start = localTimeToUtc({ year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: 1 }, plan.zone);
        monthStart.set(key, start);
      }
      return start;
    }
    // Inside a slice a cell start is a bucket start; a cell cut by the slice start belongs to the bucket
    // that was running when the offset changed.
    if (cell.start >= slice.from) return cell.start;
    let start = sliceEdgeBucket.get(cell.slice);
    if (start === undefined) {
      start = bucketStart(slice.from, plan.window, plan.zone);
      sliceEdgeBucket.set(cell.slice, start);
    }
    return start;
  };

  for (const cell of cells) {
    if (cell.total <= 0 && cell.count <= 0) continue;
    const start = bucketOf(cell);
    const key = `${cell.parameter}\u0000${start}`;
    let acc = buckets.get(key);
    if (!acc) {
      acc = { parameter: cell.parameter, start, count: 0, sum: 0, min: null, max: null, total: 0 };
      buckets.set(key, acc);
    }
    acc.total += cell.total;
    if (cell.count > 0) {
      acc.count += cell.count;
      acc.sum += cell.sum ?? 0;
      if (cell.min !== null) acc.min = acc.min === null ? cell.min : Math.min(acc.min, cell.min);
      if (cell.max !== null) acc.max = acc.max === null ? cell.max : Math.max(acc.max, cell.max);
    }
  }

  const order = new Map(parameters.map((p, i) => [p, i]));
  return [...buckets.values()]
    .filter((acc) => withExcluded || acc.count > 0)
    .sort((a, b) => (order.get(a.parameter) ?? 0) - (order.get(b.parameter) ?? 0) || a.start - b.start)
    .map((acc) => ({
      parameter: acc.parameter,
      start: acc.start,
      mean: acc.count > 0 ? acc.sum / acc.count : null,
      min: acc.count > 0 ? acc.min : null,
      max: acc.count > 0 ? acc.max : null,
      count: acc.count,
      excluded: withExcluded ? Math.max(0, acc.total - acc.count) : 0,
    }));
}
