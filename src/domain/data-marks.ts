/**
 * Data marks (数据标记, issue 14): a person says that a station's readings over a time range carry another flag than
 * the one the device sent — maintenance, calibration, fault, stopped, or restored to normal — with a reason. Marks
 * never change the stored readings; they change the **effective flag**, and only once they take effect (approved,
 * and not revoked). This module is the pure rule: no I/O (docs/adr/0014-data-marks.md).
 */
import { countsForCompliance, type DataFlag } from './flags.js';
import type { ParameterCode } from './parameters.js';

/** The flags a mark may give, HJ 212-2017 Table 8 codes; N restores readings to normal. */
export const MARK_FLAGS = ['M', 'C', 'D', 'F', 'N'] as const;
export type MarkFlag = (typeof MARK_FLAGS)[number];

export const MARK_FLAG_MEANING: Record<MarkFlag, { zh: string; en: string }> = {
  M: { zh: '维护', en: 'maintenance' },
  C: { zh: '校准', en: 'calibration' },
  D: { zh: '故障', en: 'fault' },
  F: { zh: '停运', en: 'stopped' },
  N: { zh: '恢复正常', en: 'restored to normal' },
};

export const MARK_STATES = ['pending', 'approved', 'rejected', 'revoked'] as const;
export type MarkState = (typeof MARK_STATES)[number];

export const MARK_STATE_MEANING: Record<MarkState, { zh: string; en: string }> = {
  pending: { zh: '待审核', en: 'pending' },
  approved: { zh: '已生效', en: 'approved' },
  rejected: { zh: '已驳回', en: 'rejected' },
  revoked: { zh: '已撤销', en: 'revoked' },
};

/** Who did something: the API key's id and name, and its role at the time. */
export interface MarkActor {
  keyId: string;
  name: string;
  role: string;
}

export type DecisionKind = 'approved' | 'rejected' | 'revoked';

/** An approval, a rejection or a revocation: a record of its own, never a change of the mark. */
export interface MarkDecision {
  kind: DecisionKind;
  by: MarkActor;
  at: number;
  note: string;
  /** True when no person decided: a bureau/admin mark takes effect at once, or operator marks are auto-approved. */
  automatic: boolean;
}

export interface NewMark {
  stationId: string;
  /** The parameters marked, or every parameter of the station. */
  parameters: readonly ParameterCode[] | 'all';
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  flag: MarkFlag;
  reason: string;
  by: MarkActor;
  at: number;
}

export interface DataMark extends NewMark {
  id: number;
  /** The approval or the rejection, once decided. */
  verdict: MarkDecision | null;
  revocation: MarkDecision | null;
  state: MarkState;
}

export function markState(mark: Pick<DataMark, 'verdict' | 'revocation'>): MarkState {
  if (mark.revocation) return 'revoked';
  return mark.verdict?.kind === 'approved' ? 'approved' : mark.verdict?.kind === 'rejected' ? 'rejected' : 'pending';
}

/**
 * Whether `kind` may follow the mark's state, and if not, why (English; the API words it in both languages).
 * pending → approved | rejected | revoked (withdrawn); approved → revoked; rejected and revoked are final.
 */
export function decisionRefusal(state: MarkState, kind: DecisionKind): string | undefined {
  if (kind === 'revoked') {
    return state === 'pending' || state === 'approved' ? undefined : `a ${state} mark cannot be revoked`;
  }
  return state === 'pending' ? undefined : `only a pending mark can be ${kind}; this one is ${state}`;
}

/** A mark in force: approved and not revoked. `order` ranks marks by when they took effect (later wins). */
export interface EffectiveMark {
  id: number;
  stationId: string;
  parameters: readonly ParameterCode[] | 'all';
  from: number;
  to: number;
  flag: MarkFlag;
  reason: string;
  /** When it took effect (the approval), epoch ms. */
  effectiveAt: number;
}

export function appliesTo(mark: Pick<EffectiveMark, 'parameters'>, parameter: ParameterCode): boolean {
  return mark.parameters === 'all' || mark.parameters.includes(parameter);
}

export function covers(mark: EffectiveMark, stationId: string, parameter: ParameterCode, ts: number): boolean {
  return mark.stationId === stationId && ts >= mark.from && ts < mark.to && appliesTo(mark, parameter);
}

/** Marks in the order they took effect, the later last (ties: the later mark id), which is the order they apply. */
export function inEffectOrder<M extends Pick<EffectiveMark, 'effectiveAt' | 'id'>>(marks: readonly M[]): M[] {
  return [...marks].sort((a, b) => a.effectiveAt - b.effectiveAt || a.id - b.id);
}

/**
 * The flag a reading counts with. The latest mark in effect that covers it decides: M, C, D, F replace the
 * device's flag; N restores — a reading the device flagged invalid becomes N, a valid one (N, or T: above the
 * measuring range, still real) keeps its flag. No covering mark: the device's flag.
 * `ordered` must be in effect order (`inEffectOrder`).
 */
export function effectiveFlag(
  original: DataFlag,
  reading: { stationId: string; parameter: ParameterCode; ts: number },
  ordered: readonly EffectiveMark[],
): { flag: DataFlag; mark: EffectiveMark | undefined } {
  for (let i = ordered.length - 1; i >= 0; i--) {
    const m = ordered[i]!;
    if (!covers(m, reading.stationId, reading.parameter, reading.ts)) continue;
    if (m.flag === 'N') return { flag: countsForCompliance(original) ? original : 'N', mark: m };
    return { flag: m.flag, mark: m };
  }
  return { flag: original, mark: undefined };
}

export interface Interval {
  from: number;
  to: number;
}

/** The union of intervals, sorted and merged (touching ones join). */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter((i) => i.to > i.from).sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else out.push({ from: i.from, to: i.to });
  }
  return out;
}

/** Where marks of one station touch a parameter: the merged ranges whose readings may have another effective flag. */
export function markedRanges(marks: readonly EffectiveMark[], stationId: string, parameter: ParameterCode): Interval[] {
  return mergeIntervals(marks.filter((m) => m.stationId === stationId && appliesTo(m, parameter)));
}

/** The interval of `ranges` (sorted, disjoint) that contains ts, if any. */
export function rangeContaining(ranges: readonly Interval[], ts: number): Interval | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (ts < r.from) hi = mid - 1;
    else if (ts >= r.to) lo = mid + 1;
    else return r;
  }
  return undefined;
}
