/** Property-based checks of the standards engine (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateEffluent } from '../../src/domain/gb18918.js';
import {
  classLimits,
  classRank,
  exceedanceMultiple,
  GB3838_TABLE1,
  itemClass,
  itemExceedance,
  WATER_CLASSES,
  type WaterbodyType,
} from '../../src/domain/gb3838.js';
import { evaluateSection } from '../../src/domain/gb3838-section.js';
import type { ParameterCode } from '../../src/domain/parameters.js';

const classed = GB3838_TABLE1.filter((i) => i.rule !== 'none');
const maxItems = GB3838_TABLE1.filter((i) => i.rule === 'max');

/** A realistic value for an item: spans its class limits, sometimes far beyond. */
function valueFor(code: ParameterCode): fc.Arbitrary<number> {
  if (code === 'ph') return fc.double({ min: 0, max: 14, noNaN: true });
  if (code === 'do') return fc.double({ min: 0, max: 20, noNaN: true });
  if (code === 'temp') return fc.double({ min: -2, max: 40, noNaN: true });
  const v = (classLimits(code, 'river') ?? classLimits(code, 'lake'))![4];
  return fc.oneof(
    fc.double({ min: 0, max: v * 1.5, noNaN: true }),
    fc.constantFrom(...(classLimits(code, 'river') ?? classLimits(code, 'lake'))!),
  );
}

const waterbody = fc.constantFrom<WaterbodyType>('river', 'lake');
const valuesArb: fc.Arbitrary<Partial<Record<ParameterCode, number>>> = fc.record(
  Object.fromEntries(GB3838_TABLE1.map((i) => [i.code, valueFor(i.code)])) as Record<
    ParameterCode,
    fc.Arbitrary<number>
  >,
  { requiredKeys: [] },
);

describe('GB 3838 section properties', () => {
  it('the section class is never better than any evaluated item, and equals the worst one', () => {
    fc.assert(
      fc.property(valuesArb, waterbody, (values, wb) => {
        const r = evaluateSection({ values, waterbody: wb });
        const evaluated = Object.entries(r.items).filter(([, it]) => !it!.reference && it!.class !== null);
        if (evaluated.length === 0) {
          expect(r.class).toBeNull();
          return;
        }
        const worst = Math.max(...evaluated.map(([, it]) => classRank(it!.class!)));
        expect(classRank(r.class!)).toBe(worst);
        for (const [, it] of evaluated) expect(classRank(r.class!)).toBeGreaterThanOrEqual(classRank(it!.class!));
      }),
    );
  });

  it('adding an item never improves the class', () => {
    fc.assert(
      fc.property(
        valuesArb,
        fc.constantFrom(...GB3838_TABLE1.map((i) => i.code)),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        waterbody,
        (values, code, v, wb) => {
          if (values[code] !== undefined) return;
          const before = evaluateSection({ values, waterbody: wb }).class;
          const after = evaluateSection({
            values: { ...values, [code]: code === 'ph' ? v % 14 : v },
            waterbody: wb,
          }).class;
          if (before === null) return;
          expect(after).not.toBeNull();
          expect(classRank(after!)).toBeGreaterThanOrEqual(classRank(before));
        },
      ),
    );
  });

  it('reference items never change the class', () => {
    fc.assert(
      fc.property(valuesArb, waterbody, (values, wb) => {
        const { temp: _t, tn: _n, fcoli: _f, ...evaluatedOnly } = values;
        expect(evaluateSection({ values, waterbody: wb }).class).toBe(
          evaluateSection({ values: evaluatedOnly, waterbody: wb }).class,
        );
      }),
    );
  });

  it('compliant iff the class is at or better than the target', () => {
    fc.assert(
      fc.property(valuesArb, waterbody, fc.constantFrom(...WATER_CLASSES), (values, wb, target) => {
        const r = evaluateSection({ values, waterbody: wb, target });
        if (r.class === null) expect(r.compliant).toBeNull();
        else expect(r.compliant).toBe(classRank(r.class) <= classRank(target));
      }),
    );
  });

  it('primary pollutants: at most three evaluated items worse than III, none for I–III, toxic ones first', () => {
    fc.assert(
      fc.property(valuesArb, waterbody, (values, wb) => {
        const r = evaluateSection({ values, waterbody: wb });
        expect(r.primary_pollutants.length).toBeLessThanOrEqual(3);
        if (r.class === null || classRank(r.class) <= 3) expect(r.primary_pollutants).toEqual([]);
        else expect(r.primary_pollutants.length).toBeGreaterThan(0);
        const toxic = r.primary_pollutants.map((c) => GB3838_TABLE1.find((i) => i.code === c)!.toxic);
        expect(toxic).toEqual([...toxic].sort((a, b) => Number(b) - Number(a)));
        for (const code of r.primary_pollutants) {
          const it = r.items[code]!;
          expect(it.reference).toBeUndefined();
          expect(classRank(it.class!)).toBeGreaterThan(3);
        }
      }),
    );
  });

  it('the item class is monotone: worse as ≤ items rise, better as DO rises', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...classed),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        (item, a, b) => {
          if (item.rule === 'range') return;
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const cLo = itemClass(item.code, lo, 'river');
          const cHi = itemClass(item.code, hi, 'river');
          if (cLo === null || cHi === null) return;
          if (item.rule === 'max') expect(classRank(cHi)).toBeGreaterThanOrEqual(classRank(cLo));
          else expect(classRank(cHi)).toBeLessThanOrEqual(classRank(cLo));
        },
      ),
    );
  });
});

describe('exceedance properties (≤ items)', () => {
  it('raw multiple ≥ 0 iff value ≥ limit; reported multiple > 0 iff value > the class III limit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...maxItems),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        waterbody,
        (item, value, wb) => {
          const limits = classLimits(item.code, wb);
          if (!limits) {
            expect(itemExceedance(item.code, value, wb)).toBeNull();
            return;
          }
          const limit = limits[2];
          expect(exceedanceMultiple(value, limit) >= 0).toBe(value >= limit);
          const reported = itemExceedance(item.code, value, wb)!;
          expect(reported).toBeGreaterThanOrEqual(0);
          expect(reported > 0).toBe(value > limit);
          // rounding to 2 decimals stays close to the raw multiple
          if (value > limit) expect(Math.abs(reported - exceedanceMultiple(value, limit))).toBeLessThanOrEqual(0.01);
        },
      ),
    );
  });

  it('an item meeting class III has exceedance 0, an item worse than III a positive one', () => {
    fc.assert(
      fc.property(fc.constantFrom(...maxItems), fc.double({ min: 0, max: 1e5, noNaN: true }), (item, value) => {
        const cls = itemClass(item.code, value, 'lake');
        const ex = itemExceedance(item.code, value, 'lake');
        if (cls === null || ex === null) return;
        expect(ex > 0).toBe(classRank(cls) > 3);
      }),
    );
  });
});

describe('GB 18918 properties', () => {
  const std = fc.constantFrom('gb18918-1a', 'gb18918-1b', 'gb18918-2', 'gb18918-3' as const);
  const effluent = fc.record(
    {
      cod: fc.double({ min: 0, max: 300, noNaN: true }),
      bod5: fc.double({ min: 0, max: 100, noNaN: true }),
      ss: fc.double({ min: 0, max: 100, noNaN: true }),
      nh3n: fc.double({ min: 0, max: 50, noNaN: true }),
      tp: fc.double({ min: 0, max: 10, noNaN: true }),
      tn: fc.double({ min: 0, max: 40, noNaN: true }),
      ph: fc.double({ min: 0, max: 14, noNaN: true }),
    },
    { requiredKeys: [] },
  );

  it('compliant iff every judged item complies; exceedance > 0 iff over an upper limit', () => {
    fc.assert(
      fc.property(
        std,
        effluent,
        fc.option(fc.double({ min: -5, max: 40, noNaN: true }), { nil: undefined }),
        (standard, values, waterTempC) => {
          const r = evaluateEffluent({
            standard: standard as 'gb18918-1a',
            values,
            ...(waterTempC !== undefined ? { waterTempC } : {}),
          });
          const items = Object.values(r.items);
          expect(r.compliant).toBe(items.length === 0 ? null : items.every((i) => i!.compliant));
          for (const it of items) {
            if (typeof it!.limit === 'number') {
              expect(it!.compliant).toBe(it!.value <= it!.limit);
              expect(it!.exceedance! > 0).toBe(it!.value > it!.limit);
            } else {
              expect(it!.exceedance).toBeNull();
            }
          }
        },
      ),
    );
  });

  it('a colder effluent never gets a stricter NH3-N limit', () => {
    fc.assert(
      fc.property(
        std,
        fc.double({ min: -5, max: 40, noNaN: true }),
        fc.double({ min: -5, max: 40, noNaN: true }),
        (standard, a, b) => {
          const [cold, warm] = a <= b ? [a, b] : [b, a];
          const limitAt = (t: number) =>
            evaluateEffluent({ standard: standard as 'gb18918-1a', waterTempC: t, values: { nh3n: 1 } }).items.nh3n
              ?.limit as number | undefined;
          if (limitAt(cold) === undefined) return;
          expect(limitAt(cold)!).toBeGreaterThanOrEqual(limitAt(warm)!);
        },
      ),
    );
  });
});
