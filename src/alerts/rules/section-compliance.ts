/**
 * Outbound-section compliance (出境断面达标): one completed window of valid-reading means, evaluated with the
 * GB 3838 engine against the section's target class.
 *
 * Single-factor evaluation makes a violation certain even when some items lack data (a missing item can only
 * make the class worse), but compliance is only confirmed when every evaluated item the station measures had
 * enough valid readings; otherwise the window is "insufficient data" — neither compliant nor violating.
 */
import type { ParameterCode } from '../../domain/parameters.js';
import type { FindingItem, RuleOutcome, SectionClass, Severity, WaterClass } from '../types.js';
import { classRank, type SectionStandards, type Values, type Waterbody } from './standards-port.js';
import { describeLacking, requiredCount, splitBySufficiency, type WindowMean } from './window-means.js';

export interface SectionWindowInput {
  stationId: string;
  windowStart: number;
  windowEnd: number;
  waterbody: Waterbody;
  target: WaterClass;
  /** Parameters the station measures. */
  parameters: readonly ParameterCode[];
  means: readonly WindowMean[];
  /** Valid readings each parameter should have had in the window. */
  expectedCount: number;
  minValidShare: number;
}

/** One class worse than the target → warning; two or more, or 劣V → critical. */
export function sectionSeverity(reached: SectionClass, target: WaterClass): Severity {
  const worse = classRank(reached) - classRank(target);
  return worse >= 2 || reached === '劣V' ? 'critical' : 'warning';
}

/** The parameters whose class decides the section: evaluated by the method and measured at the station. */
export function sectionParameters(
  standards: SectionStandards,
  waterbody: Waterbody,
  measured: readonly ParameterCode[],
): ParameterCode[] {
  const evaluated = standards.evaluatedParameters(waterbody);
  return measured.filter((p) => evaluated.includes(p));
}

export function evaluateSectionWindow(input: SectionWindowInput, standards: SectionStandards): RuleOutcome {
  const required = sectionParameters(standards, input.waterbody, input.parameters);
  const needed = requiredCount(input.expectedCount, input.minValidShare);
  const { sufficient, lacking } = splitBySufficiency(input.means, required, needed);
  if (sufficient.size === 0) {
    return { kind: 'insufficient', reason: `no item with enough valid readings (${describeLacking(lacking)})` };
  }
  const values: Values = Object.fromEntries(sufficient);
  const verdict = standards.evaluateSection(values, { waterbody: input.waterbody, target: input.target });
  if (verdict.class === null) return { kind: 'insufficient', reason: 'no evaluated item' };

  if (classRank(verdict.class) > classRank(input.target)) {
    const items: FindingItem[] = [];
    for (const [parameter, value] of sufficient) {
      const item = verdict.items[parameter];
      if (!item?.class || classRank(item.class) <= classRank(input.target)) continue;
      const limit = standards.classLimit(parameter, input.target, input.waterbody);
      items.push({
        parameter,
        value,
        class: item.class,
        exceedance: item.exceedanceTarget,
        ...limitSide(limit, value),
      });
    }
    return {
      kind: 'violation',
      finding: {
        rule: 'section_compliance',
        stationId: input.stationId,
        severity: sectionSeverity(verdict.class, input.target),
        windowStart: input.windowStart,
        windowEnd: input.windowEnd,
        classReached: verdict.class,
        targetClass: input.target,
        primaryPollutants: verdict.primaryPollutants.map((parameter) => ({
          parameter,
          exceedance: verdict.items[parameter]?.exceedance ?? null,
        })),
        items,
      },
    };
  }
  if (lacking.length > 0) {
    return {
      kind: 'insufficient',
      reason: `cannot confirm compliance: too few valid readings (${describeLacking(lacking)})`,
    };
  }
  return { kind: 'compliant' };
}

/** Which side of a class limit a value broke: the upper bound, or the lower one (DO, pH below 6). */
export function limitSide(
  limit: { min?: number; max?: number } | undefined,
  value: number,
): { limit?: number; direction?: 'max' | 'min' } {
  if (!limit) return {};
  if (limit.max !== undefined && value > limit.max) return { limit: limit.max, direction: 'max' };
  if (limit.min !== undefined && value < limit.min) return { limit: limit.min, direction: 'min' };
  if (limit.max !== undefined) return { limit: limit.max, direction: 'max' };
  if (limit.min !== undefined) return { limit: limit.min, direction: 'min' };
  return {};
}
