import { describe, expect, it } from 'vitest';
import { parseWindow } from '../../src/domain/time-window.js';
import { cellStart, mergeCells, planAggregate, type CellAggregate } from '../../src/store/bucket-plan.js';

const H = 3_600_000;
const D = 24 * H;
const sh = (y: number, mo: number, d: number, h = 0) => Date.UTC(y, mo - 1, d, h - 8);

describe('planAggregate', () => {
  it('gives Asia/Shanghai one slice whose grid starts at local midnight (16:00 UTC)', () => {
    const plan = planAggregate({
      from: sh(2026, 11, 1),
      to: sh(2026, 12, 1),
      window: parseWindow('1d'),
      timeZone: 'Asia/Shanghai',
    });
    expect(plan.slices).toEqual([
      { from: sh(2026, 11, 1), to: sh(2026, 12, 1), offset: 8 * H, step: D, phase: 16 * H },
    ]);
    expect(cellStart(sh(2026, 11, 28, 23), plan.slices[0]!)).toBe(sh(2026, 11, 28));
  });

  it('uses local-day cells for months, and hour-aligned phases for sub-day windows', () => {
    expect(
      planAggregate({ from: 0, to: D, window: parseWindow('1mo'), timeZone: 'Asia/Shanghai' }).slices[0],
    ).toMatchObject({ step: D, phase: 16 * H });
    expect(
      planAggregate({ from: 0, to: D, window: parseWindow('4h'), timeZone: 'Asia/Shanghai' }).slices[0],
    ).toMatchObject({ step: 4 * H, phase: 0 });
    expect(
      planAggregate({ from: 0, to: D, window: parseWindow('1h'), timeZone: 'Asia/Kolkata' }).slices[0],
    ).toMatchObject({ step: H, phase: 0.5 * H });
    // ISO weeks: Monday 00:00 local; 1970-01-05 was a Monday.
    expect(planAggregate({ from: 0, to: D, window: parseWindow('7d'), timeZone: 'UTC' }).slices[0]).toMatchObject({
      step: 7 * D,
      phase: 4 * D,
    });
  });

  it('cuts Europe/Berlin at each offset change, with its own phase per slice', () => {
    const plan = planAggregate({
      from: Date.UTC(2026, 9, 20),
      to: Date.UTC(2026, 9, 30),
      window: parseWindow('1d'),
      timeZone: 'Europe/Berlin',
    });
    expect(plan.slices.map((s) => [s.from, s.to, s.phase])).toEqual([
      [Date.UTC(2026, 9, 20), Date.UTC(2026, 9, 25, 1), 22 * H],
      [Date.UTC(2026, 9, 25, 1), Date.UTC(2026, 9, 30), 23 * H],
    ]);
  });
});

describe('mergeCells', () => {
  const cell = (over: Partial<CellAggregate>): CellAggregate => ({
    slice: 0,
    parameter: 'tp',
    start: 0,
    count: 1,
    sum: 1,
    min: 1,
    max: 1,
    total: 1,
    ...over,
  });

  it('joins a cell cut by an offset change to the bucket that was running, and adds partials up', () => {
    const plan = planAggregate({
      from: Date.UTC(2026, 9, 24, 22),
      to: Date.UTC(2026, 9, 26),
      window: parseWindow('1d'),
      timeZone: 'Europe/Berlin',
    });
    const buckets = mergeCells(
      plan,
      [
        cell({ slice: 0, start: Date.UTC(2026, 9, 24, 22), count: 2, sum: 3, min: 1, max: 2, total: 3 }),
        // CET grid cell starting 23:00Z on the 24th, cut by the change at 01:00Z: still 25 October.
        cell({ slice: 1, start: Date.UTC(2026, 9, 24, 23), count: 1, sum: 10, min: 10, max: 10, total: 1 }),
        cell({ slice: 1, start: Date.UTC(2026, 9, 25, 23), count: 0, sum: null, min: null, max: null, total: 2 }),
      ],
      ['tp'],
      true,
    );
    expect(buckets).toEqual([
      { parameter: 'tp', start: Date.UTC(2026, 9, 24, 22), mean: 13 / 3, min: 1, max: 10, count: 3, excluded: 1 },
      { parameter: 'tp', start: Date.UTC(2026, 9, 25, 23), mean: null, min: null, max: null, count: 0, excluded: 2 },
    ]);
  });

  it('rolls local days up into months and orders by the parameters asked for, then time', () => {
    const plan = planAggregate({
      from: sh(2026, 10, 1),
      to: sh(2026, 12, 1),
      window: parseWindow('1mo'),
      timeZone: 'Asia/Shanghai',
    });
    const buckets = mergeCells(
      plan,
      [
        cell({ parameter: 'tp', start: sh(2026, 11, 30), sum: 4, min: 4, max: 4 }),
        cell({ parameter: 'tp', start: sh(2026, 10, 31), sum: 2, min: 2, max: 2 }),
        cell({ parameter: 'do', start: sh(2026, 11, 1), sum: 6, min: 6, max: 6 }),
        cell({ parameter: 'tp', start: sh(2026, 11, 1), sum: 8, min: 8, max: 8 }),
      ],
      ['tp', 'do'],
      false,
    );
    expect(buckets.map((b) => [b.parameter, b.start, b.mean, b.count, b.excluded])).toEqual([
      ['tp', sh(2026, 10, 1), 2, 1, 0],
      ['tp', sh(2026, 11, 1), 6, 2, 0],
      ['do', sh(2026, 11, 1), 6, 1, 0],
    ]);
  });
});
