/**
 * The data-mark decorator over a real store (SQLite, and influxd 1.6.7 with hourly rollups): effective flags in
 * every read, never a change to the stored readings. Numbers are worked out next to the seed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarkActor, NewMark } from '../../src/domain/data-marks.js';
import type { DataFlag } from '../../src/domain/flags.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import { parseWindow } from '../../src/domain/time-window.js';
import { withDataMarks, type MarkedReadingStore } from '../../src/marks/marked-reading-store.js';
import type { MarkStore } from '../../src/marks/mark-store.js';
import { createSqliteMarkStore } from '../../src/marks/sqlite-mark-store.js';
import type { AggregateQuery, ReadingStore } from '../../src/store/reading-store.js';

/** Instant of an Asia/Shanghai wall-clock time. */
export const sh = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h - 8, mi);
const TZ = 'Asia/Shanghai';
const r = (parameter: ParameterCode, ts: number, value: number, flag: DataFlag = 'N'): Reading => ({
  stationId: 's1',
  parameter,
  ts,
  value,
  flag,
});

/**
 * s1, hourly, local days 2024-05-01 and 05-02:
 * - 05-01 nh3n 1.0 N, except 10:00–13:00 = 5.0 N (the analyser was being serviced; the device did not say so):
 *   mean 40/24 ≈ 1.667; with those four hours marked M: 1.0 over 20, excluded 4. tp 0.1 N all day.
 * - 05-02 nh3n 1.0 N, except 05:00 = 9.0 flagged D (a fault the device reported) and 23:00 = 2.0 N:
 *   valid mean (22 + 2) / 23 ≈ 1.0435, excluded 1; restored by an N mark: (22 + 2 + 9) / 24 = 1.375.
 */
export function seedReadings(): Reading[] {
  const out: Reading[] = [];
  for (let h = 0; h < 24; h++) {
    out.push(r('nh3n', sh(2024, 5, 1, h), h >= 10 && h <= 13 ? 5.0 : 1.0));
    out.push(r('tp', sh(2024, 5, 1, h), 0.1));
    out.push(h === 5 ? r('nh3n', sh(2024, 5, 2, h), 9.0, 'D') : r('nh3n', sh(2024, 5, 2, h), h === 23 ? 2.0 : 1.0));
  }
  return out;
}

export interface MarkedFixture {
  /** The store the decorator reads (for InfluxDB: one that answers from the rollups where they are current). */
  reader: ReadingStore;
  /** Writes readings the way ingest does (and keeps the rollups current). */
  write(readings: Reading[]): Promise<void>;
  /** Writes a reading without telling the rollups (InfluxDB): what a rollup answer cannot see. */
  writeBehindRollups?(reading: Reading): Promise<void>;
  close(): Promise<void>;
}

const bureau: MarkActor = { keyId: 'bu1', name: '市生态环境局', role: 'bureau' };
const DAY1 = { from: sh(2024, 5, 1), to: sh(2024, 5, 2) };
const DAY2 = { from: sh(2024, 5, 2), to: sh(2024, 5, 3) };

export function describeMarkedStore(name: string, make: () => Promise<MarkedFixture>): void {
  describe(`data marks over ${name}`, () => {
    let fx: MarkedFixture;
    let marks: MarkStore;
    let store: MarkedReadingStore;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-marked-'));
    let n = 0;

    beforeAll(async () => {
      fx = await make();
      await fx.write(seedReadings());
    });
    afterAll(async () => {
      await fx?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    // Every test starts with no mark: a mark store of its own.
    const freshMarks = () => {
      marks = createSqliteMarkStore({ file: path.join(dir, `marks-${++n}.db`) });
      store = withDataMarks(fx.reader, marks);
    };
    const approved = (m: Partial<NewMark>) =>
      marks.create(
        {
          stationId: 's1',
          parameters: ['nh3n'],
          from: DAY1.from,
          to: DAY1.to,
          flag: 'M',
          reason: '维护',
          by: bureau,
          at: 1,
          ...m,
        },
        { by: bureau, at: m.at ?? 1, note: '', automatic: true },
      );
    const daily = (over: Partial<AggregateQuery> = {}) =>
      store.aggregate({
        stationId: 's1',
        parameters: ['nh3n', 'tp'],
        from: DAY1.from,
        to: DAY2.to,
        window: parseWindow('1d'),
        timeZone: TZ,
        validOnly: true,
        ...over,
      });

    it('without marks answers as the store does', async () => {
      freshMarks();
      const inner = await fx.reader.aggregate({
        stationId: 's1',
        parameters: ['nh3n', 'tp'],
        ...DAY1,
        to: DAY2.to,
        window: parseWindow('1d'),
        timeZone: TZ,
        validOnly: true,
      });
      expect(await daily()).toEqual(inner);
      expect(inner[0]).toMatchObject({ parameter: 'nh3n', count: 24, excluded: 0 });
      expect(inner[0]!.mean).toBeCloseTo(40 / 24, 9);
    });

    it('a pending mark changes nothing; an approved M mark excludes its readings from valid aggregates', async () => {
      freshMarks();
      const maintenance = { from: sh(2024, 5, 1, 10), to: sh(2024, 5, 1, 14) };
      const pending = await marks.create({
        stationId: 's1',
        parameters: ['nh3n'],
        ...maintenance,
        flag: 'M',
        reason: '更换电极',
        by: { keyId: 'op', name: '一厂', role: 'operator' },
        at: 1,
      });
      expect((await daily())[0]).toMatchObject({ count: 24, excluded: 0 });
      await marks.decide({ markId: pending.id, kind: 'approved', by: bureau, at: 2, note: '', automatic: false });
      const days = await daily();
      expect(days.map((b) => [b.parameter, b.start, b.count, b.excluded])).toEqual([
        ['nh3n', DAY1.from, 20, 4],
        ['nh3n', DAY2.from, 23, 1],
        ['tp', DAY1.from, 24, 0],
      ]);
      expect(days[0]).toMatchObject({ mean: 1, min: 1, max: 1 });
      expect(days[1]!.mean).toBeCloseTo(24 / 23, 9);
      // Hourly: the four marked hours have no valid reading; the others are as stored.
      const hours = await daily({ parameters: ['nh3n'], to: DAY1.to, window: parseWindow('1h') });
      expect(hours).toHaveLength(24);
      expect(hours.filter((b) => b.count === 0).map((b) => (b.start - DAY1.from) / 3_600_000)).toEqual([
        10, 11, 12, 13,
      ]);
      expect(hours[10]).toMatchObject({ mean: null, min: null, max: null, excluded: 1 });
      // Over every reading whatever its flag (include=all) a mark changes nothing.
      const all = await daily({ parameters: ['nh3n'], to: DAY1.to, validOnly: false });
      expect(all[0]).toMatchObject({ count: 24, excluded: 0 });
      // A month bucket that holds the mark: recomputed whole. 20 + 23 valid readings.
      const month = await daily({ parameters: ['nh3n'], window: parseWindow('1mo'), extremes: false });
      expect(month).toEqual([
        {
          parameter: 'nh3n',
          start: sh(2024, 5, 1),
          mean: (20 + 24) / 43,
          min: null,
          max: null,
          count: 43,
          excluded: 5,
        },
      ]);
      // The stored readings are what the device sent; raw shows the effective flag, rawMarked both.
      const raw = await store.rawMarked({ stationId: 's1', parameters: ['nh3n'], ...maintenance });
      expect(raw.map((x) => [x.flag, x.originalFlag, x.markId])).toEqual(Array(4).fill(['M', 'N', pending.id]));
      expect((await store.raw({ stationId: 's1', parameters: ['nh3n'], ...maintenance })).map((x) => x.flag)).toEqual([
        'M',
        'M',
        'M',
        'M',
      ]);
      expect(
        (await fx.reader.raw({ stationId: 's1', parameters: ['nh3n'], ...maintenance })).map((x) => x.flag),
      ).toEqual(['N', 'N', 'N', 'N']);
      expect(
        await store.original.aggregate({
          stationId: 's1',
          parameters: ['nh3n'],
          ...DAY1,
          window: parseWindow('1d'),
          timeZone: TZ,
          validOnly: true,
        }),
      ).toEqual(
        await fx.reader.aggregate({
          stationId: 's1',
          parameters: ['nh3n'],
          ...DAY1,
          window: parseWindow('1d'),
          timeZone: TZ,
          validOnly: true,
        }),
      );
      expect(await store.readingsUnderMarks({ stations: [{ id: 's1', parameters: ['nh3n', 'tp'] }], ...DAY1 })).toBe(4);

      // Revoking restores the device's flags.
      await marks.decide({ markId: pending.id, kind: 'revoked', by: bureau, at: 3, note: '误标', automatic: false });
      expect((await daily())[0]).toMatchObject({ count: 24, excluded: 0 });
      expect(await store.readingsUnderMarks({ stations: [{ id: 's1', parameters: ['nh3n', 'tp'] }], ...DAY1 })).toBe(0);
    });

    it('aggregateStations applies marks as aggregate does (it would otherwise reach the inner store by prototype)', async () => {
      freshMarks();
      const q = {
        parameters: ['nh3n', 'tp'] as ParameterCode[],
        ...DAY1,
        window: parseWindow('1h'),
        timeZone: TZ,
        validOnly: true,
      };
      const unmarked = await store.aggregateStations!({ ...q, stationIds: ['s1', 's2'] });
      expect([...unmarked.keys()]).toEqual(['s1']);
      expect(unmarked.get('s1')).toEqual(await fx.reader.aggregate({ ...q, stationId: 's1' }));
      await approved({ from: sh(2024, 5, 1, 10), to: sh(2024, 5, 1, 14) });
      const marked = await store.aggregateStations!({ ...q, stationIds: ['s1', 's2'] });
      expect(marked.get('s1')).toEqual(await store.aggregate({ ...q, stationId: 's1' }));
      expect(marked.get('s1')!.filter((b) => b.parameter === 'nh3n' && b.count === 0)).toHaveLength(4);
    });

    it('an N mark restores a reading the device flagged, and the latest mark in effect wins', async () => {
      freshMarks();
      await approved({ ...DAY2, flag: 'N', at: 10 });
      expect((await daily({ parameters: ['nh3n'], from: DAY2.from }))[0]).toMatchObject({
        count: 24,
        excluded: 0,
        mean: 33 / 24,
      });
      // A later D over 05:00–06:00 wins over the N mark…
      await approved({ from: sh(2024, 5, 2, 5), to: sh(2024, 5, 2, 6), flag: 'D', at: 20 });
      expect((await daily({ parameters: ['nh3n'], from: DAY2.from }))[0]).toMatchObject({ count: 23, excluded: 1 });
      // …and an N over the whole day approved after it wins again.
      await approved({ ...DAY2, flag: 'N', at: 30 });
      expect((await daily({ parameters: ['nh3n'], from: DAY2.from }))[0]).toMatchObject({ count: 24, excluded: 0 });
    });

    it('a mark of "all" parameters covers every parameter; of one parameter, only that one', async () => {
      freshMarks();
      await approved({ parameters: ['tp'], from: sh(2024, 5, 1, 0), to: sh(2024, 5, 1, 6), flag: 'C' });
      expect((await daily({ to: DAY1.to })).map((b) => [b.parameter, b.count])).toEqual([
        ['nh3n', 24],
        ['tp', 18],
      ]);
      await approved({ parameters: 'all', from: sh(2024, 5, 1, 22), to: sh(2024, 5, 2, 2), flag: 'F' });
      expect((await daily()).map((b) => [b.parameter, b.count])).toEqual([
        ['nh3n', 22],
        ['nh3n', 21],
        ['tp', 16],
      ]);
      expect(
        await store.readingsUnderMarks({ stations: [{ id: 's1', parameters: ['nh3n', 'tp'] }], ...DAY1, to: DAY2.to }),
      ).toBe(6 + 2 + 4);
    });

    it('latest valid readings skip readings under invalidating marks and find restored ones', async () => {
      freshMarks();
      const latestNh3n = async (q: { before?: number } = {}) =>
        (await store.latest({ stationIds: ['s1'], parameters: ['nh3n'], validOnly: true, since: DAY1.from, ...q }))[0];
      expect(await latestNh3n()).toMatchObject({ ts: sh(2024, 5, 2, 23), value: 2 });
      await approved({ from: sh(2024, 5, 2, 22), to: DAY2.to, flag: 'M' });
      expect(await latestNh3n()).toMatchObject({ ts: sh(2024, 5, 2, 21), value: 1, flag: 'N' });
      await approved({ from: sh(2024, 5, 2, 6), to: sh(2024, 5, 2, 22), flag: 'D', at: 2 });
      // 05:00 is D from the device: the latest valid is 04:00.
      expect(await latestNh3n()).toMatchObject({ ts: sh(2024, 5, 2, 4) });
      await approved({ from: sh(2024, 5, 2, 5), to: sh(2024, 5, 2, 6), flag: 'N', at: 3 });
      expect(await latestNh3n()).toMatchObject({ ts: sh(2024, 5, 2, 5), value: 9, flag: 'N' });
      expect(await latestNh3n({ before: sh(2024, 5, 2, 5) })).toMatchObject({ ts: sh(2024, 5, 2, 4) });
      // The latest reading whatever its flag: the effective flag is shown.
      expect((await store.latest({ stationIds: ['s1'], parameters: ['nh3n'], validOnly: false }))[0]).toMatchObject({
        ts: sh(2024, 5, 2, 23),
        flag: 'M',
      });
      // Another parameter is untouched.
      expect((await store.latest({ stationIds: ['s1'], parameters: ['tp'], validOnly: true }))[0]).toMatchObject({
        ts: sh(2024, 5, 1, 23),
      });
    });

    if (name.includes('rollups')) {
      it('recomputes the buckets a mark touches from the raw readings, never from rollups of the original flags', async () => {
        freshMarks();
        // A reading the rollups do not know: only an answer from the raw readings contains it.
        await fx.writeBehindRollups!(r('tp', sh(2024, 5, 1, 0, 30), 100));
        const before = await daily({ parameters: ['tp'], to: DAY1.to });
        expect(before[0]).toMatchObject({ count: 24, max: 0.1 }); // from the rollups
        await approved({ parameters: ['tp'], from: sh(2024, 5, 1, 23), to: DAY1.to, flag: 'M' });
        const after = await daily({ parameters: ['tp'], to: DAY1.to });
        expect(after[0]).toMatchObject({ count: 24, excluded: 1, max: 100 }); // from the raw readings: 25 stored
      });
    }
  });
}
