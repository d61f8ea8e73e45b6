/** normaliseUnit remembers what it normalised: the same answers, also once it has met more spellings than it keeps. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseUnit } from '../../src/domain/units.js';

/** The normalisation as specified (µ/μ → u, ³ → 3, ℃ → °c, no spaces, lower case). */
const specified = (unit: string) =>
  unit.trim().replace(/[µμ]/g, 'u').replace(/³/g, '3').replace(/℃/g, '°c').replace(/\s+/g, '').toLowerCase();

describe('normaliseUnit', () => {
  it('spellings loggers use', () => {
    expect(normaliseUnit(' µg/L ')).toBe('ug/l');
    expect(normaliseUnit('μg/L')).toBe('ug/l');
    expect(normaliseUnit('mg/m³')).toBe('mg/m3');
    expect(normaliseUnit('℃')).toBe('°c');
    expect(normaliseUnit('m g / L')).toBe('mg/l');
  });

  it('any text, asked again and after hundreds of others, normalises as specified', () => {
    const units = fc.string({
      unit: fc.constantFrom('m', 'g', 'G', 'L', '/', ' ', 'µ', 'μ', '³', '℃', 'u', '3', '\t'),
    });
    fc.assert(
      fc.property(fc.array(units, { minLength: 1, maxLength: 600 }), (list) => {
        for (const unit of list) expect(normaliseUnit(unit)).toBe(specified(unit));
        for (const unit of list) expect(normaliseUnit(unit)).toBe(specified(unit));
      }),
      { numRuns: 50 },
    );
  });
});
