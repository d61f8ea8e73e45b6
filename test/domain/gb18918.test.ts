import { describe, expect, it } from 'vitest';
import type { CustomDischargeStandard } from '../../src/domain/discharge-standard-definition.js';
import {
  dischargeLimits,
  evaluateEffluent,
  evaluateLimit,
  GB18918_TABLE1,
  isBuiltinDischargeStandard,
  unknownLimitParameters,
} from '../../src/domain/gb18918.js';
import type { ParameterCode } from '../../src/domain/parameters.js';

type Std = 'gb18918-1a' | 'gb18918-1b' | 'gb18918-2' | 'gb18918-3';
const STANDARDS: Std[] = ['gb18918-1a', 'gb18918-1b', 'gb18918-2', 'gb18918-3'];

/**
 * Independent transcription of GB 18918-2002 Table 1 (standards.md §3): plain upper limits per class;
 * null = no limit. NH3-N and TP are checked separately.
 */
const PLAIN: Record<string, (number | null)[]> = {
  cod: [50, 60, 100, 120],
  bod5: [10, 20, 30, 60],
  ss: [10, 20, 30, 50],
  animal_oil: [1, 3, 5, 20],
  oil: [1, 3, 5, 15],
  las: [0.5, 1, 2, 5],
  tn: [15, 20, null, null],
  colour: [30, 30, 40, 50],
  fcoli: [1000, 10000, 10000, null],
};

describe('GB 18918-2002 Table 1', () => {
  it('covers the 12 basic control items', () => {
    expect(Object.keys(GB18918_TABLE1).sort()).toEqual(
      ['animal_oil', 'bod5', 'cod', 'colour', 'fcoli', 'las', 'nh3n', 'oil', 'ph', 'ss', 'tn', 'tp'].sort(),
    );
  });

  for (const [code, limits] of Object.entries(PLAIN)) {
    STANDARDS.forEach((std, i) => {
      const limit = limits[i]!;
      if (limit === null) {
        it(`${std} ${code}: no limit → ignored`, () => {
          const r = evaluateEffluent({ standard: std, values: { [code]: 1e6 } });
          expect(r.items).toEqual({});
          expect(r.ignored).toEqual([code]);
          expect(r.compliant).toBeNull();
        });
        return;
      }
      it(`${std} ${code} ≤ ${limit}: at the limit complies, just above fails`, () => {
        const at = evaluateEffluent({ standard: std, values: { [code]: limit } });
        expect(at.items[code as ParameterCode]).toEqual({ value: limit, limit, compliant: true, exceedance: 0 });
        expect(at.compliant).toBe(true);
        const over = evaluateEffluent({ standard: std, values: { [code]: limit * 1.5 } });
        expect(over.items[code as ParameterCode]).toEqual({
          value: limit * 1.5,
          limit,
          compliant: false,
          exceedance: 0.5,
        });
        expect(over.compliant).toBe(false);
        const justOver = evaluateEffluent({ standard: std, values: { [code]: limit * (1 + 1e-9) } });
        expect(justOver.compliant).toBe(false);
        expect(justOver.items[code as ParameterCode]!.exceedance).toBe(0.01);
      });
    });
  }

  it.each(STANDARDS)('%s pH: 6–9 complies, outside fails, no exceedance multiple', (std) => {
    for (const [ph, ok] of [
      [6, true],
      [9, true],
      [7.2, true],
      [5.99, false],
      [9.01, false],
    ] as const) {
      const r = evaluateEffluent({ standard: std, values: { ph } });
      expect(r.items.ph).toEqual({ value: ph, limit: { min: 6, max: 9 }, compliant: ok, exceedance: null });
    }
  });
});

describe('NH3-N: the 12 °C rule (Table 1 note ②)', () => {
  it.each([
    ['gb18918-1a', 5, 8],
    ['gb18918-1b', 8, 15],
    ['gb18918-2', 25, 30],
  ] as const)('%s: %i above 12 °C, %i at or below', (std, warm, cold) => {
    const limitAt = (t: number) => dischargeLimits(std, { waterTempC: t }).limits.nh3n!.max;
    expect(limitAt(25)).toBe(warm);
    expect(limitAt(12.1)).toBe(warm);
    expect(limitAt(12.0)).toBe(cold); // exactly 12 uses the bracket value
    expect(limitAt(11.9)).toBe(cold);
    expect(limitAt(0)).toBe(cold);
  });

  it('class 3 has no NH3-N limit', () => {
    expect(dischargeLimits('gb18918-3', { waterTempC: 20 }).limits.nh3n).toBeUndefined();
    expect(evaluateEffluent({ standard: 'gb18918-3', values: { nh3n: 40 } }).ignored).toEqual(['nh3n']);
  });

  it('gives the issue example: 1A at 10 °C, NH3-N 10 → limit 8, exceedance 0.25', () => {
    expect(
      evaluateEffluent({ standard: 'gb18918-1a', waterTempC: 10, plantBuilt: '2008-05-01', values: { nh3n: 10 } }),
    ).toEqual({
      compliant: false,
      items: { nh3n: { value: 10, limit: 8, compliant: false, exceedance: 0.25 } },
    });
  });

  it('uses the stricter (> 12 °C) limit with a note when the temperature is unknown (decision 6)', () => {
    const r = evaluateEffluent({ standard: 'gb18918-1a', values: { nh3n: 6 } });
    expect(r.items.nh3n).toEqual({ value: 6, limit: 5, compliant: false, exceedance: 0.2 });
    expect(r.notes).toHaveLength(1);
    expect(r.notes![0]).toMatch(/^nh3n: 水温未知.*water temperature unknown/);
  });

  it('adds no note when NH3-N was not measured', () => {
    expect(evaluateEffluent({ standard: 'gb18918-1a', values: { cod: 20 } })).not.toHaveProperty('notes');
  });
});

describe('TP: the construction-date rule', () => {
  it.each([
    ['gb18918-1a', 1, 0.5],
    ['gb18918-1b', 1.5, 1],
    ['gb18918-2', 3, 3],
    ['gb18918-3', 5, 5],
  ] as const)('%s: %f for plants built up to 2005-12-31, %f from 2006-01-01', (std, before, from) => {
    const limitFor = (plantBuilt: string) => dischargeLimits(std, { plantBuilt }).limits.tp!.max;
    expect(limitFor('1998-07-01')).toBe(before);
    expect(limitFor('2005-12-31')).toBe(before);
    expect(limitFor('2006-01-01')).toBe(from);
    expect(limitFor('2019-03-15')).toBe(from);
  });

  it('uses the stricter limit with a note when the date is unknown', () => {
    const r = evaluateEffluent({ standard: 'gb18918-1a', values: { tp: 0.8 } });
    expect(r.items.tp).toMatchObject({ limit: 0.5, compliant: false, exceedance: 0.6 });
    expect(r.notes![0]).toMatch(/^tp: 建设时间未知.*construction date unknown/);
  });

  it('adds no note when the date does not matter (class 2 and 3)', () => {
    expect(evaluateEffluent({ standard: 'gb18918-2', values: { tp: 1 } })).not.toHaveProperty('notes');
  });

  it('refuses a malformed date', () => {
    expect(() => dischargeLimits('gb18918-1a', { plantBuilt: '2006/01/01' })).toThrow(RangeError);
  });
});

describe('effluent results', () => {
  it('lists items in Table 1 order, ignores what the standard does not limit', () => {
    const r = evaluateEffluent({
      standard: 'gb18918-1a',
      waterTempC: 20,
      plantBuilt: '2010-01-01',
      values: { ph: 7, flow: 300, tp: 0.3, cod: 30, temp: 20 },
    });
    expect(Object.keys(r.items)).toEqual(['cod', 'tp', 'ph']);
    expect(r.ignored).toEqual(['flow', 'temp']);
    expect(r.compliant).toBe(true);
  });

  it('is non-compliant when any item fails', () => {
    const r = evaluateEffluent({
      standard: 'gb18918-1b',
      waterTempC: 20,
      plantBuilt: '2010-01-01',
      values: { cod: 30, bod5: 25 },
    });
    expect(r.compliant).toBe(false);
    expect(r.items.cod!.compliant).toBe(true);
    expect(r.items.bod5).toEqual({ value: 25, limit: 20, compliant: false, exceedance: 0.25 });
  });

  it('evaluateLimit handles upper, lower and range limits', () => {
    expect(evaluateLimit(12, { max: 10 })).toEqual({ compliant: false, exceedance: 0.2 });
    expect(evaluateLimit(4, { min: 5 })).toEqual({ compliant: false, exceedance: null });
    expect(evaluateLimit(5, { min: 5 })).toEqual({ compliant: true, exceedance: null });
    expect(evaluateLimit(10, { min: 6, max: 9 })).toEqual({ compliant: false, exceedance: null });
  });

  it('recognises the built-in ids', () => {
    expect(isBuiltinDischargeStandard('gb18918-1a')).toBe(true);
    expect(isBuiltinDischargeStandard('gb18918-1c')).toBe(false);
  });
});

describe('custom discharge standards (decision 8)', () => {
  const quasiIV: CustomDischargeStandard = {
    name: { zh: '准IV类', en: 'quasi-class IV' },
    base: 'gb18918-1a',
    limits: { COD: 30, bod5: 6, 'NH3-N': { max: 1.5, max_cold: 3 }, w21011: 0.3 },
  };

  it('replaces the listed items and keeps the base for the rest', () => {
    const { limits } = dischargeLimits(quasiIV, { waterTempC: 20, plantBuilt: '2000-01-01' });
    expect(limits.cod).toEqual({ max: 30 });
    expect(limits.bod5).toEqual({ max: 6 });
    expect(limits.nh3n).toEqual({ max: 1.5 });
    expect(limits.tp).toEqual({ max: 0.3 }); // replaces the date rule
    expect(limits.tn).toEqual({ max: 15 }); // from 1A
    expect(limits.ss).toEqual({ max: 10 });
    expect(limits.ph).toEqual({ min: 6, max: 9 });
  });

  it('applies max_cold at ≤ 12 °C and the stricter max with a note when the temperature is unknown', () => {
    expect(dischargeLimits(quasiIV, { waterTempC: 12 }).limits.nh3n).toEqual({ max: 3 });
    expect(dischargeLimits(quasiIV, { waterTempC: 12.5 }).limits.nh3n).toEqual({ max: 1.5 });
    const r = evaluateEffluent({ standard: quasiIV, values: { nh3n: 2 } });
    expect(r.items.nh3n).toEqual({ value: 2, limit: 1.5, compliant: false, exceedance: 0.33 });
    expect(r.notes![0]).toMatch(/^nh3n: 水温未知/);
  });

  it('drops the base note for an item the custom standard replaces with a fixed limit', () => {
    const r = evaluateEffluent({ standard: quasiIV, values: { tp: 0.2 } });
    expect(r).toEqual({ compliant: true, items: { tp: { value: 0.2, limit: 0.3, compliant: true, exceedance: 0 } } });
  });

  it('works without a base (only its own limits)', () => {
    const permit: CustomDischargeStandard = {
      name: { zh: '排污许可', en: 'permit' },
      limits: { cod: 80, ph: { min: 6, max: 9 }, do: { min: 2 } },
    };
    const r = evaluateEffluent({ standard: permit, values: { cod: 90, ph: 7, do: 1.5, nh3n: 30 } });
    expect(r.items.cod).toEqual({ value: 90, limit: 80, compliant: false, exceedance: 0.13 });
    expect(r.items.ph).toEqual({ value: 7, limit: { min: 6, max: 9 }, compliant: true, exceedance: null });
    expect(r.items.do).toEqual({ value: 1.5, limit: { min: 2 }, compliant: false, exceedance: null });
    expect(r.ignored).toEqual(['nh3n']);
  });

  it('supports a cold-only limit', () => {
    const s: CustomDischargeStandard = { name: { zh: 'x', en: 'x' }, limits: { nh3n: { max_cold: 4, min: 0 } } };
    expect(dischargeLimits(s, { waterTempC: 5 }).limits.nh3n).toEqual({ min: 0, max: 4 });
    expect(dischargeLimits(s, { waterTempC: 20 }).limits.nh3n).toEqual({ min: 0 });
    expect(dischargeLimits(s, {}).limits.nh3n).toEqual({ min: 0, max: 4 });
  });

  it('names unknown parameters, and refuses to evaluate with them', () => {
    const bad: CustomDischargeStandard = { name: { zh: 'x', en: 'bad' }, limits: { cod: 30, unobtainium: 1 } };
    expect(unknownLimitParameters(bad)).toEqual(['unobtainium']);
    expect(unknownLimitParameters(quasiIV)).toEqual([]);
    expect(() => dischargeLimits(bad)).toThrow(/unobtainium/);
  });
});
