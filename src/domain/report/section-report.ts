/**
 * One section (断面) over one period: the period means of its items, whether the data suffice, and — when they
 * do — its class by the single-factor method (GB 3838-2002 §5.1, 环办[2011]22号), compliance with its target,
 * primary pollutants with their multiples over class III, and its CWQI with the item terms. The engine
 * (gb3838-section.ts) does the judging; this only feeds it the period means (decision 10: unrounded).
 */
import { gb3838Item, type GradeEn, type GradeZh, type SectionClass, type WaterbodyType } from '../gb3838.js';
import { evaluateSection } from '../gb3838-section.js';
import type { ParameterCode } from '../parameters.js';
import type { Zone } from '../time-window.js';
import { sectionCwqi } from './cwqi.js';
import { periodOf } from './period-means.js';
import type { PeriodPieces, SectionStation } from './types.js';

/** The items that decide a section's class: the 21 evaluation items with a limit for its water body. */
export function decidingItems(parameters: readonly ParameterCode[], waterbody: WaterbodyType): ParameterCode[] {
  return parameters.filter((code) => {
    const item = gb3838Item(code);
    return item !== undefined && item.evaluated && (item.rule === 'range' || item[waterbody] !== undefined);
  });
}

export type SectionStatus = 'evaluated' | 'insufficient_data';

export interface SectionVerdict {
  status: SectionStatus;
  days: number;
  valid_days: number;
  /** Deciding items below the minimum valid share: valid readings and readings required. */
  lacking: { parameter: ParameterCode; count: number; required: number }[];
  /** Period means of every item with valid readings (reference items included), unrounded. */
  means: Partial<Record<ParameterCode, number>>;
  /** Null with insufficient data: such a section is shown, never classed or ranked (decision 10). */
  class: SectionClass | null;
  grade: GradeZh | null;
  grade_en: GradeEn | null;
  /** Null without a target or without a class. */
  compliant: boolean | null;
  /** 主要污染指标 with the multiple over class III (null for DO and pH). */
  primary_pollutants: { parameter: ParameterCode; multiple: number | null }[];
  cwqi: number | null;
  cwqi_terms: Partial<Record<ParameterCode, number>>;
}

export function judgeSection(
  station: SectionStation,
  data: PeriodPieces,
  timeZone: string | Zone,
  dayKey?: (ts: number) => string,
): SectionVerdict {
  const deciding = decidingItems(station.parameters, station.waterbody);
  const period = periodOf(station, data, { deciding, timeZone, dayKey });
  const means: Partial<Record<ParameterCode, number>> = {};
  for (const [code, item] of Object.entries(period.items) as [ParameterCode, { mean: number | null }][]) {
    if (item.mean !== null) means[code] = item.mean;
  }
  const lacking = deciding
    .filter((code) => !period.items[code]?.sufficient)
    .map((code) => ({
      parameter: code,
      count: period.items[code]?.count ?? 0,
      required: period.items[code]?.required ?? 0,
    }));
  const base = { days: period.days, valid_days: period.validDays, lacking, means };
  if (deciding.length === 0 || lacking.length > 0) {
    return {
      ...base,
      status: 'insufficient_data',
      class: null,
      grade: null,
      grade_en: null,
      compliant: null,
      primary_pollutants: [],
      cwqi: null,
      cwqi_terms: {},
    };
  }
  const values: Partial<Record<ParameterCode, number>> = {};
  for (const code of deciding) values[code] = means[code]!;
  const verdict = evaluateSection({
    values,
    waterbody: station.waterbody,
    ...(station.target ? { target: station.target } : {}),
  });
  const cwqi = sectionCwqi(values, station.waterbody);
  return {
    ...base,
    status: 'evaluated',
    class: verdict.class,
    grade: verdict.grade,
    grade_en: verdict.grade_en,
    compliant: verdict.compliant ?? null,
    primary_pollutants: verdict.primary_pollutants.map((parameter) => ({
      parameter,
      multiple: verdict.items[parameter]?.exceedance ?? null,
    })),
    cwqi: cwqi.total,
    cwqi_terms: cwqi.terms,
  };
}
