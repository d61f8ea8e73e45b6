import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';

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
