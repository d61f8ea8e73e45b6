/** `evaluateItem`/`evaluateBatch`: a batch answered item by item (issue 11), each item within limits (issue 12). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  API_EVALUATION_LIMITS,
  evaluate,
  evaluateBatch,
  evaluateItem,
  EvaluationInputError,
  type EvaluationLimits,
} from '../../src/domain/evaluate.js';
import { limitIssue } from '../../src/domain/evaluation-input.js';
import { PARAMETERS } from '../../src/domain/parameters.js';

const ok = { standard: 'gb3838', readings: { nh3n: 0.3 } };
const bad = { standard: 'gb3838', readings: { nh3n: -1, foo: 2 } };

describe('evaluateBatch', () => {
  it('answers each item: verdicts in input order, null for invalid items, their issues with the index in the path', () => {
    const batch = evaluateBatch([ok, bad, { standard: 'gb18918-1a', readings: { cod: 60 } }, 42]);
    expect(batch.results.map((r) => (r === null ? null : r.standard))).toEqual(['gb3838', null, 'gb18918-1a', null]);
    expect([batch.evaluated, batch.invalid]).toEqual([2, 2]);
    expect(batch.issues.map((i) => i.path)).toEqual(['[1].readings.nh3n', '[1].readings.foo', '[3]']);
  });

  it('evaluates 37,000 national readings with DO up to 29.95 mg/L, which refused the whole batch before', () => {
    const items = Array.from({ length: 37_000 }, (_, i) => ({
      standard: 'gb3838',
      readings: { DO: i % 1000 === 0 ? 29.95 : 8.1, pH: 7.6, 'NH3-N': 0.1 },
    }));
    const batch = evaluateBatch(items);
    expect([batch.evaluated, batch.invalid]).toEqual([37_000, 0]);
    expect(batch.results[0]).toMatchObject({ class: 'I', items: { do: { value: 29.95 } } });
  });

  it('is what evaluate() returns for a valid batch, and evaluate() still throws for an invalid one', () => {
    expect(evaluate([ok, ok])).toEqual(evaluateBatch([ok, ok]).results);
    expect(() => evaluate([ok, bad])).toThrow(EvaluationInputError);
  });

  it('per item, the same verdict as evaluating the item alone (property)', () => {
    const reading = fc.oneof(fc.double({ min: -1, max: 30, noNaN: true }), fc.constant(null), fc.constant('x'));
    const item = fc.record({
      standard: fc.constantFrom('gb3838', 'gb18918-1a', 'black-odorous', 'nope'),
      readings: fc.dictionary(fc.constantFrom('nh3n', 'do', 'ph', 'tp', 'cod', 'foo', 'transparency'), reading),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), (items) => {
        const batch = evaluateBatch(items);
        items.forEach((one, i) => {
          const alone = evaluateItem(one);
          expect(batch.results[i]).toEqual(alone.result ?? null);
        });
        expect(batch.evaluated + batch.invalid).toBe(items.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('limits on one item', () => {
  const L: EvaluationLimits = API_EVALUATION_LIMITS;

  it('pass every valid input shape, the deepest included', () => {
    const readings = Object.fromEntries(PARAMETERS.map((p) => [p.code, { value: 1, unit: p.unit }]));
    for (const input of [
      { standard: 'gb3838', waterbody: 'lake', target: 'II', rounding: '2020', readings },
      { standard: 'gb3838', sections: Array.from({ length: L.maxEntries }, (_, i) => ({ id: `s${i}`, readings })) },
      { standard: 'black-odorous', points: [{ samples: [{ readings: { do: { value: 1, unit: 'mg/L' } } }] }] },
      {
        standard: 'custom',
        definition: {
          name: { zh: '准IV类', en: 'quasi IV' },
          base: 'gb18918-1a',
          limits: { nh3n: { max: 1.5, max_cold: 3 } },
        },
        readings,
      },
    ])
      expect(limitIssue(input, '', L)).toBeUndefined();
  });

  it('name where an item is too large: keys, entries, key length, depth', () => {
    const keys = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 1]));
    expect(limitIssue({ standard: 'gb3838', readings: keys }, '[2]', L)).toEqual({
      path: '[2].readings',
      message: '对象有 65 个键，最多 64 个 / 65 keys, at most 64',
    });
    expect(limitIssue({ sections: Array.from({ length: 1001 }, () => ({})) }, '', L)?.path).toBe('sections');
    expect(limitIssue({ readings: { ['x'.repeat(129)]: 1 } }, '', L)?.message).toMatch(/a key of 129 characters/);
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    const issue = limitIssue({ standard: 'gb3838', readings: { nh3n: deep } }, '', L);
    expect(issue).toEqual({
      path: 'readings.nh3n[0][0][0][0][0][0][0][0]',
      message: '嵌套超过 10 层 / nested deeper than 10 levels',
    });
  });

  it('a value nested 50,000 levels deep costs one issue, not a stack overflow', () => {
    let deep: unknown = 0.3;
    for (let i = 0; i < 50_000; i++) deep = { value: deep };
    const outcome = evaluateItem({ standard: 'gb3838', readings: { nh3n: deep } }, '', L);
    expect(outcome.issues).toHaveLength(1);
  });

  it('keeps the cost of an oversized item independent of its size (one issue, found early)', () => {
    const big = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i]));
    // CPU time, not wall time: the bound is about the work done, whatever else the machine is running.
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < 10; i++)
      expect(evaluateItem({ standard: 'gb3838', readings: big }, '', L).issues).toHaveLength(1);
    // Object.keys of the big object dominates: no issue per key, no message per key.
    const used = process.cpuUsage(cpu0);
    expect((used.user + used.system) / 1000).toBeLessThan(5_000);
  });
});
