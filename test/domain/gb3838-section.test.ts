import { describe, expect, it } from 'vitest';
import { evaluateSection, primaryPollutants } from '../../src/domain/gb3838-section.js';

const river = (
  values: Record<string, number>,
  extra: { target?: 'I' | 'II' | 'III' | 'IV' | 'V'; rounding?: 'none' | '2020' } = {},
) => evaluateSection({ values, waterbody: 'river', ...extra });
const lake = (values: Record<string, number>, extra: { target?: 'I' | 'II' | 'III' | 'IV' | 'V' } = {}) =>
  evaluateSection({ values, waterbody: 'lake', ...extra });

describe('section class by the single-factor method', () => {
  it('is the worst evaluated item (the issue example)', () => {
    const r = river({ nh3n: 1.2, do: 6.1, ph: 7.4 }, { target: 'III' });
    expect(r).toEqual({
      class: 'IV',
      grade: '轻度污染',
      grade_en: 'slightly polluted',
      compliant: false,
      items: {
        ph: { value: 7.4, class: 'I', exceedance: null, exceedance_target: null },
        do: { value: 6.1, class: 'II', exceedance: null, exceedance_target: null },
        nh3n: { value: 1.2, class: 'IV', exceedance: 0.2, exceedance_target: 0.2 },
      },
      primary_pollutants: ['nh3n'],
    });
  });

  it('is null with grade null when no evaluation item is present', () => {
    const r = river({});
    expect(r).toEqual({ class: null, grade: null, grade_en: null, items: {}, primary_pollutants: [] });
    expect(river({}, { target: 'III' }).compliant).toBeNull();
  });

  it('is null when only reference items are present, which are still reported', () => {
    const r = lake({ temp: 20, tn: 3, fcoli: 50000 });
    expect(r.class).toBeNull();
    expect(r.items.temp).toEqual({ value: 20, class: null, exceedance: null, reference: true });
    expect(r.items.tn).toEqual({ value: 3, class: '劣V', exceedance: 2, reference: true });
    expect(r.items.fcoli).toEqual({ value: 50000, class: '劣V', exceedance: 4, reference: true });
    expect(r.primary_pollutants).toEqual([]);
  });

  it('never lets TN, fecal coliform or water temperature decide the class', () => {
    expect(river({ nh3n: 0.1, tn: 20, fcoli: 1e6, temp: 35 }).class).toBe('I');
    expect(lake({ nh3n: 0.1, tn: 20, fcoli: 1e6 }).class).toBe('I');
  });

  it('reports TN in a river without a class (no river limit)', () => {
    expect(river({ tn: 2.5, do: 8 }).items.tn).toEqual({ value: 2.5, class: null, exceedance: null, reference: true });
  });

  it('evaluates only the items given (missing items do not count)', () => {
    expect(river({ codmn: 3 }).class).toBe('II');
    expect(river({ codmn: 3, nh3n: 0.1 }).class).toBe('II');
    expect(Object.keys(river({ codmn: 3 }).items)).toEqual(['codmn']);
  });

  it('uses the lake TP column for lakes', () => {
    expect(river({ tp: 0.064 }).class).toBe('II');
    expect(lake({ tp: 0.064 }).class).toBe('IV');
    expect(lake({ tp: 0.064 }).items.tp!.exceedance).toBe(0.28);
  });

  it('is 劣V for a pH outside 6–9, with pH as the primary pollutant', () => {
    const r = river({ ph: 9.4, codmn: 2 });
    expect(r.class).toBe('劣V');
    expect(r.items.ph).toEqual({ value: 9.4, class: '劣V', exceedance: null });
    expect(r.primary_pollutants).toEqual(['ph']);
  });

  it('lists items outside Table 1 as ignored', () => {
    const r = river({ codmn: 3, conductivity: 500, turbidity: 12 });
    expect(r.ignored).toEqual(['conductivity', 'turbidity']);
    expect(r.items).not.toHaveProperty('conductivity');
  });

  it('lists items in Table 1 order whatever the input order', () => {
    expect(Object.keys(river({ s2: 0.1, ph: 7, nh3n: 0.1, do: 8 }).items)).toEqual(['ph', 'do', 'nh3n', 's2']);
  });
});

describe('grades for every class', () => {
  it.each([
    [{ codmn: 1 }, 'I', '优'],
    [{ codmn: 3 }, 'II', '优'],
    [{ codmn: 5 }, 'III', '良好'],
    [{ codmn: 8 }, 'IV', '轻度污染'],
    [{ codmn: 12 }, 'V', '中度污染'],
    [{ codmn: 16 }, '劣V', '重度污染'],
  ] as const)('%o → %s %s', (values, cls, grade) => {
    const r = river(values);
    expect(r.class).toBe(cls);
    expect(r.grade).toBe(grade);
  });
});

describe('compliance with a target class', () => {
  it.each([
    ['I', { codmn: 2 }, true],
    ['I', { codmn: 2.1 }, false],
    ['II', { codmn: 4 }, true],
    ['II', { codmn: 4.1 }, false],
    ['III', { codmn: 6 }, true],
    ['III', { codmn: 6.1 }, false],
    ['IV', { codmn: 10 }, true],
    ['IV', { codmn: 10.1 }, false],
    ['V', { codmn: 15 }, true],
    ['V', { codmn: 15.1 }, false],
  ] as const)('target %s with %o → compliant %s', (target, values, compliant) => {
    expect(river(values, { target }).compliant).toBe(compliant);
  });

  it('omits compliant without a target', () => {
    expect(river({ codmn: 3 })).not.toHaveProperty('compliant');
  });

  it('gives exceedance_target against the target and keeps exceedance against class III', () => {
    const r = river({ codmn: 5, nh3n: 0.6, do: 4 }, { target: 'II' });
    expect(r.compliant).toBe(false);
    expect(r.items.codmn).toEqual({ value: 5, class: 'III', exceedance: 0, exceedance_target: 0.25 });
    expect(r.items.nh3n).toEqual({ value: 0.6, class: 'III', exceedance: 0, exceedance_target: 0.2 });
    expect(r.items.do).toEqual({ value: 4, class: 'IV', exceedance: null, exceedance_target: null });
  });
});

describe('primary pollutants (主要污染指标)', () => {
  it('are none for a class I–III section', () => {
    expect(river({ codmn: 6, nh3n: 1.0, tp: 0.2 }).primary_pollutants).toEqual([]);
  });

  it('are the items worse than class III, worst class first', () => {
    // codmn V, nh3n 劣V, tp IV
    expect(river({ codmn: 12, nh3n: 2.5, tp: 0.25 }).primary_pollutants).toEqual(['nh3n', 'codmn', 'tp']);
  });

  it('rank by exceedance multiple within a class', () => {
    // all 劣V: nh3n 2.3 → 1.3, tp 0.5 → 1.5, cod 45 → 1.25
    expect(river({ nh3n: 2.3, tp: 0.5, cod: 45 }).primary_pollutants).toEqual(['tp', 'nh3n', 'cod']);
  });

  it('take at most three', () => {
    const r = river({ codmn: 16, cod: 41, bod5: 11, nh3n: 2.1, tp: 0.5 });
    expect(r.primary_pollutants).toHaveLength(3);
    // multiples: codmn 1.67, cod 1.05, bod5 1.75, nh3n 1.1, tp 1.5
    expect(r.primary_pollutants).toEqual(['bod5', 'codmn', 'tp']);
  });

  it('put cyanide and heavy metals first, even at a better class (decision 2)', () => {
    // pb IV (0.06 → 0.2 over III), nh3n 劣V
    expect(river({ nh3n: 3, pb: 0.06 }).primary_pollutants).toEqual(['pb', 'nh3n']);
    // cn 劣V and hg IV before codmn 劣V; among toxic items by class
    expect(river({ codmn: 20, hg: 0.0005, cn: 0.3 }).primary_pollutants).toEqual(['cn', 'hg', 'codmn']);
  });

  it('do not include toxic items that meet class III', () => {
    expect(river({ nh3n: 3, pb: 0.05, cd: 0.005 }).primary_pollutants).toEqual(['nh3n']);
  });

  it('put items without a multiple (DO, pH) after items with one in the same class (decision 3)', () => {
    // DO 1 → 劣V, nh3n 2.01 → 劣V
    expect(river({ do: 1, nh3n: 2.01 }).primary_pollutants).toEqual(['nh3n', 'do']);
    expect(river({ ph: 5, do: 1, codmn: 16 }).primary_pollutants).toEqual(['codmn', 'ph', 'do']);
  });

  it('still rank DO by its class above items of a better class', () => {
    // DO 劣V vs nh3n IV
    expect(river({ do: 1, nh3n: 1.2 }).primary_pollutants).toEqual(['do', 'nh3n']);
  });

  it('break exact ties in Table 1 order', () => {
    // COD 40 → (40−20)/20 = 1, BOD5 8 → (8−4)/4 = 1, both V
    expect(river({ bod5: 8, cod: 40 }).primary_pollutants).toEqual(['cod', 'bod5']);
    // NH3-N 1.2 → 0.2 and COD 24 → 0.2, both IV: floating-point noise must not decide
    expect(river({ nh3n: 1.2, cod: 24 }).primary_pollutants).toEqual(['cod', 'nh3n']);
    // pH and DO both 劣V without multiple: Table 1 order pH (row 2) before DO (row 3)
    expect(river({ do: 1, ph: 10 }).primary_pollutants).toEqual(['ph', 'do']);
  });

  it('never include reference items', () => {
    expect(lake({ codmn: 8, tn: 5 }).primary_pollutants).toEqual(['codmn']);
    expect(river({ codmn: 8, fcoli: 1e6 }).primary_pollutants).toEqual(['codmn']);
  });

  it('primaryPollutants returns none for an unknown class', () => {
    expect(primaryPollutants([{ code: 'nh3n', class: 'V', multiple: 0.9 }], null)).toEqual([]);
  });
});

describe('the 2020 rounding option (decision 1: off by default)', () => {
  it('compares as measured by default', () => {
    expect(river({ ph: 9.4 }).class).toBe('劣V');
    expect(river({ nh3n: 1.004 }).class).toBe('IV');
  });

  it('rounds before classifying when asked, showing the measured value', () => {
    const r = river({ ph: 9.4, nh3n: 1.004, tp: 0.2004, do: 7.46 }, { rounding: '2020' });
    expect(r.items.ph).toEqual({ value: 9, measured: 9.4, class: 'I', exceedance: null });
    expect(r.items.nh3n).toEqual({ value: 1, measured: 1.004, class: 'III', exceedance: 0 });
    expect(r.items.tp).toEqual({ value: 0.2, measured: 0.2004, class: 'III', exceedance: 0 });
    expect(r.items.do).toEqual({ value: 7.5, measured: 7.46, class: 'I', exceedance: null });
    expect(r.class).toBe('III');
  });

  it('rounds half to even (pH 9.5 → 10 is out of range, 8.5 → 8 in range)', () => {
    expect(river({ ph: 9.5 }, { rounding: '2020' }).class).toBe('劣V');
    expect(river({ ph: 5.5 }, { rounding: '2020' }).class).toBe('I');
    expect(river({ nh3n: 1.005 }, { rounding: '2020' }).class).toBe('III'); // 1.005 → 1.00
    expect(river({ nh3n: 1.015 }, { rounding: '2020' }).class).toBe('IV'); // 1.015 → 1.02
  });

  it('keeps one significant digit instead of rounding to zero', () => {
    const r = river({ hg: 0.000004 }, { rounding: '2020' });
    expect(r.items.hg).toEqual({ value: 0.000004, class: 'I', exceedance: 0 });
  });

  it('leaves values that already fit unchanged (no measured key)', () => {
    expect(river({ nh3n: 0.5 }, { rounding: '2020' }).items.nh3n).toEqual({ value: 0.5, class: 'II', exceedance: 0 });
  });
});
