import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from '../../src/catalog/index.js';
import { classLimits } from '../../src/domain/gb3838.js';
import { limitBands, standardOf } from '../../src/services/station-standard.js';
import { limitsOf, yRange } from '../../src/web/app/bands.js';
import type { LimitBandJson } from '../../src/web/app/api-types.js';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog('sensors/catalog.yaml');
});

/** The limits exactly as `GET /stations/{id}` sends them (the service the route calls). */
function apiLimits(stationId: string): Record<string, LimitBandJson> {
  const station = catalog.station(stationId)!;
  return limitBands(standardOf(catalog, station), station.parameters) as Record<string, LimitBandJson>;
}

describe('chart bands from the API limits', () => {
  it('NH3-N in a river: six bands whose edges are GB 3838-2002 Table 1 (0.15, 0.5, 1.0, 1.5, 2.0)', () => {
    const { bands, lines } = limitsOf(apiLimits('longdukou').nh3n);
    expect(lines).toEqual([]);
    expect(bands.map((b) => b.kind)).toEqual(['I', 'II', 'III', 'IV', 'V', '劣V']);
    expect(bands.slice(0, 5).map((b) => b.to)).toEqual([...classLimits('nh3n', 'river')!]);
    expect(bands[0]!.from).toBe(Number.NEGATIVE_INFINITY);
    expect(bands[5]).toEqual({ from: 2, to: Number.POSITIVE_INFINITY, kind: '劣V' });
  });

  it('TP in a lake takes the lake column (the wetland park is a lake-type water body)', () => {
    const river = limitsOf(apiLimits('longdukou').tp).bands.map((b) => b.to);
    const lake = limitsOf(apiLimits('yunxi-wetland').tp).bands.map((b) => b.to);
    expect(lake.slice(0, 5)).toEqual([...classLimits('tp', 'lake')!]);
    expect(lake).not.toEqual(river);
  });

  it('dissolved oxygen runs the other way: class I at the top (≥ 7.5 mg/L), 劣V below 2', () => {
    const { bands } = limitsOf(apiLimits('longdukou').do);
    expect(bands[0]).toEqual({ from: 7.5, to: Number.POSITIVE_INFINITY, kind: 'I' });
    expect(bands[bands.length - 1]).toEqual({ from: Number.NEGATIVE_INFINITY, to: 2, kind: '劣V' });
  });

  it('COD classes I and II share 15 mg/L: the band collapses into class I, as the evaluation judges', () => {
    const cod = limitsOf({ kind: 'gb3838', rule: 'max', classes: { I: 15, II: 15, III: 20, IV: 30, V: 40 }, target: 20 }).bands;
    expect(cod.map((b) => b.kind)).toEqual(['I', 'III', 'IV', 'V', '劣V']);
  });

  it('pH 6–9 is one acceptable band between two bad ones; temperature and conductivity have none', () => {
    const limits = apiLimits('longdukou');
    expect(limitsOf(limits.ph).bands.map((b) => [b.from, b.to, b.kind])).toEqual([
      [Number.NEGATIVE_INFINITY, 6, 'bad'],
      [6, 9, 'ok'],
      [9, Number.POSITIVE_INFINITY, 'bad'],
    ]);
    expect(limitsOf(limits.temp).bands).toEqual([]);
    expect(limitsOf(limits.conductivity).bands).toEqual([]);
  });

  it("a plant's discharge limits are lines: GB 18918 1A NH3-N 5 (8 at ≤ 12 °C), TP by construction date", () => {
    const wwtp1 = apiLimits('wwtp1-effluent');
    const wwtp2 = apiLimits('wwtp2-effluent');
    expect(limitsOf(wwtp1.nh3n).lines).toEqual([
      { value: 5, side: 'max' },
      { value: 8, side: 'max', note: 'cold' },
    ]);
    expect(limitsOf(wwtp1.tp).lines).toEqual([{ value: 1, side: 'max' }]); // built 2003
    expect(limitsOf(wwtp2.tp).lines).toEqual([{ value: 0.5, side: 'max' }]); // built 2012
    expect(limitsOf(wwtp1.ph).lines.map((l) => [l.value, l.side])).toEqual([
      [9, 'max'],
      [6, 'min'],
    ]);
    // The dyeing works' permit (a custom standard in the catalog) comes through the same way.
    expect(limitsOf(apiLimits('jinhua-outfall').cod).lines).toEqual([{ value: 80, side: 'max' }]);
  });

  it('black-odorous creeks get the 2015 guideline levels: low transparency is bad, high NH3-N is bad', () => {
    const limits = apiLimits('hehuabang');
    const transparency = limitsOf(limits.transparency).bands;
    expect(transparency.map((b) => b.kind)).toEqual(['bo-severe', 'bo-light', 'bo-none']);
    expect(transparency[0]!.to).toBe(10);
    expect(transparency[1]!.to).toBe(25);
    const nh3n = limitsOf(limits.nh3n).bands;
    expect(nh3n.map((b) => b.kind)).toEqual(['bo-none', 'bo-light', 'bo-severe']);
    expect(nh3n[1]!.from).toBe(8);
    expect(nh3n[1]!.to).toBe(15);
  });

  it('no limit, nothing drawn', () => {
    expect(limitsOf(undefined)).toEqual({ bands: [], lines: [] });
  });
});

describe('the y range', () => {
  const nh3n = () => limitsOf(apiLimits('longdukou').nh3n as LimitBandJson);

  it('widens to the next class boundary above the data when it is near, so the reader sees the margin', () => {
    const [lo, hi] = yRange([0.55, 0.7, 0.62], nh3n())!;
    expect(hi).toBeGreaterThan(1.0); // class III's upper edge, plus padding
    expect(hi).toBeLessThan(1.2);
    expect(lo).toBeLessThan(0.5); // down to class II's edge
  });

  it('does not squash the data to a sliver for a far boundary', () => {
    const [, hi] = yRange([0.03, 0.04], limitsOf(apiLimits('longdukou').nh3n))!;
    expect(hi).toBeLessThan(0.2);
  });

  it('shows the limit line of a plant near its values, and never dips below 0 for positive data', () => {
    const wwtp = limitsOf(apiLimits('wwtp1-effluent').tp as LimitBandJson);
    const [lo, hi] = yRange([0.2, 0.3, 0.8], wwtp)!;
    expect(hi).toBeGreaterThan(1);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(lo).toBeLessThan(0.2);
    expect(yRange([0.01, 0.5], wwtp)![0]).toBe(0);
  });

  it('has nothing to show without data or limits', () => {
    expect(yRange([], { bands: [], lines: [] })).toBeUndefined();
  });
});
