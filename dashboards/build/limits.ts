/**
 * Grafana threshold steps from the standards tables of src/domain/: the dashboards never restate a limit, so
 * they cannot drift from the engine that judges compliance.
 * - GB 3838-2002 Table 1 (src/domain/gb3838.ts, GB3838_TABLE1): class bands I … 劣V.
 * - GB 18918-2002 Table 1 (src/domain/gb18918.ts, dischargeLimits): the discharge limit of a class.
 *
 * Grafana colours a value with the highest step at or below it, so a value exactly on a limit is drawn in the
 * worse band, whereas the standards (and Qingliu's evaluation) count it as meeting the limit. A drawing
 * matter only; the API and the built-in dashboard give the verdicts.
 */
import {
  BUILTIN_DISCHARGE_STANDARDS,
  type BuiltinDischargeStandard,
} from '../../src/domain/discharge-standard-definition.js';
import { dischargeLimits } from '../../src/domain/gb18918.js';
import { gb3838Item, SECTION_CLASSES, type SectionClass, type WaterbodyType } from '../../src/domain/gb3838.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Step } from './grafana.js';

/**
 * Class colours as commonly used on Chinese water-quality maps (Ⅰ light cyan, Ⅱ blue, Ⅲ green, Ⅳ yellow,
 * Ⅴ orange, 劣Ⅴ red). Conventional, not part of GB 3838 (shared/reference/standards.md §2: "U").
 */
export const CLASS_COLOURS: Record<SectionClass, string> = {
  I: '#8fe3f0',
  II: '#1e90ff',
  III: '#2fbf4a',
  IV: '#f2cc0c',
  V: '#ff8c00',
  劣V: '#e02f44',
};

export const COMPLIANT_COLOUR = '#2fbf4a';
export const WARM_ONLY_COLOUR = '#ff8c00';
export const EXCEEDED_COLOUR = '#e02f44';

/** Adds a step, the later one winning when two share a value (identical limits of adjacent classes). */
function push(steps: Step[], value: number, color: string): void {
  const last = steps[steps.length - 1];
  if (last && last.value === value) last.color = color;
  else steps.push({ value, color });
}

/** GB 3838 class bands for a parameter, or undefined when Table 1 gives it no class limits for this waterbody. */
export function gb3838Steps(code: ParameterCode, waterbody: WaterbodyType): Step[] | undefined {
  const item = gb3838Item(code);
  if (!item) return undefined;
  const colour = (i: number) => CLASS_COLOURS[SECTION_CLASSES[i]!];
  if (item.rule === 'range' && item.range) {
    // pH: one range for every class; outside it meets none (劣V).
    return [
      { value: null, color: CLASS_COLOURS['劣V'] },
      { value: item.range.min, color: CLASS_COLOURS.I },
      { value: item.range.max, color: CLASS_COLOURS['劣V'] },
    ];
  }
  const limits = waterbody === 'lake' ? item.lake : item.river;
  if (!limits) return undefined;
  if (item.rule === 'max') {
    // ≤ limits, ascending: above class k's limit the value is class k+1 at best.
    const steps: Step[] = [{ value: null, color: colour(0) }];
    limits.forEach((limit, k) => push(steps, limit, colour(k + 1)));
    return steps;
  }
  if (item.rule === 'min') {
    // ≥ limits (DO), descending: reaching class k's limit makes the value class k; below V's it is 劣V.
    const steps: Step[] = [{ value: null, color: colour(5) }];
    [...limits].reverse().forEach((limit, r) => push(steps, limit, colour(4 - r)));
    return steps;
  }
  return undefined;
}

export type Built = 'before-2006' | 'from-2006';

/**
 * GB 18918 limit of one built-in class: green up to the limit, red above it. NH3-N has two limits (Table 1
 * note ②): above the warm-water one it exceeds when the water is > 12 °C (orange), above the cold-water one
 * always (red). TP depends on the construction date (before / from 2006-01-01). pH is a 6–9 range.
 */
export function gb18918Steps(
  code: ParameterCode,
  standard: BuiltinDischargeStandard,
  built: Built,
): Step[] | undefined {
  const plantBuilt = built === 'before-2006' ? '2005-12-31' : '2006-01-01';
  const warm = dischargeLimits(standard, { waterTempC: 20, plantBuilt }).limits[code];
  const cold = dischargeLimits(standard, { waterTempC: 5, plantBuilt }).limits[code];
  if (!warm) return undefined;
  if (warm.min !== undefined && warm.max !== undefined) {
    return [
      { value: null, color: EXCEEDED_COLOUR },
      { value: warm.min, color: COMPLIANT_COLOUR },
      { value: warm.max, color: EXCEEDED_COLOUR },
    ];
  }
  if (warm.max === undefined) return undefined;
  const steps: Step[] = [{ value: null, color: COMPLIANT_COLOUR }];
  if (cold?.max !== undefined && cold.max > warm.max) {
    steps.push({ value: warm.max, color: WARM_ONLY_COLOUR }, { value: cold.max, color: EXCEEDED_COLOUR });
  } else {
    steps.push({ value: warm.max, color: EXCEEDED_COLOUR });
  }
  return steps;
}

/** Items of GB 18918-2002 Table 1 that have a limit in at least one built-in class. */
export function gb18918Parameters(): ParameterCode[] {
  const codes = new Set<ParameterCode>();
  for (const std of BUILTIN_DISCHARGE_STANDARDS) {
    for (const code of Object.keys(dischargeLimits(std).limits) as ParameterCode[]) codes.add(code);
  }
  return [...codes];
}
