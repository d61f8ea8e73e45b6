import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketsBetween,
  bucketStart,
  isWindowSpec,
  localTimeToUtc,
  nextBucketStart,
  nominalWindowMs,
  offsetSegments,
  parseWindow,
  TimeWindowError,
  toLocalTime,
  utcOffset,
  zone,
  type TimeWindow,
} from '../../src/domain/time-window.js';

const H = 3_600_000;
const D = 24 * H;
const SH = 'Asia/Shanghai';
const BERLIN = 'Europe/Berlin';

/** Instant of a Shanghai wall-clock time (UTC+8 all year since 1991). */
const sh = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h - 8, mi);
const w = (spec: string) => parseWindow(spec);

describe('parseWindow', () => {
  it.each([
    ['1m', 'minute', 1, '1m'],
    ['5m', 'minute', 5, '5m'],
    ['15m', 'minute', 15, '15m'],
    ['30min', 'minute', 30, '30m'],
    ['90m', 'minute', 90, '90m'],
    ['60m', 'hour', 1, '1h'],
    ['120m', 'hour', 2, '2h'],
    ['1h', 'hour', 1, '1h'],
    ['4h', 'hour', 4, '4h'],
    ['12h', 'hour', 12, '12h'],
    ['1d', 'day', 1, '1d'],
    ['7d', 'day', 7, '7d'],
    ['31d', 'day', 31, '31d'],
    ['1w', 'day', 7, '7d'],
    ['1mo', 'month', 1, '1mo'],
    [' 4h ', 'hour', 4, '4h'],
    ['04h', 'hour', 4, '4h'],
  ] as const)('%s → %s × %i (%s)', (spec, unit, size, canonical) => {
    expect(parseWindow(spec)).toEqual({ spec: canonical, unit, size });
    expect(isWindowSpec(spec)).toBe(true);
  });

  it.each([
    '',
    '0m',
    '7m',
    '5h',
    '24h',
    '1440m',
    '32d',
    '5w',
    '2mo',
    '1y',
    '1M',
    '1H',
    '1.5h',
    '-1h',
    'h',
    '1 h',
    'raw',
    '1s',
  ])('rejects %j with a reason in English and Chinese', (spec) => {
    expect(isWindowSpec(spec)).toBe(false);
    try {
      parseWindow(spec);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TimeWindowError);
      const e = err as TimeWindowError;
      expect(e.code).toBe('invalid_window');
      expect(e.message).toContain(`"${spec}"`);
      expect(e.message).toMatch(/1mo/);
      expect(e.messageZh).toMatch(/不支持的时间窗口/);
    }
  });

  it('explains why 24h and 7m are refused', () => {
    expect(() => parseWindow('24h')).toThrow(/write 1d/);
    expect(() => parseWindow('7m')).toThrow(/do not divide a day/);
  });

  it('gives nominal lengths for sizing', () => {
    expect(nominalWindowMs(w('5m'))).toBe(300_000);
    expect(nominalWindowMs(w('4h'))).toBe(4 * H);
    expect(nominalWindowMs(w('7d'))).toBe(7 * D);
    expect(nominalWindowMs(w('1mo'))).toBe(30 * D);
  });
});

describe('zones and offsets', () => {
  it('reads offsets, including DST and historical second-level offsets', () => {
    expect(utcOffset(sh(2026, 11, 28), SH)).toBe(8 * H);
    expect(utcOffset(Date.UTC(2026, 0, 15), BERLIN)).toBe(1 * H);
    expect(utcOffset(Date.UTC(2026, 6, 15), BERLIN)).toBe(2 * H);
    expect(utcOffset(Date.UTC(2026, 0, 15), 'Asia/Kolkata')).toBe(5.5 * H);
    expect(utcOffset(Date.UTC(2026, 0, 15), 'America/St_Johns')).toBe(-3.5 * H);
    expect(utcOffset(Date.UTC(1900, 0, 1), SH)).toBe(8 * H + 5 * 60_000 + 43_000); // local mean time
    expect(utcOffset(0, 'UTC')).toBe(0);
  });

  it('refuses unknown zones with a clear message', () => {
    expect(() => zone('Mars/Olympus')).toThrow(TimeWindowError);
    expect(() => zone('Mars/Olympus')).toThrow(/IANA/);
    expect(() => bucketStart(0, w('1d'), 'Nowhere/Else')).toThrow(/Unknown time zone/);
  });

  it('splits a year of Europe/Berlin at its two transitions, to the millisecond', () => {
    expect(offsetSegments(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1), BERLIN)).toEqual([
      { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 2, 29, 1), offset: 1 * H },
      { from: Date.UTC(2026, 2, 29, 1), to: Date.UTC(2026, 9, 25, 1), offset: 2 * H },
      { from: Date.UTC(2026, 9, 25, 1), to: Date.UTC(2027, 0, 1), offset: 1 * H },
    ]);
    expect(offsetSegments(sh(2026, 1, 1), sh(2027, 1, 1), SH)).toEqual([
      { from: sh(2026, 1, 1), to: sh(2027, 1, 1), offset: 8 * H },
    ]);
    expect(offsetSegments(5, 5, SH)).toEqual([]);
  });

  it('converts local wall time to UTC, with gaps and repeated hours', () => {
    expect(localTimeToUtc({ year: 2026, month: 11, day: 28 }, SH)).toBe(sh(2026, 11, 28));
    expect(localTimeToUtc({ year: 2026, month: 11, day: 28, hour: 8, minute: 30 }, SH)).toBe(
      Date.UTC(2026, 10, 28, 0, 30),
    );
    // 02:30 does not exist on 2026-03-29 in Berlin: the clock jumped from 02:00 to 03:00 at 01:00 UTC.
    expect(localTimeToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, BERLIN)).toBe(
      Date.UTC(2026, 2, 29, 1),
    );
    // 02:30 happens twice on 2026-10-25: the earlier one (CEST) is chosen.
    expect(localTimeToUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, BERLIN)).toBe(
      Date.UTC(2026, 9, 25, 0, 30),
    );
    expect(toLocalTime(Date.UTC(2026, 9, 25, 1, 30), BERLIN)).toEqual({
      year: 2026,
      month: 10,
      day: 25,
      hour: 2,
      minute: 30,
      second: 0,
      millisecond: 0,
    });
  });
});

describe('Asia/Shanghai alignment (hand-computed)', () => {
  it('puts 23:59 and 00:01 local in different days, aligned to local midnight', () => {
    expect(bucketStart(sh(2026, 11, 27, 23, 59), w('1d'), SH)).toBe(sh(2026, 11, 27));
    expect(bucketStart(sh(2026, 11, 28, 0, 1), w('1d'), SH)).toBe(sh(2026, 11, 28));
    expect(sh(2026, 11, 28)).toBe(Date.UTC(2026, 10, 27, 16));
    expect(bucketStart(sh(2026, 11, 28), w('1d'), SH)).toBe(sh(2026, 11, 28));
    expect(bucketStart(sh(2026, 11, 28) - 1, w('1d'), SH)).toBe(sh(2026, 11, 27));
    expect(nextBucketStart(sh(2026, 11, 27, 23, 59), w('1d'), SH)).toBe(sh(2026, 11, 28));
  });

  it('aligns sub-day windows to local multiples (4 h: 00, 04, 08 … local)', () => {
    expect(bucketStart(sh(2026, 11, 28, 5, 30), w('4h'), SH)).toBe(sh(2026, 11, 28, 4));
    expect(bucketStart(sh(2026, 11, 28, 3, 59), w('4h'), SH)).toBe(sh(2026, 11, 28, 0));
    expect(bucketStart(sh(2026, 11, 28, 23, 0), w('4h'), SH)).toBe(sh(2026, 11, 28, 20));
    expect(bucketStart(sh(2026, 11, 28, 13, 7), w('15m'), SH)).toBe(sh(2026, 11, 28, 13, 0));
    expect(bucketStart(sh(2026, 11, 28, 13, 17), w('5m'), SH)).toBe(sh(2026, 11, 28, 13, 15));
    expect(bucketStart(sh(2026, 11, 28, 13, 17) + 59_999, w('1m'), SH)).toBe(sh(2026, 11, 28, 13, 17));
    expect(bucketStart(sh(2026, 11, 28, 2, 59), w('90m'), SH)).toBe(sh(2026, 11, 28, 1, 30));
    expect(bucketsBetween(sh(2026, 11, 28), sh(2026, 11, 29), w('4h'), SH)).toEqual(
      [0, 4, 8, 12, 16, 20].map((h) => sh(2026, 11, 28, h)),
    );
  });

  it('aligns months to local midnight on the first', () => {
    expect(bucketStart(sh(2026, 3, 1, 0, 30), w('1mo'), SH)).toBe(sh(2026, 3, 1));
    expect(bucketStart(sh(2026, 2, 28, 23, 59), w('1mo'), SH)).toBe(sh(2026, 2, 1));
    expect(nextBucketStart(sh(2026, 12, 31, 23, 59), w('1mo'), SH)).toBe(sh(2027, 1, 1));
    expect(bucketsBetween(sh(2028, 1, 15), sh(2028, 4, 1), w('1mo'), SH)).toEqual([
      sh(2028, 1, 1),
      sh(2028, 2, 1),
      sh(2028, 3, 1),
    ]);
    const feb = bucketsBetween(sh(2028, 2, 1), sh(2028, 3, 1), w('1d'), SH);
    expect(feb).toHaveLength(29); // leap year
  });

  it('counts 720 hourly and 30 daily buckets in November, 2160 hourly in 90 days', () => {
    expect(bucketsBetween(sh(2026, 11, 1), sh(2026, 12, 1), w('1h'), SH)).toHaveLength(720);
    expect(bucketsBetween(sh(2026, 11, 1), sh(2026, 12, 1), w('1d'), SH)).toHaveLength(30);
    expect(bucketsBetween(sh(2026, 1, 1), sh(2026, 1, 1) + 90 * D, w('1h'), SH)).toHaveLength(2160);
  });

  it('starts weeks on Monday and multi-day windows on a fixed grid', () => {
    // 2026-11-28 is a Saturday; its week began on Monday 2026-11-23.
    expect(bucketStart(sh(2026, 11, 28, 12), w('1w'), SH)).toBe(sh(2026, 11, 23));
    expect(nextBucketStart(sh(2026, 11, 28, 12), w('7d'), SH)).toBe(sh(2026, 11, 30));
    const twoDays = bucketsBetween(sh(2026, 11, 1), sh(2026, 11, 8), w('2d'), SH);
    expect(twoDays.slice(1).map((t, i) => t - twoDays[i]!)).toEqual([2 * D, 2 * D, 2 * D]);
  });

  it('includes a bucket that starts before `from` and excludes one that starts at `to`', () => {
    expect(bucketsBetween(sh(2026, 11, 28, 10, 30), sh(2026, 11, 28, 12), w('1h'), SH)).toEqual([
      sh(2026, 11, 28, 10),
      sh(2026, 11, 28, 11),
    ]);
    expect(bucketsBetween(sh(2026, 11, 28, 12), sh(2026, 11, 28, 12), w('1h'), SH)).toEqual([]);
  });
});

describe('Europe/Berlin daylight saving time (hand-computed)', () => {
  const utc = (mo: number, d: number, h: number, mi = 0) => Date.UTC(2026, mo - 1, d, h, mi);

  it('makes the spring-forward day 23 h and the fall-back day 25 h long', () => {
    expect(bucketStart(utc(3, 29, 12), w('1d'), BERLIN)).toBe(utc(3, 28, 23));
    expect(nextBucketStart(utc(3, 29, 12), w('1d'), BERLIN)).toBe(utc(3, 29, 22));
    expect(bucketStart(utc(10, 25, 12), w('1d'), BERLIN)).toBe(utc(10, 24, 22));
    expect(nextBucketStart(utc(10, 25, 12), w('1d'), BERLIN)).toBe(utc(10, 25, 23));
  });

  it('has 23 hourly buckets on 29 March and 25 on 25 October, two of them labelled 02:00', () => {
    expect(bucketsBetween(utc(3, 28, 23), utc(3, 29, 22), w('1h'), BERLIN)).toHaveLength(23);
    const fall = bucketsBetween(utc(10, 24, 22), utc(10, 25, 23), w('1h'), BERLIN);
    expect(fall).toHaveLength(25);
    expect(fall.filter((t) => toLocalTime(t, BERLIN).hour === 2)).toEqual([utc(10, 25, 0), utc(10, 25, 1)]);
  });

  it('keeps 4 h windows on local 00/04/08: the night bucket is 3 h in spring and 5 h in autumn', () => {
    expect(bucketsBetween(utc(3, 28, 23), utc(3, 29, 10), w('4h'), BERLIN)).toEqual([
      utc(3, 28, 23),
      utc(3, 29, 2),
      utc(3, 29, 6),
    ]);
    expect(bucketsBetween(utc(10, 24, 22), utc(10, 25, 11), w('4h'), BERLIN)).toEqual([
      utc(10, 24, 22),
      utc(10, 25, 3),
      utc(10, 25, 7),
    ]);
  });

  it('starts a 2 h bucket at the jump when the clock skips 02:00', () => {
    // 00:00 CET = 23:00Z; at 01:00Z the clock jumps from 02:00 to 03:00, into the 02:00–04:00 bucket.
    expect(bucketsBetween(utc(3, 28, 23), utc(3, 29, 4), w('2h'), BERLIN)).toEqual([
      utc(3, 28, 23),
      utc(3, 29, 1),
      utc(3, 29, 2),
    ]);
    expect(bucketStart(utc(3, 29, 1, 30), w('2h'), BERLIN)).toBe(utc(3, 29, 1));
  });

  it('aligns months across both transitions', () => {
    expect(bucketsBetween(utc(3, 15, 0), utc(11, 1, 0), w('1mo'), BERLIN)).toEqual([
      utc(2, 28, 23),
      utc(3, 31, 22),
      utc(4, 30, 22),
      utc(5, 31, 22),
      utc(6, 30, 22),
      utc(7, 31, 22),
      utc(8, 31, 22),
      utc(9, 30, 22),
      utc(10, 31, 23),
    ]);
  });
});

// ---- Property tests against an independent oracle -------------------------------------------------------

/** Wall-clock ms of `t` from Intl's calendar fields (not the offset parser the module uses). */
function oracleWall(timeZone: string): (t: number) => number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (t) => {
    const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) + (((t % 1000) + 1000) % 1000);
  };
}

const ANCHOR = 4 * D;
const MIN = 60_000;

/** Scans back minute by minute for the first instant where the local clock reads a multiple or jumps into a new bucket. */
function oracleFixedStart(ts: number, sizeMs: number, wall: (t: number) => number): number {
  const index = (t: number) => Math.floor((wall(t) - ANCHOR) / sizeMs);
  for (let t = Math.floor(ts / MIN) * MIN; ; t -= MIN) {
    const here = wall(t);
    if ((((here - ANCHOR) % sizeMs) + sizeMs) % sizeMs === 0 || index(t) !== index(t - 1)) return t;
  }
}

const ZONES = [
  'Asia/Shanghai',
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata', // +05:30
  'Australia/Lord_Howe', // 30-minute DST
  'America/Santiago', // DST changes at local midnight
  'Pacific/Chatham', // +12:45 / +13:45
  'America/St_Johns', // −03:30 / −02:30
] as const;
const SUB_DAY = ['1m', '5m', '15m', '30m', '1h', '2h', '3h', '4h', '6h', '12h'];
const ts2000to2040 = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) });

/** Instants near DST transitions, where alignment goes wrong if anywhere. */
function nearTransitions(timeZone: string): number[] {
  const out: number[] = [];
  for (const s of offsetSegments(Date.UTC(2024, 0, 1), Date.UTC(2027, 0, 1), timeZone).slice(1)) {
    for (const delta of [-3 * H, -H - 1, -30 * MIN, -1, 0, 1, 29 * MIN, H, 90 * MIN, 3 * H]) out.push(s.from + delta);
  }
  return out;
}

describe.each(ZONES)('properties in %s', (timeZone) => {
  const z = zone(timeZone);
  const wall = oracleWall(timeZone);

  it('sub-day bucket starts match a minute-by-minute oracle, also around every transition', () => {
    const samples = [...nearTransitions(timeZone), ...fc.sample(ts2000to2040, 30)];
    for (const spec of SUB_DAY) {
      const window = w(spec);
      const size = nominalWindowMs(window);
      for (const ts of samples) {
        expect([spec, ts, bucketStart(ts, window, z)]).toEqual([spec, ts, oracleFixedStart(ts, size, wall)]);
      }
    }
  });

  it('day and week buckets start at the first instant of the local day (Monday for weeks)', () => {
    const localDay = (t: number) => Math.floor(wall(t) / D);
    const samples = [...nearTransitions(timeZone), ...fc.sample(ts2000to2040, 40)];
    for (const spec of ['1d', '7d']) {
      const window = w(spec);
      const index = (t: number) => Math.floor((localDay(t) - 4) / window.size);
      for (const ts of samples) {
        const start = bucketStart(ts, window, z);
        expect(start).toBeLessThanOrEqual(ts);
        expect(index(start)).toBe(index(ts));
        expect(index(start - 1)).toBe(index(ts) - 1);
        if (spec === '7d') expect(new Date(wall(start)).getUTCDay()).toBe(1);
      }
    }
  });

  it('month buckets start at the first instant of the local month', () => {
    const month = (t: number) => {
      const d = new Date(wall(t));
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    };
    for (const ts of [...nearTransitions(timeZone), ...fc.sample(ts2000to2040, 40)]) {
      const start = bucketStart(ts, w('1mo'), z);
      expect(start).toBeLessThanOrEqual(ts);
      expect(month(start)).toBe(month(ts));
      expect(month(start - 1)).toBe(month(ts) - 1);
      expect(nextBucketStart(ts, w('1mo'), z)).toBe(bucketStart(start + 32 * D, w('1mo'), z));
    }
  });

  it('bucketStart, nextBucketStart and bucketsBetween agree', () => {
    fc.assert(
      fc.property(
        ts2000to2040,
        fc.double({ min: 0.01, max: 30, noNaN: true }),
        fc.constantFrom(...SUB_DAY, '1d', '7d', '1mo'),
        (from, buckets, spec) => {
          const window: TimeWindow = w(spec);
          // Up to ~30 buckets, so each run stays cheap whatever the window.
          const span = Math.max(1, Math.round(buckets * nominalWindowMs(window)));
          const to = from + span;
          const starts = bucketsBetween(from, to, window, z);
          expect(starts[0]).toBe(bucketStart(from, window, z));
          expect(starts.length).toBeGreaterThan(0);
          for (let i = 1; i < starts.length; i++) {
            expect(starts[i]).toBe(nextBucketStart(starts[i - 1]!, window, z));
            expect(bucketStart(starts[i]!, window, z)).toBe(starts[i]);
          }
          expect(starts[starts.length - 1]!).toBeLessThan(to);
          expect(nextBucketStart(starts[starts.length - 1]!, window, z)).toBeGreaterThanOrEqual(to);
          const ts = from + Math.floor(span / 2);
          expect(bucketStart(ts, window, z)).toBeLessThanOrEqual(ts);
          expect(nextBucketStart(ts, window, z)).toBeGreaterThan(ts);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('fixed-offset zones', () => {
  it('give buckets of exactly the window length in Asia/Shanghai', () => {
    fc.assert(
      fc.property(ts2000to2040, fc.constantFrom(...SUB_DAY, '1d', '7d'), (ts, spec) => {
        const window = w(spec);
        const start = bucketStart(ts, window, SH);
        expect(nextBucketStart(ts, window, SH) - start).toBe(nominalWindowMs(window));
        expect((start + 8 * H - ANCHOR) % nominalWindowMs(window)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
