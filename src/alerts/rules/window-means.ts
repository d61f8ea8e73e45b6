/**
 * Turns the store's buckets into one mean per parameter for a whole window, and decides which parameters
 * have enough valid readings to be judged (standards.md §6 decision 9: a minimum share of the expected count).
 */
import type { ParameterCode } from '../../domain/parameters.js';

/** The store's Bucket, narrowed to what the rules read. */
export interface BucketLike {
  parameter: ParameterCode;
  mean: number | null;
  count: number;
  excluded: number;
}

export interface WindowMean {
  parameter: ParameterCode;
  /** Mean of valid readings (flags N, T), null when there is none. */
  mean: number | null;
  /** Valid readings. */
  count: number;
  /** Readings left out because of their flag (M, C, D, F, S, B). */
  excluded: number;
}

/** Combines sub-window buckets (e.g. hourly) into one count-weighted mean per parameter. */
export function combineBuckets(buckets: readonly BucketLike[]): WindowMean[] {
  const acc = new Map<ParameterCode, { sum: number; count: number; excluded: number }>();
  for (const b of buckets) {
    const a = acc.get(b.parameter) ?? { sum: 0, count: 0, excluded: 0 };
    if (b.mean !== null && b.count > 0) {
      a.sum += b.mean * b.count;
      a.count += b.count;
    }
    a.excluded += b.excluded;
    acc.set(b.parameter, a);
  }
  return [...acc.entries()].map(([parameter, a]) => ({
    parameter,
    mean: a.count > 0 ? a.sum / a.count : null,
    count: a.count,
    excluded: a.excluded,
  }));
}

/** Readings a parameter should have in a window: its length over the station's reporting interval. */
export function expectedCount(windowMs: number, intervalMs: number): number {
  return Math.max(1, Math.floor(windowMs / intervalMs));
}

export { requiredCount } from '../../domain/window-sufficiency.js';

export interface Sufficiency {
  /** Means of the parameters with enough valid readings. */
  sufficient: Map<ParameterCode, number>;
  /** Parameters that should have been judged but had too few valid readings: "nh3n 2/3". */
  lacking: { parameter: ParameterCode; count: number; required: number }[];
}

export function splitBySufficiency(
  means: readonly WindowMean[],
  required: readonly ParameterCode[],
  needed: number,
): Sufficiency {
  const byParam = new Map(means.map((m) => [m.parameter, m]));
  const sufficient = new Map<ParameterCode, number>();
  const lacking: Sufficiency['lacking'] = [];
  for (const parameter of required) {
    const m = byParam.get(parameter);
    if (m && m.mean !== null && m.count >= needed) sufficient.set(parameter, m.mean);
    else lacking.push({ parameter, count: m?.count ?? 0, required: needed });
  }
  return { sufficient, lacking };
}

export function describeLacking(lacking: Sufficiency['lacking']): string {
  return lacking.map((l) => `${l.parameter} ${l.count}/${l.required}`).join(', ');
}
