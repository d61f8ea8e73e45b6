import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DurationError,
  durationSchema,
  formatDuration,
  parseDuration,
  tryParseDuration,
} from '../../src/domain/duration.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 5 * MIN],
    ['30m', 30 * MIN],
    ['4h', 4 * HOUR],
    ['1d', DAY],
    ['2w', 14 * DAY],
    ['1h30m', 90 * MIN],
    ['1h 30m', 90 * MIN],
    ['1d2h3m4s5ms', DAY + 2 * HOUR + 3 * MIN + 4_000 + 5],
    ['1.5h', 90 * MIN],
    ['0.5s', 500],
    [' 4h ', 4 * HOUR],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('tells minutes (m) from milliseconds (ms)', () => {
    expect(parseDuration('1m')).toBe(MIN);
    expect(parseDuration('1ms')).toBe(1);
    expect(parseDuration('1m1ms')).toBe(MIN + 1);
  });

  it.each([
    ['', /empty/],
    ['4', /no unit/],
    ['-4h', /not a duration/],
    ['4x', /not a duration/],
    ['4 hours', /not a duration/],
    ['h4', /not a duration/],
    ['1h1h', /twice/],
    ['1mo', /months and years/],
    ['1M', /months and years/],
    ['2y', /months and years/],
    ['0.0001ms', /whole number of milliseconds/],
    ['4H', /not a duration/],
  ])('refuses %j', (text, reason) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
    expect(() => parseDuration(text)).toThrow(reason);
    expect(tryParseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [5 * MIN, '5m'],
    [4 * HOUR, '4h'],
    [90 * MIN, '1h30m'],
    [DAY, '1d'],
    [8 * DAY + HOUR, '1w1d1h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('refuses negative and fractional milliseconds', () => {
    expect(() => formatDuration(-1)).toThrow(DurationError);
    expect(() => formatDuration(1.5)).toThrow(DurationError);
  });

  it('round-trips: parse(format(ms)) = ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * DAY }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });

  it('format(parse(text)) is a fixed point of the canonical form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.constantFrom('ms', 's', 'm', 'h', 'd', 'w'), (n, unit) => {
        const canonical = formatDuration(parseDuration(`${n}${unit}`));
        expect(formatDuration(parseDuration(canonical))).toBe(canonical);
      }),
    );
  });
});

describe('durationSchema', () => {
  it('turns a duration string into milliseconds', () => {
    expect(durationSchema.parse('4h')).toBe(4 * HOUR);
  });

  it('refuses zero, numbers and nonsense with a readable message', () => {
    expect(durationSchema.safeParse('0m').error?.issues[0]?.message).toMatch(/longer than zero/);
    expect(durationSchema.safeParse(14400).error?.issues[0]?.message).toMatch(/expected a duration string/);
    expect(durationSchema.safeParse('soon').error?.issues[0]?.message).toMatch(/"soon" is not a duration/);
  });
});
