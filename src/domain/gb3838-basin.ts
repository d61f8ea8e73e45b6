/**
 * Evaluating a river, a basin or a lake from several sections/points, by 《地表水环境质量评价办法（试行）》
 * 环办[2011]22号 (reproduced by the Shenzhen EEB FAQ and bjx; standards.md §2):
 * - a river or basin with fewer than 5 sections: average each item over the sections, then the single-factor
 *   method on the averages (as for one section);
 * - 5 sections or more (decision 4: exactly 5 counts here): the section-proportion method (断面水质类别比例法);
 * - a lake or reservoir with several points: average each item over the points, then evaluate as one point
 *   (the proportion method is for rivers).
 */
import {
  classRank,
  gb3838Item,
  GRADES_EN,
  GRADES_ZH,
  type GradeEn,
  type GradeZh,
  type WaterbodyType,
} from './gb3838.js';
import { evaluateSection, type ParameterValues, type SectionItemResult, type SectionResult } from './gb3838-section.js';
import type { ParameterCode } from './parameters.js';
import { mean, meanPh, type PhMeanMethod, type RoundingMode } from './rounding.js';

export interface BasinSectionInput {
  /** Optional label echoed in the result (station id or name). */
  id?: string;
  values: ParameterValues;
}

export interface BasinInput {
  sections: readonly BasinSectionInput[];
  waterbody: WaterbodyType;
  rounding?: RoundingMode;
}

export type BasinMethod = 'section-mean' | 'section-proportion';

export interface BasinSectionResult extends SectionResult {
  id?: string;
}

export interface BasinResult {
  method: BasinMethod;
  /** Sections (points) that have at least one evaluation item. */
  sections_evaluated: number;
  /** The class of the averaged values (section-mean method); null for the proportion method, which has none. */
  class: SectionResult['class'];
  grade: GradeZh | null;
  grade_en: GradeEn | null;
  /** Section-mean method: the averaged items, evaluated as one section. */
  items?: Partial<Record<ParameterCode, SectionItemResult>>;
  /** Proportion method: share of sections in classes I–III and in 劣V (0–1). */
  share_i_iii?: number;
  share_inferior_v?: number;
  /** Proportion method: per item, the share of sections where it is worse than class III (断面超标率), when > 0. */
  exceedance_rates?: Partial<Record<ParameterCode, number>>;
  primary_pollutants: ParameterCode[];
  /** Proportion method: every section's own evaluation, in input order. */
  sections?: BasinSectionResult[];
}

/** The section-proportion method needs at least this many sections (decision 4: "5个（含5个）以上"). */
export const PROPORTION_METHOD_MIN_SECTIONS = 5;

function grade(index: number): { grade: GradeZh; grade_en: GradeEn } {
  return { grade: GRADES_ZH[index]!, grade_en: GRADES_EN[index]! };
}

/**
 * The proportion-method grade (standards.md §2): I–III ≥ 90 % 优; 75 % ≤ I–III < 90 % 良好; otherwise by the
 * 劣V share: < 20 % 轻度污染, 20 %–40 % 中度污染, ≥ 40 % 重度污染. Integer arithmetic keeps the boundaries exact.
 */
export function proportionGrade(counts: { total: number; iToIii: number; inferiorV: number }): {
  grade: GradeZh;
  grade_en: GradeEn;
} {
  const { total, iToIii, inferiorV } = counts;
  if (iToIii * 100 >= 90 * total) return grade(0);
  if (iToIii * 100 >= 75 * total) return grade(1);
  if (inferiorV * 100 < 20 * total) return grade(2);
  if (inferiorV * 100 < 40 * total) return grade(3);
  return grade(4);
}

/** Averages each item over the sections that measured it; pH by the chosen method. */
export function meanValues(sections: readonly ParameterValues[], phMean: PhMeanMethod): ParameterValues {
  const collected = new Map<ParameterCode, number[]>();
  for (const values of sections) {
    for (const [code, value] of Object.entries(values) as [ParameterCode, number | undefined][]) {
      if (value === undefined) continue;
      const list = collected.get(code) ?? [];
      list.push(value);
      collected.set(code, list);
    }
  }
  const out: ParameterValues = {};
  for (const [code, list] of collected) out[code] = code === 'ph' ? meanPh(list, phMean) : mean(list);
  return out;
}

function hasEvaluationItem(values: ParameterValues): boolean {
  return (Object.entries(values) as [ParameterCode, number | undefined][]).some(
    ([code, v]) => v !== undefined && gb3838Item(code)?.evaluated === true,
  );
}

export function evaluateBasin(input: BasinInput): BasinResult {
  const rounding = input.rounding ?? 'none';
  // The 2020 rules average pH through hydrogen-ion concentration; without them, the arithmetic mean.
  const phMean: PhMeanMethod = rounding === '2020' ? 'hydrogen-ion' : 'arithmetic';
  const usable = input.sections.filter((s) => hasEvaluationItem(s.values));
  const n = usable.length;

  if (input.waterbody === 'lake' || n < PROPORTION_METHOD_MIN_SECTIONS) {
    const averaged = evaluateSection({
      values: meanValues(
        usable.map((s) => s.values),
        phMean,
      ),
      waterbody: input.waterbody,
      rounding,
    });
    return {
      method: 'section-mean',
      sections_evaluated: n,
      class: averaged.class,
      grade: averaged.grade,
      grade_en: averaged.grade_en,
      items: averaged.items,
      primary_pollutants: averaged.primary_pollutants,
    };
  }

  const sections: BasinSectionResult[] = input.sections.map((s) => ({
    ...(s.id !== undefined ? { id: s.id } : {}),
    ...evaluateSection({ values: s.values, waterbody: input.waterbody, rounding }),
  }));
  const classed = sections.filter((s) => s.class !== null);
  const iToIii = classed.filter((s) => classRank(s.class!) <= 3).length;
  const inferiorV = classed.filter((s) => s.class === '劣V').length;
  const g = proportionGrade({ total: classed.length, iToIii, inferiorV });

  // 断面超标率 per item: the share of sections where the item is worse than class III.
  const over = new Map<ParameterCode, number>();
  for (const s of classed) {
    for (const [code, it] of Object.entries(s.items) as [ParameterCode, SectionItemResult][]) {
      if (!it.reference && it.class !== null && classRank(it.class) > 3) over.set(code, (over.get(code) ?? 0) + 1);
    }
  }
  const rates: Partial<Record<ParameterCode, number>> = {};
  for (const [code, count] of over) rates[code] = Number((count / classed.length).toFixed(4));
  // River primary pollutants: the items most often worse than III (bjx; single source), ties in Table 1 order.
  const polluted = g.grade !== '优' && g.grade !== '良好';
  const primary = polluted
    ? [...over.entries()]
        .sort((a, b) => b[1] - a[1] || gb3838Item(a[0])!.row - gb3838Item(b[0])!.row)
        .slice(0, 3)
        .map(([code]) => code)
    : [];
  return {
    method: 'section-proportion',
    sections_evaluated: classed.length,
    class: null,
    ...g,
    share_i_iii: Number((iToIii / classed.length).toFixed(4)),
    share_inferior_v: Number((inferiorV / classed.length).toFixed(4)),
    exceedance_rates: rates,
    primary_pollutants: primary,
    sections,
  };
}
