import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseWindow } from '../../../src/domain/time-window.js';
import { planAggregate } from '../../../src/store/bucket-plan.js';
import {
  DirtyHours,
  HOUR,
  hourRanges,
  hourStart,
  planRecompute,
  rollupsFromResults,
  splitPlan,
  rollupStatus,
} from '../../../src/store/influx/hourly-rollup.js';

const T0 = Date.UTC(2026, 10, 28, 0);
const r = (stationId: string, ts: number) => ({ stationId, parameter: 'ph' as const, ts, value: 7, flag: 'N' as const });

describe('hourStart and hourRanges', () => {
  it('floors to the UTC hour, before 1970 too', () => {
    expect(hourStart(T0 + 59 * 60_000 + 59_999)).toBe(T0);
    expect(hourStart(T0)).toBe(T0);
    expect(hourStart(-1)).toBe(-HOUR);
  });
  it('joins consecutive hours and ignores duplicates and order', () => {
    expect(hourRanges([T0 + 2 * HOUR, T0, T0 + HOUR, T0 + 5 * HOUR, T0])).toEqual([
      [T0, T0 + 3 * HOUR],
      [T0 + 5 * HOUR, T0 + 6 * HOUR],
    ]);
    expect(hourRanges([])).toEqual([]);
  });
});

describe('DirtyHours', () => {
  it('reports only new marks, and a pass clears only what was not marked again meanwhile', () => {
    const dirty = new DirtyHours();
    expect(dirty.markReadings([r('A', T0 + 5), r('A', T0 + 10), r('B', T0 + HOUR)])).toEqual([
      { stationId: 'A', hour: T0 },
      { stationId: 'B', hour: T0 + HOUR },
    ]);
    expect(dirty.markReadings([r('A', T0 + 20)])).toEqual([]);
    expect(dirty.size).toBe(2);
    const snapshot = dirty.snapshot(T0 + 2 * HOUR);
    dirty.markReadings([r('A', T0 + 30)]); // written again while the pass ran
    dirty.clear(snapshot);
    expect(dirty.size).toBe(1);
    expect(dirty.earliest()).toBe(T0);
    dirty.clear(dirty.snapshot(T0 + 2 * HOUR));
    expect(dirty.size).toBe(0);
    expect(dirty.earliest()).toBeUndefined();
  });
  it('snapshots only the hours before the given one (the open hour waits)', () => {
    const dirty = new DirtyHours();
    dirty.markReadings([r('A', T0), r('A', T0 + HOUR)]);
    expect([...dirty.snapshot(T0 + HOUR).get('A')!.keys()]).toEqual([T0]);
  });
  it('marks the same hours from the spool\'s line form as from readings (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            stationId: fc.constantFrom('A', 'B', '站点-1', 'x y'),
            ts: fc.integer({ min: -10 * HOUR, max: 2_000_000_000_000 }),
          }),
        ),
        (rows) => {
          const fromObjects = new DirtyHours();
          const fromBytes = new DirtyHours();
          const readings = rows.map((row) => r(row.stationId, row.ts));
          const text = readings.map((x) => `R\t${x.stationId}\t${x.parameter}\t${x.ts}\t${x.value}\t${x.flag}\n`).join('') + 'garbage\n';
          expect(fromBytes.markEncoded(Buffer.from(text))).toEqual(fromObjects.markReadings(readings));
          expect(fromBytes.toJSON()).toEqual(fromObjects.toJSON());
        },
      ),
    );
  });

  it('survives its JSON form', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('A', 'B', '站点'), fc.integer({ min: -50, max: 500 }))), (marks) => {
        const dirty = new DirtyHours();
        for (const [s, h] of marks) dirty.mark(s, T0 + h * HOUR);
        const back = DirtyHours.fromJSON(JSON.parse(JSON.stringify(dirty.toJSON())) as ReturnType<DirtyHours['toJSON']>);
        expect(back.toJSON()).toEqual(dirty.toJSON());
        expect(back.size).toBe(dirty.size);
      }),
    );
  });
});

describe('planRecompute', () => {
  it('shares one query among stations dirty over the same hours', () => {
    const dirty = new DirtyHours();
    for (const s of ['C', 'A', 'B']) dirty.mark(s, T0);
    dirty.mark('A', T0 - 10 * HOUR);
    expect(planRecompute(dirty.snapshot(T0 + HOUR))).toEqual([
      { stationIds: ['A'], from: T0 - 10 * HOUR, to: T0 - 9 * HOUR },
      { stationIds: ['A', 'B', 'C'], from: T0, to: T0 + HOUR },
    ]);
  });
  it('covers every dirty station-hour exactly once within the limits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 300 })), { maxLength: 400 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 50 }),
        (marks, maxStations, maxStationHours) => {
          const dirty = new DirtyHours();
          for (const [s, h] of marks) dirty.mark(`s${s}`, T0 + h * HOUR);
          const tasks = planRecompute(dirty.snapshot(Infinity), { maxStations, maxStationHours });
          const seen: string[] = [];
          for (const task of tasks) {
            expect(task.stationIds.length).toBeLessThanOrEqual(maxStations);
            const hours = (task.to - task.from) / HOUR;
            expect(hours * task.stationIds.length <= maxStationHours || hours === 1).toBe(true);
            for (const s of task.stationIds) for (let h = task.from; h < task.to; h += HOUR) seen.push(`${s}@${h}`);
          }
          const expected = [...new Set(marks.map(([s, h]) => `s${s}@${T0 + h * HOUR}`))];
          expect(seen.sort()).toEqual(expected.sort());
        },
      ),
    );
  });
});

describe('splitPlan', () => {
  const plan = (window: string, timeZone: string, from: number, to: number) =>
    planAggregate({ from, to, window: parseWindow(window), timeZone });

  it('answers the whole hours inside the trusted range from the rollups, the edges raw', () => {
    const parts = splitPlan(plan('1d', 'Asia/Shanghai', T0 + 10 * 60_000, T0 + 50 * HOUR), { from: 0, to: T0 + 40 * HOUR + 1 });
    expect(parts.map((p) => [p.source, p.from - T0, p.to - T0])).toEqual([
      ['raw', 10 * 60_000, HOUR],
      ['rollup', HOUR, 40 * HOUR],
      ['raw', 40 * HOUR, 50 * HOUR],
    ]);
  });
  it('stays raw without a trusted range, below an hour, or where the zone is not whole hours from UTC', () => {
    expect(splitPlan(plan('1h', 'Asia/Shanghai', T0, T0 + 9 * HOUR), undefined).map((p) => p.source)).toEqual(['raw']);
    expect(splitPlan(plan('30m', 'Asia/Shanghai', T0, T0 + 9 * HOUR), { from: 0, to: Infinity }).map((p) => p.source)).toEqual(['raw']);
    expect(splitPlan(plan('1h', 'Asia/Kolkata', T0, T0 + 9 * HOUR), { from: 0, to: Infinity }).map((p) => p.source)).toEqual(['raw']);
    expect(splitPlan(plan('1h', 'Asia/Shanghai', T0, T0 + 9 * HOUR), { from: T0 + 20 * HOUR, to: Infinity }).map((p) => p.source)).toEqual(['raw']);
  });
  it('covers each slice exactly, rollup pieces on whole hours (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 * 24 * 60 }),
        fc.integer({ min: 1, max: 60 * 24 * 60 }),
        fc.integer({ min: -100, max: 2000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.constantFrom('1h', '2h', '1d', '1mo'),
        fc.constantFrom('Asia/Shanghai', 'UTC', 'Europe/Berlin'),
        (fromMin, lenMin, trustedFromH, trustedLenH, window, timeZone) => {
          const p = plan(window, timeZone, T0 + fromMin * 60_000, T0 + (fromMin + lenMin) * 60_000);
          const parts = splitPlan(p, { from: T0 + trustedFromH * HOUR, to: T0 + (trustedFromH + trustedLenH) * HOUR });
          p.slices.forEach((slice, i) => {
            const mine = parts.filter((x) => x.slice === i);
            expect(mine[0]!.from).toBe(slice.from);
            expect(mine[mine.length - 1]!.to).toBe(slice.to);
            for (let k = 1; k < mine.length; k++) expect(mine[k]!.from).toBe(mine[k - 1]!.to);
            for (const x of mine.filter((y) => y.source === 'rollup')) {
              expect(x.from % HOUR).toBe(0);
              expect(x.to % HOUR).toBe(0);
              expect(x.from).toBeGreaterThanOrEqual(T0 + trustedFromH * HOUR);
              expect(x.to).toBeLessThanOrEqual(T0 + (trustedFromH + trustedLenH) * HOUR);
            }
          });
        },
      ),
    );
  });
});

describe('answers of InfluxDB', () => {
  it('turn into rollups with sentinel extremes where no reading counts', () => {
    const rollups = rollupsFromResults([
      { series: [{ name: 'reading', tags: { station: 'A', param: 'ph' }, columns: ['time', 's', 'n', 'lo', 'hi'], values: [[T0, 14, 2, 6.9, 7.1]] }] },
      {
        series: [
          { name: 'reading', tags: { station: 'A', param: 'ph' }, columns: ['time', 'total'], values: [[T0, 3], [T0 + HOUR, 2]] },
        ],
      },
    ]);
    expect(rollups).toEqual([
      { stationId: 'A', parameter: 'ph', hour: T0, sum: 14, count: 2, min: 6.9, max: 7.1, total: 3 },
      { stationId: 'A', parameter: 'ph', hour: T0 + HOUR, sum: 0, count: 0, min: Number.MAX_VALUE, max: -Number.MAX_VALUE, total: 2 },
    ]);
  });
  it('trust the hours from the coverage mark to the smallest clean_before of all writers', () => {
    const state = (values: [string, number][]) => ({
      series: values.map(([instance, v]) => ({ name: 'rollup_state', tags: { instance }, columns: ['time', 'clean_before'], values: [[0, v]] })),
    });
    const coverage = (v: number) => ({ series: [{ name: 'rollup_coverage', columns: ['time', 'covered_from'], values: [[0, v]] }] });
    expect(rollupStatus([state([['a', 50], ['b', 30]]), coverage(10)]).trusted).toEqual({ from: 10, to: 30 });
    expect(rollupStatus([state([]), coverage(10)]).trusted).toBeUndefined();
    expect(rollupStatus([state([['a', 50]]), {}]).trusted).toBeUndefined();
    expect(rollupStatus([state([['a', 5]]), coverage(10)]).trusted).toBeUndefined();
  });
});
