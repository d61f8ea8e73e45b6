/**
 * `qingliu simulate --hj212` against the real gateway (real TCP, sink on a real spool): the catalog's logger
 * connects with its catalog password and SM4 key, uploads real-time data (split across TCP writes), is answered.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { runHj212Simulation } from '../../../src/cli/commands/simulate-hj212.js';
import type { Hj212Device } from '../../../src/ingest/hj212/contracts.js';
import { createHj212Metrics } from '../../../src/ingest/hj212/metrics.js';
import { createHj212Server, type Hj212Server } from '../../../src/ingest/hj212/server.js';
import { createSpool, type Spool } from '../../../src/ingest/spool/spool.js';
import { silentLogger } from '../../../src/logger.js';
import { REPO } from '../e2e.js';
import { tempDir } from '../helpers.js';
import { KEY_PLANT_2025 } from './fixtures.js';
import { createSpoolSink } from './spool-sink.js';

describe('qingliu simulate --hj212', () => {
  let server: Hj212Server | undefined;
  let spool: Spool | undefined;
  afterEach(async () => {
    await server?.stop(100);
    spool?.close();
  });

  it('runs the catalog logger (HJ 212-2025, SM4, split writes) against the gateway', async () => {
    const dir = tempDir('qingliu-hj212-sim-');
    const catalog = JSON.parse(fs.readFileSync(path.join(REPO, 'test/fixtures/catalogs/small-valid.json'), 'utf8'));
    catalog.stations[0].hj212 = {
      mn: 'SIM-A10',
      protocol: 'hj212-2025',
      password_env: 'SIM_PW',
      sm4_key_env: 'SIM_KEY',
    };
    const file = path.join(dir, 'catalog.json');
    fs.writeFileSync(file, JSON.stringify(catalog));
    const device: Hj212Device = {
      mn: 'SIM-A10',
      stationId: 'a-10',
      protocol: 'hj212-2025',
      password: 'pw-1',
      sm4Key: KEY_PLANT_2025,
      units: {},
      record: 'realtime',
    };
    spool = createSpool({
      dir: path.join(dir, 'spool'),
      maxBytes: 1 << 24,
      fsyncIntervalMs: 1000,
      logger: silentLogger(),
    });
    spool.open();
    const sink = createSpoolSink(spool);
    const heartbeats: string[] = [];
    server = createHj212Server({
      devices: { byMn: (mn) => (mn === device.mn ? device : undefined) },
      sink,
      events: {
        connected() {},
        disconnected() {},
        packet() {},
        heartbeat: (mn) => void heartbeats.push(mn),
        status() {},
      },
      logger: silentLogger(),
      metrics: createHj212Metrics(new Registry()),
      now: Date.now,
      timeZone: 'Asia/Shanghai',
      port: 0,
      host: '127.0.0.1',
    });
    const { port } = await server.start();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await runHj212Simulation(
      [
        '--hj212',
        '--catalog',
        file,
        '--port',
        String(port),
        '--interval',
        '300ms',
        '--heartbeat',
        '500ms',
        '--duration',
        '1600ms',
        '--split-bytes',
        '40',
      ],
      {
        stdin: new PassThrough(),
        stdout,
        stderr: new PassThrough(),
        env: { SIM_PW: 'pw-1', SIM_KEY: '0123456789abcdeffedcba9876543210' },
      },
    );
    expect(code).toBe(0);
    expect(out).toContain('a-10 (hj212-2025)');
    expect(sink.letters).toEqual([]);
    expect(sink.batches.length).toBeGreaterThanOrEqual(3);
    expect(sink.batches[0]).toMatchObject({ stationId: 'a-10', stream: 'realtime' });
    expect(sink.batches[0]!.values.map((v) => v.parameter).sort()).toEqual(['do', 'nh3n', 'ph', 'tp', 'codmn'].sort());
    expect(heartbeats.length).toBeGreaterThanOrEqual(1);
    expect(out).toMatch(/\d+ packets sent, \d+ answered/);
  });
});
