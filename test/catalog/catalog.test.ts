import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, parseCatalog, type Catalog } from '../../src/catalog/index.js';

const SMALL = fileURLToPath(new URL('../fixtures/catalogs/small-valid.json', import.meta.url));
const HOUR = 3_600_000;

let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog(SMALL);
});

const ids = (links: readonly { station: { id: string } }[]) => links.map((l) => l.station.id);

describe('loading a JSON catalog', () => {
  it('loads without errors or warnings', () => {
    expect(catalog.stations).toHaveLength(11);
    expect(catalog.warnings).toEqual([]);
    expect(catalog.file).toBe(SMALL);
    expect(catalog.city).toEqual({ zh: '样例市', en: 'Sample City' });
    expect(catalog.public_url).toBe('https://qingliu.sample.example');
  });

  it('normalises parameter aliases to canonical codes', () => {
    // "pH", "溶解氧" (Chinese name), "CODMn", "NH3-N" (short form), "w21011" (HJ 212 code)
    expect(catalog.station('a-10')!.parameters).toEqual(['ph', 'do', 'codmn', 'nh3n', 'tp']);
    expect(catalog.station('plant-1-out')!.parameters).toEqual(['cod', 'nh3n', 'flow']);
  });

  it('normalises target classes written as 2, Ⅲ and iii', () => {
    expect(catalog.station('a-10')!.section!.target_class).toBe('II');
    expect(catalog.station('a-50')!.section!.target_class).toBe('III');
    expect(catalog.station('a-90')!.section!.target_class).toBe('III');
    expect(catalog.station('b-25')!.section!.target_class).toBeUndefined();
  });

  it('holds durations in milliseconds and fills defaults', () => {
    const a90 = catalog.station('a-90')!;
    expect(a90.interval).toBe(4 * HOUR);
    expect(a90.alerts).toEqual({ window: 8 * HOUR, min_valid_share: 0.6, thresholds: { nh3n: { max: 0.8 } } });
    expect(catalog.station('plant-1-out')!.interval).toBe(15 * 60_000);
    expect(catalog.station('a-50')!.public).toBe(false);
    expect(catalog.station('c-6')!.section!.waterbody).toBe('river');
    expect(catalog.station('a-50')!.section!.waterbody).toBe('river');
    expect(catalog.station('pond')!.urban).toEqual({ black_odorous: true, depth_cm: 20 });
    expect(catalog.unit('city')!.escalate_after).toEqual({ warning: 2 * HOUR, critical: 30 * 60_000 });
    expect(catalog.unit('south')!.channels).toEqual([]);
  });

  it('normalises the limit keys of custom discharge standards', () => {
    expect(catalog.dischargeStandard('zhun-iv')).toEqual({
      name: { zh: '准IV类', en: 'quasi class IV' },
      base: 'gb18918-1a',
      limits: { cod: 30, bod5: 6, nh3n: { max: 1.5, max_cold: 3 }, tp: 0.3 },
    });
    expect(catalog.dischargeStandard('gb18918-1a')).toBeUndefined();
    expect(catalog.dischargeStandard('toString')).toBeUndefined();
    expect(Object.keys(catalog.discharge_standards)).toEqual(['zhun-iv']);
  });

  it('places effluent stations at their plant outfall, and leaves influent and sewer outfalls off the river', () => {
    expect(catalog.station('plant-1-out')).toMatchObject({ river: 'river-a', river_km: 60 });
    expect(catalog.station('plant-1-in')!.river).toBeUndefined();
    expect(catalog.station('chem-out')!.river).toBeUndefined();
  });

  it('is deeply immutable', () => {
    const station = catalog.station('a-10')!;
    expect(Object.isFrozen(catalog)).toBe(true);
    expect(Object.isFrozen(catalog.stations)).toBe(true);
    expect(Object.isFrozen(station.parameters)).toBe(true);
    expect(Object.isFrozen(station.section)).toBe(true);
    expect(Object.isFrozen(catalog.unit('city')!.channels[0])).toBe(true);
    expect(Object.isFrozen(catalog.stationsOfPlant('plant-1'))).toBe(true);
    expect(() => (station.parameters as string[]).push('tn')).toThrow(TypeError);
  });

  it('reads the same catalog written as YAML', async () => {
    const json = JSON.parse(await readFile(SMALL, 'utf8')) as unknown;
    const { stringify } = await import('yaml');
    const fromYaml = parseCatalog(stringify(json), 'small.yaml');
    expect(fromYaml.stations).toEqual(catalog.stations);
    expect(fromYaml.units).toEqual(catalog.units);
  });

  it('accepts a byte-order mark', async () => {
    const text = await readFile(SMALL, 'utf8');
    expect(parseCatalog(`\uFEFF${text}`, 'bom.json').stations).toHaveLength(11);
  });
});

describe('lookups', () => {
  it('finds entries by id and answers undefined for unknown ids', () => {
    expect(catalog.station('a-50')!.name.en).toBe('A 50');
    expect(catalog.unit('north')!.level).toBe('district');
    expect(catalog.plant('plant-1')!.built).toBe('2004-05-01');
    expect(catalog.river('river-b')!.tributary_of).toBe('river-a');
    expect(catalog.station('nope')).toBeUndefined();
    expect(catalog.unit('nope')).toBeUndefined();
    expect(catalog.plant('nope')).toBeUndefined();
    expect(catalog.river('nope')).toBeUndefined();
  });

  it('relates plants, stations and operators', () => {
    expect(catalog.stationsOfPlant('plant-1').map((s) => s.id)).toEqual(['plant-1-in', 'plant-1-out']);
    expect(catalog.stationsOfPlant('nope')).toEqual([]);
    expect(catalog.plantOf('chem-out')!.id).toBe('chem');
    expect(catalog.plantOf('a-10')).toBeUndefined();
    expect(catalog.plantsOfOperator('water-co').map((p) => p.id)).toEqual(['plant-1']);
    expect(catalog.plantsOfOperator('north')).toEqual([]);
  });

  it('lists a river’s stations from the source down, and its tributaries', () => {
    expect(catalog.stationsOnRiver('river-a').map((s) => s.id)).toEqual(['a-10', 'a-50', 'plant-1-out', 'a-90']);
    expect(catalog.tributariesOf('river-a').map((r) => r.id)).toEqual(['river-b', 'river-d']);
    expect(catalog.tributariesOf('river-c')).toEqual([]);
  });
});

describe('upstream and downstream', () => {
  it('lists the same river’s stations at smaller km and whole tributaries joining above, nearest first', () => {
    // river-b joins river-a at km 40, so it is above a-50; river-d joins at km 90, below a-50.
    const links = catalog.upstreamOf('a-50');
    expect(ids(links)).toEqual(['b-25', 'b-5', 'c-6', 'a-10']);
    expect(links.map((l) => [l.distance_km, l.travel_hours])).toEqual([
      [15, 10], // 5 km down river-b at 1 km/h, then 10 km of river-a at 2 km/h
      [35, 30],
      [36, 37], // 6 km of creek c at 0.5 km/h, 20 km of river-b, 10 km of river-a
      [40, 20],
    ]);
    expect(links[2]!.rivers).toEqual(['river-c', 'river-b', 'river-a']);
    expect(links[3]!.rivers).toEqual(['river-a']);
  });

  it('counts a tributary joining at the station’s own km as upstream', () => {
    // river-d joins river-a exactly at km 90, where a-90 is.
    expect(ids(catalog.upstreamOf('a-90'))).toEqual(['d-3', 'plant-1-out', 'a-50', 'b-25', 'b-5', 'c-6', 'a-10']);
  });

  it('includes plant effluent at its outfall and never influent or unplaced stations', () => {
    const up = ids(catalog.upstreamOf('a-90'));
    expect(up).toContain('plant-1-out');
    expect(up).not.toContain('plant-1-in');
    expect(up).not.toContain('chem-out');
    expect(catalog.upstreamOf('plant-1-in')).toEqual([]);
    expect(catalog.upstreamOf('pond')).toEqual([]);
    expect(catalog.upstreamOf('nope')).toEqual([]);
  });

  it('has nothing upstream of a source station, and a tributary’s upstream stays on the tributary', () => {
    expect(catalog.upstreamOf('a-10')).toEqual([]);
    expect(ids(catalog.upstreamOf('b-25'))).toEqual(['b-5', 'c-6']);
  });

  it('goes downstream through the confluences', () => {
    const links = catalog.downstreamOf('c-6');
    expect(ids(links)).toEqual(['b-25', 'a-50', 'plant-1-out', 'a-90']);
    expect(links.map((l) => l.distance_km)).toEqual([21, 36, 46, 76]);
    expect(links[3]!.rivers).toEqual(['river-c', 'river-b', 'river-a']);
    // river-d joins at km 90, where a-90 is: the junction counts as reaching the station.
    expect(catalog.downstreamOf('d-3').map((l) => [l.station.id, l.distance_km])).toEqual([['a-90', 17]]);
    expect(catalog.downstreamOf('a-90')).toEqual([]);
  });

  it('is symmetric: B is upstream of A exactly when A is downstream of B, at the same distance and time', () => {
    const placed = catalog.stations.map((s) => s.id);
    fc.assert(
      fc.property(fc.constantFrom(...placed), fc.constantFrom(...placed), (a, b) => {
        const up = catalog.upstreamOf(a).find((l) => l.station.id === b);
        const down = catalog.downstreamOf(b).find((l) => l.station.id === a);
        expect(up === undefined).toBe(down === undefined);
        if (up && down) {
          expect(down.distance_km).toBeCloseTo(up.distance_km, 6);
          expect(down.travel_hours).toBeCloseTo(up.travel_hours, 6);
          expect(down.rivers).toEqual(up.rivers);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('responsibility', () => {
  it('walks the escalation chain up to the top', () => {
    expect(catalog.responsibilityChain('north').map((u) => u.id)).toEqual(['north', 'city', 'province']);
    expect(catalog.responsibilityChain('om').map((u) => u.id)).toEqual(['om', 'city', 'province']);
    expect(catalog.responsibilityChain('province').map((u) => u.id)).toEqual(['province']);
    expect(catalog.responsibilityChain('nope')).toEqual([]);
  });

  it('knows which units lie under which', () => {
    expect(catalog.isWithin('north', 'city')).toBe(true);
    expect(catalog.isWithin('north', 'north')).toBe(true);
    expect(catalog.isWithin('city', 'north')).toBe(false);
    expect(catalog.isWithin('water-co', 'city')).toBe(false);
  });

  it('names who gets a station’s alerts', () => {
    expect(catalog.unitsOf('a-10')).toEqual({ jurisdiction: catalog.unit('north'), maintainer: catalog.unit('om') });
    expect(catalog.unitsOf('plant-1-out')).toEqual({
      jurisdiction: catalog.unit('north'),
      maintainer: catalog.unit('om'),
      operator: catalog.unit('water-co'),
    });
    expect(catalog.unitsOf('nope')).toBeUndefined();
  });
});

describe('findStations', () => {
  const find = (filter: Parameters<Catalog['findStations']>[0]) => catalog.findStations(filter).map((s) => s.id);

  it('filters by kind, role, level and river', () => {
    expect(find({ kind: 'urban_water' })).toEqual(['pond']);
    expect(find({ kind: ['plant_effluent', 'industrial_outfall'] })).toEqual(['plant-1-out', 'chem-out']);
    expect(find({ role: 'outbound' })).toEqual(['a-90']);
    expect(find({ level: 'provincial' })).toEqual(['a-10']);
    expect(find({ river: 'river-b' })).toEqual(['b-5', 'b-25']);
  });

  it('matches a jurisdiction and everything under it', () => {
    expect(find({ jurisdiction: 'south' })).toEqual(['a-90', 'd-3', 'chem-out']);
    expect(find({ jurisdiction: 'city' })).toHaveLength(11);
    expect(find({ jurisdiction: 'province', kind: 'river_section', role: 'control' })).toEqual([
      'a-50',
      'b-5',
      'b-25',
      'c-6',
      'd-3',
    ]);
  });

  it('scopes to plants, public stations and parameters', () => {
    expect(find({ plants: ['plant-1'] })).toEqual(['plant-1-in', 'plant-1-out']);
    expect(find({ plants: [] })).toEqual([]);
    expect(find({ public: true })).toEqual(['a-10', 'a-90']);
    expect(find({ parameter: 'tp' })).toEqual(['a-10', 'a-90']);
    expect(find({})).toHaveLength(11);
  });
});
