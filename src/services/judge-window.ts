/**
 * The verdict on one window of valid-reading means, by the station's standard. Pure.
 *
 * Sufficiency is per item (standards.md §6 decision 9): an item is judged only with at least `required`
 * valid readings. Single-factor evaluation makes a failure certain from the items that have data (a missing
 * item can only make things worse), but success only when every deciding item had enough readings;
 * otherwise the window is `insufficient_data` — neither compliant nor not — exactly as the alert rules decide.
 */
import { gradeSample, type BlackOdorousGrade, type IndicatorValues } from '../domain/black-odorous.js';
import { evaluateEffluent } from '../domain/gb18918.js';
import { classRank, type GradeEn, type GradeZh, type SectionClass } from '../domain/gb3838.js';
import { evaluateSection, type ParameterValues } from '../domain/gb3838-section.js';
import type { ParameterCode } from '../domain/parameters.js';
import { decidingParameters, type StationStandard } from './station-standard.js';

export const WINDOW_STATUSES = [
  'compliant',
  'non_compliant',
  'insufficient_data',
  'no_target',
  'not_evaluated',
] as const;
/**
 * compliant / non_compliant: judged against the target class or discharge standard (or, for black-odorous
 * water, whether it is free of black-odour); insufficient_data: too few valid readings to say;
 * no_target: a section without a target class (class given, nothing to comply with); not_evaluated: no standard.
 */
export type WindowStatus = (typeof WINDOW_STATUSES)[number];

export interface ItemStats {
  /** Mean of the valid readings (flags N, T); null when there is none. */
  mean: number | null;
  /** Valid readings. */
  count: number;
  /** Readings left out because of their flag (M, C, D, F, S, B). */
  excluded: number;
}

export interface ItemVerdict extends ItemStats {
  /** Enough valid readings to be judged (count ≥ required). */
  sufficient: boolean;
  /** GB 3838: the item's class; null for items without class limits. */
  class?: SectionClass | null;
  /** GB 3838: multiple over class III (the national convention); discharge: over the limit. */
  exceedance?: number | null;
  /** GB 3838: multiple over the target class's limit. */
  exceedance_target?: number | null;
  /** GB 3838 reference item (temperature, TN, fecal coliform): reported, never deciding. */
  reference?: boolean;
  /** Discharge: the limit in force (after the temperature and construction-date rules). */
  limit?: number | { min?: number; max?: number } | null;
  compliant?: boolean | null;
  /** Black-odorous: the indicator's level. */
  level?: BlackOdorousGrade;
}

export interface WindowVerdict {
  status: WindowStatus;
  /** true / false when judged; null when insufficient, without a target, or without a standard. */
  compliant: boolean | null;
  /** GB 3838 section class from the judged items (null when none was judged). */
  class?: SectionClass | null;
  grade?: GradeZh | null;
  grade_en?: GradeEn | null;
  /** 主要污染指标 (GB 3838, only for classes worse than III). */
  primary_pollutants?: ParameterCode[];
  /** Black-odorous grade of the window's means. */
  black_odorous?: BlackOdorousGrade | null;
  /** Deciding items with too few valid readings. */
  lacking: ParameterCode[];
  /** Assumptions the engine made (unknown water temperature or construction date), bilingual. */
  notes?: string[];
  items: Partial<Record<ParameterCode, ItemVerdict>>;
}

export interface JudgeInput {
  standard: StationStandard;
  /** The station's parameters, in catalog order. */
  parameters: readonly ParameterCode[];
  stats: ReadonlyMap<ParameterCode, ItemStats>;
  /** Valid readings an item needs to be judged. */
  required: number;
}

const EMPTY: ItemStats = { mean: null, count: 0, excluded: 0 };

function statsOf(input: JudgeInput): { items: Partial<Record<ParameterCode, ItemVerdict>>; values: ParameterValues } {
  const items: Partial<Record<ParameterCode, ItemVerdict>> = {};
  const values: ParameterValues = {};
  for (const code of input.parameters) {
    const s = input.stats.get(code) ?? EMPTY;
    const sufficient = s.mean !== null && s.count >= input.required;
    items[code] = { mean: s.mean, count: s.count, excluded: s.excluded, sufficient };
    if (sufficient) values[code] = s.mean!;
  }
  return { items, values };
}

function settle(
  failed: boolean,
  lacking: readonly ParameterCode[],
  judgedAny: boolean,
): Pick<WindowVerdict, 'status' | 'compliant'> {
  if (failed) return { status: 'non_compliant', compliant: false };
  if (!judgedAny || lacking.length > 0) return { status: 'insufficient_data', compliant: null };
  return { status: 'compliant', compliant: true };
}

export function judgeWindow(input: JudgeInput): WindowVerdict {
  const { items, values } = statsOf(input);
  const deciding = decidingParameters(input.standard, input.parameters);
  const lacking = deciding.filter((code) => !items[code]!.sufficient);
  const judged = deciding.filter((code) => items[code]!.sufficient);
  const standard = input.standard;

  if (standard.kind === 'gb3838') {
    if (judged.length === 0) {
      return {
        status: 'insufficient_data',
        compliant: null,
        class: null,
        grade: null,
        grade_en: null,
        primary_pollutants: [],
        lacking,
        items,
      };
    }
    const result = evaluateSection({
      values,
      waterbody: standard.waterbody,
      ...(standard.target ? { target: standard.target } : {}),
    });
    for (const [code, item] of Object.entries(result.items) as [
      ParameterCode,
      NonNullable<(typeof result.items)[ParameterCode]>,
    ][]) {
      Object.assign(items[code]!, {
        class: item.class,
        exceedance: item.exceedance,
        ...(item.exceedance_target !== undefined ? { exceedance_target: item.exceedance_target } : {}),
        ...(item.reference ? { reference: true } : {}),
      });
    }
    const verdict = {
      class: result.class,
      grade: result.grade,
      grade_en: result.grade_en,
      primary_pollutants: result.primary_pollutants,
      lacking,
      items,
    };
    if (!standard.target) {
      return { ...verdict, status: lacking.length > 0 ? 'insufficient_data' : 'no_target', compliant: null };
    }
    const failed = result.class !== null && classRank(result.class) > classRank(standard.target);
    return { ...verdict, ...settle(failed, lacking, true) };
  }

  if (standard.kind === 'discharge') {
    if (judged.length === 0) return { status: 'insufficient_data', compliant: null, lacking, items };
    const limitedValues: ParameterValues = Object.fromEntries(judged.map((code) => [code, values[code]!]));
    // Water temperature picks the NH3-N bracket value (GB 18918-2002 Table 1 note ②); without enough valid
    // readings the engine applies the stricter limit and says so (decision 6).
    const temp = items.temp?.sufficient ? values.temp : undefined;
    const result = evaluateEffluent({
      standard: standard.definition,
      values: limitedValues,
      ...(temp !== undefined ? { waterTempC: temp } : {}),
      ...(standard.plantBuilt ? { plantBuilt: standard.plantBuilt } : {}),
    });
    for (const [code, item] of Object.entries(result.items) as [
      ParameterCode,
      NonNullable<(typeof result.items)[ParameterCode]>,
    ][]) {
      Object.assign(items[code]!, { limit: item.limit, compliant: item.compliant, exceedance: item.exceedance });
    }
    return {
      ...settle(result.compliant === false, lacking, true),
      lacking,
      ...(result.notes ? { notes: result.notes } : {}),
      items,
    };
  }

  if (standard.kind === 'black-odorous') {
    if (judged.length === 0)
      return { status: 'insufficient_data', compliant: null, black_odorous: null, lacking, items };
    const indicators = Object.fromEntries(judged.map((code) => [code, values[code]!])) as IndicatorValues;
    const result = gradeSample({
      values: indicators,
      ...(standard.depthCm !== null ? { depthCm: standard.depthCm } : {}),
    });
    for (const [code, item] of Object.entries(result.items))
      Object.assign(items[code as ParameterCode]!, { level: item.level });
    // Remediation's aim is water that is not black-odorous (消除黑臭): any light or severe level fails it.
    return { ...settle(result.grade !== 'none', lacking, true), black_odorous: result.grade, lacking, items };
  }

  return { status: 'not_evaluated', compliant: null, lacking: [], items };
}
