import { describe, expect, it } from 'vitest';
import { evaluateLatest, evaluateTrend } from '../../src/alerts/rules/early-warning.js';
import { evaluateEffluentWindow } from '../../src/alerts/rules/effluent.js';
import { evaluateSectionWindow, sectionSeverity } from '../../src/alerts/rules/section-compliance.js';
import {
  countSpikes,
  evaluateFlags,
  evaluateOutOfRange,
  evaluateSpikes,
  evaluateStuck,
  type RawPoint,
} from '../../src/alerts/rules/sensor-health.js';
import { gbStandards } from '../../src/alerts/rules/standards.js';
import { evaluateOffline } from '../../src/alerts/rules/station-offline.js';
import { evaluateThresholds } from '../../src/alerts/rules/threshold.js';
import { fitLine } from '../../src/alerts/rules/trend.js';
import { combineBuckets, requiredCount, type WindowMean } from '../../src/alerts/rules/window-means.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import { HOUR, MIN, T0 } from './helpers/fixtures.js';

const W = { stationId: 'out-1', windowStart: T0, windowEnd: T0 + 4 * HOUR };
const PARAMS: ParameterCode[] = ['ph', 'do', 'codmn', 'nh3n', 'tp'];

function means(values: Partial<Record<ParameterCode, number>>, count = 4): WindowMean[] {
  return Object.entries(values).map(([parameter, mean]) => ({
    parameter: parameter as ParameterCode,
    mean: mean!,
    count,
    excluded: 0,
  }));
}
const good = { ph: 7.5, do: 6.5, codmn: 4, nh3n: 0.5, tp: 0.1 };

function section(
  values: Partial<Record<ParameterCode, number>>,
  extra: Partial<Parameters<typeof evaluateSectionWindow>[0]> = {},
) {
  return evaluateSectionWindow(
    {
      ...W,
      waterbody: 'river',
      target: 'III',
      parameters: PARAMS,
      means: means(values),
      expectedCount: 4,
      minValidShare: 0.75,
      ...extra,
    },
    gbStandards,
  );
}

describe('section compliance (outbound section, 出境断面)', () => {
  it('is compliant when every item meets the target class, including a value exactly at the limit', () => {
    expect(section(good)).toEqual({ kind: 'compliant' });
    expect(section({ ...good, nh3n: 1.0, tp: 0.2 })).toEqual({ kind: 'compliant' });
  });

  it('finds non-compliance with the class reached, primary pollutants and exceedance multiples', () => {
    const outcome = section({ ...good, nh3n: 2.3, tp: 0.32 });
    expect(outcome.kind).toBe('violation');
    if (outcome.kind !== 'violation') return;
    const f = outcome.finding;
    expect(f.rule).toBe('section_compliance');
    expect(f.classReached).toBe('劣V');
    expect(f.targetClass).toBe('III');
    expect(f.severity).toBe('critical');
    expect(f.primaryPollutants).toEqual([
      { parameter: 'nh3n', exceedance: 1.3 },
      { parameter: 'tp', exceedance: 0.6 },
    ]);
    const nh3n = f.items.find((i) => i.parameter === 'nh3n')!;
    expect(nh3n).toMatchObject({ value: 2.3, limit: 1.0, direction: 'max', class: '劣V', exceedance: 1.3 });
    expect(f.items.map((i) => i.parameter).sort()).toEqual(['nh3n', 'tp']);
  });

  it('grades severity: one class worse → warning; two or more, or 劣V → critical', () => {
    expect(sectionSeverity('IV', 'III')).toBe('warning');
    expect(sectionSeverity('V', 'III')).toBe('critical');
    expect(sectionSeverity('劣V', 'III')).toBe('critical');
    expect(sectionSeverity('V', 'IV')).toBe('warning');
    expect(sectionSeverity('劣V', 'V')).toBe('critical');
    const iv = section({ ...good, nh3n: 1.2 });
    expect(iv.kind === 'violation' && [iv.finding.classReached, iv.finding.severity]).toEqual(['IV', 'warning']);
    const v = section({ ...good, nh3n: 1.8 });
    expect(v.kind === 'violation' && [v.finding.classReached, v.finding.severity]).toEqual(['V', 'critical']);
  });

  it('judges DO (a lower bound) and pH outside 6–9', () => {
    const lowDo = section({ ...good, do: 4 });
    expect(lowDo.kind === 'violation' && lowDo.finding.items[0]).toMatchObject({
      parameter: 'do',
      limit: 5,
      direction: 'min',
      class: 'IV',
    });
    const acid = section({ ...good, ph: 5.5 });
    expect(acid.kind === 'violation' && acid.finding.items[0]).toMatchObject({
      parameter: 'ph',
      limit: 6,
      direction: 'min',
      class: '劣V',
    });
  });

  it('is insufficient data below the minimum valid share (neither compliant nor violating)', () => {
    expect(requiredCount(4, 0.75)).toBe(3);
    const few = section(good, { means: means(good, 2) });
    expect(few.kind).toBe('insufficient');
    // Exactly the minimum share (3 of 4) is enough.
    expect(section(good, { means: means(good, 3) })).toEqual({ kind: 'compliant' });
    // A per-station share of 0.5 accepts 2 of 4.
    expect(section(good, { means: means(good, 2), minValidShare: 0.5 })).toEqual({ kind: 'compliant' });
  });

  it('reports a violation seen in the items that have data, but cannot confirm compliance when one lacks data', () => {
    const partial = [
      ...means({ ...good, nh3n: 1.8 }).filter((m) => m.parameter !== 'tp'),
      { parameter: 'tp' as const, mean: 0.1, count: 1, excluded: 3 },
    ];
    expect(section({}, { means: partial }).kind).toBe('violation');
    const fine = [
      ...means(good).filter((m) => m.parameter !== 'tp'),
      { parameter: 'tp' as const, mean: 0.1, count: 1, excluded: 3 },
    ];
    const outcome = section({}, { means: fine });
    expect(outcome.kind).toBe('insufficient');
    expect(outcome.kind === 'insufficient' && outcome.reason).toContain('tp 1/3');
  });

  it('ignores water temperature (no class) and TN in a river (reference only)', () => {
    const outcome = section(
      { ...good },
      { parameters: [...PARAMS, 'temp', 'tn'], means: means({ ...good, temp: 30, tn: 9 }) },
    );
    expect(outcome).toEqual({ kind: 'compliant' });
  });
});

describe('early warning (预警)', () => {
  const base = {
    stationId: 'out-1',
    at: T0,
    waterbody: 'river' as const,
    target: 'III' as const,
    parameters: PARAMS,
    severity: 'warning' as const,
  };

  it('warns on the latest valid reading past the target limit', () => {
    const outcome = evaluateLatest(
      {
        ...base,
        latest: [
          { parameter: 'nh3n', ts: T0 - 10 * MIN, value: 1.4 },
          { parameter: 'tp', ts: T0 - 10 * MIN, value: 0.1 },
        ],
        maxAgeMs: 2 * HOUR,
      },
      gbStandards,
    );
    expect(outcome.kind).toBe('violation');
    expect(outcome.kind === 'violation' && outcome.finding).toMatchObject({
      rule: 'early_warning',
      items: [{ parameter: 'nh3n', value: 1.4, limit: 1, class: 'IV' }],
    });
  });

  it('is compliant when the latest readings are within the target, and insufficient when they are too old', () => {
    expect(
      evaluateLatest(
        { ...base, latest: [{ parameter: 'nh3n', ts: T0 - MIN, value: 0.9 }], maxAgeMs: 2 * HOUR },
        gbStandards,
      ),
    ).toEqual({ kind: 'compliant' });
    expect(
      evaluateLatest(
        { ...base, latest: [{ parameter: 'nh3n', ts: T0 - 3 * HOUR, value: 5 }], maxAgeMs: 2 * HOUR },
        gbStandards,
      ).kind,
    ).toBe('insufficient');
  });

  const trend = (points: { t: number; v: number }[], parameter: ParameterCode = 'nh3n', horizonMs = 4 * HOUR) =>
    evaluateTrend(
      { ...base, series: new Map([[parameter, points]]), spanMs: 6 * HOUR, minPoints: 6, minR2: 0.6, horizonMs },
      gbStandards,
    );

  it('projects a rising trend to cross the target limit within the horizon, with the projected time', () => {
    // NH3-N rising 0.1 mg/L per hour from 0.4: reaches 1.0 (class III limit) 6 h after the first point.
    const points = Array.from({ length: 6 }, (_, i) => ({ t: T0 - (5 - i) * HOUR, v: 0.4 + 0.1 * i }));
    const outcome = trend(points);
    expect(outcome.kind).toBe('violation');
    if (outcome.kind !== 'violation') return;
    expect(outcome.finding.rule).toBe('trend_warning');
    expect(outcome.finding.projectedAt).toBe(T0 + HOUR);
    expect(outcome.finding.items[0]).toMatchObject({ parameter: 'nh3n', limit: 1, direction: 'max' });
    // Beyond a shorter horizon it is no warning.
    expect(trend(points, 'nh3n', 30 * MIN)).toEqual({ kind: 'compliant' });
  });

  it('warns on falling DO towards its lower bound, and not on a falling pollutant or noise', () => {
    const falling = Array.from({ length: 6 }, (_, i) => ({ t: T0 - (5 - i) * HOUR, v: 6.5 - 0.25 * i }));
    const outcome = trend(falling, 'do');
    expect(outcome.kind === 'violation' && outcome.finding.items[0]).toMatchObject({
      parameter: 'do',
      limit: 5,
      direction: 'min',
    });
    const improving = Array.from({ length: 6 }, (_, i) => ({ t: T0 - (5 - i) * HOUR, v: 0.9 - 0.1 * i }));
    expect(trend(improving)).toEqual({ kind: 'compliant' });
    const noise = [0.5, 0.9, 0.4, 0.95, 0.45, 0.9].map((v, i) => ({ t: T0 - (5 - i) * HOUR, v }));
    expect(trend(noise)).toEqual({ kind: 'compliant' });
  });

  it('is insufficient with fewer points than required', () => {
    expect(
      trend([
        { t: T0 - HOUR, v: 0.5 },
        { t: T0, v: 0.9 },
      ]).kind,
    ).toBe('insufficient');
  });

  it('fits a least-squares line', () => {
    const fit = fitLine([
      { t: 0, v: 1 },
      { t: 1000, v: 3 },
      { t: 2000, v: 5 },
    ])!;
    expect(fit.slope).toBeCloseTo(0.002);
    expect(fit.r2).toBeCloseTo(1);
    expect(fit.reaches(7)).toBeCloseTo(3000);
    expect(
      fitLine([
        { t: 5, v: 1 },
        { t: 5, v: 2 },
      ]),
    ).toBeNull();
  });
});

describe('plant effluent (GB 18918-2002)', () => {
  const run = (
    values: Partial<Record<ParameterCode, number>>,
    extra: Partial<Parameters<typeof evaluateEffluentWindow>[0]> = {},
  ) =>
    evaluateEffluentWindow(
      {
        stationId: 'eff-1',
        rule: 'effluent_hourly',
        windowStart: T0,
        windowEnd: T0 + HOUR,
        standard: 'gb18918-1a',
        plantBuilt: '2003-09-28',
        parameters: ['cod', 'nh3n', 'tp', 'temp'],
        means: means(values, 1),
        expectedCount: 1,
        minValidShare: 0.75,
        severity: 'warning',
        ...extra,
      },
      gbStandards,
    );

  it('is compliant within the limits', () => {
    expect(run({ cod: 30, nh3n: 4, tp: 0.8, temp: 20 })).toEqual({ kind: 'compliant' });
  });

  it('applies the NH3-N temperature bracket: 6 mg/L fails above 12 °C and passes at 12 °C', () => {
    const warm = run({ cod: 30, nh3n: 6, tp: 0.3, temp: 15 });
    expect(warm.kind === 'violation' && warm.finding.items).toEqual([
      { parameter: 'nh3n', value: 6, limit: 5, direction: 'max', exceedance: 0.2 },
    ]);
    expect(run({ cod: 30, nh3n: 6, tp: 0.3, temp: 12 })).toEqual({ kind: 'compliant' });
  });

  it('applies the construction-date rule for TP: 0.8 mg/L passes before 2006, fails after', () => {
    expect(run({ cod: 30, nh3n: 1, tp: 0.8, temp: 20 })).toEqual({ kind: 'compliant' });
    const newer = run({ cod: 30, nh3n: 1, tp: 0.8, temp: 20 }, { plantBuilt: '2008-05-01' });
    expect(newer.kind === 'violation' && newer.finding.items[0]).toMatchObject({ parameter: 'tp', limit: 0.5 });
  });

  it('uses the configured severity and is insufficient without enough valid data', () => {
    const daily = run({ cod: 80, nh3n: 1, tp: 0.3, temp: 20 }, { rule: 'effluent_daily', severity: 'critical' });
    expect(daily.kind === 'violation' && [daily.finding.rule, daily.finding.severity, daily.finding.standard]).toEqual([
      'effluent_daily',
      'critical',
      'gb18918-1a',
    ]);
    expect(run({}, { means: [{ parameter: 'cod', mean: null, count: 0, excluded: 1 }] }).kind).toBe('insufficient');
  });
});

describe('custom thresholds', () => {
  it('flags a mean over a catalog threshold', () => {
    const input = {
      ...W,
      thresholds: { conductivity: { max: 1500 } },
      expectedCount: 4,
      minValidShare: 0.75,
      severity: 'warning' as const,
    };
    const over = evaluateThresholds({
      ...input,
      means: [{ parameter: 'conductivity', mean: 1800, count: 4, excluded: 0 }],
    });
    expect(over.kind === 'violation' && over.finding.items[0]).toMatchObject({
      parameter: 'conductivity',
      limit: 1500,
      direction: 'max',
    });
    expect(
      evaluateThresholds({ ...input, means: [{ parameter: 'conductivity', mean: 1200, count: 4, excluded: 0 }] }),
    ).toEqual({ kind: 'compliant' });
  });
});

describe('station offline (data gap)', () => {
  const base = {
    stationId: 'out-1',
    at: T0,
    intervalMs: HOUR,
    gapFactor: 3,
    lastSeenAt: T0 - 5 * HOUR,
    severity: 'warning' as const,
  };
  it('is offline with no valid reading in 3 × the interval, even when invalid readings arrive', () => {
    const outcome = evaluateOffline({ ...base, validInGap: 0, invalidInGap: 0 });
    expect(outcome.kind === 'violation' && outcome.finding).toMatchObject({
      rule: 'station_offline',
      windowStart: T0 - 3 * HOUR,
      lastSeenAt: T0 - 5 * HOUR,
    });
    const talking = evaluateOffline({ ...base, validInGap: 0, invalidInGap: 6 });
    expect(talking.kind === 'violation' && talking.finding.note).toContain('none valid');
  });
  it('is online with any valid reading', () => {
    expect(evaluateOffline({ ...base, validInGap: 1, invalidInGap: 0 })).toEqual({ kind: 'compliant' });
  });
});

describe('sensor health', () => {
  const series = (parameter: ParameterCode, values: number[], flag: RawPoint['flag'] = 'N', step = HOUR): RawPoint[] =>
    values.map((value, i) => ({ parameter, ts: T0 - (values.length - i) * step, value, flag }));
  const base = { stationId: 'out-1', at: T0, spanMs: 24 * HOUR, severity: 'warning' as const };

  it('finds a stuck sensor: the same value over the span', () => {
    const stuck = evaluateStuck({
      ...base,
      readings: [
        ...series('nh3n', [0.3, 0.31, ...Array(7).fill(0.42)]),
        ...series('tp', [0.1, 0.12, 0.11, 0.13, 0.1, 0.12, 0.11]),
      ],
      stuckSpanMs: 6 * HOUR,
      minReadings: 6,
      exempt: [],
    });
    expect(stuck.kind === 'violation' && stuck.finding.items.map((i) => i.parameter)).toEqual(['nh3n']);
    expect(
      evaluateStuck({
        ...base,
        readings: series('nh3n', Array(9).fill(0.42)),
        stuckSpanMs: 6 * HOUR,
        minReadings: 6,
        exempt: ['nh3n'],
      }).kind,
    ).toBe('insufficient');
    expect(
      evaluateStuck({
        ...base,
        readings: series('nh3n', [0.4, 0.42, 0.41, 0.42, 0.43, 0.42, 0.42]),
        stuckSpanMs: 6 * HOUR,
        minReadings: 6,
        exempt: [],
      }),
    ).toEqual({ kind: 'compliant' });
  });

  it('finds stored values outside the usual range (registry or station range) and refused impossible messages', () => {
    const out = evaluateOutOfRange({ ...base, readings: series('ph', [7, 7.1, 12.5]), ranges: {} });
    expect(out.kind === 'violation' && out.finding.items[0]).toMatchObject({
      parameter: 'ph',
      value: 12.5,
      limit: 12,
      direction: 'max',
      note: '1 readings outside the usual range',
    });
    // 闸口, February 2020 (test/fixtures/real): an NH3-N analyser fault far beyond the HJ 101-2019 range.
    const fault = evaluateOutOfRange({ ...base, readings: series('nh3n', [0.28, 1601, 70_765, 0.13]), ranges: {} });
    expect(fault.kind === 'violation' && fault.finding.items[0]).toMatchObject({ value: 70_765, limit: 150 });
    // DO supersaturated under an algal bloom, as national stations published it: usual enough.
    expect(evaluateOutOfRange({ ...base, readings: series('do', [12, 29.95, 27]), ranges: {} }).kind).toBe('compliant');
    // No usual range for mercury: only an installed range flags it.
    expect(evaluateOutOfRange({ ...base, readings: series('hg', [0.5, 3]), ranges: {} }).kind).toBe('compliant');
    expect(
      evaluateOutOfRange({ ...base, readings: series('hg', [0.5, 3]), ranges: { hg: { min: 0, max: 1 } } }).kind,
    ).toBe('violation');
    const narrow = evaluateOutOfRange({
      ...base,
      readings: series('nh3n', [0.5, 12]),
      ranges: { nh3n: { min: 0, max: 10 } },
    });
    expect(narrow.kind).toBe('violation');
    expect(evaluateOutOfRange({ ...base, readings: series('ph', [7, 7.1]), ranges: {} })).toEqual({
      kind: 'compliant',
    });
    const rejected = evaluateOutOfRange({ ...base, readings: series('ph', [7]), ranges: {}, rejectedOutOfRange: 2 });
    expect(rejected.kind === 'violation' && rejected.finding.note).toContain('2 messages');
  });

  it('counts spikes that come straight back, not steps or steady change', () => {
    const flat = [0.5, 0.51, 0.5, 0.52, 0.5, 0.51, 0.5, 0.52, 0.51, 0.5, 0.51, 0.5];
    const spiky = [...flat];
    spiky[2] = 3;
    spiky[6] = 3.2;
    spiky[9] = 2.9;
    expect(countSpikes(spiky, 6, 0.1)).toBe(3);
    expect(countSpikes(flat, 6, 0.1)).toBe(0);
    expect(countSpikes([0.5, 0.5, 0.5, 2, 2, 2, 2], 6, 0.1)).toBe(0);
    const outcome = evaluateSpikes({ ...base, readings: series('nh3n', spiky), z: 6, minCount: 3 });
    expect(outcome.kind === 'violation' && outcome.finding.items[0]!.note).toBe('3 spikes');
    expect(evaluateSpikes({ ...base, readings: series('nh3n', flat), z: 6, minCount: 3 })).toEqual({
      kind: 'compliant',
    });
  });

  it('raises maintenance for frequent M/C flags', () => {
    const readings = [
      ...series('nh3n', [1, 1, 1], 'M'),
      ...series('nh3n', [1], 'C'),
      ...series('nh3n', [1, 1, 1, 1, 1, 1], 'N'),
    ];
    const outcome = evaluateFlags({ ...base, readings, share: 0.3, flags: ['M', 'C', 'D'] });
    expect(outcome.kind === 'violation' && outcome.finding.items[0]).toMatchObject({
      parameter: 'nh3n',
      value: 40,
      unit: '%',
      note: 'M×3 C×1',
    });
    expect(
      evaluateFlags({ ...base, readings: series('nh3n', [1, 1, 1, 1], 'N'), share: 0.3, flags: ['M', 'C'] }),
    ).toEqual({ kind: 'compliant' });
  });
});

describe('window means', () => {
  it('combines hourly buckets count-weighted, keeping the excluded counts', () => {
    const combined = combineBuckets([
      { parameter: 'nh3n', mean: 1, count: 1, excluded: 0 },
      { parameter: 'nh3n', mean: 2, count: 3, excluded: 1 },
      { parameter: 'nh3n', mean: null, count: 0, excluded: 2 },
    ]);
    expect(combined).toEqual([{ parameter: 'nh3n', mean: 1.75, count: 4, excluded: 3 }]);
  });
});
