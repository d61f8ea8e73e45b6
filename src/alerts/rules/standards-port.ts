/**
 * The narrow view of the standards engine (src/domain/gb3838.ts, gb18918.ts, evaluate.ts) that the rules need.
 * Rules take it as an argument, so they stay pure and testable; `standards.ts` binds it to the real engine.
 */
import type { CustomDischargeStandard } from '../../domain/discharge-standard-definition.js';
import type { ParameterCode } from '../../domain/parameters.js';
import { classRank } from '../../domain/gb3838.js';
import type { SectionClass, WaterClass } from '../types.js';

export { classRank };

export type Waterbody = 'river' | 'lake';
export type Values = Partial<Record<ParameterCode, number>>;

export interface SectionItemVerdict {
  class: SectionClass | null;
  /** Against class III, the national reporting convention; null where the standard defines none (DO, pH). */
  exceedance: number | null;
  /** Against the target class; null where undefined or within it. */
  exceedanceTarget: number | null;
}

export interface SectionVerdict {
  /** null when no evaluated item is present. */
  class: SectionClass | null;
  items: Partial<Record<ParameterCode, SectionItemVerdict>>;
  /** 主要污染指标, in the 2011 method's order (only when worse than III). */
  primaryPollutants: ParameterCode[];
}

/** A limit of one class for one item: an upper bound, a lower bound (DO) or both (pH). */
export interface ClassLimit {
  min?: number;
  max?: number;
}

export interface SectionStandards {
  evaluateSection(values: Values, options: { waterbody: Waterbody; target: WaterClass }): SectionVerdict;
  /** The items that decide a section's class for this water body (环办[2011]22号: 21 items; TN for lakes is reference-only). */
  evaluatedParameters(waterbody: Waterbody): readonly ParameterCode[];
  /** The limit of `cls` for one item, or undefined when the item has no class limits (water temperature). */
  classLimit(parameter: ParameterCode, cls: WaterClass, waterbody: Waterbody): ClassLimit | undefined;
}

export type DischargeStandardRef = string | CustomDischargeStandard;

export interface EffluentItemVerdict {
  /** Upper limit in force (after the temperature and construction-date rules); null for pH (a range). */
  limit: number | null;
  /** Lower bound where the standard has one (pH 6). */
  min?: number | null;
  compliant: boolean;
  exceedance: number | null;
}

export interface EffluentVerdict {
  compliant: boolean;
  items: Partial<Record<ParameterCode, EffluentItemVerdict>>;
}

export interface DischargeStandards {
  evaluateEffluent(
    values: Values,
    options: { standard: DischargeStandardRef; waterTempC?: number; plantBuilt?: string },
  ): EffluentVerdict;
  /** The items the standard limits (so a missing one is known to be missing). */
  dischargeParameters(standard: DischargeStandardRef): readonly ParameterCode[];
}

export type Standards = SectionStandards & DischargeStandards;
