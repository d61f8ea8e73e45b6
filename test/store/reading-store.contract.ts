/**
 * The ReadingStore contract: one suite, run against every adapter (sqlite-store.test.ts, influx-store.test.ts).
 * Every expected number below was worked out by hand from the seeded readings, written next to them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DataFlag } from '../../src/domain/flags.js';
import type { LoggerValue } from '../../src/domain/logger-data.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { DeadLetter, Reading } from '../../src/domain/reading.js';
import { parseWindow } from '../../src/domain/time-window.js';
import { decodeEncodedReadings, encodeReadings } from '../../src/store/encoded-readings.js';
import { DEAD_LETTER_PAYLOAD_MAX_BYTES } from '../../src/store/limits.js';
import type { Bucket, ReadingStore } from '../../src/store/reading-store.js';
import { StoreError } from '../../src/store/store-error.js';

export type StoreFactory = () => ReadingStore | Promise<ReadingStore>;

const H = 3_600_000;
const MIN = 60_000;
/** Instant of an Asia/Shanghai wall-clock time (UTC+8, no DST). */
export const sh = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) =>
  Date.UTC(y, mo - 1, d, h - 8, mi, s, ms);
const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);

export function reading(
  stationId: string,
  parameter: ParameterCode,
  ts: number,
  value: number,
  flag: DataFlag = 'N',
): Reading {
  return { stationId, parameter, ts, value, flag };
}

/** Compares buckets with floating-point tolerance on the mean (adapters may sum in different orders). */
function expectBuckets(actual: Bucket[], expected: Bucket[]): void {
  expect(actual.map((b) => ({ ...b, mean: b.mean === null ? null : Number(b.mean.toFixed(9)) }))).toEqual(
    expected.map((b) => ({ ...b, mean: b.mean === null ? null : Number(b.mean.toFixed(9)) })),
  );
}

const bucket = (
  parameter: ParameterCode,
  start: number,
  mean: number | null,
  min: number | null,
  max: number | null,
  count: number,
  excluded = 0,
): Bucket => ({
  parameter,
  start,
  mean,
  min,
  max,
  count,
  excluded,
});

/** One reading per flag, with tiny, negative and integral values, at `ts` for station S1. */
const everyFlag = (ts: number): Reading[] => [
  reading('S1', 'hg', ts, 0.00005),
  reading('S1', 'orp', ts, -123.4, 'T'),
  reading('S1', 'fcoli', ts, 24000, 'S'),
  reading('S1', 'ph', ts, 7.3, 'C'),
  reading('S1', 'do', ts, 6.8, 'D'),
  reading('S1', 'tp', ts, 0.1 + 0.2, 'F'),
  reading('S1', 'tn', ts, 1.5, 'B'),
  reading('S1', 'cod', ts, 15, 'M'),
];

/** 4,500 readings: 500 times every 5 minutes from 2026-11-01 × 9 parameters, stations ST000…ST049 in turn. */
function fewThousandReadings(): Reading[] {
  const params: ParameterCode[] = ['ph', 'do', 'nh3n', 'tp', 'tn', 'codmn', 'temp', 'turbidity', 'conductivity'];
  const batch: Reading[] = [];
  for (let i = 0; i < 500; i++)
    for (const p of params)
      batch.push(reading(`ST${String(i % 50).padStart(3, '0')}`, p, sh(2026, 11, 1) + i * 5 * MIN, i / 10));
  return batch;
}

/** A write refused for good: a non-retryable StoreError naming the second reading of the batch. */
function expectRefusedAtReading1(err: unknown): void {
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).retryable).toBe(false);
  expect((err as StoreError).message).toMatch(/reading 1/);
}

export function describeReadingStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`ReadingStore contract: ${name}`, () => {
    let store: ReadingStore;

    beforeEach(async () => {
      store = await makeStore();
      await store.start();
    });

    afterEach(async () => {
      await store.stop();
    });

    describe('writes', () => {
      it('is idempotent: redelivery leaves one reading, and a later write of the same reading replaces it', async () => {
        const first = reading('S1', 'nh3n', sh(2026, 11, 28, 8), 0.42);
        await store.write([first]);
        await store.write([first]);
        await store.write([first, { ...first }]);
        expect(await store.raw({ stationId: 'S1', from: sh(2026, 11, 28), to: sh(2026, 11, 29) })).toEqual([first]);

        const corrected = { ...first, value: 0.5, flag: 'M' as const };
        await store.write([corrected]);
        expect(await store.raw({ stationId: 'S1', from: sh(2026, 11, 28), to: sh(2026, 11, 29) })).toEqual([corrected]);
      });

      it('keeps readings that differ only in station, parameter or time apart', async () => {
        const ts = sh(2026, 11, 28, 8);
        await store.write([
          reading('S1', 'nh3n', ts, 1),
          reading('S2', 'nh3n', ts, 2),
          reading('S1', 'tp', ts, 3),
          reading('S1', 'nh3n', ts + 1, 4),
        ]);
        expect(await store.raw({ stationId: 'S1', from: ts, to: ts + 10 })).toEqual([
          reading('S1', 'nh3n', ts, 1),
          reading('S1', 'tp', ts, 3),
          reading('S1', 'nh3n', ts + 1, 4),
        ]);
        expect(await store.raw({ stationId: 'S2', from: ts, to: ts + 10 })).toEqual([reading('S2', 'nh3n', ts, 2)]);
      });

      it('stores values exactly, including tiny, negative and integral ones, and every flag', async () => {
        const ts = sh(2026, 11, 28, 9);
        const values = everyFlag(ts);
        await store.write(values);
        const stored = await store.raw({ stationId: 'S1', from: ts, to: ts + 1 });
        expect(stored).toEqual([...values].sort((a, b) => (a.parameter < b.parameter ? -1 : 1)));
      });

      it('accepts an empty batch', async () => {
        await store.write([]);
        await store.writeDeadLetters([]);
      });

      it('rejects a batch holding a reading no store can hold, with a non-retryable StoreError, and stores none of it', async () => {
        const ts = sh(2026, 11, 28, 10);
        const bad = [reading('S1', 'nh3n', ts, 1), reading('S1', 'tp', ts, Number.NaN)];
        const err = await store.write(bad).catch((e: unknown) => e);
        expectRefusedAtReading1(err);
        expect(await store.raw({ stationId: 'S1', from: ts, to: ts + 1 })).toEqual([]);
      });

      it('writes a batch of a few thousand readings', async () => {
        const batch = fewThousandReadings();
        await store.write(batch);
        const s0 = await store.raw({ stationId: 'ST000', from: sh(2026, 11, 1), to: sh(2026, 12, 1), limit: 10_000 });
        expect(s0).toHaveLength(10 * 9); // ST000 has every 50th of the 500 times, 9 parameters each
      });
    });

    describe("writeEncoded (the ingest forwarder's fast path; without it, the forwarder writes the decoded readings)", () => {
      // What the forwarder does with a batch read from the spool.
      const writeEncoded = (readings: Reading[]) => {
        const batch = encodeReadings(readings);
        return store.writeEncoded ? store.writeEncoded(batch) : store.write(decodeEncodedReadings(batch));
      };

      it('stores exactly what write stores: values, flags, unusual station ids, and upserts by identity', async () => {
        const ts = sh(2026, 11, 28, 9);
        const values = [...everyFlag(ts), reading('S1', 'nh3n', ts, 5e-7)];
        const odd = [reading('站点 1,a=b', 'ph', ts, 7.1), reading('back\\slash', 'ph', ts, 7.2)];
        await writeEncoded([...values, ...odd]);
        await writeEncoded([values[0]!]);
        expect(await store.raw({ stationId: 'S1', from: ts, to: ts + 1 })).toEqual(
          [...values].sort((a, b) => (a.parameter < b.parameter ? -1 : 1)),
        );
        for (const r of odd) expect(await store.raw({ stationId: r.stationId, from: ts, to: ts + 1 })).toEqual([r]);
        const corrected = { ...values[3]!, value: 7.4, flag: 'N' as const };
        await writeEncoded([corrected]);
        expect(await store.latest({ stationIds: ['S1'], parameters: ['ph'] })).toEqual([corrected]);
      });

      it('rejects a batch holding a reading no store can hold, with a non-retryable StoreError, and stores none of it', async () => {
        const ts = sh(2026, 11, 28, 10);
        const err = await writeEncoded([reading('S1', 'nh3n', ts, 1), reading('S\u0001', 'tp', ts, 2)]).catch(
          (e: unknown) => e,
        );
        expectRefusedAtReading1(err);
        expect(await store.raw({ stationId: 'S1', from: ts, to: ts + 1 })).toEqual([]);
      });

      it('writes a batch of a few thousand readings', async () => {
        const batch = fewThousandReadings();
        await writeEncoded(batch);
        const s0 = await store.raw({ stationId: 'ST000', from: sh(2026, 11, 1), to: sh(2026, 12, 1), limit: 10_000 });
        expect(s0).toEqual(
          batch
            .filter((r) => r.stationId === 'ST000')
            .sort((a, b) => a.ts - b.ts || (a.parameter < b.parameter ? -1 : 1)),
        );
      });
    });

    describe('latest', () => {
      const t1 = sh(2026, 11, 28, 8);
      const t2 = sh(2026, 11, 28, 9);
      const t3 = sh(2026, 11, 28, 7);
      beforeEach(async () => {
        await store.write([
          reading('S1', 'nh3n', t1, 0.5),
          reading('S1', 'nh3n', t2, 0.9, 'M'),
          reading('S1', 'tp', t1, 0.1),
          reading('S2', 'nh3n', t3, 0.3, 'T'),
          reading('S2', 'nh3n', t3 - H, 0.2),
        ]);
      });

      it('gives the newest reading per station and parameter, ordered by station then parameter', async () => {
        expect(await store.latest({})).toEqual([
          { stationId: 'S1', parameter: 'nh3n', ts: t2, value: 0.9, flag: 'M' },
          { stationId: 'S1', parameter: 'tp', ts: t1, value: 0.1, flag: 'N' },
          { stationId: 'S2', parameter: 'nh3n', ts: t3, value: 0.3, flag: 'T' },
        ]);
      });

      it('skips readings that do not count when validOnly (T counts)', async () => {
        expect(await store.latest({ validOnly: true })).toEqual([
          { stationId: 'S1', parameter: 'nh3n', ts: t1, value: 0.5, flag: 'N' },
          { stationId: 'S1', parameter: 'tp', ts: t1, value: 0.1, flag: 'N' },
          { stationId: 'S2', parameter: 'nh3n', ts: t3, value: 0.3, flag: 'T' },
        ]);
      });

      it('filters by stations and parameters', async () => {
        expect(await store.latest({ stationIds: ['S2'] })).toEqual([
          { stationId: 'S2', parameter: 'nh3n', ts: t3, value: 0.3, flag: 'T' },
        ]);
        expect(await store.latest({ parameters: ['tp'] })).toEqual([
          { stationId: 'S1', parameter: 'tp', ts: t1, value: 0.1, flag: 'N' },
        ]);
        expect(await store.latest({ stationIds: ['S1', 'S9'], parameters: ['nh3n'], validOnly: true })).toEqual([
          { stationId: 'S1', parameter: 'nh3n', ts: t1, value: 0.5, flag: 'N' },
        ]);
        expect(await store.latest({ stationIds: [] })).toEqual([]);
        expect(await store.latest({ parameters: [] })).toEqual([]);
        expect(await store.latest({ stationIds: ["quote'station"] })).toEqual([]);
      });

      it('looks no further back than `since`, leaving out series with nothing newer', async () => {
        expect(await store.latest({ since: t1 })).toEqual([
          { stationId: 'S1', parameter: 'nh3n', ts: t2, value: 0.9, flag: 'M' },
          { stationId: 'S1', parameter: 'tp', ts: t1, value: 0.1, flag: 'N' },
        ]);
        expect(await store.latest({ since: t1 + 1, validOnly: true })).toEqual([]);
        expect(await store.latest({ since: t3, validOnly: true, stationIds: ['S2'] })).toEqual([
          { stationId: 'S2', parameter: 'nh3n', ts: t3, value: 0.3, flag: 'T' },
        ]);
      });

      it('gives the latest as of `before` (exclusive), leaving out series with nothing older', async () => {
        expect(await store.latest({ before: t2 })).toEqual([
          { stationId: 'S1', parameter: 'nh3n', ts: t1, value: 0.5, flag: 'N' },
          { stationId: 'S1', parameter: 'tp', ts: t1, value: 0.1, flag: 'N' },
          { stationId: 'S2', parameter: 'nh3n', ts: t3, value: 0.3, flag: 'T' },
        ]);
        expect(await store.latest({ before: t1 })).toEqual([
          { stationId: 'S2', parameter: 'nh3n', ts: t3, value: 0.3, flag: 'T' },
        ]);
        expect(await store.latest({ before: t3, stationIds: ['S2'] })).toEqual([
          { stationId: 'S2', parameter: 'nh3n', ts: t3 - H, value: 0.2, flag: 'N' },
        ]);
        expect(await store.latest({ since: t3, before: t2 + 1, validOnly: true, parameters: ['nh3n'] })).toEqual([
          { stationId: 'S1', parameter: 'nh3n', ts: t1, value: 0.5, flag: 'N' },
          { stationId: 'S2', parameter: 'nh3n', ts: t3, value: 0.3, flag: 'T' },
        ]);
      });
    });

    describe('aggregate: flags, hourly buckets', () => {
      // Station S1, 2026-11-28 local time.
      beforeEach(async () => {
        await store.write([
          // 10:00–11:00: N 1, N 2, T 4 count; M 100 is excluded.
          reading('S1', 'nh3n', sh(2026, 11, 28, 10, 0), 1),
          reading('S1', 'nh3n', sh(2026, 11, 28, 10, 15), 2),
          reading('S1', 'nh3n', sh(2026, 11, 28, 10, 30), 4, 'T'),
          reading('S1', 'nh3n', sh(2026, 11, 28, 10, 45), 100, 'M'),
          // 11:00–12:00: only C and D readings.
          reading('S1', 'nh3n', sh(2026, 11, 28, 11, 0), 50, 'C'),
          reading('S1', 'nh3n', sh(2026, 11, 28, 11, 30), 60, 'D'),
          // 12:00–13:00: F, S, B excluded; N 0.5 counts.
          reading('S1', 'nh3n', sh(2026, 11, 28, 12, 5), 1, 'F'),
          reading('S1', 'nh3n', sh(2026, 11, 28, 12, 10), 2, 'S'),
          reading('S1', 'nh3n', sh(2026, 11, 28, 12, 15), 3, 'B'),
          reading('S1', 'nh3n', sh(2026, 11, 28, 12, 20), 0.5),
          reading('S1', 'tp', sh(2026, 11, 28, 10, 0), 0.2),
          reading('S1', 'tp', sh(2026, 11, 28, 10, 30), 0.3),
          // Other station and other time: must not leak in.
          reading('S2', 'nh3n', sh(2026, 11, 28, 10, 0), 999),
          reading('S1', 'nh3n', sh(2026, 11, 28, 13, 0), 999),
        ]);
      });
      const range = {
        stationId: 'S1',
        from: sh(2026, 11, 28, 10),
        to: sh(2026, 11, 28, 13),
        window: parseWindow('1h'),
        timeZone: 'Asia/Shanghai',
      };

      it('averages valid readings only (N, T), counting M/C/D/F/S/B as excluded, in the order of the parameters asked for', async () => {
        expectBuckets(await store.aggregate({ ...range, parameters: ['tp', 'nh3n'], validOnly: true }), [
          bucket('tp', sh(2026, 11, 28, 10), 0.25, 0.2, 0.3, 2),
          bucket('nh3n', sh(2026, 11, 28, 10), 7 / 3, 1, 4, 3, 1),
          bucket('nh3n', sh(2026, 11, 28, 11), null, null, null, 0, 2),
          bucket('nh3n', sh(2026, 11, 28, 12), 0.5, 0.5, 0.5, 1, 3),
        ]);
      });

      it('aggregates every reading when validOnly is false', async () => {
        expectBuckets(await store.aggregate({ ...range, parameters: ['nh3n'], validOnly: false }), [
          bucket('nh3n', sh(2026, 11, 28, 10), 107 / 4, 1, 100, 4),
          bucket('nh3n', sh(2026, 11, 28, 11), 55, 50, 60, 2),
          bucket('nh3n', sh(2026, 11, 28, 12), 6.5 / 4, 0.5, 3, 4),
        ]);
      });

      it('aligns 4 h buckets to local 08:00 and 12:00, and puts partial edges in their buckets', async () => {
        // 10:00–12:00 falls in the 08:00 bucket (N 1, N 2, T 4; M, C, D excluded), 12:00–13:00 in the 12:00 one.
        expectBuckets(
          await store.aggregate({ ...range, window: parseWindow('4h'), parameters: ['nh3n'], validOnly: true }),
          [
            bucket('nh3n', sh(2026, 11, 28, 8), 7 / 3, 1, 4, 3, 3),
            bucket('nh3n', sh(2026, 11, 28, 12), 0.5, 0.5, 0.5, 1, 3),
          ],
        );
        // From 10:10: the 10:00 bucket holds only N 2 (10:15); 10:30 holds T 4 and M 100.
        expectBuckets(
          await store.aggregate({
            ...range,
            from: sh(2026, 11, 28, 10, 10),
            window: parseWindow('30m'),
            parameters: ['nh3n'],
            validOnly: true,
          }),
          [
            bucket('nh3n', sh(2026, 11, 28, 10, 0), 2, 2, 2, 1),
            bucket('nh3n', sh(2026, 11, 28, 10, 30), 4, 4, 4, 1, 1),
            bucket('nh3n', sh(2026, 11, 28, 11, 0), null, null, null, 0, 1),
            bucket('nh3n', sh(2026, 11, 28, 11, 30), null, null, null, 0, 1),
            bucket('nh3n', sh(2026, 11, 28, 12, 0), 0.5, 0.5, 0.5, 1, 3),
          ],
        );
      });

      it('gives the same valid figures without the excluded counts (excluded: false, what the window rules ask)', async () => {
        for (const window of [parseWindow('1h'), parseWindow('4h')]) {
          const q = { ...range, window, parameters: ['tp', 'nh3n'] as ParameterCode[], validOnly: true };
          const full = await store.aggregate(q);
          const lean = await store.aggregate({ ...q, excluded: false });
          const valid = (buckets: Bucket[]) => buckets.filter((b) => b.count > 0).map(({ excluded: _e, ...b }) => b);
          expect(valid(lean)).toEqual(valid(full));
          // Left out (0, a bucket of only excluded readings absent) or counted as before: never another figure.
          for (const b of lean) {
            const same = full.find((f) => f.parameter === b.parameter && f.start === b.start)!;
            expect([0, same.excluded]).toContain(b.excluded);
          }
        }
      });

      it('aggregateStations answers each station as aggregate does, in one call (re-judging a back-fill)', async () => {
        const { stationId: _s, ...shared } = range;
        for (const window of [parseWindow('1h'), parseWindow('4h')])
          for (const validOnly of [true, false]) {
            const q = { ...shared, window, parameters: ['nh3n', 'tp'] as ParameterCode[], validOnly };
            const answer = await store.aggregateStations!({ ...q, stationIds: ['S1', 'S2', 'S9', 'S1'] });
            expect([...answer.keys()].sort()).toEqual(['S1', 'S2']);
            expect(answer.get('S1')).toEqual(await store.aggregate({ ...q, stationId: 'S1' }));
            expect(answer.get('S2')).toEqual(await store.aggregate({ ...q, stationId: 'S2' }));
          }
        expect(
          (await store.aggregateStations!({ ...shared, parameters: ['nh3n'], validOnly: true, stationIds: [] })).size,
        ).toBe(0);
      });

      it('returns nothing for no parameters, an empty range or a station without data', async () => {
        expect(await store.aggregate({ ...range, parameters: [], validOnly: true })).toEqual([]);
        expect(await store.aggregate({ ...range, to: range.from, parameters: ['nh3n'], validOnly: true })).toEqual([]);
        expect(await store.aggregate({ ...range, stationId: 'S9', parameters: ['nh3n'], validOnly: true })).toEqual([]);
      });
    });

    describe('aggregate: local days and months (Asia/Shanghai)', () => {
      const day = {
        stationId: 'S1',
        parameters: ['do' as const],
        window: parseWindow('1d'),
        timeZone: 'Asia/Shanghai',
        validOnly: true,
      };

      it('puts 23:59 and 00:01 local in different days, aligned to local midnight (16:00 UTC)', async () => {
        await store.write([
          reading('S1', 'do', sh(2026, 11, 27, 23, 59), 10),
          reading('S1', 'do', sh(2026, 11, 28, 0, 1), 20),
          reading('S1', 'do', sh(2026, 11, 28, 23, 59, 59, 999), 30),
          reading('S1', 'do', sh(2026, 11, 29, 0, 0), 40),
        ]);
        const buckets = await store.aggregate({ ...day, from: sh(2026, 11, 27), to: sh(2026, 11, 29) });
        expectBuckets(buckets, [
          bucket('do', sh(2026, 11, 27), 10, 10, 10, 1),
          bucket('do', sh(2026, 11, 28), 25, 20, 30, 2),
        ]);
        expect(buckets[1]!.start).toBe(Date.UTC(2026, 10, 27, 16));
      });

      it('rolls days up into months that start at local midnight on the first', async () => {
        await store.write([
          reading('S1', 'do', sh(2026, 10, 31, 23, 59), 1),
          reading('S1', 'do', sh(2026, 11, 1, 0, 0), 2),
          reading('S1', 'do', sh(2026, 11, 15, 12, 0), 4, 'M'),
          reading('S1', 'do', sh(2026, 11, 30, 23, 59), 6),
          reading('S1', 'do', sh(2026, 12, 1, 0, 0), 8),
        ]);
        const month = { ...day, window: parseWindow('1mo') };
        expectBuckets(await store.aggregate({ ...month, from: sh(2026, 10, 1), to: sh(2027, 1, 1) }), [
          bucket('do', sh(2026, 10, 1), 1, 1, 1, 1),
          bucket('do', sh(2026, 11, 1), 4, 2, 6, 2, 1),
          bucket('do', sh(2026, 12, 1), 8, 8, 8, 1),
        ]);
        // A range starting mid-month: the bucket still starts on the first, and holds only readings from `from` on.
        expectBuckets(await store.aggregate({ ...month, from: sh(2026, 11, 15), to: sh(2026, 12, 1) }), [
          bucket('do', sh(2026, 11, 1), 6, 6, 6, 1, 1),
        ]);
      });

      it('computes daily and 4-hourly means of real data (闸口 station, Qiantang River, DO on 2020-01-02)', async () => {
        // test/fixtures/real/zhejiang_zhakou_hourly_2020.csv(.gz), 溶解氧(mg/L), 检测时间 2020-01-02 00 … 23 (UTC+08:00).
        const values = [
          12.83, 13.39, 13.31, 13.18, 12.66, 13.31, 13.29, 13.23, 12.7, 13.69, 13.73, 13.71, 13.22, 13.64, 13.47, 13.21,
          13.05, 13.57, 13.33, 13.11, 12.84, 13.13, 12.99, 13.15,
        ];
        await store.write(values.map((v, hour) => reading('ZHAKOU', 'do', sh(2020, 1, 2, hour), v)));
        const q = { ...day, stationId: 'ZHAKOU', from: sh(2020, 1, 2), to: sh(2020, 1, 3) };
        // Σ = 317.74 over 24 hours.
        expectBuckets(await store.aggregate(q), [bucket('do', sh(2020, 1, 2), 317.74 / 24, 12.66, 13.73, 24)]);
        // 00–04: 52.71, 04–08: 52.49, 08–12: 53.83, 12–16: 53.54, 16–20: 53.06, 20–24: 52.11.
        expectBuckets(await store.aggregate({ ...q, window: parseWindow('4h') }), [
          bucket('do', sh(2020, 1, 2, 0), 13.1775, 12.83, 13.39, 4),
          bucket('do', sh(2020, 1, 2, 4), 13.1225, 12.66, 13.31, 4),
          bucket('do', sh(2020, 1, 2, 8), 13.4575, 12.7, 13.73, 4),
          bucket('do', sh(2020, 1, 2, 12), 13.385, 13.21, 13.64, 4),
          bucket('do', sh(2020, 1, 2, 16), 13.265, 13.05, 13.57, 4),
          bucket('do', sh(2020, 1, 2, 20), 13.0275, 12.84, 13.15, 4),
        ]);
      });
    });

    describe('aggregate: a zone with daylight saving time (Europe/Berlin)', () => {
      const berlin = { stationId: 'S1', parameters: ['tp' as const], timeZone: 'Europe/Berlin', validOnly: true };

      it('makes 25 October a 25-hour day and keeps the two 02:00 hours apart', async () => {
        await store.write([
          reading('S1', 'tp', utc(2026, 10, 24, 22, 30), 1), // 25 Oct 00:30 CEST
          reading('S1', 'tp', utc(2026, 10, 25, 0, 30), 10), // 02:30 CEST
          reading('S1', 'tp', utc(2026, 10, 25, 1, 30), 20), // 02:30 CET, after the clocks went back
          reading('S1', 'tp', utc(2026, 10, 25, 22, 30), 3), // 23:30 CET
          reading('S1', 'tp', utc(2026, 10, 25, 23, 30), 5), // 26 Oct 00:30 CET
        ]);
        const from = utc(2026, 10, 24, 22);
        const to = utc(2026, 10, 26, 23);
        expectBuckets(await store.aggregate({ ...berlin, from, to, window: parseWindow('1d') }), [
          bucket('tp', utc(2026, 10, 24, 22), 34 / 4, 1, 20, 4),
          bucket('tp', utc(2026, 10, 25, 23), 5, 5, 5, 1),
        ]);
        expectBuckets(await store.aggregate({ ...berlin, from, to: utc(2026, 10, 25, 2), window: parseWindow('1h') }), [
          bucket('tp', utc(2026, 10, 24, 22), 1, 1, 1, 1),
          bucket('tp', utc(2026, 10, 25, 0), 10, 10, 10, 1),
          bucket('tp', utc(2026, 10, 25, 1), 20, 20, 20, 1),
        ]);
        // The 00:00–04:00 local bucket lasts 5 hours (22:00Z–03:00Z).
        expectBuckets(await store.aggregate({ ...berlin, from, to: utc(2026, 10, 25, 3), window: parseWindow('4h') }), [
          bucket('tp', utc(2026, 10, 24, 22), 31 / 3, 1, 20, 3),
        ]);
      });

      it('makes 29 March a 23-hour day and starts a 2 h bucket at the jump over 02:00', async () => {
        await store.write([
          reading('S1', 'tp', utc(2026, 3, 28, 23, 30), 1), // 29 Mar 00:30 CET
          reading('S1', 'tp', utc(2026, 3, 29, 0, 30), 2), // 01:30 CET
          reading('S1', 'tp', utc(2026, 3, 29, 1, 30), 4), // 03:30 CEST
          reading('S1', 'tp', utc(2026, 3, 29, 21, 30), 8), // 23:30 CEST
          reading('S1', 'tp', utc(2026, 3, 29, 22, 30), 16), // 30 Mar 00:30 CEST
        ]);
        expectBuckets(
          await store.aggregate({
            ...berlin,
            from: utc(2026, 3, 28, 23),
            to: utc(2026, 3, 30, 22),
            window: parseWindow('1d'),
          }),
          [bucket('tp', utc(2026, 3, 28, 23), 15 / 4, 1, 8, 4), bucket('tp', utc(2026, 3, 29, 22), 16, 16, 16, 1)],
        );
        expectBuckets(
          await store.aggregate({
            ...berlin,
            from: utc(2026, 3, 28, 23),
            to: utc(2026, 3, 29, 2),
            window: parseWindow('2h'),
          }),
          [bucket('tp', utc(2026, 3, 28, 23), 1.5, 1, 2, 2), bucket('tp', utc(2026, 3, 29, 1), 4, 4, 4, 1)],
        );
      });

      it('builds October from days on both sides of the change, and starts November at local midnight', async () => {
        await store.write([
          reading('S1', 'tp', utc(2026, 10, 10, 12), 1, 'N'), // CEST
          reading('S1', 'tp', utc(2026, 10, 28, 12), 3, 'N'), // CET
          reading('S1', 'tp', utc(2026, 10, 31, 22, 30), 5, 'M'), // 31 Oct 23:30 CET
          reading('S1', 'tp', utc(2026, 10, 31, 23, 30), 7, 'N'), // 1 Nov 00:30 CET
        ]);
        expectBuckets(
          await store.aggregate({
            ...berlin,
            from: utc(2026, 9, 30, 22),
            to: utc(2026, 11, 30, 23),
            window: parseWindow('1mo'),
          }),
          [bucket('tp', utc(2026, 9, 30, 22), 2, 1, 3, 2, 1), bucket('tp', utc(2026, 10, 31, 23), 7, 7, 7, 1)],
        );
      });
    });

    describe('raw', () => {
      const base = sh(2026, 11, 28, 8);
      const params: ParameterCode[] = ['do', 'nh3n', 'tp'];
      const all: Reading[] = [];
      for (let i = 0; i < 5; i++)
        for (const p of params)
          all.push(reading('S1', p, base + i * 5 * MIN, i + params.indexOf(p) / 10, i === 2 && p === 'tp' ? 'M' : 'N'));

      beforeEach(async () => {
        await store.write([...all].reverse());
        await store.write([reading('S2', 'do', base, 1), reading('S1', 'do', base + 25 * MIN, 9)]);
      });

      it('returns readings with their flags in (ts, parameter) order, `to` exclusive', async () => {
        expect(await store.raw({ stationId: 'S1', from: base, to: base + 25 * MIN })).toEqual(all);
        expect(
          await store.raw({ stationId: 'S1', from: base + 5 * MIN, to: base + 10 * MIN, parameters: ['tp', 'do'] }),
        ).toEqual([reading('S1', 'do', base + 5 * MIN, 1), reading('S1', 'tp', base + 5 * MIN, 1.2)]);
      });

      it('pages with the (ts, parameter) cursor, including a cursor in the middle of a timestamp', async () => {
        const pages: Reading[][] = [];
        let after: { ts: number; parameter: ParameterCode } | undefined;
        for (;;) {
          const page = await store.raw({ stationId: 'S1', from: base, to: base + 25 * MIN, limit: 4, after });
          if (page.length === 0) break;
          pages.push(page);
          const last = page[page.length - 1]!;
          after = { ts: last.ts, parameter: last.parameter };
        }
        expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 3]);
        expect(pages.flat()).toEqual(all);
        expect(
          await store.raw({
            stationId: 'S1',
            from: base,
            to: base + 25 * MIN,
            limit: 2,
            after: { ts: base + 5 * MIN, parameter: 'do' },
            parameters: ['do', 'tp'],
          }),
        ).toEqual([reading('S1', 'tp', base + 5 * MIN, 1.2), reading('S1', 'do', base + 10 * MIN, 2)]);
      });

      it('pages through thousands of readings without losing or repeating one', async () => {
        const many: Reading[] = [];
        const start = sh(2026, 11, 1);
        for (let i = 0; i < 700; i++) for (const p of params) many.push(reading('S3', p, start + i * MIN, i));
        await store.write(many);
        const seen: Reading[] = [];
        let after: { ts: number; parameter: ParameterCode } | undefined;
        for (let guard = 0; guard < 10; guard++) {
          const page = await store.raw({ stationId: 'S3', from: start, to: start + 700 * MIN, limit: 1000, after });
          if (page.length === 0) break;
          seen.push(...page);
          after = { ts: page[page.length - 1]!.ts, parameter: page[page.length - 1]!.parameter };
        }
        expect(seen).toEqual(many);
      });
    });

    describe('dead letters', () => {
      const letter = (
        receivedAt: number,
        stationId: string,
        payload: string,
        reason = 'malformed_json',
      ): DeadLetter => ({
        receivedAt,
        stationId,
        topic: `wq/${stationId}/data`,
        reason,
        detail: `payload is not JSON: ${payload.slice(0, 10)}`,
        payload,
      });
      const t = sh(2026, 11, 28, 8);

      it('keeps every letter, two in the same millisecond included, newest first', async () => {
        const a = letter(t - 1000, 'S1', '{"ts":');
        const b = letter(t, 'S1', 'first in this millisecond');
        const c = letter(t, 'S1', 'second in this millisecond', 'unknown_parameter');
        const d = letter(t + 1, '_unknown', '多行\n"quoted" \\ 载荷');
        await store.writeDeadLetters([a, b]);
        await store.writeDeadLetters([c, d]);
        expect(await store.deadLetters({})).toEqual([d, c, b, a]);
        expect(await store.deadLetters({ stationId: 'S1' })).toEqual([c, b, a]);
        expect(await store.deadLetters({ stationId: 'S1', from: t, to: t + 1 })).toEqual([c, b]);
        expect(await store.deadLetters({ to: t })).toEqual([a]);
        expect(await store.deadLetters({ limit: 2 })).toEqual([d, c]);
        expect(await store.deadLetters({ stationId: 'nobody' })).toEqual([]);
      });

      it('deletes the letters received before a cutoff and keeps the rest (DEAD_LETTER_RETENTION)', async () => {
        const day = 86_400_000;
        const old = letter(t - 100 * day, 'S1', 'a hundred days old');
        const justBefore = letter(t - 90 * day - 1, '_unknown', 'a millisecond too old');
        const atCutoff = letter(t - 90 * day, 'S1', 'exactly at the cutoff');
        const recent = letter(t - day, 'S2', 'yesterday');
        await store.writeDeadLetters([old, justBefore, atCutoff, recent]);
        const deleted = await store.pruneDeadLetters(t - 90 * day);
        // SQLite says how many; InfluxDB does not.
        expect([2, undefined]).toContain(deleted);
        expect(await store.deadLetters({})).toEqual([recent, atCutoff]);
        expect(await store.pruneDeadLetters(t - 90 * day)).not.toBe(1);
      });

      it('filters by any station text without breaking the query: quotes, backslashes, line breaks', async () => {
        await store.writeDeadLetters([
          letter(t, "o'brien", 'x'),
          letter(t + 1, 'a\\b', 'y'),
          letter(t + 2, 'two\nlines', 'z'),
        ]);
        for (const stationId of ["o'brien", 'a\\b', 'two\nlines']) {
          expect((await store.deadLetters({ stationId })).map((l) => l.stationId)).toEqual([stationId]);
        }
        expect(await store.deadLetters({ stationId: "'; DROP MEASUREMENT x; '" })).toEqual([]);
        expect(await store.deadLetters({ stationId: 'two\n' })).toEqual([]);
      });

      it('caps a huge payload at 32 KiB of UTF-8 without splitting a character', async () => {
        const payload = '水'.repeat(20_000); // 3 bytes each: 60,000 bytes
        await store.writeDeadLetters([letter(t, 'S1', payload)]);
        const [stored] = await store.deadLetters({});
        expect(Buffer.byteLength(stored!.payload)).toBeLessThanOrEqual(DEAD_LETTER_PAYLOAD_MAX_BYTES);
        expect(stored!.payload).toBe('水'.repeat(Math.floor(DEAD_LETTER_PAYLOAD_MAX_BYTES / 3)));
      });
    });

    describe('HJ 212 logger data (docs/adr/0012)', () => {
      const t0 = sh(2026, 11, 28, 10);
      const logged = (over: Partial<LoggerValue>): LoggerValue => ({
        stationId: 'P1',
        parameter: 'cod',
        stream: 'realtime',
        ts: t0,
        value: 21.5,
        flag: 'N',
        late: false,
        receivedAt: t0 + 5_000,
        ...over,
      });

      it('keeps each stream apart, with Avg/Min/Max/Cou and the late mark, in (ts, parameter, stream) order', async () => {
        const values = [
          logged({ stream: 'hourly', value: 20.25, min: 18, max: 23.5, cou: 1234.5, ts: t0 }),
          logged({ value: 21.5 }),
          logged({ parameter: 'nh3n', value: 0.5, flag: 'M' }),
          logged({ stream: 'daily', ts: sh(2026, 11, 27), value: 19, min: 12, max: 30, late: true }),
          logged({ stream: 'minute', ts: t0 + MIN, value: -0.25 }),
        ];
        await store.writeLoggerData!(values);
        const all = await store.loggerData!({ stationId: 'P1', from: sh(2026, 11, 27), to: sh(2026, 11, 29) });
        expect(all).toEqual([values[3], values[0], values[1], values[2], values[4]]);
        expect(await store.loggerData!({ stationId: 'P1', stream: 'hourly', from: t0, to: t0 + H })).toEqual([
          values[0],
        ]);
        expect(await store.loggerData!({ stationId: 'P1', parameters: ['nh3n'], from: t0, to: t0 + H })).toEqual([
          values[2],
        ]);
        expect(await store.loggerData!({ stationId: 'P1', parameters: [], from: t0, to: t0 + H })).toEqual([]);
        expect(await store.loggerData!({ stationId: 'P2', from: 0, to: sh(2027, 1, 1) })).toEqual([]);
        // The station's readings are not touched: logger data is a record of its own.
        expect(await store.raw({ stationId: 'P1', from: 0, to: sh(2027, 1, 1) })).toEqual([]);
      });

      it('replaces a value resent with the same identity (a logger resends what was not answered)', async () => {
        await store.writeLoggerData!([logged({ stream: 'hourly', value: 20, min: 18, max: 22 })]);
        await store.writeLoggerData!([logged({ stream: 'hourly', value: 20.5, min: 18.5, max: 22.5, late: true })]);
        expect(await store.loggerData!({ stationId: 'P1', from: t0, to: t0 + 1 })).toEqual([
          logged({ stream: 'hourly', value: 20.5, min: 18.5, max: 22.5, late: true }),
        ]);
      });

      it('refuses a value no store can hold, before writing anything', async () => {
        const err = await store.writeLoggerData!([logged({}), logged({ ts: t0 + 1, value: Number.NaN })]).catch(
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).retryable).toBe(false);
        expect(await store.loggerData!({ stationId: 'P1', from: t0, to: t0 + H })).toEqual([]);
      });
    });

    describe('lifecycle', () => {
      it('answers ping, stops twice, and refuses writes after stop with a retryable error', async () => {
        expect(await store.ping()).toBe(true);
        await store.stop();
        await store.stop();
        expect(await store.ping()).toBe(false);
        const err = await store.write([reading('S1', 'ph', sh(2026, 11, 28), 7)]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).retryable).toBe(true);
      });
    });
  });
}
