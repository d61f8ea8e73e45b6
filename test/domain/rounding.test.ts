import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyRounding,
  EVALUATION_DECIMALS_2020,
  HOURLY_DECIMALS_2020,
  mean,
  meanPh,
  roundByDigits,
  roundForEvaluation2020,
  roundHalfEven,
  roundHalfUp,
  roundKeepingOneSignificant,
} from '../../src/domain/rounding.js';

describe('roundHalfEven (四舍六入五成双)', () => {
  it.each([
    [2.675, 2, 2.68], // the decimal 2.675 is an exact half: 7 is odd → up (binary would say 2.67)
    [0.125, 2, 0.12], // half, 2 is even → down
    [0.135, 2, 0.14],
    [9.5, 0, 10],
    [8.5, 0, 8],
    [0.5, 0, 0],
    [1.5, 0, 2],
    [0.6, 0, 1],
    [0.4, 0, 0],
    [0.95, 1, 1],
    [99.95, 1, 100],
    [1.2501, 1, 1.3], // above half → up
    [1.25, 1, 1.2],
    [-2.5, 0, -2],
    [-2.6, 0, -3],
    [1234.5, -1, 1230],
    [123, 2, 123],
    [0.00004, 5, 0.00004],
    [1e-7, 5, 0],
    [0, 3, 0],
  ])('%f to %i places → %f', (x, d, expected) => {
    expect(roundHalfEven(x, d)).toBe(expected);
  });

  it('refuses non-finite values', () => {
    expect(() => roundHalfEven(Number.NaN, 2)).toThrow(RangeError);
    expect(() => roundHalfEven(Infinity, 2)).toThrow(RangeError);
  });
});

describe('roundHalfUp', () => {
  it.each([
    [0.125, 2, 0.13],
    [0.19999999999999996, 2, 0.2],
    [1.005, 2, 1.01],
    [-0.125, 2, -0.13],
    [0.124, 2, 0.12],
  ])('%f to %i places → %f', (x, d, expected) => {
    expect(roundHalfUp(x, d)).toBe(expected);
  });
});

describe('roundKeepingOneSignificant (the 2020 "keep one significant digit" rule)', () => {
  it.each([
    [0.00045, 3, 0.0004],
    [0.00055, 3, 0.001], // not zero: ordinary rounding
    [0.00049, 3, 0.0005],
    [0.0000047, 5, 0.000005],
    [0.0004, 3, 0.0004],
    [0.0012, 3, 0.001],
    [0, 3, 0],
  ])('%f to %i places → %f', (x, d, expected) => {
    expect(roundKeepingOneSignificant(x, d)).toBe(expected);
  });
});

describe('2020 evaluation decimals (standards.md §2)', () => {
  it('lists the decimals for every GB 3838 item plus conductivity and turbidity', () => {
    expect(EVALUATION_DECIMALS_2020).toEqual({
      temp: 1,
      ph: 0,
      do: 1,
      codmn: 1,
      cod: 1,
      bod5: 1,
      nh3n: 2,
      tp: 3,
      tn: 2,
      cu: 3,
      zn: 3,
      f: 3,
      se: 4,
      as: 4,
      hg: 5,
      cd: 5,
      cr6: 3,
      pb: 3,
      cn: 3,
      phenol: 4,
      oil: 2,
      las: 2,
      s2: 3,
      fcoli: 0,
      conductivity: 1,
      turbidity: 1,
    });
    expect(HOURLY_DECIMALS_2020.ph).toBe(2);
    expect(HOURLY_DECIMALS_2020.nh3n).toBe(3);
  });

  it('rounds pH to an integer: 9.4 evaluates as 9', () => {
    expect(roundForEvaluation2020('ph', 9.4)).toBe(9);
    expect(roundForEvaluation2020('ph', 5.5)).toBe(6);
    expect(roundForEvaluation2020('ph', 6.5)).toBe(6);
  });

  it('leaves parameters the rules do not list unchanged', () => {
    expect(roundForEvaluation2020('orp', -123.456)).toBe(-123.456);
  });

  it('applies only in the 2020 mode', () => {
    expect(applyRounding('none', 'nh3n', 1.004)).toBe(1.004);
    expect(applyRounding('2020', 'nh3n', 1.004)).toBe(1);
  });
});

describe('means', () => {
  it('averages pH arithmetically or through hydrogen-ion concentration', () => {
    expect(meanPh([6, 8], 'arithmetic')).toBe(7);
    // mean of 1e-6 and 1e-8 = 5.05e-7 → pH 6.2967
    expect(meanPh([6, 8], 'hydrogen-ion')).toBeCloseTo(6.29671, 4);
    expect(meanPh([7.2], 'hydrogen-ion')).toBeCloseTo(7.2, 12);
  });

  it('refuses an empty list', () => {
    expect(() => mean([])).toThrow(RangeError);
    expect(() => meanPh([], 'arithmetic')).toThrow(RangeError);
  });
});

describe('rounding properties', () => {
  const values = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
  const places = fc.integer({ min: 0, max: 6 });

  it('stays within half a unit of the last place', () => {
    fc.assert(
      fc.property(values, places, (x, d) => {
        const unit = 10 ** -d;
        expect(Math.abs(roundHalfEven(x, d) - x)).toBeLessThanOrEqual(unit / 2 + Math.abs(x) * 1e-12 + 1e-15);
        expect(Math.abs(roundHalfUp(x, d) - x)).toBeLessThanOrEqual(unit / 2 + Math.abs(x) * 1e-12 + 1e-15);
      }),
    );
  });

  // The arithmetic fast path must give the decimal-digit rounding's double, bit for bit, both modes.
  const sameAsDigits = (x: number, d: number) => {
    expect(Object.is(roundHalfEven(x, d), roundByDigits(x, d, true))).toBe(true);
    expect(Object.is(roundHalfUp(x, d), roundByDigits(x, d, false))).toBe(true);
  };

  it('rounds any double as the decimal digits do', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -3, max: 17 }), sameAsDigits),
      { numRuns: 20_000 },
    );
    fc.assert(fc.property(values, places, sameAsDigits), { numRuns: 20_000 });
  });

  it('rounds decimals at, next to and near an exact half as the decimal digits do', () => {
    // k.5 × 10^−d written in decimal (an exact half), a digit past it either way, and its neighbouring doubles.
    const nearHalf = fc
      .tuple(
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        fc.integer({ min: 0, max: 12 }),
        fc.constantFrom('5', '49', '51', '4999999', '5000001', '499999999999', '500000000001'),
        fc.integer({ min: -2, max: 2 }),
      )
      .map(([k, d, tail, ulps]) => {
        const x = Number(`${k < 0 ? '-' : ''}${Math.abs(k)}${'0'.repeat(d)}.${tail}e-${d}`);
        const step = Math.abs(x) * Number.EPSILON;
        return { x: x + ulps * step, d };
      });
    fc.assert(
      fc.property(nearHalf, ({ x, d }) => sameAsDigits(x, d)),
      { numRuns: 20_000 },
    );
    for (const [x, d] of [
      [2.675, 2],
      [1.005, 2],
      [0.125, 2],
      [1.45, 1],
      [-2.5, 0],
      [0.285, 2],
      [1234.5, -1],
      [0.00004, 5],
      [4.35, 1],
    ] as const)
      sameAsDigits(x, d);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(values, places, (x, d) => {
        const once = roundHalfEven(x, d);
        expect(roundHalfEven(once, d)).toBe(once);
      }),
    );
  });

  it('never turns a non-zero value into zero under the keep-one-digit rule', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 100, noNaN: true }), places, (x, d) => {
        expect(roundKeepingOneSignificant(x, d)).toBeGreaterThan(0);
      }),
    );
  });

  it('keeps the hydrogen-ion pH mean between the smallest and largest pH', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 14, noNaN: true }), { minLength: 1, maxLength: 20 }), (phs) => {
        const m = meanPh(phs, 'hydrogen-ion');
        expect(m).toBeGreaterThanOrEqual(Math.min(...phs) - 1e-9);
        expect(m).toBeLessThanOrEqual(Math.max(...phs) + 1e-9);
        // dominated by the most acidic sample: never above the arithmetic mean
        expect(m).toBeLessThanOrEqual(meanPh(phs, 'arithmetic') + 1e-9);
      }),
    );
  });
});
