import { describe, expect, it } from 'vitest';
import {
  decisionRefusal,
  effectiveFlag,
  inEffectOrder,
  markedRanges,
  markState,
  MARK_STATES,
  mergeIntervals,
  rangeContaining,
  type DecisionKind,
  type EffectiveMark,
} from '../../src/domain/data-marks.js';
import { DATA_FLAGS } from '../../src/domain/flags.js';

const m = (over: Partial<EffectiveMark>): EffectiveMark => ({
  id: 1,
  stationId: 's',
  parameters: 'all',
  from: 10,
  to: 20,
  flag: 'M',
  reason: 'r',
  effectiveAt: 100,
  ...over,
});
const at = (ts: number, parameter: 'nh3n' | 'tp' = 'nh3n') => ({ stationId: 's', parameter, ts });

describe('effectiveFlag', () => {
  it('is the device flag without a covering mark (other station, parameter, or outside [from, to))', () => {
    const marks = [m({ parameters: ['tp'] }), m({ id: 2, stationId: 'other' })];
    for (const f of DATA_FLAGS) expect(effectiveFlag(f, at(15), marks)).toEqual({ flag: f, mark: undefined });
    expect(effectiveFlag('N', at(20), [m({})]).flag).toBe('N');
    expect(effectiveFlag('N', at(9), [m({})]).flag).toBe('N');
    expect(effectiveFlag('N', at(10), [m({})]).flag).toBe('M');
  });

  it('M, C, D, F replace any device flag; N restores invalid ones to N and keeps N and T', () => {
    for (const flag of ['M', 'C', 'D', 'F'] as const)
      for (const f of DATA_FLAGS) expect(effectiveFlag(f, at(15), [m({ flag })]).flag).toBe(flag);
    for (const f of DATA_FLAGS) expect(effectiveFlag(f, at(15), [m({ flag: 'N' })]).flag).toBe(f === 'T' ? 'T' : 'N');
  });

  it('the mark that took effect last wins, whatever the order they were created in', () => {
    const older = m({ id: 5, flag: 'D', effectiveAt: 100 });
    const newer = m({ id: 3, flag: 'N', effectiveAt: 200, from: 12, to: 14 });
    const ordered = inEffectOrder([newer, older]);
    expect(ordered.map((x) => x.id)).toEqual([5, 3]);
    expect(effectiveFlag('N', at(11), ordered)).toEqual({ flag: 'D', mark: older });
    expect(effectiveFlag('N', at(13), ordered)).toEqual({ flag: 'N', mark: newer });
    // Same instant: the later id wins.
    expect(inEffectOrder([m({ id: 2, effectiveAt: 1 }), m({ id: 1, effectiveAt: 1 })]).map((x) => x.id)).toEqual([
      1, 2,
    ]);
  });
});

describe('mark states and decisions', () => {
  it('derives the state from the decisions', () => {
    const d = (kind: DecisionKind) => ({
      kind,
      by: { keyId: 'k', name: 'n', role: 'bureau' },
      at: 0,
      note: '',
      automatic: false,
    });
    expect(markState({ verdict: null, revocation: null })).toBe('pending');
    expect(markState({ verdict: d('approved'), revocation: null })).toBe('approved');
    expect(markState({ verdict: d('rejected'), revocation: null })).toBe('rejected');
    expect(markState({ verdict: d('approved'), revocation: d('revoked') })).toBe('revoked');
    expect(markState({ verdict: null, revocation: d('revoked') })).toBe('revoked');
  });

  it('allows pending → approved | rejected | revoked and approved → revoked only', () => {
    const allowed: Record<string, DecisionKind[]> = {
      pending: ['approved', 'rejected', 'revoked'],
      approved: ['revoked'],
      rejected: [],
      revoked: [],
    };
    for (const state of MARK_STATES)
      for (const kind of ['approved', 'rejected', 'revoked'] as const)
        expect(decisionRefusal(state, kind) === undefined, `${state} → ${kind}`).toBe(allowed[state]!.includes(kind));
  });
});

describe('intervals', () => {
  it('merges overlapping and touching intervals and drops empty ones', () => {
    expect(
      mergeIntervals([
        { from: 5, to: 7 },
        { from: 1, to: 3 },
        { from: 3, to: 4 },
        { from: 6, to: 9 },
        { from: 8, to: 8 },
      ]),
    ).toEqual([
      { from: 1, to: 4 },
      { from: 5, to: 9 },
    ]);
  });
  it('finds the range containing an instant, [from, to)', () => {
    const ranges = [
      { from: 1, to: 4 },
      { from: 5, to: 9 },
      { from: 20, to: 30 },
    ];
    expect(rangeContaining(ranges, 0)).toBeUndefined();
    expect(rangeContaining(ranges, 1)).toEqual({ from: 1, to: 4 });
    expect(rangeContaining(ranges, 4)).toBeUndefined();
    expect(rangeContaining(ranges, 8)).toEqual({ from: 5, to: 9 });
    expect(rangeContaining(ranges, 29)).toEqual({ from: 20, to: 30 });
    expect(rangeContaining(ranges, 30)).toBeUndefined();
  });
  it("marked ranges of one parameter count `all` marks and that parameter's, not others", () => {
    const marks = [
      m({ from: 0, to: 5, parameters: ['tp'] }),
      m({ from: 10, to: 15 }),
      m({ from: 14, to: 18, parameters: ['nh3n'] }),
    ];
    expect(markedRanges(marks, 's', 'nh3n')).toEqual([{ from: 10, to: 18 }]);
    expect(markedRanges(marks, 's', 'tp')).toEqual([
      { from: 0, to: 5 },
      { from: 10, to: 15 },
    ]);
    expect(markedRanges(marks, 'x', 'tp')).toEqual([]);
  });
});
