import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CatalogError, loadCatalog, parseCatalog } from '../../src/catalog/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/catalogs/${name}`, import.meta.url));

async function catalogError(promise: Promise<unknown>): Promise<CatalogError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CatalogError);
  return err as CatalogError;
}

function errorOf(fn: () => unknown): CatalogError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return err as CatalogError;
  }
  throw new Error('expected a CatalogError');
}

/** A minimal valid catalog in YAML, with `extra` appended to its one station. */
function yamlWith(stationExtra = '', top = ''): string {
  return `version: 1
city: { zh: 测试市, en: Test City }
units:
  - { id: city, name: { zh: 市局, en: City Bureau }, level: city, channels: [{ type: mqtt }] }
  - { id: upkeep, name: { zh: 运维, en: Upkeep }, level: maintainer, parent: city }
rivers:
  - { id: main, name: { zh: 主河, en: Main }, length_km: 50, flow_speed_kmh: 2 }
${top}stations:
  - id: s1
    name: { zh: 站一, en: Station 1 }
    kind: river_section
    location: { lat: 30.1, lon: 120.1 }
    river: main
    river_km: 10
    section: { role: control, level: municipal, target_class: III }
    jurisdiction: city
    maintainer: upkeep
    parameters: [ph, do]
    interval: 4h
${stationExtra}`;
}

describe('a catalog with many mistakes', () => {
  const file = fixture('many-errors.yaml');
  // Every mistake planted in the fixture, as (path, what the message says).
  const expected: [string, RegExp][] = [
    ['version', /unsupported catalog version/],
    ['units[0].channels[0].url_env', /missing \(required\)/],
    ['units[0].channels[0].url', /dingtalk robot URL embeds its access token/],
    ['units[0].channels[1].url', /carries a credential/],
    ['units[0].channels[2].type', /expected a channel type/],
    ['units[1].parent', /unknown unit "citty" \(known: city, east, upkeep\)/],
    ['units[2].escalate_after.warning', /"soon" is not a duration/],
    ['rivers[1].tributary_of', /unknown river "mian"/],
    ['plants[0].discharge_standard', /unknown discharge standard "gb18918-1c".*custom: permit/],
    ['plants[0].built', /calendar date/],
    ['plants[0].operator_unit', /unknown unit "nobody"/],
    ['discharge_standards.permit.limits.unobtainium', /unknown parameter "unobtainium"/],
    ['stations[0].id', /MQTT topic level/],
    ['stations[0].location.lat', /latitude/],
    ['stations[0].river', /unknown river "yunxy" \(known: main, side\)/],
    ['stations[0].section.target_class', /I, II, III, IV or V/],
    ['stations[0].parameters[2]', /nh3n is listed twice/],
    ['stations[0].parameters[3]', /unknown parameter "unobtainium"/],
    ['stations[0].interval', /expected a duration string/],
    ['stations[1].river_km', /55 km is beyond the end of main \(50 km long\)/],
    ['stations[1].section.target_class', /outbound section \(出境断面\) needs its target class/],
    ['stations[1].jurisdiction', /must be a district\/county\/city\/province unit; upkeep is maintainer/],
    ['stations[1].alerts.window', /shorter than the reporting interval/],
    ['stations[2].plant', /needs the id of its plant/],
    ['stations[2].id', /duplicate id "outbound" \(also stations\[1\]\)/],
    ['stations[2].maintainer', /unknown unit "ghost"/],
    ['stations[2].river_kms', /unknown field "river_kms"/],
  ];

  it('lists every error, each once, as FILE: path: message (line, column)', async () => {
    const err = await catalogError(loadCatalog(file));
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(expected.length);
    expect(err.issues).toHaveLength(expected.length);
    for (const line of lines)
      expect(line).toMatch(
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\S.*: .+ \\(line \\d+, column \\d+\\)$`),
      );
    for (const [path, message] of expected) {
      const matching = err.issues.filter((i) => i.path === path && message.test(i.message));
      expect(matching, `${path} ${message}`).toHaveLength(1);
    }
  });

  it('points at the line of the offending field, and lists errors in file order', async () => {
    const err = await catalogError(loadCatalog(file));
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n');
    const at = (path: string) => err.issues.find((i) => i.path === path)!;
    expect(lines[at('stations[0].river').line! - 1]).toContain('river: yunxy');
    expect(lines[at('plants[0].operator_unit').line! - 1]).toContain('operator_unit: nobody');
    expect(lines[at('stations[2].river_kms').line! - 1]).toContain('river_kms: 3');
    // A missing field points at the entry that lacks it.
    expect(lines[at('stations[2].plant').line! - 1]).toContain('- id: outbound');
    const positions = err.issues.map((i) => i.line! * 1000 + i.column!);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('checks the references of an entry even when another of its fields is invalid', async () => {
    const err = await catalogError(loadCatalog(file));
    // stations[0] has five schema errors, yet its unknown river is still reported.
    expect(err.issues.some((i) => i.path === 'stations[0].river')).toBe(true);
  });
});

describe('structural errors', () => {
  it('reports loops in the unit parents and in the tributaries once each', async () => {
    const err = await catalogError(loadCatalog(fixture('cycles.yaml')));
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'units[0].parent: the parent chain loops: alpha → gamma → beta → alpha',
      'units[3].parent: a unit cannot be its own parent',
      'rivers[0].tributary_of: the tributary chain loops: east → west → east',
      'rivers[1].joins_at_km: 12 km is beyond the end of east (10 km long)',
    ]);
  });

  it('does not report a reference to an entry that is itself invalid as unknown', () => {
    const text = yamlWith('', '').replace(
      '  - { id: main, name: { zh: 主河, en: Main }, length_km: 50, flow_speed_kmh: 2 }',
      '  - { id: main, name: { zh: 主河, en: Main }, length_km: -50, flow_speed_kmh: 2 }',
    );
    const err = errorOf(() => parseCatalog(text, 't.yaml'));
    expect(err.issues.map((i) => i.path)).toEqual(['rivers[0].length_km']);
  });

  it('requires the section block, the plant and the positions by kind', () => {
    const text = `version: 1
city: { zh: 测试市, en: Test City }
units:
  - { id: city, name: { zh: 市局, en: City Bureau }, level: city }
rivers:
  - { id: main, name: { zh: 主河, en: Main }, length_km: 50, flow_speed_kmh: 2 }
plants:
  - { id: works, name: { zh: 工厂, en: Works }, type: industrial, discharge_standard: gb18918-2, operator_unit: city }
  - { id: stp, name: { zh: 污水厂, en: STP }, type: wwtp, discharge_standard: gb18918-1a, operator_unit: city, river: main }
stations:
  - { id: no-section, name: { zh: 甲, en: A }, kind: river_section, location: { lat: 30, lon: 120 }, river: main, river_km: 1, jurisdiction: city, maintainer: city, parameters: [ph], interval: 4h }
  - { id: no-river, name: { zh: 乙, en: B }, kind: river_section, location: { lat: 30, lon: 120 }, section: { role: control, level: municipal }, jurisdiction: city, maintainer: city, parameters: [ph], interval: 4h }
  - { id: stray-section, name: { zh: 丙, en: C }, kind: urban_water, location: { lat: 30, lon: 120 }, section: { role: control, level: municipal }, plant: works, jurisdiction: city, maintainer: city, parameters: [ph], interval: 4h }
  - { id: wrong-plant, name: { zh: 丁, en: D }, kind: plant_effluent, plant: works, location: { lat: 30, lon: 120 }, jurisdiction: city, maintainer: city, parameters: [cod], interval: 1h }
  - { id: wrong-outfall, name: { zh: 戊, en: E }, kind: industrial_outfall, plant: stp, location: { lat: 30, lon: 120 }, jurisdiction: city, maintainer: city, parameters: [cod], interval: 1h }
  - { id: influent-on-river, name: { zh: 己, en: F }, kind: plant_influent, plant: stp, river: main, river_km: 3, location: { lat: 30, lon: 120 }, urban: { depth_cm: 10 }, jurisdiction: city, maintainer: city, parameters: [cod], interval: 1h }
`;
    const err = errorOf(() => parseCatalog(text, 'kinds.yaml'));
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'plants[1].river_km: river and river_km go together: give both or neither',
      'stations[0].section: a river_section needs a section block (role, level, target_class, waterbody)',
      'stations[1].river: a river section needs river and river_km (its position along the river)',
      'stations[2].section: only river_section stations have a section block, this one is urban_water',
      'stations[2].plant: only plant and outfall stations name a plant, this one is urban_water',
      'stations[3].plant: a plant_effluent station belongs to a wwtp; works is industrial (use kind industrial_outfall)',
      'stations[4].plant: an industrial_outfall belongs to an industrial plant; stp is a wwtp',
      'stations[5].river: a plant_influent station measures sewage entering the plant, not the river: remove river and river_km',
      'stations[5].urban: only urban_water stations have an urban block, this one is plant_influent',
    ]);
  });

  it('refuses a custom standard that reuses a built-in id, and two spellings of one limit', () => {
    const top = `discharge_standards:
  gb18918-1a:
    name: { zh: 假, en: Fake }
    limits: { cod: 40 }
  permit:
    name: { zh: 许可, en: Permit }
    limits: { nh3n: 5, NH3-N: 4 }
`;
    const err = errorOf(() => parseCatalog(yamlWith('', top), 'std.yaml'));
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'discharge_standards.gb18918-1a: "gb18918-1a" is a built-in standard; give the custom one another id',
      'discharge_standards.permit.limits.NH3-N: "NH3-N" and "nh3n" are the same parameter (nh3n)',
    ]);
  });

  it('refuses thresholds for parameters the station does not measure', () => {
    const err = errorOf(() =>
      parseCatalog(yamlWith('    alerts: { thresholds: { NH3-N: { max: 1 }, ph: { min: 6.5 } } }\n'), 't.yaml'),
    );
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "stations[0].alerts.thresholds.NH3-N: nh3n is not among this station's parameters, so the threshold could never apply",
    ]);
  });

  it('names an empty or wrong top level', () => {
    expect(errorOf(() => parseCatalog('', 'empty.yaml')).message).toBe(
      'empty.yaml: the file is empty: a catalog starts with "version: 1"',
    );
    expect(errorOf(() => parseCatalog('[]', 'list.json')).message).toBe(
      'list.json: Invalid input: expected object, received array (line 1, column 1)',
    );
    const err = errorOf(() => parseCatalog('version: 1\n', 'bare.yaml'));
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'city: missing (required)',
      'units: missing (required)',
      'stations: missing (required)',
    ]);
  });
});

describe('syntax errors', () => {
  it('gives the line and column of a YAML syntax error', async () => {
    const file = fixture('syntax-error.yaml');
    const err = await catalogError(loadCatalog(file));
    expect(err.message).toBe(
      `${file}: YAML syntax error: All mapping items must start at the same column (line 6, column 1)`,
    );
    expect(err.issues[0]).toMatchObject({ path: '', line: 6, column: 1 });
  });

  it('reports a duplicate YAML key with its position', () => {
    const err = errorOf(() => parseCatalog('version: 1\nversion: 1\n', 'dup.yaml'));
    expect(err.message).toMatch(/^dup\.yaml: YAML syntax error: .*key.* \(line 2, column 1\)$/i);
  });

  it('gives the position of a JSON syntax error', () => {
    const err = errorOf(() => parseCatalog('{\n  "version": 1,\n  "city" {}\n}\n', 'bad.json'));
    expect(err.message).toMatch(/^bad\.json: JSON syntax error: .+ \(line 3, column \d+\)$/);
  });

  it('refuses duplicate keys in JSON, which JSON.parse would silently accept', () => {
    const err = errorOf(() => parseCatalog('{"version": 1, "version": 1}', 'dup.json'));
    expect(err.message).toMatch(/^dup\.json: JSON syntax error: .*key.* \(line 1, column \d+\)$/i);
  });

  it('refuses YAML-only syntax in a .json file', () => {
    const err = errorOf(() => parseCatalog('version: 1\n', 'yaml-in.json'));
    expect(err.message).toMatch(/^yaml-in\.json: JSON syntax error: /);
  });

  it('refuses an unknown extension and a missing file', async () => {
    expect(errorOf(() => parseCatalog('{}', 'catalog.txt')).message).toBe(
      'catalog.txt: unsupported file type: a catalog is .yaml, .yml or .json',
    );
    const err = await catalogError(loadCatalog(fixture('does-not-exist.yaml')));
    expect(err.message).toBe(`${fixture('does-not-exist.yaml')}: file not found`);
  });
});

describe('YAML conveniences', () => {
  it('merges shared fields with <<: and ignores top-level x- keys', () => {
    const text = `version: 1
city: { zh: 测试市, en: Test City }
x-shared: &shared
  jurisdiction: city
  maintainer: city
  interval: 4h
units:
  - { id: city, name: { zh: 市局, en: City Bureau }, level: city, channels: [{ type: mqtt }] }
stations:
  - <<: *shared
    id: pond-a
    name: { zh: 甲塘, en: Pond A }
    kind: urban_water
    location: { lat: 30, lon: 120 }
    parameters: [do]
    interval: 1h
`;
    const catalog = parseCatalog(text, 'merge.yaml');
    expect(catalog.station('pond-a')).toMatchObject({ jurisdiction: 'city', maintainer: 'city', interval: 3_600_000 });
  });

  it('still refuses other unknown top-level keys', () => {
    const err = errorOf(() => parseCatalog(yamlWith('', 'extras: {}\n'), 't.yaml'));
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(['extras: unknown field "extras"']);
  });
});
