/**
 * Urban black-and-odorous water bodies (城市黑臭水体整治工作指南, 2015) over a period: each station is a monitoring
 * point whose samples are its daily means (the guideline samples every 1–7 days; an automatic station gives a
 * daily mean of each indicator), graded by the point rule (60 % / 30 %); a water body's stations, in order along
 * it, are graded by the water-body rule (black-odorous.ts). Pure.
 */
import {
  BLACK_ODOROUS_INDICATORS,
  gradePoint,
  gradeWaterBody,
  type BlackOdorousGrade,
  type IndicatorValues,
  type SampleInput,
} from '../black-odorous.js';
import type { Zone } from '../time-window.js';
import { periodOf } from './period-means.js';
import type { PeriodPieces, UrbanStation } from './types.js';

export interface PointVerdict {
  /** Null when no day had a valid mean of any indicator. */
  grade: BlackOdorousGrade | null;
  samples: number;
  notes: string[];
}

export function judgeUrbanPoint(
  station: UrbanStation,
  data: PeriodPieces,
  timeZone: string | Zone,
  dayKey?: (ts: number) => string,
): PointVerdict {
  const indicators = station.parameters.filter((c) => (BLACK_ODOROUS_INDICATORS as readonly string[]).includes(c));
  const period = periodOf({ ...station, parameters: indicators }, data, { timeZone, dayKey });
  const byDay = new Map<string, IndicatorValues>();
  for (const code of indicators) {
    for (const [key, day] of period.items[code]?.days ?? []) {
      if (day.count < period.requiredPerDay) continue;
      const values = byDay.get(key) ?? {};
      values[code as keyof IndicatorValues] = day.mean;
      byDay.set(key, values);
    }
  }
  const samples: SampleInput[] = [...byDay.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, values]) => ({ values, ...(station.depthCm !== null ? { depthCm: station.depthCm } : {}) }));
  if (samples.length === 0) return { grade: null, samples: 0, notes: [] };
  const point = gradePoint(samples);
  return { grade: point.grade, samples: samples.length, notes: point.notes ?? [] };
}

/** A water body from its graded points in order along it; null when none of them has a grade. */
export function judgeWaterBody(
  points: readonly PointVerdict[],
): { grade: BlackOdorousGrade; severe_points: number } | null {
  const graded = points.filter((p): p is PointVerdict & { grade: BlackOdorousGrade } => p.grade !== null);
  if (graded.length === 0) return null;
  const body = gradeWaterBody(graded.map((p) => ({ grade: p.grade })));
  return { grade: body.grade, severe_points: body.severe_points };
}
