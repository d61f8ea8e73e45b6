/**
 * The Grafana provisioning in dashboards/: the JSON is what the generator builds, Grafana can load it
 * (schema version, data source references, variables), its InfluxQL names the measurement schema the store
 * writes, its class bands agree with the standards engine, and every query runs on a real influxd.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildDashboards } from '../../dashboards/build/dashboards.js';
import { DATASOURCE_UID, SCHEMA_VERSION, type Step } from '../../dashboards/build/grafana.js';
import {
  CLASS_COLOURS,
  COMPLIANT_COLOUR,
  EXCEEDED_COLOUR,
  gb18918Steps,
  gb3838Steps,
  WARM_ONLY_COLOUR,
} from '../../dashboards/build/limits.js';
import { serialise } from '../../dashboards/build/main.js';
import { BUILTIN_DISCHARGE_STANDARDS } from '../../src/domain/discharge-standard-definition.js';
import type { DataFlag } from '../../src/domain/flags.js';
import { dischargeLimits, evaluateLimit } from '../../src/domain/gb18918.js';
import { itemClass, SECTION_CLASSES, type SectionClass } from '../../src/domain/gb3838.js';
import { PARAMETERS, type ParameterCode } from '../../src/domain/parameters.js';
import type { DeadLetter, Reading } from '../../src/domain/reading.js';
import {
  DEAD_LETTER_MEASUREMENT,
  deadLetterLines,
  READING_MEASUREMENT,
  readingLines,
} from '../../src/store/influx/line-protocol.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const JSON_DIR = path.join(ROOT, 'dashboards/json');

type Obj = Record<string, unknown>;
const files = fs
  .readdirSync(JSON_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const dashboards = files.map((file) => ({
  file,
  json: JSON.parse(fs.readFileSync(path.join(JSON_DIR, file), 'utf8')) as Obj,
}));

function panelsOf(d: Obj): Obj[] {
  const out: Obj[] = [];
  for (const p of (d.panels as Obj[]) ?? []) {
    out.push(p);
    for (const nested of (p.panels as Obj[]) ?? []) out.push(nested);
  }
  return out;
}

function queriesOf(d: Obj): { where: string; query: string }[] {
  const out: { where: string; query: string }[] = [];
  for (const p of panelsOf(d))
    for (const t of (p.targets as Obj[]) ?? [])
      out.push({ where: `panel "${p.title as string}" ${t.refId as string}`, query: t.query as string });
  for (const v of ((d.templating as Obj).list as Obj[]) ?? [])
    if (v.type === 'query') out.push({ where: `variable ${v.name as string}`, query: v.query as string });
  return out;
}

/** Measurement → tag and field keys, read off the line protocol the InfluxDB store actually writes. */
function writtenSchema(): Map<string, { tags: string[]; fields: string[] }> {
  const parse = (line: string) => {
    const [head, fieldSet] = line.split(' ');
    const [measurement, ...tags] = head!.split(',');
    return {
      measurement: measurement!,
      tags: tags.map((t) => t.split('=')[0]!),
      fields: [...fieldSet!.matchAll(/(?:^|,)([a-z_]+)=/g)].map((m) => m[1]!),
    };
  };
  const reading = parse(readingLines([{ stationId: 's', parameter: 'ph', ts: 0, value: 7, flag: 'N' }]));
  const dead = parse(
    deadLetterLines([{ receivedAt: 0, stationId: 's', topic: 't', reason: 'r', detail: 'd', payload: 'p' }], () => 0),
  );
  return new Map([reading, dead].map((m) => [m.measurement, { tags: m.tags, fields: m.fields }]));
}

describe('Grafana dashboards: files and provisioning', () => {
  it('has the four dashboards, exactly as dashboards/build generates them', () => {
    const built = buildDashboards();
    expect(files).toEqual(Object.keys(built).sort());
    for (const [file, dashboard] of Object.entries(built)) {
      expect(
        fs.readFileSync(path.join(JSON_DIR, file), 'utf8'),
        `${file} is stale: npx tsx dashboards/build/main.ts`,
      ).toBe(serialise(dashboard));
    }
  });

  it('provisions an InfluxQL data source on InfluxDB 2.x with the uid the dashboards use', () => {
    const yaml = parseYaml(
      fs.readFileSync(path.join(ROOT, 'dashboards/provisioning/datasources/qingliu-influxdb.yaml'), 'utf8'),
    ) as Obj;
    const [ds] = yaml.datasources as Obj[];
    expect(yaml.apiVersion).toBe(1);
    expect(ds).toMatchObject({ uid: DATASOURCE_UID, type: 'influxdb', access: 'proxy' });
    const jsonData = ds!.jsonData as Obj;
    // InfluxQL (no `version: Flux`/`SQL`), the bucket as database, the token as "Authorization: Token …".
    expect(jsonData.version).toBeUndefined();
    expect(jsonData).toMatchObject({ dbName: '${QINGLIU_INFLUX_BUCKET}', httpHeaderName1: 'Authorization' });
    expect((ds!.secureJsonData as Obj).httpHeaderValue1).toBe('Token ${QINGLIU_INFLUX_TOKEN}');
  });

  it('provisions the dashboards from the directory docker-compose.yml mounts', () => {
    const yaml = parseYaml(
      fs.readFileSync(path.join(ROOT, 'dashboards/provisioning/dashboards/qingliu.yaml'), 'utf8'),
    ) as Obj;
    const [provider] = yaml.providers as Obj[];
    expect(provider).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards/qingliu' } });
    const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('./dashboards/json:/var/lib/grafana/dashboards/qingliu:ro');
    expect(compose).toContain('./dashboards/provisioning/datasources:/etc/grafana/provisioning/datasources:ro');
    expect(compose).toContain('./dashboards/provisioning/dashboards:/etc/grafana/provisioning/dashboards:ro');
    expect(compose).toContain('/var/lib/grafana/dashboards/qingliu/basin-overview.json');
  });

  it.each(dashboards)('$file has a current schemaVersion, a unique uid and well-formed panels', ({ json }) => {
    expect(json.schemaVersion).toBe(SCHEMA_VERSION);
    expect(json.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(json.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(json.title).toEqual(expect.any(String));
    const panels = panelsOf(json);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      const g = p.gridPos as { x: number; y: number; w: number; h: number };
      expect(g.x + g.w, `${p.title as string} fits 24 columns`).toBeLessThanOrEqual(24);
    }
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
  });

  it.each(dashboards)('$file references only the provisioned data source, by uid', ({ json }) => {
    for (const p of panelsOf(json)) {
      if (p.type === 'row' || p.type === 'text') continue;
      expect(p.datasource, `panel ${p.title as string}`).toEqual({ type: 'influxdb', uid: DATASOURCE_UID });
      for (const t of p.targets as Obj[])
        expect(t.datasource, `panel ${p.title as string} ${t.refId as string}`).toEqual({
          type: 'influxdb',
          uid: DATASOURCE_UID,
        });
    }
    for (const v of (json.templating as Obj).list as Obj[]) {
      if (v.type === 'query') expect(v.datasource).toEqual({ type: 'influxdb', uid: DATASOURCE_UID });
    }
  });

  it.each(dashboards)(
    '$file uses only variables it defines (or Grafana built-ins), and repeats over a defined one',
    ({ json }) => {
      const defined = new Set(((json.templating as Obj).list as Obj[]).map((v) => v.name as string));
      const builtIn = new Set(['timeFilter', '__interval', '__interval_ms']);
      const texts = [
        ...queriesOf(json).map((q) => q.query),
        ...panelsOf(json).flatMap((p) => [
          p.title as string,
          ...((p.targets as Obj[]) ?? []).map((t) => (t.alias as string) ?? ''),
        ]),
      ];
      for (const t of texts) {
        for (const m of t.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
          const name = m[1]!;
          if (name.startsWith('tag_')) continue;
          expect(defined.has(name) || builtIn.has(name), `$${name} in "${t}"`).toBe(true);
        }
      }
      for (const p of panelsOf(json)) if (p.repeat) expect(defined.has(p.repeat as string)).toBe(true);
    },
  );

  it('covers the four views with station and parameter variables', () => {
    const byFile = Object.fromEntries(dashboards.map((d) => [d.file, d.json]));
    const vars = (f: string) => ((byFile[f]!.templating as Obj).list as Obj[]).map((v) => v.name);
    expect(vars('basin-overview.json')).toContain('station');
    expect(vars('station-detail.json')).toEqual(expect.arrayContaining(['station', 'param', 'waterbody']));
    expect(vars('plant-effluent.json')).toEqual(expect.arrayContaining(['plant', 'param', 'std', 'built']));
    expect(vars('data-completeness.json')).toContain('station');
  });
});

describe('Grafana queries and the measurement schema', () => {
  const schema = writtenSchema();

  it('reads the schema off the store’s line protocol: reading(station, param; value, flag) and dead_letter', () => {
    expect(schema.get(READING_MEASUREMENT)).toEqual({ tags: ['param', 'station'], fields: ['value', 'flag'] });
    expect(schema.get(DEAD_LETTER_MEASUREMENT)?.tags).toEqual([]);
    expect(schema.get(DEAD_LETTER_MEASUREMENT)?.fields).toEqual(
      expect.arrayContaining(['station', 'reason', 'detail', 'topic']),
    );
  });

  it('matches the schema ADR (docs/adr/0001-measurement-schema.md)', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docs/adr/0001-measurement-schema.md'), 'utf8');
    expect(text).toContain('reading,param=<code>,station=<id> value=<float>,flag=');
    expect(text).toContain('dead_letter station=');
  });

  it.each(dashboards)(
    '$file: every InfluxQL query names only measurements, tags and fields of that schema',
    ({ json }) => {
      for (const { where, query } of queriesOf(json)) {
        const measurements = [...query.matchAll(/FROM\s+"([^"]+)"/g)].map((m) => m[1]!);
        expect(measurements.length, `${where}: FROM a named measurement`).toBeGreaterThan(0);
        const allowed = new Set<string>();
        for (const m of measurements) {
          const known = schema.get(m);
          expect(known, `${where}: measurement "${m}"`).toBeDefined();
          for (const k of [...known!.tags, ...known!.fields]) allowed.add(k);
        }
        // Quoted identifiers other than measurements and `AS "alias"` names must be tags or fields.
        const aliases = new Set([...query.matchAll(/AS\s+"([^"]+)"/g)].map((m) => m[1]!));
        for (const m of query.matchAll(/"([^"]+)"/g)) {
          const id = m[1]!;
          if (measurements.includes(id) || aliases.has(id)) continue;
          expect(allowed.has(id), `${where}: "${id}" in ${query}`).toBe(true);
        }
      }
    },
  );

  it('filters valid readings by the flags that count for compliance (N and T)', () => {
    const all = dashboards.flatMap((d) => queriesOf(d.json).map((q) => q.query)).join('\n');
    expect(all).toContain(`("flag" = 'N' OR "flag" = 'T')`);
    expect(all).toContain(`("flag" != 'N' AND "flag" != 'T')`);
  });
});

/** The colour Grafana gives a value: the highest step at or below it (the base step has value null). */
function colourOf(steps: readonly Step[], value: number): string {
  let colour = steps[0]!.color;
  for (const s of steps.slice(1)) if (s.value !== null && value >= s.value) colour = s.color;
  return colour;
}

/** Values to probe a step list with: around every limit and far out on both sides. */
function probes(limits: number[]): number[] {
  const out = new Set<number>([0]);
  for (const l of limits) for (const f of [0.5, 0.999, 1.001, 1.5, 3]) out.add(l * f);
  out.add(Math.max(...limits, 1) * 10);
  return [...out].sort((a, b) => a - b);
}

describe('class bands and limits agree with the standards engine', () => {
  const colourClass = new Map(Object.entries(CLASS_COLOURS).map(([cls, colour]) => [colour, cls as SectionClass]));

  it.each(['river', 'lake'] as const)(
    'GB 3838 bands give every value the class itemClass gives it (%s)',
    (waterbody) => {
      let checked = 0;
      for (const param of PARAMETERS) {
        const steps = gb3838Steps(param.code, waterbody);
        const sample = itemClass(param.code, 1, waterbody);
        if (!steps) {
          expect(sample, `${param.code} has class limits but no bands`).toBeNull();
          continue;
        }
        const limits = steps.flatMap((s) => (s.value === null ? [] : [s.value]));
        for (const v of probes(limits)) {
          // On a limit itself Grafana draws the band above; the standard says the value meets the limit.
          if (limits.includes(v)) continue;
          expect(colourClass.get(colourOf(steps, v)), `${param.code} ${waterbody} at ${v}`).toBe(
            itemClass(param.code, v, waterbody),
          );
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(100);
    },
  );

  it('draws bands for every item GB 3838 Table 1 classifies, all six classes where they are distinct', () => {
    const nh3n = gb3838Steps('nh3n', 'river')!;
    expect(nh3n.map((s) => colourClass.get(s.color))).toEqual([...SECTION_CLASSES]);
    expect(gb3838Steps('temp', 'river')).toBeUndefined();
    expect(gb3838Steps('tn', 'river')).toBeUndefined();
    expect(gb3838Steps('tn', 'lake')).toBeDefined();
  });

  it('GB 18918 limits: green within, red above, orange only between the warm and cold NH3-N limits', () => {
    let checked = 0;
    for (const std of BUILTIN_DISCHARGE_STANDARDS) {
      for (const built of ['before-2006', 'from-2006'] as const) {
        const plantBuilt = built === 'before-2006' ? '2005-12-31' : '2006-01-01';
        const warm = dischargeLimits(std, { waterTempC: 20, plantBuilt }).limits;
        const cold = dischargeLimits(std, { waterTempC: 5, plantBuilt }).limits;
        for (const code of Object.keys(warm) as ParameterCode[]) {
          const steps = gb18918Steps(code, std, built)!;
          const bounds = [warm[code]!.min, warm[code]!.max, cold[code]?.max].filter(
            (x): x is number => x !== undefined,
          );
          for (const v of probes(bounds)) {
            if (bounds.includes(v)) continue;
            const warmOk = evaluateLimit(v, warm[code]!).compliant;
            const coldOk = cold[code] ? evaluateLimit(v, cold[code]!).compliant : warmOk;
            const expected = warmOk ? COMPLIANT_COLOUR : coldOk ? WARM_ONLY_COLOUR : EXCEEDED_COLOUR;
            expect(colourOf(steps, v), `${code} ${std} ${built} at ${v}`).toBe(expected);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
  });
});

describe('every dashboard query runs on a real InfluxDB (Debian influxd 1.6.7, InfluxQL)', () => {
  let influx: Influxd;
  const DB = 'qingliu';
  const JAN = Date.UTC(2026, 0, 10); // 2026-01-10T00:00Z = 08:00 in Asia/Shanghai

  async function influxql(q: string): Promise<{
    series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[];
    error?: string;
  }> {
    const res = await fetch(`${influx.url}/query?db=${DB}&epoch=ms`, {
      method: 'POST',
      body: new URLSearchParams({ q }),
    });
    const body = (await res.json()) as { results?: { series?: never[]; error?: string }[]; error?: string };
    if (body.error) return { error: body.error };
    return body.results![0]!;
  }

  /** Grafana's variable interpolation, for the values the seeded data has. */
  function interpolate(query: string, vars: { station?: string; param?: string; plant?: string } = {}): string {
    return query
      .replaceAll('$timeFilter', `time >= '2026-01-01T00:00:00Z' AND time < '2026-02-01T00:00:00Z'`)
      .replaceAll('$__interval', '1h')
      .replaceAll('/^$station$/', `/^${vars.station ?? '(sec-a|sec-b|wwtp1-effluent)'}$/`)
      .replaceAll('/^$param$/', `/^${vars.param ?? '(nh3n|tp)'}$/`)
      .replaceAll("'$param'", `'${vars.param ?? 'nh3n'}'`)
      .replaceAll('/^$plant$/', `/^${vars.plant ?? 'wwtp1-effluent'}$/`)
      .replaceAll('$tz', 'Asia/Shanghai');
  }

  const readings: Reading[] = [];
  const add = (stationId: string, parameter: ParameterCode, hour: number, value: number, flag: DataFlag = 'N') =>
    readings.push({ stationId, parameter, ts: JAN + hour * 3_600_000, value, flag });

  beforeAll(async () => {
    influx = await startInfluxd();
    await fetch(`${influx.url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${DB}` }) });
    for (let h = 0; h < 6; h++) {
      add('sec-a', 'nh3n', h, 0.4 + h * 0.1);
      add('sec-a', 'tp', h, 0.15);
      add('sec-b', 'nh3n', h, 1.2, h < 2 ? 'M' : h === 5 ? 'T' : 'N');
      add('wwtp1-effluent', 'cod', h, 30 + h);
      add('wwtp1-influent', 'cod', h, 250);
    }
    // 15:30 and 16:30 UTC fall on two local days in Asia/Shanghai (23:30 on the 10th, 00:30 on the 11th).
    add('wwtp1-effluent', 'nh3n', 15.5, 4, 'N');
    add('wwtp1-effluent', 'nh3n', 16.5, 6, 'N');
    add('wwtp1-effluent', 'nh3n', 17, 9, 'C');
    const write = async (lines: string, precision: string) => {
      const res = await fetch(`${influx.url}/write?db=${DB}&precision=${precision}`, { method: 'POST', body: lines });
      expect(res.status).toBe(204);
    };
    await write(readingLines(readings), 'ms');
    const letters: DeadLetter[] = [0, 1, 2].map((i) => ({
      receivedAt: JAN + i * 60_000,
      stationId: 'sec-a',
      topic: 'wq/sec-a/data',
      reason: 'out_of_range',
      detail: `ph ${20 + i}`,
      payload: '{}',
    }));
    let seq = 0;
    await write(
      deadLetterLines(letters, () => seq++),
      'ns',
    );
  });

  afterAll(async () => {
    await influx?.dispose();
  });

  it('parses and answers every query of every dashboard without an error', async () => {
    let ran = 0;
    for (const { file, json } of dashboards) {
      for (const { where, query } of queriesOf(json)) {
        const result = await influxql(interpolate(query));
        expect(result.error, `${file} ${where}: ${interpolate(query)}`).toBeUndefined();
        ran++;
      }
    }
    expect(ran).toBeGreaterThan(20);
  });

  function query(file: string, title: string, ref = 'A'): string {
    const d = dashboards.find((x) => x.file === file)!.json;
    const panel = panelsOf(d).find((p) => (p.title as string).startsWith(title))!;
    return (panel.targets as Obj[]).find((t) => t.refId === ref)!.query as string;
  }

  function variable(file: string, name: string): Obj {
    const d = dashboards.find((x) => x.file === file)!.json;
    return ((d.templating as Obj).list as Obj[]).find((v) => v.name === name)!;
  }

  it('counts valid (N, T) and flagged readings per station as the completeness table shows them', async () => {
    const valid = await influxql(interpolate(query('data-completeness.json', '各站有效与标记数据', 'A')));
    const flagged = await influxql(interpolate(query('data-completeness.json', '各站有效与标记数据', 'B')));
    const perStation = (r: Awaited<ReturnType<typeof influxql>>) =>
      Object.fromEntries((r.series ?? []).map((s) => [s.tags!.station, s.values[0]![1]]));
    expect(perStation(valid)).toEqual({ 'sec-a': 12, 'sec-b': 4, 'wwtp1-effluent': 8 });
    expect(perStation(flagged)).toEqual({ 'sec-b': 2, 'wwtp1-effluent': 1 });
  });

  it('counts the stations reporting and the dead letters', async () => {
    const stations = await influxql(interpolate(query('basin-overview.json', '报送站点')));
    expect(stations.series?.[0]?.values[0]?.[1]).toBe(3);
    const dead = await influxql(interpolate(query('basin-overview.json', '死信')));
    expect(dead.series?.[0]?.values[0]?.[1]).toBe(3);
  });

  it('gives the latest value per station and parameter for the overview matrix', async () => {
    const r = await influxql(interpolate(query('basin-overview.json', '最新读数')));
    const latest = Object.fromEntries(
      (r.series ?? []).map((s) => [`${s.tags!.station}/${s.tags!.param}`, s.values[0]![1]]),
    );
    expect(latest['sec-a/nh3n']).toBeCloseTo(0.9);
    expect(latest['sec-b/nh3n']).toBe(1.2);
    expect(latest['wwtp1-effluent/nh3n']).toBe(9);
  });

  it('lists effluent stations, not influent ones, and only GB 18918 items, in the plant variables', async () => {
    const plant = variable('plant-effluent.json', 'plant');
    const r = await influxql(interpolate(plant.query as string));
    const values = (r.series?.[0]?.values ?? []).map((v) => v[1] as string);
    expect(values.sort()).toEqual(['wwtp1-effluent', 'wwtp1-influent']);
    const regex = new RegExp((plant.regex as string).slice(1, -1));
    expect(values.filter((v) => regex.test(v))).toEqual(['wwtp1-effluent']);

    const param = variable('plant-effluent.json', 'param');
    const items = (((await influxql(interpolate(param.query as string))).series?.[0]?.values ?? []) as string[][]).map(
      (v) => v[1]!,
    );
    expect(items.sort()).toEqual(['cod', 'nh3n']);
    const itemRegex = new RegExp((param.regex as string).slice(1, -1));
    expect(['cod', 'nh3n', 'flow', 'temp', 'tp'].filter((v) => itemRegex.test(v))).toEqual(['cod', 'nh3n', 'tp']);
  });

  it('aligns the plant daily means to local midnight (Asia/Shanghai) and leaves flagged readings out', async () => {
    const daily = await influxql(
      interpolate(query('plant-effluent.json', '$param', 'B'), { param: 'nh3n', plant: 'wwtp1-effluent' }),
    );
    const rows = daily.series?.[0]?.values ?? [];
    // 23:30 local on the 10th (4 mg/L) and 00:30 local on the 11th (6 mg/L; the C-flagged 9 is excluded).
    expect(rows).toEqual([
      [Date.UTC(2026, 0, 9, 16), 4],
      [Date.UTC(2026, 0, 10, 16), 6],
    ]);
  });

  it('draws the station trend from valid readings and the flagged ones separately', async () => {
    const valid = await influxql(
      interpolate(query('station-detail.json', '$param', 'A'), { station: 'sec-b', param: 'nh3n' }),
    );
    const flagged = await influxql(
      interpolate(query('station-detail.json', '$param', 'B'), { station: 'sec-b', param: 'nh3n' }),
    );
    expect((valid.series?.[0]?.values ?? []).filter((v) => v[1] !== null)).toHaveLength(4);
    expect(flagged.series?.[0]?.values).toHaveLength(2);
  });
});
