/**
 * Through a real mosquitto (test/harness): an accelerated 30-day backfill, the `qingliu simulate` command, and a
 * replay of real data, each received complete by a subscriber.
 */
import path from 'node:path';
import { PassThrough } from 'node:stream';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { runCli } from '../../src/cli/run-cli.js';
import { backfill, connectMqttPublisher, createSimulator, createZone } from '../../sensors/simulator/index.js';
import { parseInlineMapping, readReplayCsv, replay } from '../../sensors/replay/index.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { readRealCsv } from '../fixtures/real/real-data.js';
import { DAY, REPO_ROOT, testCatalog } from './fixtures.js';

interface Entry {
  ts: string;
  values: Record<string, number>;
  flags?: Record<string, string>;
}

let broker: Mosquitto;
let subscriber: MqttClient;
/** Every array entry or single message received, with its station. */
const received: { stationId: string; entry: Entry; bytes: number }[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
  subscriber = await mqtt.connectAsync(broker.url, { clientId: 'sensors-test-sub', clean: true, reconnectPeriod: 0 });
  subscriber.on('message', (topic, payload) => {
    const stationId = topic.split('/')[1]!;
    const parsed = JSON.parse(payload.toString()) as Entry | Entry[];
    for (const entry of Array.isArray(parsed) ? parsed : [parsed])
      received.push({ stationId, entry, bytes: payload.length });
  });
  await subscriber.subscribeAsync('wq/+/data', { qos: 1 });
});

afterAll(async () => {
  await subscriber?.endAsync(true);
  await broker?.dispose();
});

function take(predicate: (r: (typeof received)[number]) => boolean) {
  const picked = received.filter(predicate);
  received.splice(0, received.length, ...received.filter((r) => !predicate(r)));
  return picked;
}

describe('through a real mosquitto', () => {
  it('delivers a 30-day accelerated backfill complete, in arrays under the payload limit', async () => {
    const simulator = createSimulator({ catalog: testCatalog, seed: 21 });
    const publisher = await connectMqttPublisher({ url: broker.url, clientId: 'sensors-test-backfill' });
    const to = Date.parse('2026-06-30T00:00:00+08:00');
    const from = to - 30 * DAY;
    let lastProgress = { done: 0, total: -1 };
    const result = await backfill({ simulator, publisher, from, to, onProgress: (p) => (lastProgress = p) });
    await publisher.close();
    const expected = simulator.stations.flatMap((s) => simulator.samples(s.id, from, to));
    expect(result.messages).toBe(expected.length);
    expect(lastProgress.done).toBe(lastProgress.total);
    await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(expected.length), {
      timeout: 20_000,
      interval: 50,
    });
    const got = take(() => true);
    expect(got).toHaveLength(expected.length);
    const zone = simulator.zone;
    const byKey = new Map(got.map((r) => [`${r.stationId}@${r.entry.ts}`, r]));
    for (const sample of expected) {
      const r = byKey.get(`${sample.stationId}@${zone.iso(sample.ts)}`);
      expect(r, `${sample.stationId} ${zone.iso(sample.ts)}`).toBeDefined();
      expect(r!.entry.values).toEqual(sample.values);
      expect(r!.bytes).toBeLessThanOrEqual(128 * 1024);
    }
    expect(result.batches).toBeLessThan(expected.length / 50);
  });

  it('`qingliu simulate --backfill 2d --duration 0` publishes what the seeded model says', async () => {
    const catalogFile = path.join(REPO_ROOT, 'sensors/catalog.yaml');
    const catalog = await loadCatalog(catalogFile);
    const ids = catalog.stations.slice(0, 3).map((s) => s.id);
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    let stderr = '';
    out.on('data', (c: Buffer) => (stdout += c.toString()));
    err.on('data', (c: Buffer) => (stderr += c.toString()));
    const before = Date.now();
    const code = await runCli(
      [
        'simulate',
        '--mqtt',
        broker.url,
        '--stations',
        ids.join(','),
        '--backfill',
        '2d',
        '--duration',
        '0',
        '--seed',
        '5',
      ],
      {
        stdin: new PassThrough(),
        stdout: out,
        stderr: err,
        env: { CATALOG: catalogFile, LANG_UI: 'en' },
      },
    );
    const after = Date.now();
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('backfill done: 3 stations');
    expect(stdout).toBe('');
    const simulator = createSimulator({ catalog, seed: 5 });
    // The command's window is (t − 2d, t] for some t between `before` and `after`.
    const count = (from: number, to: number) => ids.reduce((n, id) => n + simulator.samples(id, from, to).length, 0);
    const atLeast = count(after - 2 * DAY, before);
    const atMost = count(before - 2 * DAY, after);
    expect(atLeast).toBeGreaterThan(20);
    await vi.waitFor(
      () => expect(received.filter((r) => ids.includes(r.stationId)).length).toBeGreaterThanOrEqual(atLeast),
      { timeout: 20_000, interval: 50 },
    );
    await new Promise((r) => setTimeout(r, 200));
    const got = take((r) => ids.includes(r.stationId));
    expect(got.length).toBeLessThanOrEqual(atMost);
    for (const r of got) {
      // The command and a fresh simulator with the same seed agree on every reading.
      const sample = simulator.sample(r.stationId, Date.parse(r.entry.ts));
      expect(sample?.values, `${r.stationId} ${r.entry.ts}`).toEqual(r.entry.values);
      expect(r.entry.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    }
  });

  it('replays the real plant CSV, shifted to now', async () => {
    const file = 'wwtp1_hourly_2024-06-07_to_06-12.csv';
    const data = readReplayCsv(readRealCsv(file), {
      mapping: parseInlineMapping('effluent=wwtp1-effluent,influent=wwtp1-influent'),
      fileName: file,
    });
    const publisher = await connectMqttPublisher({ url: broker.url, clientId: 'sensors-test-replay' });
    const before = Date.now();
    const result = await replay({ messages: data.messages, publisher, zone: createZone(), shiftTo: 'now' });
    await publisher.close();
    expect(result.messages).toBe(200);
    await vi.waitFor(() => expect(received.filter((r) => r.stationId.startsWith('wwtp1-')).length).toBe(200), {
      timeout: 20_000,
      interval: 50,
    });
    const got = take((r) => r.stationId.startsWith('wwtp1-'));
    const last = Math.max(...got.map((r) => Date.parse(r.entry.ts)));
    expect(last).toBeGreaterThanOrEqual(before - 1000);
    expect(last).toBeLessThanOrEqual(Date.now());
    expect(got.filter((r) => r.stationId === 'wwtp1-influent')[0]!.entry.values).toHaveProperty('ss');
  });
});
