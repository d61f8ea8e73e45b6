import { describe, expect, it } from 'vitest';
import {
  classLimits,
  classOfRank,
  classRank,
  exceedanceMultiple,
  GB3838_TABLE1,
  gradeOf,
  itemClass,
  itemExceedance,
  meetsTarget,
  reportedMultiple,
  SECTION_CLASSES,
  type SectionClass,
} from '../../src/domain/gb3838.js';
import type { ParameterCode } from '../../src/domain/parameters.js';

/**
 * An independent transcription of GB 3838-2002 Table 1 (shared/reference/standards.md §1), used to check the
 * engine's table and every class boundary. Upper limits (≤) for classes I–V, mg/L (fecal coliform 个/L).
 */
const TABLE1_MAX: Record<string, [number, number, number, number, number]> = {
  codmn: [2, 4, 6, 10, 15],
  cod: [15, 15, 20, 30, 40],
  bod5: [3, 3, 4, 6, 10],
  nh3n: [0.15, 0.5, 1.0, 1.5, 2.0],
  cu: [0.01, 1.0, 1.0, 1.0, 1.0],
  zn: [0.05, 1.0, 1.0, 2.0, 2.0],
  f: [1.0, 1.0, 1.0, 1.5, 1.5],
  se: [0.01, 0.01, 0.01, 0.02, 0.02],
  as: [0.05, 0.05, 0.05, 0.1, 0.1],
  hg: [0.00005, 0.00005, 0.0001, 0.001, 0.001],
  cd: [0.001, 0.005, 0.005, 0.005, 0.01],
  cr6: [0.01, 0.05, 0.05, 0.05, 0.1],
  pb: [0.01, 0.01, 0.05, 0.05, 0.1],
  cn: [0.005, 0.05, 0.2, 0.2, 0.2],
  phenol: [0.002, 0.002, 0.005, 0.01, 0.1],
  oil: [0.05, 0.05, 0.05, 0.5, 1.0],
  las: [0.2, 0.2, 0.2, 0.3, 0.3],
  s2: [0.05, 0.1, 0.2, 0.5, 1.0],
  fcoli: [200, 2000, 10000, 20000, 40000],
};
const TP_RIVER = [0.02, 0.1, 0.2, 0.3, 0.4];
const TP_LAKE = [0.01, 0.025, 0.05, 0.1, 0.2];
const TN_LAKE = [0.2, 0.5, 1.0, 1.5, 2.0];
const CLASSES: SectionClass[] = ['I', 'II', 'III', 'IV', 'V'];

/** The smallest value above x that a sensor could realistically report differently (relative 1e-9). */
const above = (x: number) => x + Math.abs(x) * 1e-9;
const below = (x: number) => x - Math.abs(x) * 1e-9;

/** Expected class of a value exactly at limit k: the best class whose limit is ≥ it (shared limits). */
function expectedAt(limits: number[], k: number): SectionClass {
  return CLASSES[limits.findIndex((l) => l >= limits[k]!)]!;
}
/** Expected class just above limit k: the best class whose limit exceeds it, or 劣V. */
function expectedAbove(limits: number[], k: number): SectionClass {
  const i = limits.findIndex((l) => l > limits[k]!);
  return i === -1 ? '劣V' : CLASSES[i]!;
}

describe('GB 3838-2002 Table 1 limits', () => {
  it('lists the 24 basic items in Table 1 order', () => {
    expect(GB3838_TABLE1.map((i) => i.code)).toEqual([
      'temp',
      'ph',
      'do',
      'codmn',
      'cod',
      'bod5',
      'nh3n',
      'tp',
      'tn',
      'cu',
      'zn',
      'f',
      'se',
      'as',
      'hg',
      'cd',
      'cr6',
      'pb',
      'cn',
      'phenol',
      'oil',
      'las',
      's2',
      'fcoli',
    ]);
    expect(GB3838_TABLE1.map((i) => i.row)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  it('marks the 21 evaluation items of 环办[2011]22号 (all but water temperature, TN, fecal coliform)', () => {
    const reference = GB3838_TABLE1.filter((i) => !i.evaluated).map((i) => i.code);
    expect(reference).toEqual(['temp', 'tn', 'fcoli']);
    expect(GB3838_TABLE1.filter((i) => i.evaluated)).toHaveLength(21);
  });

  it.each(Object.entries(TABLE1_MAX))('%s has the Table 1 limits for rivers and lakes', (code, limits) => {
    expect(classLimits(code as ParameterCode, 'river')).toEqual(limits);
    expect(classLimits(code as ParameterCode, 'lake')).toEqual(limits);
  });

  it('has separate river and lake/reservoir TP columns, and TN for lakes only', () => {
    expect(classLimits('tp', 'river')).toEqual(TP_RIVER);
    expect(classLimits('tp', 'lake')).toEqual(TP_LAKE);
    expect(classLimits('tn', 'lake')).toEqual(TN_LAKE);
    expect(classLimits('tn', 'river')).toBeUndefined();
  });

  it('uses 7.5 mg/L for DO class I (the "or 7.5" of "saturation 90 % (or 7.5)")', () => {
    expect(classLimits('do', 'river')).toEqual([7.5, 6, 5, 3, 2]);
  });

  it('marks cyanide and the metals/metalloids as toxic (ranked first among primary pollutants)', () => {
    expect(GB3838_TABLE1.filter((i) => i.toxic).map((i) => i.code)).toEqual([
      'cu',
      'zn',
      'se',
      'as',
      'hg',
      'cd',
      'cr6',
      'pb',
      'cn',
    ]);
  });
});

describe('item class: every boundary of every ≤ item', () => {
  const cases: [string, 'river' | 'lake', number[]][] = [
    ...Object.entries(TABLE1_MAX).flatMap(([code, l]) => [
      [code, 'river', l] as [string, 'river', number[]],
      [code, 'lake', l] as [string, 'lake', number[]],
    ]),
    ['tp', 'river', TP_RIVER],
    ['tp', 'lake', TP_LAKE],
    ['tn', 'lake', TN_LAKE],
  ];
  for (const [code, waterbody, limits] of cases) {
    for (let k = 0; k < 5; k++) {
      it(`${code} (${waterbody}) at the class ${CLASSES[k]} limit ${limits[k]} → ${expectedAt(limits, k)}, just above → ${expectedAbove(limits, k)}`, () => {
        expect(itemClass(code as ParameterCode, limits[k]!, waterbody)).toBe(expectedAt(limits, k));
        expect(itemClass(code as ParameterCode, above(limits[k]!), waterbody)).toBe(expectedAbove(limits, k));
        expect(itemClass(code as ParameterCode, below(limits[k]!), waterbody)).toBe(expectedAt(limits, k));
      });
    }
    it(`${code} (${waterbody}) at 0 is class I`, () => {
      expect(itemClass(code as ParameterCode, 0, waterbody)).toBe('I');
    });
  }
});

describe('item class: the jumps where adjacent classes share a limit', () => {
  it.each([
    ['cod', 15, 'I'],
    ['cod', 16, 'III'],
    ['cod', 20, 'III'],
    ['cod', 20.1, 'IV'],
    ['cod', 30, 'IV'],
    ['cod', 40, 'V'],
    ['cod', 40.1, '劣V'],
    ['bod5', 3, 'I'],
    ['bod5', 3.1, 'III'],
    ['bod5', 4.1, 'IV'],
    ['bod5', 10.1, '劣V'],
    ['cu', 0.01, 'I'],
    ['cu', 0.011, 'II'],
    ['cu', 1.0, 'II'],
    ['cu', 1.01, '劣V'],
    ['zn', 0.05, 'I'],
    ['zn', 0.06, 'II'],
    ['zn', 1.01, 'IV'],
    ['zn', 2.01, '劣V'],
    ['f', 1.0, 'I'],
    ['f', 1.01, 'IV'],
    ['f', 1.51, '劣V'],
    ['se', 0.01, 'I'],
    ['se', 0.011, 'IV'],
    ['se', 0.021, '劣V'],
    ['as', 0.05, 'I'],
    ['as', 0.051, 'IV'],
    ['as', 0.11, '劣V'],
    ['hg', 0.00005, 'I'],
    ['hg', 0.000051, 'III'],
    ['hg', 0.00011, 'IV'],
    ['hg', 0.0011, '劣V'],
    ['cd', 0.001, 'I'],
    ['cd', 0.0011, 'II'],
    ['cd', 0.0051, 'V'],
    ['cd', 0.011, '劣V'],
    ['cr6', 0.01, 'I'],
    ['cr6', 0.011, 'II'],
    ['cr6', 0.051, 'V'],
    ['cr6', 0.11, '劣V'],
    ['pb', 0.01, 'I'],
    ['pb', 0.011, 'III'],
    ['pb', 0.051, 'V'],
    ['pb', 0.11, '劣V'],
    ['cn', 0.005, 'I'],
    ['cn', 0.006, 'II'],
    ['cn', 0.051, 'III'],
    ['cn', 0.2, 'III'],
    ['cn', 0.21, '劣V'],
    ['phenol', 0.002, 'I'],
    ['phenol', 0.0021, 'III'],
    ['phenol', 0.011, 'V'],
    ['phenol', 0.11, '劣V'],
    ['oil', 0.05, 'I'],
    ['oil', 0.051, 'IV'],
    ['oil', 1.01, '劣V'],
    ['las', 0.2, 'I'],
    ['las', 0.21, 'IV'],
    ['las', 0.31, '劣V'],
    ['s2', 0.05, 'I'],
    ['s2', 0.051, 'II'],
    ['s2', 1.01, '劣V'],
    ['nh3n', 0.15, 'I'],
    ['nh3n', 0.151, 'II'],
    ['nh3n', 1.0, 'III'],
    ['nh3n', 1.2, 'IV'],
    ['nh3n', 2.0, 'V'],
    ['nh3n', 2.01, '劣V'],
    ['codmn', 2, 'I'],
    ['codmn', 2.01, 'II'],
    ['codmn', 15, 'V'],
    ['codmn', 15.1, '劣V'],
    ['fcoli', 200, 'I'],
    ['fcoli', 201, 'II'],
    ['fcoli', 40000, 'V'],
    ['fcoli', 40001, '劣V'],
  ] as const)('%s %f → %s', (code, value, cls) => {
    expect(itemClass(code, value, 'river')).toBe(cls);
  });
});

describe('item class: DO (≥), pH (range), water temperature (none)', () => {
  it.each([
    [20, 'I'],
    [7.5, 'I'],
    [7.49, 'II'],
    [6, 'II'],
    [5.99, 'III'],
    [5, 'III'],
    [4.99, 'IV'],
    [3, 'IV'],
    [2.99, 'V'],
    [2, 'V'],
    [1.99, '劣V'],
    [0, '劣V'],
  ] as const)('DO %f mg/L → %s (a higher value is better)', (value, cls) => {
    expect(itemClass('do', value, 'river')).toBe(cls);
    expect(itemClass('do', value, 'lake')).toBe(cls);
  });

  it.each([
    [6, 'I'],
    [7, 'I'],
    [9, 'I'],
    [5.99, '劣V'],
    [9.01, '劣V'],
    [0, '劣V'],
    [14, '劣V'],
  ] as const)('pH %f → %s (6–9 for every class; outside meets no class)', (value, cls) => {
    expect(itemClass('ph', value, 'river')).toBe(cls);
  });

  it('gives water temperature no class', () => {
    expect(itemClass('temp', 25, 'river')).toBeNull();
    expect(itemClass('temp', 35, 'lake')).toBeNull();
  });

  it('gives TN no class in a river, a class in a lake', () => {
    expect(itemClass('tn', 0.1, 'river')).toBeNull();
    expect(itemClass('tn', 1.2, 'lake')).toBe('IV');
  });

  it('gives parameters outside Table 1 no class', () => {
    expect(itemClass('conductivity', 500, 'river')).toBeNull();
    expect(itemClass('turbidity', 5, 'river')).toBeNull();
  });

  it('distinguishes river and lake TP', () => {
    expect(itemClass('tp', 0.064, 'river')).toBe('II');
    expect(itemClass('tp', 0.064, 'lake')).toBe('IV');
    expect(itemClass('tp', 0.2, 'river')).toBe('III');
    expect(itemClass('tp', 0.2, 'lake')).toBe('V');
    expect(itemClass('tp', 0.25, 'lake')).toBe('劣V');
  });
});

describe('exceedance multiples', () => {
  it('is (C − L) / L unrounded in exceedanceMultiple', () => {
    expect(exceedanceMultiple(2.3, 1)).toBeCloseTo(1.3, 12);
    expect(exceedanceMultiple(1, 1)).toBe(0);
    expect(exceedanceMultiple(0.5, 1)).toBe(-0.5);
  });

  it('reports 0 when the limit is met, the multiple rounded to 2 decimals otherwise', () => {
    expect(reportedMultiple(0.5, 1)).toBe(0);
    expect(reportedMultiple(1, 1)).toBe(0);
    expect(reportedMultiple(1.2, 1)).toBe(0.2);
    expect(reportedMultiple(2.3, 1)).toBe(1.3);
    expect(reportedMultiple(1.125, 1)).toBe(0.13); // half-up
    expect(reportedMultiple(1.1249, 1)).toBe(0.12);
  });

  it('never reports 0 for a value that exceeds (at least 0.01)', () => {
    expect(reportedMultiple(1.001, 1)).toBe(0.01);
    expect(reportedMultiple(1.0000001, 1)).toBe(0.01);
  });

  it('is against class III by default (the national reporting convention)', () => {
    // gdbull: 2.3 mg/L NH3-N → 1.3; TP 0.32 in a river → 0.6; COD 24 → 0.2
    expect(itemExceedance('nh3n', 2.3, 'river')).toBe(1.3);
    expect(itemExceedance('tp', 0.32, 'river')).toBe(0.6);
    expect(itemExceedance('cod', 24, 'river')).toBe(0.2);
    expect(itemExceedance('nh3n', 1.2, 'river')).toBe(0.2);
  });

  it('uses the lake TP column in lakes', () => {
    expect(itemExceedance('tp', 0.1, 'lake')).toBe(1);
    expect(itemExceedance('tp', 0.1, 'river')).toBe(0);
  });

  it('can be against another class (a target)', () => {
    expect(itemExceedance('nh3n', 1.2, 'river', 'II')).toBe(1.4);
    expect(itemExceedance('nh3n', 1.2, 'river', 'IV')).toBe(0);
    expect(itemExceedance('codmn', 8, 'river', 'I')).toBe(3);
  });

  it('is null for water temperature, pH and DO, and for TN in a river', () => {
    expect(itemExceedance('temp', 30, 'river')).toBeNull();
    expect(itemExceedance('ph', 10, 'river')).toBeNull();
    expect(itemExceedance('do', 1, 'river')).toBeNull();
    expect(itemExceedance('tn', 5, 'river')).toBeNull();
    expect(itemExceedance('tn', 1.5, 'lake')).toBe(0.5);
    expect(itemExceedance('conductivity', 500, 'river')).toBeNull();
  });

  it('has a multiple for reference items that have limits (fecal coliform)', () => {
    expect(itemExceedance('fcoli', 15000, 'river')).toBe(0.5);
  });
});

describe('grade, rank and target', () => {
  it.each([
    ['I', '优', 'excellent'],
    ['II', '优', 'excellent'],
    ['III', '良好', 'good'],
    ['IV', '轻度污染', 'slightly polluted'],
    ['V', '中度污染', 'moderately polluted'],
    ['劣V', '重度污染', 'heavily polluted'],
  ] as const)('class %s is %s (%s)', (cls, zh, en) => {
    expect(gradeOf(cls)).toEqual({ zh, en });
  });

  it('ranks I … 劣V as 1 … 6 and back', () => {
    SECTION_CLASSES.forEach((cls, i) => {
      expect(classRank(cls)).toBe(i + 1);
      expect(classOfRank(i + 1)).toBe(cls);
    });
    expect(() => classOfRank(7)).toThrow(RangeError);
  });

  it('meets a target at or better than it', () => {
    expect(meetsTarget('II', 'III')).toBe(true);
    expect(meetsTarget('III', 'III')).toBe(true);
    expect(meetsTarget('IV', 'III')).toBe(false);
    expect(meetsTarget('劣V', 'V')).toBe(false);
    expect(meetsTarget('I', 'I')).toBe(true);
  });
});
