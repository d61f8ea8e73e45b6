import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { displayWidth, formatTable } from '../../src/cli/commands/catalog.js';
import { cli } from '../harness/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO = fileURLToPath(new URL('../../sensors/catalog.yaml', import.meta.url));
const SMALL = fileURLToPath(new URL('../fixtures/catalogs/small-valid.json', import.meta.url));
const BAD = fileURLToPath(new URL('../fixtures/catalogs/many-errors.yaml', import.meta.url));

/** The environment of this process without the variables the tests set themselves. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.CATALOG;
  return env;
}

/** The demo plants' logger secrets, set as a deployment would set them (sensors/catalog.yaml names them). */
const DEMO_LOGGER_ENV = {
  WWTP1_HJ212_PW: 'pw-1',
  WWTP2_HJ212_PW: 'pw-2',
  WWTP2_HJ212_SM4_KEY: '0123456789abcdeffedcba9876543210',
};

const DEMO_IDS = [
  'huangnidu',
  'xikou-bridge',
  'shitang',
  'baisha-mouth',
  'wwtp1-influent',
  'wwtp1-effluent',
  'wangjiaqiao',
  'yunxi-wetland',
  'wwtp2-influent',
  'wwtp2-effluent',
  'jinhua-outfall',
  'xinzha',
  'longdukou',
  'hehuabang',
  'houtanghe',
];

describe('qingliu catalog check', () => {
  it('prints a one-line summary for a valid catalog (zh-CN by default)', async () => {
    const r = await cli(['catalog', 'check', DEMO], DEMO_LOGGER_ENV);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toHaveLength(2);
    expect(r.stdout).toBe(
      `✓ ${DEMO}：目录有效 — 15 个站点（河流断面 8 个、污水厂进水 2 个、污水厂出水 2 个、工业排口 1 个、城市水体 2 个），4 条河流，3 个排污单位，9 个责任单位\n`,
    );
  });

  it("warns, and still exits 0, where the demo plants' logger secrets are not set", async () => {
    const r = await cli(['catalog', 'check', DEMO]);
    expect(r.code).toBe(0);
    for (const name of Object.keys(DEMO_LOGGER_ENV))
      expect(r.stderr).toContain(`environment variable ${name} is not set`);
  });

  it('speaks English when LANG_UI=en', async () => {
    const r = await cli(['catalog', 'check', SMALL], { LANG_UI: 'en' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `✓ ${SMALL}: catalog valid — 11 stations (7 river sections, 1 plant influent, 1 plant effluent, 1 industrial outfall, 1 urban water body), 4 rivers, 2 plants, 7 units\n`,
    );
  });

  it('defaults to the CATALOG setting', async () => {
    const r = await cli(['catalog', 'check'], { CATALOG: SMALL, LANG_UI: 'en' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/small-valid\.json: catalog valid — 11 stations/);
  });

  it('prints every error and exits 1 for an invalid catalog', async () => {
    const r = await cli(['catalog', 'check', BAD]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(28);
    expect(lines.slice(0, -1).every((l) => l.startsWith(`${BAD}: `))).toBe(true);
    expect(lines).toContain(`${BAD}: stations[0].river: unknown river "yunxy" (known: main, side) (line 43, column 5)`);
    expect(lines.at(-1)).toBe(`✗ ${BAD}：目录无效，共 27 处错误`);
  });

  it('reports a missing file and a syntax error as errors (exit 1)', async () => {
    const missing = await cli(['catalog', 'check', 'nowhere.yaml'], { LANG_UI: 'en' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('nowhere.yaml: file not found\n✗ nowhere.yaml: 1 error\n');
    const syntax = await cli([
      'catalog',
      'check',
      fileURLToPath(new URL('../fixtures/catalogs/syntax-error.yaml', import.meta.url)),
    ]);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/YAML syntax error: .* \(line 6, column 1\)\n/);
  });

  it('prints warnings on stderr and still exits 0', async () => {
    const r = await cli(
      ['catalog', 'check', fileURLToPath(new URL('../broker/fixtures/mqtt-auth-catalog.yaml', import.meta.url))],
      { LANG_UI: 'en' },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/catalog valid — 3 stations/);
    expect(r.stderr).toMatch(
      /^warning: .*mqtt-auth-catalog\.yaml: stations\[0\]\.jurisdiction: no unit in the chain city-bureau has a notification channel/m,
    );
  });

  it('refuses extra arguments and unknown options (exit 2)', async () => {
    expect((await cli(['catalog', 'check', DEMO, SMALL])).code).toBe(2);
    const r = await cli(['catalog', 'check', '--verbose', DEMO]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^qingliu catalog: .*--verbose/);
  });
});

describe('qingliu catalog list', () => {
  it('prints a table with id, kind, Chinese name, river km and role/target or standard', async () => {
    const r = await cli(['catalog', 'list', DEMO]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + DEMO_IDS.length);
    expect(lines[0]).toMatch(/^站点 ID\s+类型\s+名称\s+河流 km\s+断面 \/ 排放标准\s+间隔$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(DEMO_IDS);
    const row = (id: string) => lines.find((l) => l.startsWith(`${id} `))!;
    expect(row('longdukou')).toMatch(
      /^longdukou\s+river_section\s+龙渡口出境断面\s+云溪 68\.0\s+出境 III类 国控\s+4h$/,
    );
    expect(row('yunxi-wetland')).toMatch(/控制 IV类 市控 湖库\s+4h$/);
    expect(row('wwtp1-effluent')).toMatch(/云溪 47\.2\s+GB 18918 一级A\s+1h$/);
    expect(row('wwtp1-influent')).toMatch(/\s-\s+进水（不评价）\s+1h$/);
    expect(row('jinhua-outfall')).toMatch(/锦华印染排污许可限值\s+1h$/);
    expect(row('hehuabang')).toMatch(/黑臭水体整治\s+1h$/);
    // Columns line up on screen: each row's kind starts at the same display column.
    const kindColumn = (l: string) =>
      displayWidth(l.slice(0, l.search(/ (river_section|plant_|industrial_|urban_)/) + 1));
    expect(new Set(lines.slice(1).map(kindColumn)).size).toBe(1);
  });

  it('prints one id per line with --ids, and filters with --kind', async () => {
    const all = await cli(['catalog', 'list', DEMO, '--ids']);
    expect(all.stdout).toBe(DEMO_IDS.map((id) => `${id}\n`).join(''));
    const some = await cli(['catalog', 'list', '--ids', '--kind', 'urban_water,industrial_outfall', DEMO]);
    expect(some.stdout).toBe('jinhua-outfall\nhehuabang\nhoutanghe\n');
    const repeated = await cli([
      'catalog',
      'list',
      '--ids',
      '--kind',
      'plant_influent',
      '--kind',
      'plant_effluent',
      DEMO,
    ]);
    expect(repeated.stdout).toBe('wwtp1-influent\nwwtp1-effluent\nwwtp2-influent\nwwtp2-effluent\n');
  });

  it('prints English headings and names with LANG_UI=en', async () => {
    const r = await cli(['catalog', 'list', DEMO, '--kind', 'river_section'], { LANG_UI: 'en' });
    expect(r.stdout.split('\n')[0]).toMatch(/^ID\s+KIND\s+NAME \(ZH\)\s+RIVER KM\s+SECTION \/ STANDARD\s+INTERVAL$/);
    expect(r.stdout).toMatch(
      /longdukou\s+river_section\s+龙渡口出境断面\s+Yunxi River 68\.0\s+outbound III national\s+4h/,
    );
  });

  it('prints the stations as JSON with --json', async () => {
    const r = await cli(['catalog', 'list', SMALL, '--json', '--kind', 'plant_effluent']);
    const stations = JSON.parse(r.stdout) as { id: string; interval: number; river: string }[];
    expect(stations).toHaveLength(1);
    expect(stations[0]).toMatchObject({ id: 'plant-1-out', interval: 900_000, river: 'river-a' });
  });

  it('refuses an unknown kind (exit 2) and reports an invalid catalog (exit 1)', async () => {
    const r = await cli(['catalog', 'list', DEMO, '--kind', 'river']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'qingliu catalog: unknown kind "river"; kinds: river_section, plant_effluent, plant_influent, industrial_outfall, urban_water\n',
    );
    expect((await cli(['catalog', 'list', DEMO, '--ids', '--json'])).code).toBe(2);
    const bad = await cli(['catalog', 'list', BAD]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.split('\n').filter(Boolean)).toHaveLength(27);
  });
});

describe('qingliu catalog help and schema', () => {
  it('has --help on the command and on each subcommand', async () => {
    for (const args of [
      ['catalog', '--help'],
      ['catalog', 'check', '--help'],
      ['catalog', 'list', '--help'],
      ['catalog', 'schema', '--help'],
      ['catalog', 'list', DEMO, '-h'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/^Usage: qingliu catalog/);
    }
    expect((await cli(['catalog', 'list', '--help'])).stdout).toMatch(/--kind K/);
    expect((await cli(['catalog'])).code).toBe(2);
    const general = await cli(['--help']);
    expect(general.stdout).toMatch(/^\s+catalog\s+validate the station catalog/m);
  });

  it('refuses an unknown subcommand', async () => {
    const r = await cli(['catalog', 'lint']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown subcommand "lint"/);
  });

  it('prints the JSON Schema', async () => {
    const r = await cli(['catalog', 'schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual([
      'version',
      'city',
      'public_url',
      'units',
      'discharge_standards',
      'rivers',
      'plants',
      'stations',
    ]);
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'city', 'units', 'stations']));
  });
});

describe('table layout', () => {
  it('counts CJK characters as two columns', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('云溪')).toBe(4);
    expect(displayWidth('进水（不评价）')).toBe(14);
    expect(
      formatTable([
        ['a', '名称', 'x'],
        ['bbb', 'c', 'y'],
      ]),
    ).toBe('a    名称  x\nbbb  c     y\n');
  });
});

describe('a real child process', () => {
  const run = promisify(execFile);

  it('npx tsx src/cli/main.ts catalog check sensors/catalog.yaml exits 0 with the summary', async () => {
    const { stdout, stderr } = await run(
      'npx',
      ['tsx', 'src/cli/main.ts', 'catalog', 'check', 'sensors/catalog.yaml'],
      {
        cwd: ROOT,
        env: childEnv({ LANG_UI: 'zh-CN', ...DEMO_LOGGER_ENV }),
      },
    );
    expect(stdout).toMatch(/^✓ sensors\/catalog\.yaml：目录有效 — 15 个站点/);
    expect(stderr).toBe('');
  });

  it('exits 1 and lists the errors for a bad catalog', async () => {
    const err = await run(
      'npx',
      ['tsx', 'src/cli/main.ts', 'catalog', 'check', 'test/fixtures/catalogs/many-errors.yaml'],
      {
        cwd: ROOT,
        env: childEnv({ LANG_UI: 'en' }),
      },
    ).then(
      () => undefined,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stdout).toBe('');
    expect(err?.stderr).toMatch(/^test\/fixtures\/catalogs\/many-errors\.yaml: version: unsupported catalog version/);
    expect(err?.stderr.trimEnd().split('\n').at(-1)).toBe('✗ test/fixtures/catalogs/many-errors.yaml: 27 errors');
  });
});
