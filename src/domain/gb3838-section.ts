/**
 * Evaluating one section (断面) or one lake point by GB 3838-2002 and 《地表水环境质量评价办法（试行）》
 * 环办[2011]22号: single-factor method over the evaluation items, grade, primary pollutants, compliance with a
 * target class. The result is the JSON shape `qingliu evaluate` and `POST /api/v1/evaluate` return.
 */
import {
  classOfRank,
  classRank,
  gb3838Item,
  GB3838_TABLE1,
  gradeOf,
  itemClass,
  itemExceedance,
  meetsTarget,
  rawItemExceedance,
  type GradeEn,
  type GradeZh,
  type SectionClass,
  type WaterbodyType,
  type WaterClass,
} from './gb3838.js';
import type { ParameterCode } from './parameters.js';
import { applyRounding, type RoundingMode } from './rounding.js';

export type ParameterValues = Partial<Record<ParameterCode, number>>;

export interface SectionInput {
  /** Values in each parameter's canonical unit (mg/L, 个/L for fecal coliform). */
  values: ParameterValues;
  waterbody: WaterbodyType;
  /** The section's target class (水质目标); when given the result says whether it is met. */
  target?: WaterClass;
  /** 'none' (default, decision 1): compare as measured; '2020': the 2020 evaluation rounding first. */
  rounding?: RoundingMode;
}

export interface SectionItemResult {
  /** The value compared with the limits (after rounding when the 2020 option is on). */
  value: number;
  /** The value as given, present only when the 2020 rounding changed it. */
  measured?: number;
  class: SectionClass | null;
  /** Multiple over the class III limit; null where the standard defines none (temperature, pH, DO). */
  exceedance: number | null;
  /** Multiple over the target class limit; present only when a target is given. */
  exceedance_target?: number | null;
  /** A reference item (water temperature, TN, fecal coliform): reported, never deciding the class. */
  reference?: true;
}

export interface SectionResult {
  /** Worst class among the evaluation items present; null when none is present. */
  class: SectionClass | null;
  grade: GradeZh | null;
  grade_en: GradeEn | null;
  /** Present only when a target is given; null when the class is unknown. */
  compliant?: boolean | null;
  /** Table 1 items given, in Table 1 order. */
  items: Partial<Record<ParameterCode, SectionItemResult>>;
  /** 主要污染指标: up to three evaluation items worse than class III; empty for a class I–III section. */
  primary_pollutants: ParameterCode[];
  /** Parameters given that GB 3838 Table 1 does not list (e.g. conductivity): not evaluated. */
  ignored?: ParameterCode[];
}

export interface PollutantCandidate {
  code: ParameterCode;
  class: SectionClass;
  /** Unrounded multiple over class III, null for items without one (pH, DO). */
  multiple: number | null;
}

/** Removes floating-point noise so that 1.2 mg/L of NH3-N and 24 mg/L of COD tie at a multiple of 0.2. */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/** A candidate worse than class III with what ranks it (clean(multiple) only when a tie needs it). */
interface Ranked {
  code: ParameterCode;
  toxic: number;
  rank: number;
  hasMultiple: number;
  multiple: number | null;
  row: number;
}

/** Worst first (see primaryPollutants); the multiples compared cleaned, so equal multiples tie. */
function byPriority(a: Ranked, b: Ranked): number {
  return (
    a.toxic - b.toxic ||
    b.rank - a.rank ||
    a.hasMultiple - b.hasMultiple ||
    // Only reached on a tie of the above: clean() formats a string, and every window judged ranks its items.
    (a.multiple === null ? 0 : clean(b.multiple!) - clean(a.multiple)) ||
    a.row - b.row
  );
}

/**
 * 主要污染指标 by 环办[2011]22号 and project decisions 2 and 3 (standards.md §2, §6): none when the section is
 * I–III; otherwise items worse than class III, cyanide and the heavy metals first, then by class (worst first),
 * then by multiple over class III (largest first); ties put items without a multiple (DO, pH) last, then follow
 * GB 3838 Table 1 order. At most three.
 */
export function primaryPollutants(
  candidates: readonly PollutantCandidate[],
  sectionClass: SectionClass | null,
): ParameterCode[] {
  if (sectionClass === null || classRank(sectionClass) <= 3) return [];
  const ranked: Ranked[] = [];
  for (const c of candidates) {
    const it = gb3838Item(c.code);
    const rank = classRank(c.class);
    if (it?.evaluated !== true || rank <= 3) continue;
    ranked.push({
      code: c.code,
      toxic: it.toxic ? 0 : 1,
      rank,
      hasMultiple: c.multiple === null ? 1 : 0,
      multiple: c.multiple,
      row: it.row,
    });
  }
  ranked.sort(byPriority);
  const out: ParameterCode[] = [];
  for (let i = 0; i < ranked.length && i < 3; i++) out.push(ranked[i]!.code);
  return out;
}

/** Evaluates one section (or one lake point) from its item values. Pure; never throws for valid values. */
export function evaluateSection(input: SectionInput): SectionResult {
  const { waterbody, target } = input;
  const rounding = input.rounding ?? 'none';
  const items: Partial<Record<ParameterCode, SectionItemResult>> = {};
  const candidates: PollutantCandidate[] = [];
  let worst = 0;
  for (const row of GB3838_TABLE1) {
    const measured = input.values[row.code];
    if (measured === undefined) continue;
    const value = applyRounding(rounding, row.code, measured);
    const cls = itemClass(row.code, value, waterbody);
    const exceedance = itemExceedance(row.code, value, waterbody, 'III');
    // Built property by property in the JSON's order: spreads of small literals cost more than the judgment.
    const item: SectionItemResult = { value } as SectionItemResult;
    if (value !== measured) item.measured = measured;
    item.class = cls;
    item.exceedance = exceedance;
    // Most sections' target is class III: the same multiple, not computed twice.
    if (target !== undefined)
      item.exceedance_target = target === 'III' ? exceedance : itemExceedance(row.code, value, waterbody, target);
    if (!row.evaluated) item.reference = true;
    items[row.code] = item;
    if (row.evaluated && cls !== null) {
      worst = Math.max(worst, classRank(cls));
      candidates.push({ code: row.code, class: cls, multiple: rawItemExceedance(row.code, value, waterbody, 'III') });
    }
  }
  const cls = worst === 0 ? null : classOfRank(worst);
  const grade = cls === null ? null : gradeOf(cls);
  const ignored = (Object.keys(input.values) as ParameterCode[]).filter(
    (code) => input.values[code] !== undefined && !gb3838Item(code),
  );
  return {
    class: cls,
    grade: grade?.zh ?? null,
    grade_en: grade?.en ?? null,
    ...(target !== undefined ? { compliant: cls === null ? null : meetsTarget(cls, target) } : {}),
    items,
    primary_pollutants: primaryPollutants(candidates, cls),
    ...(ignored.length > 0 ? { ignored } : {}),
  };
}
