/**
 * Early warning (预警) for sections, before a window closes:
 * - latest: the most recent valid reading of an item is past the target class limit;
 * - trend: a least-squares line through the last hours of valid readings crosses the target limit within the
 *   horizon (the finding carries the projected time).
 * Readings flagged M, C, D, F, S or B never reach these rules: the caller passes valid readings only.
 */
import type { ParameterCode } from '../../domain/parameters.js';
import type { FindingItem, RuleOutcome, Severity, WaterClass } from '../types.js';
import { limitSide, sectionParameters } from './section-compliance.js';
import { classRank, type SectionStandards, type Waterbody } from './standards-port.js';
import { fitLine, type Point } from './trend.js';

export interface LatestInput {
  stationId: string;
  /** Evaluation time: the window's end. */
  at: number;
  waterbody: Waterbody;
  target: WaterClass;
  parameters: readonly ParameterCode[];
  /** Latest valid reading per parameter at or before `at`. */
  latest: readonly { parameter: ParameterCode; ts: number; value: number }[];
  /** Older readings do not count. */
  maxAgeMs: number;
  severity: Severity;
}

export function evaluateLatest(input: LatestInput, standards: SectionStandards): RuleOutcome {
  const required = new Set(sectionParameters(standards, input.waterbody, input.parameters));
  const fresh = input.latest.filter(
    (l) => required.has(l.parameter) && l.ts <= input.at && input.at - l.ts <= input.maxAgeMs,
  );
  if (fresh.length === 0) return { kind: 'insufficient', reason: 'no recent valid reading' };
  const items: FindingItem[] = [];
  for (const reading of fresh) {
    const verdict = standards.evaluateSection(
      { [reading.parameter]: reading.value },
      { waterbody: input.waterbody, target: input.target },
    );
    const item = verdict.items[reading.parameter];
    if (!item?.class || classRank(item.class) <= classRank(input.target)) continue;
    const limit = standards.classLimit(reading.parameter, input.target, input.waterbody);
    items.push({
      parameter: reading.parameter,
      value: reading.value,
      class: item.class,
      exceedance: item.exceedanceTarget,
      ...limitSide(limit, reading.value),
    });
  }
  if (items.length === 0) return { kind: 'compliant' };
  const newest = Math.max(...fresh.map((f) => f.ts));
  return {
    kind: 'violation',
    finding: {
      rule: 'early_warning',
      stationId: input.stationId,
      severity: input.severity,
      windowStart: newest,
      windowEnd: input.at,
      targetClass: input.target,
      items,
    },
  };
}

export interface TrendInput {
  stationId: string;
  at: number;
  waterbody: Waterbody;
  target: WaterClass;
  parameters: readonly ParameterCode[];
  /** Valid readings per parameter within the trend span before `at`, any order. */
  series: ReadonlyMap<ParameterCode, readonly Point[]>;
  spanMs: number;
  minPoints: number;
  minR2: number;
  horizonMs: number;
  severity: Severity;
}

export function evaluateTrend(input: TrendInput, standards: SectionStandards): RuleOutcome {
  const required = sectionParameters(standards, input.waterbody, input.parameters);
  const items: FindingItem[] = [];
  let judged = 0;
  let earliest = Infinity;
  for (const parameter of required) {
    const points = [...(input.series.get(parameter) ?? [])]
      .filter((p) => p.t <= input.at && p.t >= input.at - input.spanMs)
      .sort((a, b) => a.t - b.t);
    if (points.length < input.minPoints) continue;
    const fit = fitLine(points);
    if (!fit) continue;
    judged += 1;
    if (fit.r2 < input.minR2) continue;
    const limit = standards.classLimit(parameter, input.target, input.waterbody);
    if (!limit) continue;
    const until = input.at + input.horizonMs;
    // Rising towards an upper limit, or falling towards a lower one (DO, pH 6).
    const candidates: { limit: number; direction: 'max' | 'min' }[] = [];
    if (limit.max !== undefined && fit.slope > 0 && fit.at(until) > limit.max)
      candidates.push({ limit: limit.max, direction: 'max' });
    if (limit.min !== undefined && fit.slope < 0 && fit.at(until) < limit.min)
      candidates.push({ limit: limit.min, direction: 'min' });
    for (const c of candidates) {
      const crossing = fit.reaches(c.limit);
      if (crossing === null) continue;
      const projectedAt = Math.round(Math.max(crossing, points[0]!.t));
      earliest = Math.min(earliest, projectedAt);
      items.push({
        parameter,
        value: fit.at(input.at),
        limit: c.limit,
        direction: c.direction,
        note: `slope ${(fit.slope * 3_600_000).toPrecision(3)}/h, R² ${fit.r2.toFixed(2)}, projected ${new Date(projectedAt).toISOString()}`,
      });
    }
  }
  if (judged === 0)
    return { kind: 'insufficient', reason: `fewer than ${input.minPoints} valid readings in the trend span` };
  if (items.length === 0) return { kind: 'compliant' };
  return {
    kind: 'violation',
    finding: {
      rule: 'trend_warning',
      stationId: input.stationId,
      severity: input.severity,
      windowStart: input.at - input.spanMs,
      windowEnd: input.at,
      targetClass: input.target,
      projectedAt: earliest,
      items,
    },
  };
}
