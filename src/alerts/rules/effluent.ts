/**
 * Plant effluent (污水处理厂出水): valid-reading means of one window against the plant's discharge standard
 * (GB 18918-2002 with its temperature and construction-date rules, or a custom standard from the catalog).
 * Hourly windows give the early signal; daily windows are the compliance record (GB 18918 §4.1.4.2 judges the
 * daily mean). As for sections, a violation is certain from the items that have data, compliance only when
 * every limited item the plant measures had enough valid readings.
 */
import type { ParameterCode } from '../../domain/parameters.js';
import type { FindingItem, RuleOutcome, Severity } from '../types.js';
import type { DischargeStandardRef, DischargeStandards, Values } from './standards-port.js';
import { describeLacking, requiredCount, splitBySufficiency, type WindowMean } from './window-means.js';

export interface EffluentWindowInput {
  stationId: string;
  rule: 'effluent_hourly' | 'effluent_daily';
  windowStart: number;
  windowEnd: number;
  standard: DischargeStandardRef;
  /** Plant construction date (YYYY-MM-DD), for the GB 18918 TP rule. */
  plantBuilt?: string;
  parameters: readonly ParameterCode[];
  means: readonly WindowMean[];
  expectedCount: number;
  minValidShare: number;
  severity: Severity;
}

export function standardName(standard: DischargeStandardRef): string {
  return typeof standard === 'string' ? standard : standard.name.en;
}

export function evaluateEffluentWindow(input: EffluentWindowInput, standards: DischargeStandards): RuleOutcome {
  const limited = new Set(standards.dischargeParameters(input.standard));
  const required = input.parameters.filter((p) => limited.has(p));
  const needed = requiredCount(input.expectedCount, input.minValidShare);
  const { sufficient, lacking } = splitBySufficiency(input.means, required, needed);
  if (sufficient.size === 0) {
    return { kind: 'insufficient', reason: `no limited item with enough valid readings (${describeLacking(lacking)})` };
  }
  // Water temperature decides the NH3-N bracket value; without enough valid readings the engine applies the
  // stricter limit (standards.md §6 decision 6).
  const temp = splitBySufficiency(input.means, ['temp'], needed).sufficient.get('temp');
  const values: Values = Object.fromEntries(sufficient);
  const verdict = standards.evaluateEffluent(values, {
    standard: input.standard,
    ...(temp !== undefined ? { waterTempC: temp } : {}),
    ...(input.plantBuilt !== undefined ? { plantBuilt: input.plantBuilt } : {}),
  });
  const items: FindingItem[] = [];
  for (const [parameter, value] of sufficient) {
    const item = verdict.items[parameter];
    if (!item || item.compliant) continue;
    const low = item.min !== undefined && item.min !== null && value < item.min;
    items.push({
      parameter,
      value,
      exceedance: item.exceedance,
      ...(low
        ? { limit: item.min!, direction: 'min' as const }
        : item.limit !== null
          ? { limit: item.limit, direction: 'max' as const }
          : {}),
    });
  }
  if (items.length > 0) {
    return {
      kind: 'violation',
      finding: {
        rule: input.rule,
        stationId: input.stationId,
        severity: input.severity,
        windowStart: input.windowStart,
        windowEnd: input.windowEnd,
        standard: standardName(input.standard),
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
