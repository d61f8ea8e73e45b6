/**
 * GB 3838-2002 地表水环境质量标准 (environmental quality standards for surface water): Table 1 limits, the class
 * of one item, exceedance multiples and the qualitative grade. Evaluating a whole section is in
 * `gb3838-section.ts`, a river or basin in `gb3838-basin.ts`.
 */
import type { ParameterCode } from './parameters.js';
import { roundHalfUp } from './rounding.js';

export const WATER_CLASSES = ['I', 'II', 'III', 'IV', 'V'] as const;
/** A GB 3838 functional class; also the type of a section's target class. */
export type WaterClass = (typeof WATER_CLASSES)[number];
/** The class of an item or a section: I–V, or 劣V (worse than V) when no class limit is met. */
export const SECTION_CLASSES = [...WATER_CLASSES, '劣V'] as const;
export type SectionClass = (typeof SECTION_CLASSES)[number];

/** Rivers, or lakes and reservoirs (湖、库), which have their own TP column and a TN limit. */
export const WATERBODY_TYPES = ['river', 'lake'] as const;
export type WaterbodyType = (typeof WATERBODY_TYPES)[number];

/** 1 for class I … 5 for class V, 6 for 劣V: a larger rank is worse water. */
export function classRank(cls: SectionClass): number {
  return SECTION_CLASSES.indexOf(cls) + 1;
}

export function classOfRank(rank: number): SectionClass {
  const cls = SECTION_CLASSES[rank - 1];
  if (cls === undefined) throw new RangeError(`no water class of rank ${rank}`);
  return cls;
}

/** Limits for classes I, II, III, IV, V in the parameter's canonical unit. */
export type ClassLimits = readonly [number, number, number, number, number];

/**
 * How an item is judged: `max` = the value must not exceed the limit (≤), `min` = must reach it (≥, DO),
 * `range` = must lie in a range that is the same for every class (pH), `none` = no class limits (water
 * temperature: GB 3838 only limits man-made change, which a single value cannot show).
 */
export type Gb3838Rule = 'max' | 'min' | 'range' | 'none';

export interface Gb3838Item {
  code: ParameterCode;
  /** 1-based row number in GB 3838-2002 Table 1: the tie-break order for primary pollutants (decision 3). */
  row: number;
  rule: Gb3838Rule;
  river?: ClassLimits;
  lake?: ClassLimits;
  range?: { min: number; max: number };
  /**
   * One of the 21 evaluation items of 环办[2011]22号 (Table 1 minus water temperature, TN and fecal coliform).
   * The others are reference items: reported, never deciding the section class.
   */
  evaluated: boolean;
  /** Cyanide and the Table 1 metals and metalloids: ranked first among primary pollutants (decision 2). */
  toxic: boolean;
}

function limits(i: number, ii: number, iii: number, iv: number, v: number): ClassLimits {
  return [i, ii, iii, iv, v];
}

function item(
  code: ParameterCode,
  row: number,
  rule: Gb3838Rule,
  spec: Partial<Pick<Gb3838Item, 'river' | 'lake' | 'range'>> & { both?: ClassLimits },
  flags: { evaluated?: boolean; toxic?: boolean } = {},
): Gb3838Item {
  const { both, ...rest } = spec;
  return {
    code,
    row,
    rule,
    ...(both ? { river: both, lake: both } : {}),
    ...rest,
    evaluated: flags.evaluated ?? true,
    toxic: flags.toxic ?? false,
  };
}

/**
 * GB 3838-2002 Table 1 (basic items), mg/L unless stated; fecal coliform in 个/L.
 * Source: GB 3838-2002 Table 1 (scan read visually; agrees with g230 full text and sm1lewc/Silence.SurfaceWater
 * QualityStandardV2002.cs) — shared/reference/standards.md §1. Notes:
 * - DO class I is "saturation 90 % (or 7.5)"; automatic-station software uses 7.5 mg/L, and so do we.
 * - TP has a river column and a lake/reservoir (湖、库) column; TN is defined for lakes and reservoirs only.
 * - Evaluation items and reference items: 环办[2011]22号 (standards.md §2).
 */
export const GB3838_TABLE1: readonly Gb3838Item[] = [
  item('temp', 1, 'none', {}, { evaluated: false }),
  item('ph', 2, 'range', { range: { min: 6, max: 9 } }),
  item('do', 3, 'min', { both: limits(7.5, 6, 5, 3, 2) }),
  item('codmn', 4, 'max', { both: limits(2, 4, 6, 10, 15) }),
  item('cod', 5, 'max', { both: limits(15, 15, 20, 30, 40) }),
  item('bod5', 6, 'max', { both: limits(3, 3, 4, 6, 10) }),
  item('nh3n', 7, 'max', { both: limits(0.15, 0.5, 1.0, 1.5, 2.0) }),
  item('tp', 8, 'max', { river: limits(0.02, 0.1, 0.2, 0.3, 0.4), lake: limits(0.01, 0.025, 0.05, 0.1, 0.2) }),
  item('tn', 9, 'max', { lake: limits(0.2, 0.5, 1.0, 1.5, 2.0) }, { evaluated: false }),
  item('cu', 10, 'max', { both: limits(0.01, 1.0, 1.0, 1.0, 1.0) }, { toxic: true }),
  item('zn', 11, 'max', { both: limits(0.05, 1.0, 1.0, 2.0, 2.0) }, { toxic: true }),
  item('f', 12, 'max', { both: limits(1.0, 1.0, 1.0, 1.5, 1.5) }),
  item('se', 13, 'max', { both: limits(0.01, 0.01, 0.01, 0.02, 0.02) }, { toxic: true }),
  item('as', 14, 'max', { both: limits(0.05, 0.05, 0.05, 0.1, 0.1) }, { toxic: true }),
  item('hg', 15, 'max', { both: limits(0.00005, 0.00005, 0.0001, 0.001, 0.001) }, { toxic: true }),
  item('cd', 16, 'max', { both: limits(0.001, 0.005, 0.005, 0.005, 0.01) }, { toxic: true }),
  item('cr6', 17, 'max', { both: limits(0.01, 0.05, 0.05, 0.05, 0.1) }, { toxic: true }),
  item('pb', 18, 'max', { both: limits(0.01, 0.01, 0.05, 0.05, 0.1) }, { toxic: true }),
  item('cn', 19, 'max', { both: limits(0.005, 0.05, 0.2, 0.2, 0.2) }, { toxic: true }),
  item('phenol', 20, 'max', { both: limits(0.002, 0.002, 0.005, 0.01, 0.1) }),
  item('oil', 21, 'max', { both: limits(0.05, 0.05, 0.05, 0.5, 1.0) }),
  item('las', 22, 'max', { both: limits(0.2, 0.2, 0.2, 0.3, 0.3) }),
  item('s2', 23, 'max', { both: limits(0.05, 0.1, 0.2, 0.5, 1.0) }),
  item('fcoli', 24, 'max', { both: limits(200, 2000, 10000, 20000, 40000) }, { evaluated: false }),
];

const BY_CODE = new Map<ParameterCode, Gb3838Item>(GB3838_TABLE1.map((it) => [it.code, it]));

/** The Table 1 row for a parameter, or undefined when GB 3838 Table 1 does not list it (e.g. conductivity). */
export function gb3838Item(code: ParameterCode): Gb3838Item | undefined {
  return BY_CODE.get(code);
}

/** The class limits that apply to an item in this kind of water body (undefined: none, e.g. TN in a river). */
export function classLimits(code: ParameterCode, waterbody: WaterbodyType): ClassLimits | undefined {
  return BY_CODE.get(code)?.[waterbody];
}

/**
 * The class of one item's value: the best class whose limit the value meets (a value equal to a limit meets
 * it). 劣V when it meets none — also pH outside 6–9, which meets no class. Null when the item has no class
 * limits here (water temperature; TN in a river) or GB 3838 Table 1 does not list it.
 */
export function itemClass(code: ParameterCode, value: number, waterbody: WaterbodyType): SectionClass | null {
  const it = BY_CODE.get(code);
  if (!it) return null;
  if (it.rule === 'range') {
    const { min, max } = it.range!;
    return value >= min && value <= max ? 'I' : '劣V';
  }
  const table = it[waterbody];
  if (it.rule === 'none' || !table) return null;
  const index = table.findIndex((limit) => (it.rule === 'min' ? value >= limit : value <= limit));
  return index === -1 ? '劣V' : classOfRank(index + 1);
}

/** The raw exceedance multiple (C − L) / L: negative below the limit, 0 at it, positive above. */
export function exceedanceMultiple(value: number, limit: number): number {
  return (value - limit) / limit;
}

/**
 * A reported exceedance multiple: 0 when the value meets the limit, otherwise (C − L) / L rounded half-up to
 * 2 decimals — but never shown as 0 for a value that does exceed (at least 0.01), so a failing item never
 * reads "exceeds by 0".
 */
export function reportedMultiple(value: number, limit: number): number {
  if (value <= limit) return 0;
  return Math.max(0.01, roundHalfUp(exceedanceMultiple(value, limit), 2));
}

/**
 * The exceedance multiple of an item against a class (class III is the national reporting convention:
 * "污染指标超标倍数计算以Ⅲ类水质标准为基准", standards.md §2). Null where the standard defines none: water
 * temperature, pH, DO (环办[2011]22号: no multiple for 水温, pH, 溶解氧), and items without a limit here.
 */
export function itemExceedance(
  code: ParameterCode,
  value: number,
  waterbody: WaterbodyType,
  against: WaterClass = 'III',
): number | null {
  const it = BY_CODE.get(code);
  const table = it?.[waterbody];
  if (!it || it.rule !== 'max' || !table) return null;
  return reportedMultiple(value, table[classRank(against) - 1]);
}

/** The unrounded multiple against a class, or null as in `itemExceedance`. Used for ranking. */
export function rawItemExceedance(
  code: ParameterCode,
  value: number,
  waterbody: WaterbodyType,
  against: WaterClass = 'III',
): number | null {
  const it = BY_CODE.get(code);
  const table = it?.[waterbody];
  if (!it || it.rule !== 'max' || !table) return null;
  return exceedanceMultiple(value, table[classRank(against) - 1]);
}

export const GRADES_ZH = ['优', '良好', '轻度污染', '中度污染', '重度污染'] as const;
export type GradeZh = (typeof GRADES_ZH)[number];
export const GRADES_EN = ['excellent', 'good', 'slightly polluted', 'moderately polluted', 'heavily polluted'] as const;
export type GradeEn = (typeof GRADES_EN)[number];

/**
 * Qualitative grade of a class (环办[2011]22号, standards.md §2): I–II 优 excellent, III 良好 good,
 * IV 轻度污染 slightly polluted, V 中度污染 moderately polluted, 劣V 重度污染 heavily polluted.
 */
export function gradeOf(cls: SectionClass): { zh: GradeZh; en: GradeEn } {
  const index = Math.max(0, classRank(cls) - 2);
  return { zh: GRADES_ZH[index]!, en: GRADES_EN[index]! };
}

/** True when a class is at least as good as the target (e.g. II meets a class III target). */
export function meetsTarget(cls: SectionClass, target: WaterClass): boolean {
  return classRank(cls) <= classRank(target);
}
