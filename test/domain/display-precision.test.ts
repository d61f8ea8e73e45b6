/** Answers show values at the parameter's display precision; the stores and the judgement keep full precision. */
import { describe, expect, it } from 'vitest';
import {
  displayExceedance,
  displayShare,
  displayValue,
  displayValueOrNull,
} from '../../src/domain/display-precision.js';
import { findingJson } from '../../src/api/routes/alert-schemas.js';
import type { Finding } from '../../src/alerts/types.js';

describe('display precision', () => {
  it('rounds to the parameter decimals, half to even on the decimal digits (GB/T 8170)', () => {
    expect(displayValue('cod', 64.39999999999999)).toBe(64.4);
    expect(displayValue('nh3n', 0.125)).toBe(0.12);
    expect(displayValue('nh3n', 0.135)).toBe(0.14);
    expect(displayValue('tp', 0.1235)).toBe(0.124);
    expect(displayValue('tp', 0.1)).toBe(0.1);
    expect(displayValue('ph', 7.125000000000001)).toBe(7.13);
    expect(displayValue('fcoli', 2350.5)).toBe(2350);
    expect(displayValue('hg', 0.0000449)).toBe(0.00004);
    expect(displayValueOrNull('do', null)).toBeNull();
    // Idempotent: what is shown rounds to itself.
    for (const v of [64.4, 0.12, 1.16, 7.13]) expect(displayValue('ph', v)).toBe(v);
  });

  it('exceedance multiples to two decimals half up; shares to four decimals', () => {
    expect(displayExceedance(0.28799999999999987)).toBe(0.29);
    expect(displayExceedance(0.125)).toBe(0.13);
    expect(displayExceedance(null)).toBeNull();
    expect(displayShare(0.8333333333333334)).toBe(0.8333);
    expect(displayShare(null)).toBeNull();
  });

  it('the alert JSON shows rounded values while the finding keeps them as judged', () => {
    const finding: Finding = {
      rule: 'effluent_hourly',
      stationId: 'wwtp1-effluent',
      severity: 'warning',
      windowStart: Date.parse('2026-11-28T00:00:00Z'),
      windowEnd: Date.parse('2026-11-28T01:00:00Z'),
      items: [
        { parameter: 'cod', value: 64.39999999999999, limit: 50, direction: 'max', exceedance: 0.28799999999999987 },
      ],
      primaryPollutants: [{ parameter: 'cod', exceedance: 0.28799999999999987 }],
    };
    const json = findingJson(finding, 'Asia/Shanghai');
    expect(json.items[0]).toMatchObject({ value: 64.4, limit: 50, exceedance: 0.29 });
    expect(json.primary_pollutants).toEqual([{ parameter: 'cod', exceedance: 0.29 }]);
    expect(finding.items[0]!.value).toBe(64.39999999999999);
  });
});
