/**
 * Custom alert limits from the catalog (`alerts.thresholds`): for items or levels the standards do not cover,
 * e.g. conductivity at an industrial outfall. Judged on the same window means as compliance, with the same
 * valid-share rule.
 */
import type { ParameterCode } from '../../domain/parameters.js';
import type { FindingItem, RuleOutcome, Severity } from '../types.js';
import { describeLacking, requiredCount, splitBySufficiency, type WindowMean } from './window-means.js';

export interface ThresholdInput {
  stationId: string;
  windowStart: number;
  windowEnd: number;
  thresholds: Partial<Record<ParameterCode, { min?: number; max?: number }>>;
  means: readonly WindowMean[];
  expectedCount: number;
  minValidShare: number;
  severity: Severity;
}

export function evaluateThresholds(input: ThresholdInput): RuleOutcome {
  const limited = Object.keys(input.thresholds) as ParameterCode[];
  if (limited.length === 0) return { kind: 'insufficient', reason: 'no thresholds configured' };
  const needed = requiredCount(input.expectedCount, input.minValidShare);
  const { sufficient, lacking } = splitBySufficiency(input.means, limited, needed);
  const items: FindingItem[] = [];
  for (const [parameter, value] of sufficient) {
    const t = input.thresholds[parameter]!;
    if (t.max !== undefined && value > t.max)
      items.push({ parameter, value, limit: t.max, direction: 'max', exceedance: (value - t.max) / t.max });
    else if (t.min !== undefined && value < t.min)
      items.push({ parameter, value, limit: t.min, direction: 'min', exceedance: null });
  }
  if (items.length > 0) {
    return {
      kind: 'violation',
      finding: {
        rule: 'threshold',
        stationId: input.stationId,
        severity: input.severity,
        windowStart: input.windowStart,
        windowEnd: input.windowEnd,
        items,
      },
    };
  }
  if (sufficient.size === 0 || lacking.length > 0) {
    return { kind: 'insufficient', reason: `too few valid readings (${describeLacking(lacking)})` };
  }
  return { kind: 'compliant' };
}
