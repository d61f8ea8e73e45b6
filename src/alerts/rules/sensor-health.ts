/**
 * Sensor health: signs that an instrument, not the water, is wrong. Each check is its own rule (one open alert
 * per rule and station) and goes to the maintainer as a maintenance alert:
 * - stuck: the same valid value repeated over a long span;
 * - out of range: stored values outside the usual range (or the installed sensor's), and messages ingest refused
 *   as physically impossible (docs/standards.md, "Parameter ranges");
 * - spikes: isolated jumps that come straight back, repeated;
 * - flags: a large share of readings flagged maintenance / calibration / fault;
 * - check failed: the logger's latest standard-sample check of a pollutant failed (HJ 212-2025 CN 2062).
 */
import type { DataFlag } from '../../domain/flags.js';
import { countsForCompliance } from '../../domain/flags.js';
import { parameter as parameterInfo, usualRange, type ParameterCode } from '../../domain/parameters.js';
import type { FindingItem, RuleId, RuleOutcome, Severity } from '../types.js';

export interface RawPoint {
  parameter: ParameterCode;
  ts: number;
  value: number;
  flag: DataFlag;
}

export interface HealthInput {
  stationId: string;
  at: number;
  /** Readings in [at − span, at) (any flag), any order. */
  readings: readonly RawPoint[];
  spanMs: number;
  severity: Severity;
}

function violation(rule: RuleId, input: HealthInput, windowMs: number, items: FindingItem[]): RuleOutcome {
  return {
    kind: 'violation',
    finding: {
      rule,
      stationId: input.stationId,
      severity: input.severity,
      windowStart: input.at - windowMs,
      windowEnd: input.at,
      items,
    },
  };
}

function byParameter(readings: readonly RawPoint[], validOnly: boolean): Map<ParameterCode, RawPoint[]> {
  const map = new Map<ParameterCode, RawPoint[]>();
  for (const r of readings) {
    if (validOnly && !countsForCompliance(r.flag)) continue;
    const list = map.get(r.parameter) ?? [];
    list.push(r);
    map.set(r.parameter, list);
  }
  for (const list of map.values()) list.sort((a, b) => a.ts - b.ts);
  return map;
}

export function evaluateStuck(
  input: HealthInput & { stuckSpanMs: number; minReadings: number; exempt: readonly ParameterCode[] },
): RuleOutcome {
  const items: FindingItem[] = [];
  let judged = 0;
  for (const [parameter, points] of byParameter(input.readings, true)) {
    if (input.exempt.includes(parameter) || points.length < input.minReadings) continue;
    judged += 1;
    // The trailing run of identical values: an instrument that is stuck now.
    const last = points[points.length - 1]!;
    let i = points.length - 1;
    while (i > 0 && points[i - 1]!.value === last.value) i -= 1;
    const run = points.length - i;
    const span = last.ts - points[i]!.ts;
    if (run >= input.minReadings && span >= input.stuckSpanMs) {
      items.push({
        parameter,
        value: last.value,
        note: `${run} identical readings over ${Math.round(span / 60_000)} min`,
      });
    }
  }
  if (judged === 0) return { kind: 'insufficient', reason: 'too few valid readings' };
  return items.length > 0 ? violation('sensor_stuck', input, input.stuckSpanMs, items) : { kind: 'compliant' };
}

export function evaluateOutOfRange(
  input: HealthInput & {
    ranges: Partial<Record<ParameterCode, { min: number; max: number }>>;
    /** Dead letters `implausible_value` in the span: values ingest refused as physically impossible. */
    rejectedOutOfRange?: number;
  },
): RuleOutcome {
  const worst = new Map<ParameterCode, { value: number; count: number; limit: number; direction: 'max' | 'min' }>();
  for (const r of input.readings) {
    const range = usualRange(parameterInfo(r.parameter), input.ranges[r.parameter]);
    if (!range) continue;
    const above = r.value > range.max;
    const below = r.value < range.min;
    if (!above && !below && Number.isFinite(r.value)) continue;
    const w = worst.get(r.parameter);
    worst.set(r.parameter, {
      value: w && Math.abs(w.value) > Math.abs(r.value) ? w.value : r.value,
      count: (w?.count ?? 0) + 1,
      limit: above ? range.max : range.min,
      direction: above ? 'max' : 'min',
    });
  }
  const items: FindingItem[] = [...worst].map(([parameter, w]) => ({
    parameter,
    value: w.value,
    limit: w.limit,
    direction: w.direction,
    note: `${w.count} readings outside the usual range`,
  }));
  const rejected = input.rejectedOutOfRange ?? 0;
  if (items.length === 0 && rejected === 0) {
    return input.readings.length === 0 ? { kind: 'insufficient', reason: 'no readings' } : { kind: 'compliant' };
  }
  const outcome = violation('sensor_out_of_range', input, input.spanMs, items);
  if (outcome.kind === 'violation' && rejected > 0) {
    outcome.finding.note = `${rejected} messages refused as physically impossible`;
  }
  return outcome;
}

/** Median of a non-empty list. */
function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Counts spikes in one series: a point that departs from the mean of its two neighbours by more than `z` robust
 * standard deviations (1.4826 × MAD of those departures) while the neighbours agree with each other.
 * A floor of ten display units keeps a near-constant series from turning rounding noise into spikes.
 */
export function countSpikes(values: readonly number[], z: number, floor: number): number {
  if (values.length < 5) return 0;
  const departures: number[] = [];
  for (let i = 1; i < values.length - 1; i++) departures.push(values[i]! - (values[i - 1]! + values[i + 1]!) / 2);
  const med = median(departures);
  const scale = Math.max(1.4826 * median(departures.map((d) => Math.abs(d - med))), floor);
  let spikes = 0;
  for (let i = 1; i < values.length - 1; i++) {
    const d = departures[i - 1]!;
    const neighbours = Math.abs(values[i + 1]! - values[i - 1]!);
    if (Math.abs(d) > z * scale && neighbours < Math.abs(d) / 2) spikes += 1;
  }
  return spikes;
}

export function evaluateSpikes(input: HealthInput & { z: number; minCount: number }): RuleOutcome {
  const items: FindingItem[] = [];
  let judged = 0;
  for (const [parameter, points] of byParameter(input.readings, true)) {
    if (points.length < 5) continue;
    judged += 1;
    const floor = 10 * 10 ** -parameterInfo(parameter).decimals;
    const spikes = countSpikes(
      points.map((p) => p.value),
      input.z,
      floor,
    );
    if (spikes >= input.minCount)
      items.push({ parameter, value: points[points.length - 1]!.value, note: `${spikes} spikes` });
  }
  if (judged === 0) return { kind: 'insufficient', reason: 'too few valid readings' };
  return items.length > 0 ? violation('sensor_spikes', input, input.spanMs, items) : { kind: 'compliant' };
}

export function evaluateFlags(input: HealthInput & { share: number; flags: readonly DataFlag[] }): RuleOutcome {
  const items: FindingItem[] = [];
  const all = byParameter(input.readings, false);
  if (all.size === 0) return { kind: 'insufficient', reason: 'no readings' };
  for (const [parameter, points] of all) {
    const flagged = points.filter((p) => input.flags.includes(p.flag));
    const share = flagged.length / points.length;
    if (flagged.length > 0 && share >= input.share) {
      const counts = new Map<DataFlag, number>();
      for (const p of flagged) counts.set(p.flag, (counts.get(p.flag) ?? 0) + 1);
      items.push({
        parameter,
        value: Math.round(share * 1000) / 10,
        unit: '%',
        note: [...counts].map(([flag, n]) => `${flag}×${n}`).join(' '),
      });
    }
  }
  return items.length > 0 ? violation('sensor_flags', input, input.spanMs, items) : { kind: 'compliant' };
}

/** One pollutant's result in a logger's standard-sample check (HJ 212-2025 CN 2062). */
export interface CheckPoint {
  parameter: ParameterCode | undefined;
  /** The HJ 212 code checked. */
  code: string;
  at: number;
  passed: boolean;
  /** What the instrument measured on the standard sample, and the sample's value. */
  measured: number | undefined;
  standard: number | undefined;
}

/**
 * Standard-sample checks (标样核查): the latest check of each pollutant in the span decides. One that failed is a
 * maintenance alert — the instrument measures a known sample wrong, so its readings are suspect (they count
 * nowhere: docs/adr/0017-device-health-marks.md) — until a passed check of that pollutant.
 */
export function evaluateStandardChecks(input: HealthInput & { checks: readonly CheckPoint[] }): RuleOutcome {
  const latest = new Map<string, CheckPoint>();
  for (const c of input.checks) {
    const key = c.parameter ?? c.code;
    if ((latest.get(key)?.at ?? -Infinity) <= c.at) latest.set(key, c);
  }
  if (latest.size === 0) return { kind: 'insufficient', reason: 'no standard-sample check in the span' };
  const items: FindingItem[] = [];
  for (const c of latest.values()) {
    if (c.passed || !c.parameter) continue;
    items.push({
      parameter: c.parameter,
      // A check without -SampleRd still failed: 0 stands in, and the note says so.
      value: c.measured ?? 0,
      ...(c.standard !== undefined && { limit: c.standard }),
      note: `2062 ${c.code} ${new Date(c.at).toISOString()}${c.measured === undefined ? ' (no SampleRd)' : ''}`,
    });
  }
  return items.length > 0 ? violation('sensor_check_failed', input, input.spanMs, items) : { kind: 'compliant' };
}
