/**
 * From the store's buckets of one station over one period to the figures a report shows: the period mean of
 * each item over its valid readings (pH through the hydrogen-ion concentration), whether each item has the
 * minimum valid share of the readings expected (decision 9), the daily means and how many days had enough
 * valid data. Pure.
 *
 * Rules (shared/reference/standards.md §6 decisions 9–10, §7):
 * - valid readings are those whose effective flag counts (N, T); the buckets hold only those;
 * - the period mean is the arithmetic mean of the valid readings: Σ(bucket mean × count) / Σ count (S, 2020
 *   statistics rule) — for pH, −log₁₀ of the mean [H⁺], each bucket converted as a whole (exact when a bucket
 *   holds one reading: the data layer gives pH in hourly buckets);
 * - an item is judged only when it has at least the minimum share (default 75 %) of the readings the station's
 *   interval makes over the elapsed period; a day counts as a valid day when every item measured has that share
 *   of the day's expected readings.
 */
import type { ParameterCode } from '../parameters.js';
import { offsetSegments, toLocalTime, zone, type Zone } from '../time-window.js';
import { requiredCount } from '../window-sufficiency.js';

/** One bucket of valid readings: its start, how many, and their arithmetic mean. */
export interface Piece {
  start: number;
  count: number;
  mean: number;
}

export interface ItemPeriod {
  /** Mean of the valid readings; null when there is none. */
  mean: number | null;
  /** Valid readings. */
  count: number;
  /** Valid readings needed for the item to be judged. */
  required: number;
  sufficient: boolean;
  /** Local day (YYYY-MM-DD) → the day's mean and count of valid readings. */
  days: Map<string, { mean: number; count: number }>;
}

export interface StationPeriod {
  items: Partial<Record<ParameterCode, ItemPeriod>>;
  /** Local days of the elapsed period. */
  days: number;
  /** Days on which every measured item had the minimum share of its expected readings. */
  validDays: number;
  /** Days on which each item had enough readings, per item. */
  requiredPerDay: number;
}

const DAY = 86_400_000;

export function dayKey(ts: number, timeZone: string | Zone): string {
  const d = toLocalTime(ts, timeZone);
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/**
 * A fast `dayKey` for instants near [from, to): the zone's offsets over the range are looked up once (Intl is slow:
 * ~5 µs a call, and a report of 2,000 stations asks for millions of local dates), then each date is arithmetic.
 */
export function dayKeyer(from: number, to: number, timeZone: string | Zone): (ts: number) => string {
  const z = zone(timeZone);
  const segments = offsetSegments(from - DAY, to + DAY, z);
  const keys = new Map<number, string>();
  return (ts) => {
    const segment = segments.find((s) => ts >= s.from && ts < s.to);
    if (!segment) return dayKey(ts, z);
    const local = ts + segment.offset;
    const day = Math.floor(local / DAY);
    let key = keys.get(day);
    if (key === undefined) {
      key = new Date(day * DAY).toISOString().slice(0, 10);
      keys.set(day, key);
    }
    return key;
  };
}

/** Expected readings of a station reporting every `intervalMs` over `spanMs` (whole intervals). */
export function expectedReadings(spanMs: number, intervalMs: number): number {
  if (!(spanMs > 0) || !(intervalMs > 0)) return 0;
  return Math.floor(spanMs / intervalMs + 1e-9);
}

/** Count-weighted mean of pieces; pH through [H⁺] (−log₁₀ of the mean of 10^−pH). */
export function combinePieces(code: ParameterCode, pieces: readonly Piece[]): { mean: number | null; count: number } {
  let count = 0;
  let sum = 0;
  for (const p of pieces) {
    if (!(p.count > 0)) continue;
    count += p.count;
    sum += (code === 'ph' ? 10 ** -p.mean : p.mean) * p.count;
  }
  if (count === 0) return { mean: null, count: 0 };
  const mean = sum / count;
  // 12 significant digits drop the noise of summing binary fractions: thirty days at exactly the class III limit
  // of 1.0 mg/L must average to 1.0, not 1.0000000000000002 (class IV).
  return { mean: Number((code === 'ph' ? -Math.log10(mean) : mean).toPrecision(12)), count };
}

export interface StationPeriodInput {
  /** Valid-reading buckets per parameter (daily, or finer: pH hourly). */
  pieces: Partial<Record<ParameterCode, readonly Piece[]>>;
  /** The parameters the station measures (an item with no bucket at all still counts as lacking). */
  parameters: readonly ParameterCode[];
  /** The items that decide the verdict; a valid day needs each of them (default: every parameter). */
  deciding?: readonly ParameterCode[];
  /** The elapsed part of the period: [from, to). */
  from: number;
  to: number;
  intervalMs: number;
  minValidShare: number;
  timeZone: string | Zone;
  /** A shared `dayKeyer` for the period (the report model makes one per period for all its stations). */
  dayKey?: (ts: number) => string;
}

/** `stationPeriod` for a station of the model over one period's buckets. */
export function periodOf(
  station: { parameters: readonly ParameterCode[]; intervalMs: number; minValidShare: number },
  data: { from: number; to: number; pieces: StationPeriodInput['pieces'] },
  options: {
    deciding?: readonly ParameterCode[];
    timeZone: string | Zone;
    dayKey?: ((ts: number) => string) | undefined;
  },
): StationPeriod {
  return stationPeriod({
    pieces: data.pieces,
    parameters: station.parameters,
    ...(options.deciding ? { deciding: options.deciding } : {}),
    from: data.from,
    to: data.to,
    intervalMs: station.intervalMs,
    minValidShare: station.minValidShare,
    timeZone: options.timeZone,
    ...(options.dayKey ? { dayKey: options.dayKey } : {}),
  });
}

export function stationPeriod(input: StationPeriodInput): StationPeriod {
  const span = input.to - input.from;
  const required = requiredCount(expectedReadings(span, input.intervalMs), input.minValidShare);
  const requiredPerDay = requiredCount(expectedReadings(DAY, input.intervalMs), input.minValidShare);
  const keyOf = input.dayKey ?? dayKeyer(input.from, input.to, input.timeZone);
  const items: Partial<Record<ParameterCode, ItemPeriod>> = {};
  for (const code of input.parameters) {
    const pieces = input.pieces[code] ?? [];
    const { mean, count } = combinePieces(code, pieces);
    const byDay = new Map<string, Piece[]>();
    for (const p of pieces) {
      if (!(p.count > 0)) continue;
      const key = keyOf(Math.max(p.start, input.from));
      const list = byDay.get(key) ?? [];
      list.push(p);
      byDay.set(key, list);
    }
    const days = new Map<string, { mean: number; count: number }>();
    for (const [key, list] of byDay) {
      const day = combinePieces(code, list);
      if (day.mean !== null) days.set(key, { mean: day.mean, count: day.count });
    }
    items[code] = { mean, count, required, sufficient: count >= required, days };
  }
  const dayKeys = new Set<string>();
  // Noon of each day: a 23- or 25-hour day (daylight saving time) still yields each local date once.
  for (let t = input.from + DAY / 2; t < input.to; t += DAY) dayKeys.add(keyOf(t));
  const deciding = input.deciding ?? input.parameters;
  let validDays = 0;
  for (const key of dayKeys) {
    if (deciding.length > 0 && deciding.every((code) => (items[code]?.days.get(key)?.count ?? 0) >= requiredPerDay))
      validDays++;
  }
  return { items, days: dayKeys.size, validDays, requiredPerDay };
}
