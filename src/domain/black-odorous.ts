/**
 * Urban black-and-odorous water grading (城市黑臭水体整治工作指南, MOHURD & MEP, August 2015) at three levels:
 * one sample, one monitoring point over time, one water body along its points. Numbers and rules:
 * shared/reference/standards.md §5 and project decision 5.
 *
 * The guideline grades water already identified as black-odorous: severe (重度) by its rules, otherwise light
 * (轻度). It leaves "none" open. Our rule, the same at every level, is that none means nothing reached the light
 * range — what remediation acceptance needs ("各项指标均达标"):
 * - a sample is none when every indicator is better than the light range;
 * - a point is none when every sample is none (otherwise light, or severe by the 60 % / 30 % rule);
 * - a water body is none when every point is none (otherwise light, or severe by the 60 % rule).
 * A milder reading (light only when the 60 % / 30 % rule holds for light-or-worse values) was rejected: it
 * calls a point with half of its DO samples severe "not black-odorous".
 */
import type { ParameterCode } from './parameters.js';

export const BLACK_ODOROUS_INDICATORS = [
  'transparency',
  'do',
  'orp',
  'nh3n',
] as const satisfies readonly ParameterCode[];
export type BlackOdorousIndicator = (typeof BLACK_ODOROUS_INDICATORS)[number];

export const BLACK_ODOROUS_GRADES = ['none', 'light', 'severe'] as const;
export type BlackOdorousGrade = (typeof BLACK_ODOROUS_GRADES)[number];

export const BLACK_ODOROUS_GRADE_ZH: Readonly<Record<BlackOdorousGrade, string>> = {
  none: '不黑臭',
  light: '轻度黑臭',
  severe: '重度黑臭',
};

/**
 * Grading table (2015 guideline, table "城市黑臭水体污染程度分级标准"; pg, ahhmxh, ryyc, Silence.Water —
 * standards.md §5). Light ranges are closed, severe bounds strict (decision 5):
 * transparency (cm) light 10–25, severe < 10; DO (mg/L) light 0.2–2.0, severe < 0.2;
 * ORP (mV) light −200–50, severe < −200; NH3-N (mg/L) light 8.0–15, severe > 15.
 */
export const BLACK_ODOROUS_TABLE = {
  transparency: { light: [10, 25], severeBelow: 10 },
  do: { light: [0.2, 2.0], severeBelow: 0.2 },
  orp: { light: [-200, 50], severeBelow: -200 },
  nh3n: { light: [8.0, 15], severeAbove: 15 },
} as const;

/** Water shallower than this (cm) uses the 40 %-of-depth transparency criterion (guideline table footnote). */
export const SHALLOW_WATER_DEPTH_CM = 25;
export const SHALLOW_WATER_FRACTION = 0.4;

function rank(grade: BlackOdorousGrade): number {
  return BLACK_ODOROUS_GRADES.indexOf(grade);
}

function worst(grades: Iterable<BlackOdorousGrade>): BlackOdorousGrade {
  let out: BlackOdorousGrade = 'none';
  for (const g of grades) if (rank(g) > rank(out)) out = g;
  return out;
}

/**
 * Transparency in water shallower than 25 cm: the criterion becomes 40 % of the depth. We read it as the severe
 * bound (at 25 cm depth 40 % is exactly the normal 10 cm, so the two rules meet), as Silence.Water does; a light
 * upper bound of 25 cm cannot be reached in such water, so a sample is none only when the transparency reaches
 * the depth (clear to the bottom).
 */
function transparencyLevel(value: number, depthCm: number | undefined): BlackOdorousGrade {
  if (depthCm !== undefined && depthCm < SHALLOW_WATER_DEPTH_CM) {
    if (value < SHALLOW_WATER_FRACTION * depthCm) return 'severe';
    return value >= depthCm ? 'none' : 'light';
  }
  const t = BLACK_ODOROUS_TABLE.transparency;
  if (value < t.severeBelow) return 'severe';
  return value <= t.light[1] ? 'light' : 'none';
}

/** The level of one indicator's value. `depthCm` matters for transparency only. */
export function indicatorLevel(indicator: BlackOdorousIndicator, value: number, depthCm?: number): BlackOdorousGrade {
  switch (indicator) {
    case 'transparency':
      return transparencyLevel(value, depthCm);
    case 'do':
    case 'orp': {
      const t = BLACK_ODOROUS_TABLE[indicator];
      if (value < t.severeBelow) return 'severe';
      return value <= t.light[1] ? 'light' : 'none';
    }
    case 'nh3n': {
      const t = BLACK_ODOROUS_TABLE.nh3n;
      if (value > t.severeAbove) return 'severe';
      return value >= t.light[0] ? 'light' : 'none';
    }
  }
}

export type IndicatorValues = Partial<Record<BlackOdorousIndicator, number>>;

export interface SampleInput {
  values: IndicatorValues;
  /** Water depth at the sampling point, cm (the shallow-water transparency rule). */
  depthCm?: number;
}

export interface SampleItemResult {
  value: number;
  level: BlackOdorousGrade;
  /** Transparency in shallow water: the severe bound used instead of 10 cm (40 % of the depth). */
  severe_below_cm?: number;
}

export interface SampleResult {
  grade: BlackOdorousGrade;
  grade_zh: string;
  items: Partial<Record<BlackOdorousIndicator, SampleItemResult>>;
}

function present(values: IndicatorValues): BlackOdorousIndicator[] {
  return BLACK_ODOROUS_INDICATORS.filter((i) => values[i] !== undefined);
}

/** One sample: its grade is the worst indicator level (with one sample each indicator is 0 % or 100 % severe). */
export function gradeSample(input: SampleInput): SampleResult {
  const indicators = present(input.values);
  if (indicators.length === 0) throw new RangeError('a black-odorous sample needs transparency, DO, ORP or NH3-N');
  const items: Partial<Record<BlackOdorousIndicator, SampleItemResult>> = {};
  for (const i of indicators) {
    const value = input.values[i]!;
    const shallow = i === 'transparency' && input.depthCm !== undefined && input.depthCm < SHALLOW_WATER_DEPTH_CM;
    items[i] = {
      value,
      level: indicatorLevel(i, value, input.depthCm),
      ...(shallow ? { severe_below_cm: Number((SHALLOW_WATER_FRACTION * input.depthCm!).toFixed(6)) } : {}),
    };
  }
  const grade = worst(Object.values(items).map((it) => it!.level));
  return { grade, grade_zh: BLACK_ODOROUS_GRADE_ZH[grade], items };
}

/** The guideline's minimums (3 points per water body, 3 samplings per point); fewer gives a note, not an error. */
export const MIN_POINTS = 3;
export const MIN_SAMPLES = 3;

export interface PointItemResult {
  /** Samples in which this indicator was measured. */
  samples: number;
  severe_fraction: number;
  light_or_worse_fraction: number;
}

export interface PointResult {
  grade: BlackOdorousGrade;
  grade_zh: string;
  samples: number;
  items: Partial<Record<BlackOdorousIndicator, PointItemResult>>;
  notes?: string[];
}

/** The 60 % / 30 % rule: one indicator with ≥ 60 % of its data severe, or at least two with ≥ 30 %. */
function meetsShareRule(counts: readonly { hits: number; n: number }[]): boolean {
  const atLeast = (pct: number) => counts.filter(({ hits, n }) => n > 0 && hits * 100 >= pct * n).length;
  return atLeast(60) >= 1 || atLeast(30) >= 2;
}

/**
 * One monitoring point over time (guideline: "某检测点4项理化指标中，1项指标60%以上数据或不少于2项指标30%以上
 * 数据达到重度黑臭级别的，该检测点应认定为重度黑臭"; "以上" inclusive). Each indicator's fractions are over
 * the samples that measured it. Not severe: light when any sample is light or severe, none otherwise.
 */
export function gradePoint(samples: readonly SampleInput[]): PointResult {
  if (samples.length === 0) throw new RangeError('a black-odorous point needs at least one sample');
  const graded = samples.map(gradeSample);
  const items: Partial<Record<BlackOdorousIndicator, PointItemResult>> = {};
  const severe: { hits: number; n: number }[] = [];
  for (const i of BLACK_ODOROUS_INDICATORS) {
    const levels = graded.map((s) => s.items[i]?.level).filter((l): l is BlackOdorousGrade => l !== undefined);
    if (levels.length === 0) continue;
    const s = levels.filter((l) => l === 'severe').length;
    const l = levels.filter((l) => l !== 'none').length;
    severe.push({ hits: s, n: levels.length });
    items[i] = {
      samples: levels.length,
      severe_fraction: Number((s / levels.length).toFixed(4)),
      light_or_worse_fraction: Number((l / levels.length).toFixed(4)),
    };
  }
  const anyLightOrWorse = graded.some((g) => g.grade !== 'none');
  const grade: BlackOdorousGrade = meetsShareRule(severe) ? 'severe' : anyLightOrWorse ? 'light' : 'none';
  const notes =
    samples.length < MIN_SAMPLES
      ? [`采样次数少于指南要求的${MIN_SAMPLES}次 / fewer than the guideline's ${MIN_SAMPLES} samplings`]
      : [];
  return {
    grade,
    grade_zh: BLACK_ODOROUS_GRADE_ZH[grade],
    samples: samples.length,
    items,
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/** A point along the water body: its samples, or a grade already known (e.g. from an earlier survey). */
export type WaterBodyPointInput = { samples: readonly SampleInput[] } | { grade: BlackOdorousGrade };

export interface WaterBodyResult {
  grade: BlackOdorousGrade;
  grade_zh: string;
  /** Each point's grade, in order along the water body. */
  points: (PointResult | { grade: BlackOdorousGrade; grade_zh: string })[];
  severe_points: number;
  severe_share: number;
  /** Runs of 3 or more consecutive severe points, as 1-based [first, last] point indices. */
  severe_reaches: [number, number][];
  notes?: string[];
}

/** A reach is severe when at least this many consecutive points are severe (guideline: "3个以上连续"). */
export const SEVERE_REACH_MIN_POINTS = 3;

/** Runs of at least `min` consecutive true values, as 1-based inclusive index pairs. */
export function runsOf(flags: readonly boolean[], min: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= flags.length; i++) {
    if (i < flags.length && flags[i]) {
      if (start === -1) start = i;
    } else if (start !== -1) {
      if (i - start >= min) runs.push([start + 1, i]);
      start = -1;
    }
  }
  return runs;
}

/**
 * One water body, points in order along it: the reaches with 3 or more consecutive severe points are severe;
 * with ≥ 60 % of the points severe the whole water body is severe; otherwise light when any point is light or
 * severe, none only when every point is none.
 */
export function gradeWaterBody(points: readonly WaterBodyPointInput[]): WaterBodyResult {
  if (points.length === 0) throw new RangeError('a water body needs at least one point');
  const graded = points.map((p) =>
    'samples' in p ? gradePoint(p.samples) : { grade: p.grade, grade_zh: BLACK_ODOROUS_GRADE_ZH[p.grade] },
  );
  const severeFlags = graded.map((p) => p.grade === 'severe');
  const severePoints = severeFlags.filter(Boolean).length;
  const grade: BlackOdorousGrade =
    severePoints * 100 >= 60 * points.length
      ? 'severe'
      : worst(graded.map((p) => p.grade)) === 'none'
        ? 'none'
        : 'light';
  const notes =
    points.length < MIN_POINTS
      ? [`检测点少于指南要求的${MIN_POINTS}个 / fewer than the guideline's ${MIN_POINTS} points`]
      : [];
  return {
    grade,
    grade_zh: BLACK_ODOROUS_GRADE_ZH[grade],
    points: graded,
    severe_points: severePoints,
    severe_share: Number((severePoints / points.length).toFixed(4)),
    severe_reaches: runsOf(severeFlags, SEVERE_REACH_MIN_POINTS),
    ...(notes.length > 0 ? { notes } : {}),
  };
}
