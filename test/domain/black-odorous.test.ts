import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLACK_ODOROUS_INDICATORS,
  gradePoint,
  gradeSample,
  gradeWaterBody,
  indicatorLevel,
  runsOf,
  type BlackOdorousGrade,
} from '../../src/domain/black-odorous.js';

describe('indicator levels (decision 5: light ranges closed, severe bounds strict)', () => {
  it.each([
    [100, 'none'],
    [25.01, 'none'],
    [25, 'light'],
    [15, 'light'],
    [10, 'light'],
    [9.99, 'severe'],
    [0, 'severe'],
  ] as const)('transparency %f cm → %s', (v, level) => {
    expect(indicatorLevel('transparency', v)).toBe(level);
    expect(indicatorLevel('transparency', v, 80)).toBe(level); // deep water: the normal rule
    expect(indicatorLevel('transparency', v, 25)).toBe(level); // exactly 25 cm is not "under 25"
  });

  it.each([
    [8, 'none'],
    [2.01, 'none'],
    [2.0, 'light'],
    [1.0, 'light'],
    [0.2, 'light'],
    [0.19, 'severe'],
    [0, 'severe'],
  ] as const)('DO %f mg/L → %s', (v, level) => {
    expect(indicatorLevel('do', v)).toBe(level);
  });

  it.each([
    [200, 'none'],
    [50.1, 'none'],
    [50, 'light'],
    [0, 'light'],
    [-200, 'light'],
    [-200.1, 'severe'],
    [-400, 'severe'],
  ] as const)('ORP %f mV → %s', (v, level) => {
    expect(indicatorLevel('orp', v)).toBe(level);
  });

  it.each([
    [0.5, 'none'],
    [7.99, 'none'],
    [8.0, 'light'],
    [12, 'light'],
    [15, 'light'],
    [15.01, 'severe'],
    [40, 'severe'],
  ] as const)('NH3-N %f mg/L → %s', (v, level) => {
    expect(indicatorLevel('nh3n', v)).toBe(level);
  });
});

describe('shallow water (depth < 25 cm): transparency criterion 40 % of the depth', () => {
  it.each([
    // depth 20 cm → severe below 8 cm, none when clear to the bottom (≥ 20)
    [20, 7.9, 'severe'],
    [20, 8, 'light'],
    [20, 15, 'light'],
    [20, 19.9, 'light'],
    [20, 20, 'none'],
    // depth 10 cm → severe below 4 cm
    [10, 3.9, 'severe'],
    [10, 4, 'light'],
    [10, 10, 'none'],
    // depth 24.9 → severe below 9.96
    [24.9, 9.95, 'severe'],
    [24.9, 9.96, 'light'],
  ] as const)('depth %f cm, transparency %f cm → %s', (depth, v, level) => {
    expect(indicatorLevel('transparency', v, depth)).toBe(level);
  });

  it('shows the criterion used in a sample result', () => {
    const r = gradeSample({ values: { transparency: 7 }, depthCm: 20 });
    expect(r.items.transparency).toEqual({ value: 7, level: 'severe', severe_below_cm: 8 });
    // with normal depth the key is absent
    expect(gradeSample({ values: { transparency: 7 }, depthCm: 80 }).items.transparency).toEqual({
      value: 7,
      level: 'severe',
    });
  });

  it('does not apply when the depth is unknown', () => {
    expect(indicatorLevel('transparency', 7)).toBe('severe');
    expect(indicatorLevel('transparency', 20)).toBe('light');
  });
});

describe('one sample', () => {
  it('grades the issue example as light', () => {
    expect(gradeSample({ values: { transparency: 15, do: 1.0, orp: -100, nh3n: 10 }, depthCm: 80 })).toEqual({
      grade: 'light',
      grade_zh: '轻度黑臭',
      items: {
        transparency: { value: 15, level: 'light' },
        do: { value: 1, level: 'light' },
        orp: { value: -100, level: 'light' },
        nh3n: { value: 10, level: 'light' },
      },
    });
  });

  it('is severe when one indicator is severe (100 % ≥ 60 % of one sample)', () => {
    expect(gradeSample({ values: { transparency: 40, do: 5, orp: 100, nh3n: 16 } }).grade).toBe('severe');
  });

  it('is none when every indicator is better than light', () => {
    expect(gradeSample({ values: { transparency: 40, do: 5, orp: 100, nh3n: 1 } })).toMatchObject({
      grade: 'none',
      grade_zh: '不黑臭',
    });
  });

  it('uses the indicators present', () => {
    expect(gradeSample({ values: { do: 0.1 } }).grade).toBe('severe');
    expect(Object.keys(gradeSample({ values: { do: 0.1 } }).items)).toEqual(['do']);
  });

  it('refuses a sample without any indicator', () => {
    expect(() => gradeSample({ values: {} })).toThrow(RangeError);
  });

  it('is the worst indicator level (property)', () => {
    const value = fc.double({ min: -500, max: 500, noNaN: true });
    fc.assert(
      fc.property(
        fc.record({
          transparency: fc.double({ min: 0, max: 200, noNaN: true }),
          do: fc.double({ min: 0, max: 20, noNaN: true }),
          orp: value,
          nh3n: fc.double({ min: 0, max: 50, noNaN: true }),
        }),
        (values) => {
          const r = gradeSample({ values });
          const order: BlackOdorousGrade[] = ['none', 'light', 'severe'];
          const worst = Math.max(...BLACK_ODOROUS_INDICATORS.map((i) => order.indexOf(indicatorLevel(i, values[i]))));
          expect(r.grade).toBe(order[worst]);
        },
      ),
    );
  });
});

const s = (values: Record<string, number>) => ({ values });

describe('one point over time: the 60 % / 30 % rule', () => {
  it('is severe when one indicator has ≥ 60 % of its data severe', () => {
    // transparency severe in 3 of 5 = 60 %
    const samples = [
      s({ transparency: 5 }),
      s({ transparency: 5 }),
      s({ transparency: 5 }),
      s({ transparency: 40 }),
      s({ transparency: 40 }),
    ];
    const r = gradePoint(samples);
    expect(r.grade).toBe('severe');
    expect(r.items.transparency).toEqual({ samples: 5, severe_fraction: 0.6, light_or_worse_fraction: 0.6 });
  });

  it('is not severe at 50 % for one indicator alone', () => {
    const r = gradePoint([s({ do: 0.1 }), s({ do: 0.1 }), s({ do: 3 }), s({ do: 3 })]);
    expect(r.items.do!.severe_fraction).toBe(0.5);
    expect(r.grade).toBe('light');
  });

  it('is severe when two indicators each have ≥ 30 % severe', () => {
    // 10 samples: DO severe in 3 (30 %), NH3-N severe in 3 (30 %)
    const samples = Array.from({ length: 10 }, (_, i) => s({ do: i < 3 ? 0.1 : 5, nh3n: i >= 7 ? 20 : 1 }));
    const r = gradePoint(samples);
    expect(r.items.do!.severe_fraction).toBe(0.3);
    expect(r.items.nh3n!.severe_fraction).toBe(0.3);
    expect(r.grade).toBe('severe');
  });

  it('is not severe when only one of two indicators reaches 30 %', () => {
    const samples = Array.from({ length: 10 }, (_, i) => s({ do: i < 3 ? 0.1 : 5, nh3n: i >= 8 ? 20 : 1 }));
    expect(gradePoint(samples).grade).toBe('light');
  });

  it('is light when any sample is light or severe but the severe rule fails, none only when every sample is none', () => {
    expect(gradePoint([s({ do: 1 }), s({ do: 5 }), s({ do: 5 }), s({ do: 5 }), s({ do: 5 })]).grade).toBe('light');
    expect(gradePoint([s({ do: 0.1 }), s({ do: 5 }), s({ do: 5 }), s({ do: 5 }), s({ do: 5 })]).grade).toBe('light');
    expect(gradePoint([s({ do: 5, nh3n: 1 }), s({ do: 3, transparency: 30 }), s({ orp: 60 })]).grade).toBe('none');
  });

  it('reports light-or-worse fractions too', () => {
    const r = gradePoint([s({ do: 1 }), s({ do: 0.1 }), s({ do: 5 }), s({ do: 5 })]);
    expect(r.items.do).toEqual({ samples: 4, severe_fraction: 0.25, light_or_worse_fraction: 0.5 });
  });

  it('counts fractions over the samples that measured each indicator', () => {
    const r = gradePoint([s({ do: 0.1, orp: 0 }), s({ do: 0.1 }), s({ do: 5 })]);
    expect(r.items.do).toEqual({ samples: 3, severe_fraction: 0.6667, light_or_worse_fraction: 0.6667 });
    expect(r.items.orp).toEqual({ samples: 1, severe_fraction: 0, light_or_worse_fraction: 1 });
    expect(r.grade).toBe('severe');
  });

  it('notes fewer than 3 samplings', () => {
    expect(gradePoint([s({ do: 5 })]).notes).toHaveLength(1);
    expect(gradePoint([s({ do: 5 }), s({ do: 5 }), s({ do: 5 })])).not.toHaveProperty('notes');
  });

  it('refuses an empty series', () => {
    expect(() => gradePoint([])).toThrow(RangeError);
  });
});

describe('one water body: severe reaches and the 60 % rule', () => {
  const g = (...grades: BlackOdorousGrade[]) => grades.map((grade) => ({ grade }));

  it('finds runs of 3 or more consecutive severe points (1-based, inclusive)', () => {
    const r = gradeWaterBody(
      g(
        'light',
        'severe',
        'severe',
        'severe',
        'light',
        'severe',
        'severe',
        'none',
        'severe',
        'severe',
        'severe',
        'severe',
      ),
    );
    expect(r.severe_reaches).toEqual([
      [2, 4],
      [9, 12],
    ]);
    expect(r.severe_points).toBe(9);
    expect(r.severe_share).toBe(0.75);
    expect(r.grade).toBe('severe');
  });

  it('does not count two consecutive severe points as a reach', () => {
    expect(gradeWaterBody(g('severe', 'severe', 'light', 'severe', 'severe')).severe_reaches).toEqual([]);
  });

  it('is severe with ≥ 60 % severe points, light below', () => {
    expect(gradeWaterBody(g('severe', 'severe', 'severe', 'light', 'light')).grade).toBe('severe'); // 60 %
    expect(gradeWaterBody(g('severe', 'severe', 'light', 'light', 'light')).grade).toBe('light'); // 40 %
    const r = gradeWaterBody(g('severe', 'severe', 'severe', 'none', 'none', 'none', 'none', 'none', 'none', 'none'));
    expect(r.grade).toBe('light'); // 30 %, but a severe reach
    expect(r.severe_reaches).toEqual([[1, 3]]);
  });

  it('is none only when every point is none', () => {
    expect(gradeWaterBody(g('none', 'none', 'none')).grade).toBe('none');
    expect(gradeWaterBody(g('none', 'light', 'none')).grade).toBe('light');
    expect(gradeWaterBody(g('none', 'severe', 'none', 'none')).grade).toBe('light');
  });

  it('grades points from their samples, mixed with given grades', () => {
    const r = gradeWaterBody([
      { samples: [s({ do: 0.1 }), s({ do: 0.1 }), s({ do: 0.1 })] },
      { grade: 'severe' },
      { samples: [s({ transparency: 5 }), s({ transparency: 5 }), s({ transparency: 30 })] },
    ]);
    expect(r.points.map((p) => p.grade)).toEqual(['severe', 'severe', 'severe']);
    expect(r.severe_reaches).toEqual([[1, 3]]);
    expect(r.points[0]).toHaveProperty('items');
  });

  it('notes fewer than 3 points', () => {
    expect(gradeWaterBody(g('severe', 'severe')).notes).toHaveLength(1);
  });

  it('refuses an empty water body', () => {
    expect(() => gradeWaterBody([])).toThrow(RangeError);
  });
});

describe('runsOf (property)', () => {
  it('returns exactly the maximal runs of ≥ 3 true values', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), (flags) => {
        const runs = runsOf(flags, 3);
        const covered = new Set<number>();
        for (const [a, b] of runs) {
          expect(b - a + 1).toBeGreaterThanOrEqual(3);
          for (let i = a; i <= b; i++) {
            expect(flags[i - 1]).toBe(true);
            covered.add(i - 1);
          }
          expect(flags[a - 2] ?? false).toBe(false); // maximal on the left
          expect(flags[b] ?? false).toBe(false); // and on the right
        }
        // every true value not covered lies in a run shorter than 3
        flags.forEach((f, i) => {
          if (!f || covered.has(i)) return;
          let lo = i;
          let hi = i;
          while (flags[lo - 1]) lo--;
          while (flags[hi + 1]) hi++;
          expect(hi - lo + 1).toBeLessThan(3);
        });
      }),
    );
  });
});
