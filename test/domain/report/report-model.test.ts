/**
 * The report model against vectors computed by hand from the standards (shared/reference/standards.md §1, §2,
 * §3, §6, §7), not from the code: each expected figure is worked out in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { cwqiTerm, sectionCwqi } from '../../../src/domain/report/cwqi.js';
import { groupChange, trendOf, type GroupFigures } from '../../../src/domain/report/group-report.js';
import { combinePieces } from '../../../src/domain/report/period-means.js';
import { periodBounds, parsePeriod, samePeriodLastYear, shiftPeriod } from '../../../src/domain/report/period.js';
import { rankAscending } from '../../../src/domain/report/ranking.js';
import { buildReport, type ReportInput } from '../../../src/domain/report/report-model.js';
import type { PeriodPieces, PlantStation, SectionStation, UrbanStation } from '../../../src/domain/report/types.js';
import type { ParameterCode } from '../../../src/domain/parameters.js';

const TZ = 'Asia/Shanghai';
const DAY = 86_400_000;
const H4 = 4 * 3_600_000;
const NOV = parsePeriod('monthly', '2026-11');

/** `days` daily buckets of `perDay` readings each, every item at the given value, from the period's first day. */
function constant(
  period: typeof NOV,
  values: Partial<Record<ParameterCode, number>>,
  days = 30,
  perDay = 6,
): PeriodPieces {
  const { from, to } = periodBounds(period, TZ);
  const pieces: PeriodPieces['pieces'] = {};
  for (const [code, value] of Object.entries(values) as [ParameterCode, number][]) {
    pieces[code] = Array.from({ length: days }, (_, d) => ({ start: from + d * DAY, count: perDay, mean: value }));
  }
  return { from, to, pieces };
}

const RIVER_ITEMS: ParameterCode[] = ['ph', 'do', 'codmn', 'nh3n', 'tp'];

function section(id: string, over: Partial<SectionStation> = {}): SectionStation {
  return {
    id,
    name: { zh: id, en: id },
    parameters: RIVER_ITEMS,
    intervalMs: H4,
    minValidShare: 0.75,
    jurisdiction: 'district-a',
    public: true,
    river: 'big',
    role: 'control',
    level: 'municipal',
    target: 'III',
    waterbody: 'river',
    ...over,
  };
}

// Class by the single-factor method (GB 3838-2002 Table 1, river column):
const CLASS_II = { ph: 7.5, do: 7, codmn: 3, nh3n: 0.4, tp: 0.08 }; // DO ≥ 6, CODMn ≤ 4, NH3-N ≤ 0.5, TP ≤ 0.1 → II
const CLASS_III = { ph: 7.5, do: 5.5, codmn: 5, nh3n: 0.9, tp: 0.15 }; // DO ≥ 5, ≤ 6, ≤ 1.0, ≤ 0.2 → III
const CLASS_IV = { ph: 7.5, do: 7, codmn: 3, nh3n: 1.2, tp: 0.08 }; // NH3-N 1.2 ≤ 1.5 → IV
const INFERIOR_V = { ph: 7.5, do: 7, codmn: 3, nh3n: 2.3, tp: 0.32 }; // NH3-N 2.3 > 2.0 → 劣V; TP 0.32 → V

function input(over: Partial<ReportInput>): ReportInput {
  return {
    periods: { current: NOV, previous: shiftPeriod(NOV, -1), last_year: samePeriodLastYear(NOV) },
    timeZone: TZ,
    range: periodBounds(NOV, TZ),
    generatedAt: Date.UTC(2026, 11, 1),
    scope: { id: 'all', name: { zh: '全市', en: 'whole city' } },
    grouping: {
      city: { zh: '测试市', en: 'Test City' },
      rivers: [
        { id: 'big', name: { zh: '大河', en: 'Big River' }, basin: 'big' },
        { id: 'small', name: { zh: '小河', en: 'Small River' }, basin: 'small' },
      ],
      jurisdictions: [
        { id: 'district-a', name: { zh: '甲区', en: 'District A' } },
        { id: 'district-b', name: { zh: '乙区', en: 'District B' } },
      ],
    },
    sections: [],
    plants: [],
    urban: [],
    basis: {
      valid_flags: ['N', 'T'],
      min_valid_share: 0.75,
      flag_source: { zh: '存储的标记', en: 'stored flags' },
      marks_available: false,
      marks_applied: [],
      rejudged_since_last_issue: [],
      last_issue: null,
      complete: true,
    },
    ...over,
  };
}

const only = (
  current: PeriodPieces | null,
  previous: PeriodPieces | null = null,
  last_year: PeriodPieces | null = null,
) => ({
  current,
  previous,
  last_year,
});

describe('periods', () => {
  it('bounds a month, a quarter and a year at local midnight (Asia/Shanghai = UTC+8)', () => {
    expect(periodBounds(NOV, TZ)).toEqual({ from: Date.UTC(2026, 9, 31, 16), to: Date.UTC(2026, 10, 30, 16) });
    expect(periodBounds(parsePeriod('quarterly', '2026-Q4'), TZ)).toEqual({
      from: Date.UTC(2026, 8, 30, 16),
      to: Date.UTC(2026, 11, 31, 16),
    });
    expect(periodBounds(parsePeriod('annual', '2026'), TZ).to).toBe(Date.UTC(2026, 11, 31, 16));
  });

  it('steps back across a year end (环比 of January is December) and to the same month last year (同比)', () => {
    expect(shiftPeriod(parsePeriod('monthly', '2027-01'), -1)).toEqual({ kind: 'monthly', year: 2026, index: 12 });
    expect(shiftPeriod(parsePeriod('quarterly', '2027-Q1'), -1)).toEqual({ kind: 'quarterly', year: 2026, index: 4 });
    expect(samePeriodLastYear(NOV)).toEqual({ kind: 'monthly', year: 2025, index: 11 });
  });

  it('refuses what is not a period, in both languages', () => {
    expect(() => parsePeriod('monthly', '2026-13')).toThrow(/2026-11/);
    expect(() => parsePeriod('quarterly', '2026-Q5')).toThrow(/2026-Q4/);
    expect(() => parsePeriod('annual', '26')).toThrow(/not a annual|not a/);
  });
});

describe('period means (standards.md §7)', () => {
  it('averages pH through [H⁺]: [6.5, 7.9, 8.8, 9, 6.78, 8.87] → 7.08, not the arithmetic 7.975', () => {
    // Σ10^−pH = 3.1623e-7 + 1.2589e-8 + 1.5849e-9 + 1.0e-9 + 1.6596e-7 + 1.3490e-9 = 4.9875e-7; /6 = 8.3125e-8;
    // −log10(8.3125e-8) = 7.0803.
    const pieces = [6.5, 7.9, 8.8, 9, 6.78, 8.87].map((mean, i) => ({ start: i, count: 1, mean }));
    expect(combinePieces('ph', pieces).mean).toBeCloseTo(7.0803, 4);
    expect(combinePieces('nh3n', pieces).mean).toBeCloseTo(7.975, 12);
  });

  it('weights buckets by their reading counts', () => {
    // (0.4 × 3 + 1.0 × 1) / 4 = 0.55
    expect(
      combinePieces('nh3n', [
        { start: 0, count: 3, mean: 0.4 },
        { start: 1, count: 1, mean: 1.0 },
      ]).mean,
    ).toBeCloseTo(0.55, 12);
  });
});

describe('CWQI (standards.md §7 worked values)', () => {
  it('gives the worked item terms', () => {
    expect(cwqiTerm('ph', 7.8, 'river')).toBeCloseTo(0.4, 12); // (7.8 − 7) / 2
    expect(cwqiTerm('ph', 6.5, 'river')).toBeCloseTo(0.5, 12); // 7 − 6.5
    expect(cwqiTerm('do', 7.2, 'river')).toBeCloseTo(0.6944, 4); // 5 / 7.2
    expect(cwqiTerm('do', 4.0, 'river')).toBeCloseTo(1.25, 12); // 5 / 4
    expect(cwqiTerm('tp', 0.11, 'river')).toBeCloseTo(0.55, 12); // 0.11 / 0.2
    expect(cwqiTerm('tp', 0.11, 'lake')).toBeCloseTo(2.2, 12); // 0.11 / 0.05
    expect(cwqiTerm('hg', 0.00002, 'river')).toBeCloseTo(0.2, 12); // ½ × 0.00004 detection limit over 0.0001
  });

  it('leaves out water temperature, TN and fecal coliform, and sums the rest', () => {
    expect(cwqiTerm('temp', 20, 'river')).toBeNull();
    expect(cwqiTerm('tn', 1.2, 'lake')).toBeNull();
    expect(cwqiTerm('fcoli', 5000, 'river')).toBeNull();
    // pH 7.8 → 0.4; DO 7.2 → 0.69444; NH3-N 0.5 / 1.0 → 0.5; TP 0.11 / 0.2 → 0.55; CODMn 3 / 6 → 0.5 ⇒ 2.64444
    const c = sectionCwqi({ ph: 7.8, do: 7.2, nh3n: 0.5, tp: 0.11, codmn: 3, temp: 20, tn: 3 }, 'river');
    expect(c.total).toBeCloseTo(2.64444, 5);
    expect(Object.keys(c.terms).sort()).toEqual(['codmn', 'do', 'nh3n', 'ph', 'tp']);
  });
});

describe('rankings', () => {
  it('gives ties the same rank at the published precision and skips the next (1, 2, 2, 4)', () => {
    const ranked = rankAscending(
      [
        { id: 'a', v: 3.00004 }, // 3.0000
        { id: 'b', v: 2.5 },
        { id: 'c', v: 2.99996 }, // 3.0000: tied with a at 4 decimals
        { id: 'd', v: 3.1 },
        { id: 'e', v: null },
      ],
      (x) => x.v,
      4,
      (x, y) => x.id.localeCompare(y.id),
    );
    expect(ranked.map((r) => [r.item.id, r.rank])).toEqual([
      ['b', 1],
      ['a', 2],
      ['c', 2],
      ['d', 4],
    ]);
  });
});

describe('the 2011 change wording (ΔG − ΔD, percentage points)', () => {
  it('draws the bands at 10 and 20 points', () => {
    expect(trendOf(40, -20)).toBe('significantly_better'); // 60
    expect(trendOf(20, 0)).toBe('slightly_better'); // exactly 20: "10–20"
    expect(trendOf(15, 5)).toBe('no_obvious_change'); // exactly 10: "≤ 10"
    expect(trendOf(0, 10.1)).toBe('slightly_worse'); // −10.1
    expect(trendOf(-20, 0.1)).toBe('significantly_worse'); // −20.1
  });

  it('changes shares in points, CWQI in percent', () => {
    const f = (good: number, bad: number, cwqi: number): GroupFigures => ({
      sections: 5,
      evaluated: 5,
      insufficient_data: 0,
      compliance_rate: good,
      share_i_iii: good,
      share_inferior_v: bad,
      cwqi,
    });
    // I–III 3/5 → 4/5: +20 points; 劣V 1/5 → 0: −20 points; ΔG − ΔD = 40 → 明显好转; CWQI 4 → 3: −25 %
    const change = groupChange(f(0.8, 0, 3), f(0.6, 0.2, 4))!;
    expect(change.share_i_iii_pp).toBeCloseTo(20, 9);
    expect(change.share_inferior_v_pp).toBeCloseTo(-20, 9);
    expect(change.cwqi_pct).toBeCloseTo(-25, 9);
    expect(change.trend).toBe('significantly_better');
  });
});

describe('a month of sections', () => {
  // Big River: 5 sections (proportion method). Small River: 3 sections (mean method).
  const big = [
    { station: section('b1'), data: only(constant(NOV, CLASS_II)) },
    { station: section('b2'), data: only(constant(NOV, CLASS_III)) },
    { station: section('b3'), data: only(constant(NOV, CLASS_IV)) },
    { station: section('b4', { jurisdiction: 'district-b' }), data: only(constant(NOV, INFERIOR_V)) },
    { station: section('b5', { jurisdiction: 'district-b', target: 'II' }), data: only(constant(NOV, CLASS_II)) },
  ];
  const small = [
    // NH3-N 0.4, 0.9, 1.4 → mean 0.9 → III; TP 0.08, 0.15, 0.25 → mean 0.16 → III; DO min 5.5 → … mean 6.5 → II.
    {
      station: section('s1', { river: 'small' }),
      data: only(constant(NOV, { ...CLASS_II, nh3n: 0.4, tp: 0.08, do: 7 })),
    },
    {
      station: section('s2', { river: 'small' }),
      data: only(constant(NOV, { ...CLASS_II, nh3n: 0.9, tp: 0.15, do: 7 })),
    },
    {
      station: section('s3', { river: 'small' }),
      data: only(constant(NOV, { ...CLASS_II, nh3n: 1.4, tp: 0.25, do: 5.5 })),
    },
  ];
  // 20 of 30 days: 120 of the 180 readings a 4-hourly station sends in November; 75 % needs ⌈135⌉.
  const lacking = {
    station: section('x1', { river: 'small', jurisdiction: 'district-b' }),
    data: only(constant(NOV, CLASS_II, 20)),
  };
  const report = buildReport(input({ sections: [...big, ...small, lacking] }));
  const row = (id: string) => report.sections.find((s) => s.id === id)!;

  it('classes each section by its worst item, with its target and primary pollutants', () => {
    expect(['b1', 'b2', 'b3', 'b4', 'b5'].map((id) => row(id).current.class)).toEqual(['II', 'III', 'IV', '劣V', 'II']);
    expect(row('b3').current.compliant).toBe(false); // IV against a class III target
    expect(row('b5').current.compliant).toBe(true); // II against II
  });

  it('names a 劣V section’s primary pollutants with their multiples over class III (gdbull format)', () => {
    // NH3-N 2.3: (2.3 − 1.0)/1.0 = 1.3 (劣V); TP 0.32: (0.32 − 0.2)/0.2 = 0.6 (V). Only items worse than III.
    expect(row('b4').current.primary_pollutants).toEqual([
      { parameter: 'nh3n', multiple: 1.3 },
      { parameter: 'tp', multiple: 0.6 },
    ]);
    expect(row('b4').current.grade).toBe('重度污染');
  });

  it('shows a section without enough data as such: no class, no rank, counted apart', () => {
    const x = row('x1').current;
    expect(x.status).toBe('insufficient_data');
    expect(x.class).toBeNull();
    expect(x.lacking).toContainEqual({ parameter: 'nh3n', count: 120, required: 135 });
    expect(x.valid_days).toBe(20);
    expect(x.days).toBe(30);
    expect(x.means.nh3n).toBe(0.4); // still shown (and exactly 0.4: no summation noise)
    expect(row('x1').status_rank).toBeNull();
    const small = report.rivers.find((r) => r.id === 'small')!;
    expect(small.figures.current).toMatchObject({ sections: 4, evaluated: 3, insufficient_data: 1 });
  });

  it('evaluates a river of 5 sections by section proportions: 3/5 I–III, 1/5 劣V → 中度污染', () => {
    // I–III 60 % < 75 %; 20 % ≤ 劣V 20 % < 40 % → 中度污染 (moderately polluted)
    const river = report.rivers.find((r) => r.id === 'big')!;
    expect(river.evaluation).toMatchObject({ method: 'section-proportion', sections_evaluated: 5, grade: '中度污染' });
    expect(river.figures.current!.share_i_iii).toBeCloseTo(0.6, 12);
    expect(river.figures.current!.share_inferior_v).toBeCloseTo(0.2, 12);
    // Sections with a target meeting it: b1, b2, b5 of 5 → 60 %
    expect(river.figures.current!.compliance_rate).toBeCloseTo(0.6, 12);
    // NH3-N worse than III at b3 and b4 (2 of 5), TP at b4 (1 of 5): NH3-N, then TP.
    expect(river.evaluation!.primary_pollutants).toEqual(['nh3n', 'tp']);
  });

  it('evaluates a river of fewer than 5 sections on the means of its items: NH3-N 0.9, TP 0.16 → III', () => {
    const river = report.rivers.find((r) => r.id === 'small')!;
    // The insufficient section x1 is left out: means over s1–s3 only. DO (7 + 7 + 5.5)/3 = 6.5 → II.
    expect(river.evaluation).toMatchObject({
      method: 'section-mean',
      sections_evaluated: 3,
      class: 'III',
      grade: '良好',
    });
  });

  it('ranks sections by CWQI, ties sharing a rank', () => {
    // b1, b5, s1 have identical means, so identical CWQI: pH (7.5−7)/2 = 0.25, DO 5/7 = 0.714286, CODMn 3/6 = 0.5,
    // NH3-N 0.4, TP 0.08/0.2 = 0.4 ⇒ 2.264286, the lowest: all three rank 1; the next rank is 4.
    expect(row('b1').current.cwqi).toBeCloseTo(2.264286, 6);
    expect([row('b1').status_rank, row('b5').status_rank, row('s1').status_rank]).toEqual([1, 1, 1]);
    const ranks = report.sections
      .map((s) => s.status_rank)
      .filter((r): r is number => r !== null)
      .sort((a, b) => a - b);
    expect(ranks).toEqual([1, 1, 1, 4, 5, 6, 7, 8]);
    // 劣V b4: 0.25 + 0.714286 + 0.5 + 2.3 + 1.6 = 5.364286, the highest
    expect(row('b4').status_rank).toBe(8);
  });

  it('gives 同比 as n/a when the same month last year has no data, and leaves the section out of the change ranking', () => {
    expect(row('b1').last_year).toBeNull();
    expect(row('b1').cwqi_change_last_year_pct).toBeNull();
    expect(row('b1').change_rank).toBeNull();
    expect(row('b1').change_rank_note).toBe('no_data');
    expect(report.city.change_last_year).toBeNull();
  });

  it('gives the city’s shares over its evaluated sections', () => {
    // Evaluated: b1–b5, s1–s3 = 8 (x1 insufficient). I–III: b1, b2, b5, s1, s2 = 5 → 62.5 %; 劣V: b4 → 12.5 %.
    // s3: NH3-N 1.4 → IV. With a target: all 8; meeting it: b1, b2, b5, s1, s2 → 62.5 %.
    expect(report.city.figures.current).toMatchObject({ sections: 9, evaluated: 8, insufficient_data: 1 });
    expect(report.city.figures.current!.share_i_iii).toBeCloseTo(0.625, 12);
    expect(report.city.figures.current!.share_inferior_v).toBeCloseTo(0.125, 12);
    expect(report.city.figures.current!.compliance_rate).toBeCloseTo(0.625, 12);
  });
});

describe('comparisons: 环比 and 同比, the change ranking and its exclusion rule', () => {
  const lastYear = samePeriodLastYear(NOV);
  const prev = shiftPeriod(NOV, -1);
  const sections = [
    // Worse than a year ago: NH3-N 1.2 (IV) now, 0.4 (II) then.
    {
      station: section('w'),
      data: only(constant(NOV, CLASS_IV), constant(prev, CLASS_III, 31), constant(lastYear, CLASS_II)),
    },
    // Better: II now, 劣V then.
    {
      station: section('g', { jurisdiction: 'district-b' }),
      data: only(constant(NOV, CLASS_II), null, constant(lastYear, INFERIOR_V)),
    },
    // II in both periods and meeting its target: out of the change ranking.
    {
      station: section('k', { jurisdiction: 'district-b' }),
      data: only(constant(NOV, CLASS_II), null, constant(lastYear, CLASS_II)),
    },
  ];
  const report = buildReport(input({ sections }));
  const row = (id: string) => report.sections.find((s) => s.id === id)!;

  it('computes ΔCWQI against the same month last year, ranked ascending (negative is better)', () => {
    // w: now 0.25 + 5/7 + 0.5 + 1.2 + 0.4 = 3.064286; then 2.264286 → +35.33 %
    expect(row('w').cwqi_change_last_year_pct).toBeCloseTo(((3.064286 - 2.264286) / 2.264286) * 100, 3);
    // g: now 2.264286; then 5.364286 → −57.79 %
    expect(row('g').cwqi_change_last_year_pct).toBeCloseTo(((2.264286 - 5.364286) / 5.364286) * 100, 3);
    expect(row('g').change_rank).toBe(1);
    expect(row('w').change_rank).toBe(2);
    expect(row('k').change_rank).toBeNull();
    expect(row('k').change_rank_note).toBe('good_and_compliant');
  });

  it('gives 环比 where the previous month has data, n/a where it has none', () => {
    // w: October III (NH3-N 0.9: 0.25 + 5/5.5 + 5/6 + 0.9 + 0.75 = 3.642424) → November 3.064286: −15.87 %
    expect(row('w').previous!.class).toBe('III');
    expect(row('w').cwqi_change_previous_pct).toBeCloseTo(((3.064286 - 3.642424) / 3.642424) * 100, 3);
    expect(row('g').previous).toBeNull();
    expect(row('g').cwqi_change_previous_pct).toBeNull();
  });

  it('changes the city’s shares in points and words it by the 2011 rule', () => {
    // Last year: II, 劣V, II → I–III 2/3, 劣V 1/3; now: IV, II, II → I–III 2/3, 劣V 0.
    // ΔG = 0, ΔD = −33.3 points; ΔG − ΔD = 33.3 > 20 → 明显好转.
    const change = report.city.change_last_year!;
    expect(change.share_i_iii_pp).toBeCloseTo(0, 9);
    expect(change.share_inferior_v_pp).toBeCloseTo(-100 / 3, 9);
    expect(change.trend).toBe('significantly_better');
  });

  it('ranks jurisdictions by the mean CWQI of their sections and applies the exclusion to whole jurisdictions', () => {
    const a = report.jurisdictions.find((j) => j.id === 'district-a')!;
    const b = report.jurisdictions.find((j) => j.id === 'district-b')!;
    // A: w alone, 3.064286. B: mean of g and k = 2.264286. B ranks first.
    expect(b.figures.current!.cwqi).toBeCloseTo(2.264286, 6);
    expect([b.status_rank, a.status_rank]).toEqual([1, 2]);
    // B last year: (5.364286 + 2.264286)/2 = 3.814286 → −40.64 %; not every section of B was good in both years.
    expect(b.change_last_year!.cwqi_pct).toBeCloseTo(((2.264286 - 3.814286) / 3.814286) * 100, 3);
    expect([b.change_rank, a.change_rank]).toEqual([1, 2]);
  });
});

describe('plants against GB 18918-2002 1A on daily means', () => {
  const station: PlantStation = {
    id: 'p1',
    name: { zh: '一厂出水', en: 'Plant 1 effluent' },
    parameters: ['cod', 'nh3n', 'flow', 'temp'],
    intervalMs: 3_600_000,
    minValidShare: 0.75,
    jurisdiction: 'district-a',
    public: false,
    plant: { id: 'wwtp1', name: { zh: '一厂', en: 'Plant 1' }, built: '2012-01-01', operator: 'op' },
    standard: { id: 'gb18918-1a', name: { zh: '一级A', en: '1A' }, definition: 'gb18918-1a' },
  };
  const { from, to } = periodBounds(NOV, TZ);
  const day = (d: number, mean: number, count = 24) => ({ start: from + d * DAY, count, mean });
  const data: PeriodPieces = {
    from,
    to,
    pieces: {
      // COD 40 mg/L, but 60 on days 3 and 4: (60 − 50)/50 = 0.2 over the 1A limit of 50.
      cod: Array.from({ length: 30 }, (_, d) => day(d, d === 3 || d === 4 ? 60 : 40)),
      // NH3-N 3 (≤ 5 at > 12 °C) every day; day 10 has only 10 of 24 hours (< 18 needed): not judged that day.
      nh3n: Array.from({ length: 30 }, (_, d) => day(d, 3, d === 10 ? 10 : 24)),
      flow: Array.from({ length: 30 }, (_, d) => day(d, 100)),
      temp: Array.from({ length: 30 }, (_, d) => day(d, 20)),
    },
  };
  const report = buildReport(input({ plants: [{ station, data: only(data) }] }));
  const plant = report.plants[0]!.current;

  it('counts compliant and exceedance days', () => {
    // 30 days: days 3 and 4 exceed (COD); day 10 lacks NH3-N hours but its COD (40) passes — not certain: insufficient.
    expect(plant).toMatchObject({
      days: 30,
      judged_days: 29,
      compliant_days: 27,
      non_compliant_days: 2,
      insufficient_days: 1,
    });
    expect(plant.compliance_rate).toBeCloseTo(27 / 29, 12);
    expect(plant.exceeding).toEqual(['cod']);
  });

  it('gives each item’s mean, highest daily mean, exceedance days, largest multiple and load', () => {
    const cod = plant.items.find((i) => i.parameter === 'cod')!;
    // mean (28 × 40 + 2 × 60)/30 = 41.333; max daily 60; 2 days at 0.2
    expect(cod).toMatchObject({ limit: 50, max_daily_mean: 60, exceedance_days: 2, max_multiple: 0.2 });
    expect(cod.mean).toBeCloseTo(41.3333, 4);
    // load: Σ C × 100 L/s × 86400 s / 1e6 = 8.64 × ΣC = 8.64 × 1240 = 10,713.6 kg
    expect(cod.load_kg).toBeCloseTo(10_713.6, 6);
    expect(report.plants[0]!.compliance_rate_change_last_year_pp).toBeNull();
  });
});

describe('black-odorous water bodies', () => {
  const { from, to } = periodBounds(NOV, TZ);
  const point = (
    id: string,
    km: number,
    nh3n: (d: number) => number,
  ): { station: UrbanStation; data: ReturnType<typeof only> } => ({
    station: {
      id,
      name: { zh: id, en: id },
      parameters: ['transparency', 'do', 'orp', 'nh3n'],
      intervalMs: 3_600_000,
      minValidShare: 0.75,
      jurisdiction: 'district-a',
      public: true,
      river: 'creek',
      riverKm: km,
      depthCm: 80,
    },
    data: only({
      from,
      to,
      pieces: {
        transparency: Array.from({ length: 30 }, (_, d) => ({ start: from + d * DAY, count: 24, mean: 40 })),
        do: Array.from({ length: 30 }, (_, d) => ({ start: from + d * DAY, count: 24, mean: 3 })),
        orp: Array.from({ length: 30 }, (_, d) => ({ start: from + d * DAY, count: 24, mean: 100 })),
        nh3n: Array.from({ length: 30 }, (_, d) => ({ start: from + d * DAY, count: 24, mean: nh3n(d) })),
      },
    }),
  });
  it('grades each point on its daily means and the water body from its points', () => {
    // p1: NH3-N 16 (> 15, severe) on 18 of 30 days = 60 % → severe; p2: 16 on 9 days = 30 %, one indicator only →
    // light; p3: 5 every day → none. Water body: 1 of 3 points severe (< 60 %) → light.
    const report = buildReport(
      input({
        urban: [
          point('p1', 0.5, (d) => (d < 18 ? 16 : 5)),
          point('p2', 1.0, (d) => (d < 9 ? 16 : 5)),
          point('p3', 1.5, () => 5),
        ],
        grouping: { ...input({}).grouping, rivers: [{ id: 'creek', name: { zh: '浜', en: 'Creek' }, basin: 'creek' }] },
      }),
    );
    expect(report.black_odorous.points.map((p) => p.grade.current)).toEqual(['severe', 'light', 'none']);
    expect(report.black_odorous.water_bodies).toEqual([
      { river: 'creek', name: { zh: '浜', en: 'Creek' }, grade: 'light', severe_points: 1 },
    ]);
  });
});

describe('a period mean exactly at a limit', () => {
  it('stays at the limit (no floating-point drift into the next class)', () => {
    // 30 days × 6 readings of NH3-N 1.0 mg/L, the class III limit: mean 1.0 → III, not IV.
    const r = buildReport(
      input({ sections: [{ station: section('e'), data: only(constant(NOV, { ...CLASS_II, nh3n: 1.0 })) }] }),
    );
    expect(r.sections[0]!.current.means.nh3n).toBe(1);
    expect(r.sections[0]!.current.class).toBe('III');
  });
});
