/** 2062 standard-sample checks (the device state itself: device-state.contract.test.ts). */
import { describe, expect, it } from 'vitest';
import { checkOutcome } from '../../src/ingest/hj212/device-state.js';

describe('2062 standard-sample checks', () => {
  it('pass when every -ResultType is 1, fail naming the pollutants with 0, say nothing without one', () => {
    expect(
      checkOutcome({ 'w21003-SampleRd': '1.02', 'w21003-StandardValue': '1.00', 'w21003-ResultType': '1' }),
    ).toEqual({ passed: true, failed: [] });
    expect(checkOutcome({ 'w21003-ResultType': '1', 'w21011/ResultType': '0' })).toEqual({
      passed: false,
      failed: ['w21011'],
    });
    expect(checkOutcome({ 'SB1-RS': '1' })).toEqual({ passed: null, failed: [] });
  });
});
