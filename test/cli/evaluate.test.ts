import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseInlineMapping, readReplayCsv } from '../../sensors/replay/index.js';
import { runCli } from '../../src/cli/run-cli.js';
import { readRealCsv } from '../fixtures/real/real-data.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function run(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(['evaluate', ...args], {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout,
    stderr,
    env: {},
  });
  return { code, stdout: out, stderr: err };
}

describe('qingliu evaluate (in-memory streams)', () => {
  it('evaluates one object and prints indented JSON', async () => {
    const r = await run(
      [],
      JSON.stringify({ standard: 'gb3838', waterbody: 'river', target: 'III', readings: { 'NH3-N': 1.2 } }),
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\{\n {2}"standard": "gb3838"/);
    expect(JSON.parse(r.stdout)).toMatchObject({
      class: 'IV',
      grade: '轻度污染',
      compliant: false,
      items: { nh3n: { class: 'IV', exceedance: 0.2 } },
      primary_pollutants: ['nh3n'],
    });
  });

  it('evaluates an array, one line with --compact', async () => {
    const input = [
      { standard: 'gb18918-1a', water_temp_c: 10, plant_built: '2008-05-01', readings: { nh3n: 10 } },
      { standard: 'black-odorous', readings: { transparency: 15, do: 1.0, orp: -100, nh3n: 10, depth: 80 } },
    ];
    const r = await run(['--compact'], JSON.stringify(input));
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const [effluent, odour] = JSON.parse(r.stdout);
    expect(effluent).toEqual({
      standard: 'gb18918-1a',
      compliant: false,
      items: { nh3n: { value: 10, limit: 8, compliant: false, exceedance: 0.25 } },
    });
    expect(odour).toMatchObject({ grade: 'light' });
  });

  it('exits 2 and lists every problem with its path on invalid input', async () => {
    const r = await run([], JSON.stringify({ standard: 'gb3838', target: 'VI', readings: { foo: 1, bar: 2 } }));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('invalid input (3)');
    expect(r.stderr).toContain('- target:');
    expect(r.stderr).toContain('- readings.foo: 未知参数 "foo" / unknown parameter "foo"');
    expect(r.stderr).toContain('- readings.bar:');
  });

  it('answers a batch item by item: exit 3 when partly evaluated, null in place of each invalid item', async () => {
    const input = [
      { standard: 'gb3838', readings: { DO: 29.95, pH: 7.2 } },
      { standard: 'gb3838', readings: { DO: 75, foo: 1 } },
      { standard: 'gb18918-1a', readings: { cod: 60 } },
    ];
    const r = await run(['--compact'], JSON.stringify(input));
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout) as (Record<string, unknown> | null)[];
    expect(out.map((v) => (v === null ? null : v.standard))).toEqual(['gb3838', null, 'gb18918-1a']);
    expect(r.stderr).toContain('1 of 3 items invalid');
    expect(r.stderr).toContain('- [1].readings.DO: 溶解氧 75 mg/L 在物理上不可能');
    expect(r.stderr).toContain('- [1].readings.foo: 未知参数 "foo"');
  });

  it('exits 2 when no item of a batch can be evaluated, 0 for an empty batch', async () => {
    const none = await run([], JSON.stringify([{ standard: 'gb3838', readings: { nh3n: -1 } }, 7]));
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('2 of 2 items invalid');
    const empty = await run(['--compact'], '[]');
    expect([empty.code, empty.stdout]).toEqual([0, '[]\n']);
  });

  it('evaluates the national 4-hourly file as one batch: every normal row, DO up to 29.22 mg/L (issue 11)', async () => {
    const name = 'cnemc_4h_2021-04-01_to_04-05_1698stations.csv';
    const { messages } = readReplayCsv(readRealCsv(name), { mapping: parseInlineMapping('*'), fileName: name });
    const items = messages
      .filter((m) => m.source.status === '正常')
      .map((m) => ({ standard: 'gb3838', readings: m.values }));
    expect(items.length).toBe(37_332);
    const r = await run(['--compact'], JSON.stringify(items));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { items: { do?: { value: number } } }[];
    expect(out).toHaveLength(items.length);
    expect(Math.max(...out.map((v) => v.items.do?.value ?? 0))).toBe(29.22);
  }, 60_000);

  it('exits 2 on malformed JSON and on empty input', async () => {
    const bad = await run([], '{"standard": ');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/input is not valid JSON/);
    const empty = await run([], '  \n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no input on stdin/);
  });

  it('exits 2 on an unknown option', async () => {
    const r = await run(['--pretty'], '{}');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option: --pretty/);
  });

  it('explains input and output with --help', async () => {
    const r = await run(['--help'], '');
    expect(r.code).toBe(0);
    for (const text of ['gb3838', 'gb18918-1a', 'black-odorous', 'custom', 'sections', 'Example', 'exit', 'rounding']) {
      expect(r.stdout.toLowerCase()).toContain(text.toLowerCase());
    }
  });

  it('is listed in qingliu --help', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    await runCli(['--help'], { stdin: Readable.from([]), stdout, stderr: new PassThrough(), env: {} });
    expect(out).toMatch(/evaluate/);
  });
});

/** Runs the real CLI entry in a child process, as a user would. */
function child(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
    proc.stdin.end(stdin);
  });
}

describe('qingliu evaluate (child process: npx tsx src/cli/main.ts evaluate)', () => {
  it('writes the verdict on stdout and exits 0', async () => {
    const r = await child(
      ['evaluate', '--compact'],
      JSON.stringify({ standard: 'gb3838', waterbody: 'lake', readings: { TP: 0.064, DO: 8 } }),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ class: 'IV', grade: '轻度污染', primary_pollutants: ['tp'] });
  });

  it('exits 2 with a readable error on bad input', async () => {
    const r = await child(['evaluate'], JSON.stringify({ standard: 'gb3838', readings: { xyz: 1 } }));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('readings.xyz: 未知参数 "xyz" / unknown parameter "xyz"');
  });
});
