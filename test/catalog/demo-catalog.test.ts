/**
 * The demo catalog (sensors/catalog.yaml) is what a newcomer sees first and what the simulator, the demo
 * and the browser tests run on: it must load cleanly and hold the situation issue 2 describes.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogJsonSchema } from '../../src/catalog/json-schema.js';
import { loadCatalog, STATION_ID_PATTERN, type Catalog } from '../../src/catalog/index.js';

const DEMO = fileURLToPath(new URL('../../sensors/catalog.yaml', import.meta.url));
const SCHEMA = fileURLToPath(new URL('../../sensors/catalog.schema.json', import.meta.url));
const HOUR = 3_600_000;
const SURFACE_9 = ['temp', 'ph', 'do', 'conductivity', 'turbidity', 'codmn', 'nh3n', 'tp', 'tn'];

let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog(DEMO);
});

const ids = (list: readonly { id: string }[]) => list.map((x) => x.id);

describe('the demo catalog', () => {
  it('loads without errors or warnings, with 12–16 stations', () => {
    expect(catalog.warnings).toEqual([]);
    expect(catalog.stations.length).toBeGreaterThanOrEqual(12);
    expect(catalog.stations.length).toBeLessThanOrEqual(16);
    for (const s of catalog.stations) expect(s.id).toMatch(STATION_ID_PATTERN);
  });

  it('has one inbound and one national outbound section of target class III on the main river', () => {
    const [inbound, ...moreIn] = catalog.findStations({ role: 'inbound' });
    const [outbound, ...moreOut] = catalog.findStations({ role: 'outbound' });
    expect(moreIn).toEqual([]);
    expect(moreOut).toEqual([]);
    expect(outbound!.section).toMatchObject({ level: 'national', target_class: 'III', waterbody: 'river' });
    expect(outbound!.river).toBe(inbound!.river);
    expect(outbound!.river_km!).toBeGreaterThan(inbound!.river_km!);
    expect(outbound!.name.zh).toContain('出境');
    expect(inbound!.name.zh).toContain('入境');
    // Every river station of the city lies between the two.
    for (const s of catalog.stationsOnRiver(outbound!.river!)) {
      expect(s.river_km!).toBeGreaterThanOrEqual(inbound!.river_km!);
      expect(s.river_km!).toBeLessThanOrEqual(outbound!.river_km!);
    }
    expect(catalog.findStations({ role: 'control' }).length).toBeGreaterThanOrEqual(3);
  });

  it('has the No.1 and No.2 sewage plants at 1A, one built before 2006, each with influent and effluent stations between sections', () => {
    const wwtps = catalog.plants.filter((p) => p.type === 'wwtp');
    expect(wwtps.map((p) => p.name.zh)).toEqual(['澄州市第一污水处理厂', '澄州市第二污水处理厂']);
    expect(wwtps.every((p) => p.discharge_standard === 'gb18918-1a')).toBe(true);
    expect(wwtps.filter((p) => p.built! < '2006-01-01')).toHaveLength(1);
    expect(wwtps.filter((p) => p.built! >= '2006-01-01')).toHaveLength(1);
    const sections = catalog.findStations({ kind: 'river_section', river: 'yunxi' }).map((s) => s.river_km!);
    for (const plant of wwtps) {
      expect(
        catalog
          .stationsOfPlant(plant.id)
          .map((s) => s.kind)
          .sort(),
      ).toEqual(['plant_effluent', 'plant_influent']);
      expect(sections.some((km) => km < plant.river_km!)).toBe(true);
      expect(sections.some((km) => km > plant.river_km!)).toBe(true);
      expect(catalog.unit(plant.operator_unit)!.level).toBe('operator');
    }
  });

  it('has an industrial outfall with custom permit limits', () => {
    const [outfall] = catalog.findStations({ kind: 'industrial_outfall' });
    const plant = catalog.plantOf(outfall!.id)!;
    expect(plant.type).toBe('industrial');
    const permit = catalog.dischargeStandard(plant.discharge_standard)!;
    expect(permit.limits).toMatchObject({ cod: 80, nh3n: 10, ph: { min: 6, max: 9 } });
    expect(outfall!.river).toBe('yunxi');
  });

  it('has a lake-type wetland park and two black-odorous urban water bodies', () => {
    const lakes = catalog.stations.filter((s) => s.section?.waterbody === 'lake');
    expect(lakes.map((s) => s.name.zh)).toEqual(['云溪湿地公园']);
    const urban = catalog.findStations({ kind: 'urban_water' });
    expect(urban).toHaveLength(2);
    for (const s of urban) {
      expect(s.urban?.black_odorous).toBe(true);
      expect([...s.parameters].sort()).toEqual(['do', 'nh3n', 'orp', 'transparency']);
    }
  });

  it('uses realistic parameter sets and intervals', () => {
    for (const s of catalog.findStations({ kind: 'river_section' })) {
      expect(s.parameters).toEqual(expect.arrayContaining(SURFACE_9));
      expect(s.interval).toBe(4 * HOUR);
    }
    for (const s of catalog.findStations({ kind: ['plant_effluent', 'plant_influent', 'industrial_outfall'] })) {
      expect(s.parameters).toEqual(expect.arrayContaining(['cod', 'nh3n', 'tp', 'tn', 'ph', 'flow']));
      expect(s.interval).toBeLessThanOrEqual(HOUR);
    }
    expect(catalog.findStations({ kind: 'plant_effluent' }).every((s) => s.parameters.includes('temp'))).toBe(true);
  });

  it('has one tributary whose stations are upstream of the outbound section', () => {
    const tributaries = catalog.rivers.filter((r) => r.tributary_of !== undefined);
    expect(ids(tributaries)).toEqual(['baisha']);
    const up = catalog.upstreamOf('longdukou').map((l) => l.station.id);
    expect(up).toEqual(
      expect.arrayContaining([
        'shitang',
        'baisha-mouth',
        'wwtp1-effluent',
        'wwtp2-effluent',
        'jinhua-outfall',
        'huangnidu',
      ]),
    );
    expect(up[0]).toBe('xinzha');
    expect(up).not.toContain('wwtp1-influent');
    expect(up).not.toContain('hehuabang');
  });

  it('places stations in eastern China and keeps the river positions in order with the coordinates', () => {
    for (const s of catalog.stations) {
      expect(s.location.lat).toBeGreaterThan(30.5);
      expect(s.location.lat).toBeLessThan(31.5);
      expect(s.location.lon).toBeGreaterThan(119.5);
      expect(s.location.lon).toBeLessThan(120.5);
    }
    // The Yunxi flows west to east here: downstream means further east.
    const onYunxi = catalog.findStations({ kind: 'river_section', river: 'yunxi' });
    const lons = onYunxi.map((s) => s.location.lon);
    expect(lons).toEqual([...lons].sort((a, b) => a - b));
  });

  it('makes a few stations public, and escalates districts to the city bureau', () => {
    const open = catalog.findStations({ public: true });
    expect(open.length).toBeGreaterThanOrEqual(2);
    expect(open.length).toBeLessThan(catalog.stations.length / 2);
    for (const s of catalog.findStations({ kind: 'river_section' })) {
      const chain = catalog.responsibilityChain(s.jurisdiction).map((u) => u.id);
      expect(chain.at(-1)).toBe('cz-eeb');
      expect(catalog.unit(chain[0]!)!.name.zh).toMatch(/分局$/);
    }
    expect(catalog.responsibilityChain('qingyuan-om').map((u) => u.id)).toEqual(['qingyuan-om', 'cz-emc', 'cz-eeb']);
  });

  it('keeps secrets out of the file: robot channels name environment variables', () => {
    for (const unit of catalog.units) {
      for (const channel of unit.channels) {
        if (channel.type === 'dingtalk' || channel.type === 'wecom' || channel.type === 'feishu')
          expect(channel.url_env).toMatch(/^[A-Z0-9_]+$/);
      }
    }
  });
});

describe('sensors/catalog.schema.json', () => {
  it('is the JSON Schema generated from the zod schema (regenerate with `qingliu catalog schema`)', async () => {
    const committed = JSON.parse(await readFile(SCHEMA, 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(catalogJsonSchema())));
  });

  it('is referenced by the demo catalog for editor completion', async () => {
    const text = await readFile(DEMO, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./catalog.schema.json');
  });
});
