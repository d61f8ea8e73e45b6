/**
 * numberIn reads a CP value's number in place (the hot path, no string per value): the same texts accepted, and
 * exactly Number()'s double, whatever the text — fast-check over decimals, exponents, long digit runs and junk.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDataFlag } from '../../../src/domain/flags.js';
import { isPossible, parameter } from '../../../src/domain/parameters.js';
import { zone } from '../../../src/domain/time-window.js';
import { numberIn } from '../../../src/ingest/hj212/cp-number.js';
import { readMeasurements } from '../../../src/ingest/hj212/measurements.js';

// What a CP number may look like (the accepted grammar, stated independently of the code under test).
const GRAMMAR = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const expected = (text: string): number => (GRAMMAR.test(text) ? Number(text) : NaN);

const EDGES = [
  ...['', '-', '+', '.', '-.', '+.', '.5', '-.5', '+.5', '5.', '-5.', '0', '-0', '+0', '-0.0', '00012.500', '007'],
  ...['NaN', 'Infinity', '-Infinity', ' 1', '1 ', '\t1', '0x10', '0b1', '1_0', '１', '1..2', '--1', '+-1', '1-'],
  ...['1e3', '1E-3', '1e+3', '1e', 'e3', '.e3', '1e999', '-1e999', '1e-999', '9007199254740993', '0.1', '0.3'],
  ...['999999999999999', '9999999999999999', '0.000000000000001', '123456789012345.', '.123456789012345'],
  ...['1234567890123456', '-99999999999999.9', '0.1000000000000000055511151231257827', '4.35', '1.005'],
];
const decimal = fc.stringMatching(/^[+-]?\d{0,18}(\.\d{0,18})?$/);
const text = fc.oneof(
  fc.constantFrom(...EDGES),
  decimal,
  fc.stringMatching(/^[+-]?\d{0,20}(\.\d{0,20})?([eE][+-]?\d{1,3})?$/),
  fc.double().map(String),
  fc.integer().map(String),
  fc.string({ maxLength: 8 }),
);

describe('numberIn', () => {
  it("reads exactly Number()'s double for the texts the grammar accepts, NaN for the rest", () => {
    for (const t of EDGES) expect(numberIn(t, 0, t.length), t).toBe(expected(t));
    fc.assert(
      fc.property(text, (t) => Object.is(numberIn(t, 0, t.length), expected(t))),
      { numRuns: 20_000 },
    );
  });

  it('reads only its range of a longer text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 4 }), text, fc.string({ maxLength: 4 }), (before, t, after) =>
        Object.is(numberIn(before + t + after, before.length, before.length + t.length), expected(t)),
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('readMeasurements reads values and flags as their texts say', () => {
  const cod = parameter('cod'); // w01018, mg/L as sent: no conversion
  const options = {
    stream: 'realtime' as const,
    units: {},
    zone: zone('Asia/Shanghai'),
    now: Date.parse('2026-12-06T12:00:00+08:00'),
    maxFutureSkewMs: 600_000,
  };
  const flag = fc.oneof(
    fc.constantFrom('N', 'n', 'T', 't', 'B', 'Q', '', ' N', 'N ', 'NN', 'ß'),
    fc.string({ maxLength: 3 }),
  );
  it('value: Number(text) or refused; -Flag: the trimmed letter in either case or refused', () => {
    fc.assert(
      fc.property(
        text.filter((t) => !/[,;]/.test(t)),
        flag.filter((f) => !/[,;]/.test(f)),
        (t, f) => {
          const read = readMeasurements(`DataTime=20261206115500;w01018-Rtd=${t},w01018-Flag=${f}`, options);
          if ('reason' in read) throw new Error(read.detail);
          const upper = f.trim().toUpperCase();
          const n = expected(t);
          if (!isDataFlag(upper)) expect(read.problems.map((p) => p.reason)).toEqual(['invalid_flag']);
          else if (Number.isNaN(n)) expect(read.problems.map((p) => p.reason)).toEqual(['invalid_value']);
          else if (!isPossible(cod, n)) expect(read.problems.map((p) => p.reason)).toEqual(['implausible_value']);
          else {
            expect(read.problems).toEqual([]);
            expect(read.values).toHaveLength(1);
            expect(Object.is(read.values[0]!.value, n)).toBe(true);
            expect(read.values[0]!.flag).toBe(upper);
          }
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
