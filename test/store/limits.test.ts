import { describe, expect, it } from 'vitest';
import { capDeadLetter, pageSize, truncateUtf8 } from '../../src/store/limits.js';

describe('store limits', () => {
  it('truncates UTF-8 without splitting a character', () => {
    expect(truncateUtf8('abc', 10)).toBe('abc');
    expect(truncateUtf8('氨氮超标', 7)).toBe('氨氮'); // 3 bytes each
    expect(truncateUtf8('a😀b', 4)).toBe('a'); // the emoji is 4 bytes
    expect(truncateUtf8('a😀b', 5)).toBe('a😀');
    expect(truncateUtf8('', 0)).toBe('');
  });

  it('clamps page sizes', () => {
    expect(pageSize(undefined, 100, 1000)).toBe(100);
    expect(pageSize(0, 100, 1000)).toBe(1);
    expect(pageSize(5.7, 100, 1000)).toBe(5);
    expect(pageSize(1e9, 100, 1000)).toBe(1000);
    expect(pageSize(Number.NaN, 100, 1000)).toBe(100);
  });

  it('caps dead-letter fields', () => {
    const capped = capDeadLetter({
      receivedAt: 1.9,
      stationId: 's'.repeat(5000),
      topic: 't',
      reason: 'r',
      detail: 'd',
      payload: 'p'.repeat(40_000),
    });
    expect(capped.receivedAt).toBe(1);
    expect(capped.stationId).toHaveLength(2048);
    expect(capped.payload).toHaveLength(32 * 1024);
  });
});
