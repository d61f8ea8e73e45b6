/** `qingliu simulate` options and output, without a broker (`--print` writes the messages to stdout). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { realDataPath } from '../fixtures/real/real-data.js';
import { REPO_ROOT } from './fixtures.js';

const CATALOG = path.join(REPO_ROOT, 'sensors/catalog.yaml');

async function simulate(args: string[], env: Record<string, string> = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await runCli(['simulate', ...args], {
    stdin: new PassThrough(),
    stdout: out,
    stderr: err,
    env: { CATALOG, LANG_UI: 'en', ...env },
  });
  return { code, stdout, stderr };
}

describe('qingliu simulate', () => {
  it('prints its help, and is listed among the commands', async () => {
    const help = await simulate(['--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--backfill',
      '--speed',
      '--rate',
      '--duration',
      '--stations',
      '--seed',
      '--replay',
      '--map',
      '--shift-to',
      '--incident',
    ]) {
      expect(help.stdout).toContain(option);
    }
    const out = new PassThrough();
    let listing = '';
    out.on('data', (c: Buffer) => (listing += c.toString()));
    expect(
      await runCli(['--help'], { stdin: new PassThrough(), stdout: out, stderr: new PassThrough(), env: {} }),
    ).toBe(0);
    expect(listing).toMatch(/simulate\s+simulated stations/);
  });

  it('refuses bad options with exit code 2, before connecting anywhere', async () => {
    const cases: [string[], RegExp][] = [
      [['--speed', '60'], /--speed needs --backfill/],
      [['--backfill', '30 days'], /--backfill/],
      [['--rate', 'fast'], /--rate/],
      [['--stations', 'no-such-station', '--print'], /no-such-station/],
      [['--incident', 'source=wwtp2,nh3n=5'], /at= is required/],
      [['--incident', 'source=nowhere,at=14:00,nh3n=5', '--print', '--duration', '0'], /nowhere/],
      [['--scenario', 'spikeRate=2'], /spikeRate/],
      [['--bogus'], /bogus/],
      [['--count', '5'], /--count goes with --rate/],
    ];
    for (const [args, message] of cases) {
      const r = await simulate([...args, '--mqtt', 'mqtt://127.0.0.1:1']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('publishes a load test at a rate, one message per line with --print', async () => {
    const r = await simulate([
      '--rate',
      '2000/s',
      '--count',
      '40',
      '--print',
      '--stations',
      'longdukou,wwtp2-effluent',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(40);
    for (const line of lines) {
      const [topic, payload] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
      expect(['wq/longdukou/data', 'wq/wwtp2-effluent/data']).toContain(topic);
      const message = JSON.parse(payload) as { ts: string; values: Record<string, number> };
      expect(Date.parse(message.ts)).toBeLessThanOrEqual(Date.now());
      expect(Object.keys(message.values).length).toBeGreaterThan(3);
    }
    expect(r.stderr).toContain('load test: 40 messages');
  });

  it('schedules an incident from the command line and shows it at the plant effluent', async () => {
    const at = new Date(Date.now() - 6 * 3_600_000);
    const iso = at.toISOString();
    const calm = [
      '--scenario',
      'incidentsPerMonth=0,spikeRate=0,maintenancePerMonth=0,calibrationEveryDays=0',
      '--fault-rate',
      '0',
    ];
    const r = await simulate([
      '--print',
      '--backfill',
      '12h',
      '--duration',
      '0',
      '--stations',
      'wwtp2-effluent',
      ...calm,
      '--incident',
      `source=wwtp2,at=${iso},for=3h,nh3n=12`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const entries = r.stdout
      .trim()
      .split('\n')
      .flatMap((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)) as { ts: string; values: { nh3n: number } }[]);
    const during = entries.filter(
      (e) => Date.parse(e.ts) > at.getTime() + 3_600_000 && Date.parse(e.ts) < at.getTime() + 2.5 * 3_600_000,
    );
    const before = entries.filter((e) => Date.parse(e.ts) < at.getTime() - 3_600_000);
    expect(during.length).toBeGreaterThan(0);
    expect(Math.min(...during.map((e) => e.values.nh3n))).toBeGreaterThan(10);
    expect(Math.max(...before.map((e) => e.values.nh3n))).toBeLessThan(5);
  });

  it('replays the CNEMC file (gzipped) with a station mapping', async () => {
    const file = realDataPath('cnemc_4h_2021-04-01_to_04-05_1698stations.csv');
    const r = await simulate([
      '--print',
      '--replay',
      file,
      '--map',
      '吴淞口=longdukou,七效港西桥=huangnidu',
      '--shift-to',
      'now',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('replay done (cnemc format): 2 stations');
    expect(r.stderr).toMatch(/skipped: .*unmapped_station/);
    const arrays = r.stdout.trim().split('\n');
    expect(arrays.map((l) => l.split(' ')[0]).sort()).toEqual(['wq/huangnidu/data', 'wq/longdukou/data']);
    const last = Math.max(
      ...arrays.flatMap((l) =>
        (JSON.parse(l.slice(l.indexOf(' ') + 1)) as { ts: string }[]).map((e) => Date.parse(e.ts)),
      ),
    );
    expect(Math.abs(last - Date.now())).toBeLessThan(60_000);
  });

  it('says so when no row maps to a station, or one id would merge many stations', async () => {
    const file = realDataPath('cnemc_4h_2021-04-01_to_04-05_1698stations.csv');
    const none = await simulate(['--print', '--replay', file, '--map', '不存在的断面=longdukou']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('nothing to publish');
    const merged = await simulate(['--print', '--replay', file, '--map', 'longdukou']);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/holds \d+ stations/);
  });

  it("--check: judges a file with the ingester's decoder, publishes nothing, exits 1 when readings are refused", async () => {
    const plant = await simulate([
      '--replay',
      realDataPath('wwtp1_hourly_2024-06-07_to_06-12.csv'),
      '--map',
      '*',
      '--check',
      '--json',
    ]);
    expect(plant.code, plant.stderr).toBe(0);
    expect(JSON.parse(plant.stdout)).toMatchObject({
      messages: 200,
      readings: 1200,
      accepted: 1200,
      refused: {},
      stations: 2,
    });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-check-'));
    const file = path.join(dir, 'readings.csv');
    fs.writeFileSync(file, 'time,DO(mg/L),pH\n2026-11-01 08:00,29.95,7.1\n2026-11-01 12:00,75,7.2\n');
    const bad = await simulate(['--replay', file, '--map', 'x1', '--check']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('readings 4: accepted 3 (75.00 %), refused 1 (implausible_value 1)');
    expect(bad.stdout).toContain('refused: row 2 x1: implausible_value — values.do: 75 mg/L is physically impossible');
    expect(bad.stdout).toContain('1 not in the catalog: judged by what they report');

    const misuse = await simulate(['--print', '--replay', file, '--map', 'x1', '--json']);
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toContain('--json goes with --check');
    const noReplay = await simulate(['--print', '--check']);
    expect(noReplay.code).toBe(2);
    expect(noReplay.stderr).toContain('--check goes with --replay FILE');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
