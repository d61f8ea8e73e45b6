import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBoundedMemo } from '../../src/ingest/bounded-memo.js';

describe('bounded memo', () => {
  it('remembers short keys until its byte budget is spent, then nothing more (no eviction)', () => {
    const memo = createBoundedMemo<number>({ maxBytes: 1000, maxKeyLength: 10 });
    memo.remember('a', 1);
    memo.remember('b'.repeat(11), 2); // too long: never remembered
    expect([memo.get('a'), memo.get('b'.repeat(11)), memo.size]).toEqual([1, undefined, 1]);
    for (let i = 0; i < 100; i++) memo.remember(`k${i}`, i);
    expect(memo.bytes).toBeLessThanOrEqual(1000);
    expect(memo.get('a')).toBe(1); // the first comers stay
    expect(memo.get('k99')).toBeUndefined();
  });

  it('never exceeds its budget, whatever keys come (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 500 }),
        fc.integer({ min: 0, max: 5000 }),
        (keys, maxBytes) => {
          const memo = createBoundedMemo<string>({ maxBytes, maxKeyLength: 20 });
          for (const k of keys) memo.remember(k, k);
          expect(memo.bytes).toBeLessThanOrEqual(maxBytes);
          for (const k of keys) if (memo.get(k) !== undefined) expect(memo.get(k)).toBe(k);
        },
      ),
    );
  });
});
