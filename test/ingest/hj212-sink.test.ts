/**
 * HJ 212 batches through the real ingester: the same pipeline, spool, forwarder and dead-letter path as MQTT,
 * into a real SQLite store, with MQTT traffic from a real mosquitto alongside.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/domain/reading.js';
import type { DeviceDirectory, Hj212Batch, Hj212Device, Hj212Sink } from '../../src/ingest/hj212/contracts.js';
import { createPipelineSink } from '../../src/ingest/hj212/pipeline-sink.js';
import { createIngester, type Ingester } from '../../src/ingest/ingester.js';
import { SpoolRefusedError } from '../../src/ingest/ingest-pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { metric, publishAll, until } from './e2e.js';
import { NOW, STATIONS, tempDir } from './helpers.js';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});

const device = (mn: string, stationId: string, record: Hj212Device['record']): Hj212Device => ({
  mn,
  stationId,
  protocol: 'hj212-2017',
  units: {},
  record,
});
const DEVICES = new Map([
  ['MN-PLANT', device('MN-PLANT', 'plant-01', 'realtime')],
  ['MN-HOURLY', device('MN-HOURLY', 'demo-01', 'hourly')],
]);
const directory: DeviceDirectory = { byMn: (mn) => DEVICES.get(mn) };

function batch(over: Partial<Hj212Batch>): Hj212Batch {
  return {
    stationId: 'plant-01',
    mn: 'MN-PLANT',
    cn: '2011',
    stream: 'realtime',
    ts: NOW - 60_000,
    values: [
      { parameter: 'cod', value: 21.5, flag: 'N' },
      { parameter: 'nh3n', value: 0.82, flag: 'N' },
    ],
    late: false,
    receivedAt: NOW,
    ...over,
  };
}

interface Rig {
  ingester: Ingester;
  store: ReadingStore;
  sink: Hj212Sink;
  metrics: ReturnType<typeof createMetrics>;
  started: string[];
  stop(): Promise<void>;
}

async function rig(options: { spoolMaxBytes?: number } = {}): Promise<Rig> {
  const dir = tempDir();
  // As create-store.ts makes it: late readings are recorded as touched windows (ADR 0013).
  const store = createSqliteStore({
    file: path.join(dir, 'qingliu.db'),
    logger: silentLogger(),
    lateData: { evalDelayMs: 5 * 60_000, now: () => NOW },
  });
  await store.start();
  const metrics = createMetrics({ defaultMetrics: false });
  let sink!: Hj212Sink;
  const started: string[] = [];
  const ingester = createIngester({
    mqtt: { url: broker.url, clientId: `hj212-sink-${Math.random().toString(16).slice(2)}` },
    spool: {
      dir: path.join(dir, 'spool'),
      maxBytes: options.spoolMaxBytes ?? 1 << 24,
      segmentBytes: 4096,
      fsyncIntervalMs: 1000,
    },
    maxPayloadBytes: 65_536,
    maxFutureSkewSeconds: 300,
    stations: STATIONS,
    store,
    logger: silentLogger(),
    metrics: metrics.ingest,
    now: () => NOW,
    forwarder: { lingerMs: 5 },
    sources: [
      (pipeline) => {
        sink = createPipelineSink({ pipeline, directory });
        return {
          name: 'hj212',
          start: async () => void started.push('start'),
          stop: async () => void started.push('stop'),
        };
      },
    ],
  });
  await ingester.start();
  return {
    ingester,
    store,
    sink,
    metrics,
    started,
    async stop() {
      await ingester.stop();
      await store.stop();
    },
  };
}

const logged = (store: ReadingStore, stationId: string) =>
  store.loggerData!({ stationId, from: NOW - 864e5, to: NOW + 864e5 });
const all = (store: ReadingStore, stationId: string) => store.raw({ stationId, from: NOW - 864e5, to: NOW + 864e5 });

describe('the HJ 212 sink on the ingest pipeline', () => {
  it('stores accepted batches and MQTT messages through one spool and forwarder; starts and stops the source', async () => {
    const r = await rig();
    try {
      expect(r.started).toEqual(['start']);
      await r.sink.accept(batch({}));
      await publishAll(broker.url, [
        { topic: 'wq/plant-01/data', payload: JSON.stringify({ ts: NOW - 30_000, values: { cod: 22.5 } }) },
      ]);
      await until(async () => (await all(r.store, 'plant-01')).length === 3, 10_000, 'stored');
      expect((await all(r.store, 'plant-01')).map((x) => [x.parameter, x.ts, x.value, x.flag])).toEqual([
        ['cod', NOW - 60_000, 21.5, 'N'],
        ['nh3n', NOW - 60_000, 0.82, 'N'],
        ['cod', NOW - 30_000, 22.5, 'N'],
      ]);
      const text = await r.metrics.registry.metrics();
      expect(text).toContain('qingliu_ingest_messages_received_total{format="hj212"} 1');
      expect(text).toContain('qingliu_ingest_messages_received_total{format="data"} 1');
      expect(metric(text, 'qingliu_ingest_readings_accepted_total')).toBe(3);
    } finally {
      await r.stop();
    }
    expect(r.started).toEqual(['start', 'stop']);
  });

  it('settles many concurrent batches in one group commit, each once it is in the spool', async () => {
    const r = await rig();
    try {
      const batches = Array.from({ length: 500 }, (_, i) => batch({ ts: NOW - 600_000 + i * 1000 }));
      await Promise.all(batches.map((b) => r.sink.accept(b)));
      await until(async () => (await all(r.store, 'plant-01')).length === 1000, 20_000, 'stored');
    } finally {
      await r.stop();
    }
  });

  it('puts only the station record stream into readings: real-time beside hourly is not counted twice', async () => {
    const r = await rig();
    try {
      await r.sink.accept(
        batch({
          mn: 'MN-HOURLY',
          stationId: 'demo-01',
          stream: 'realtime',
          values: [{ parameter: 'ph', value: 7.1, flag: 'N' }],
        }),
      );
      await r.sink.accept(
        batch({
          mn: 'MN-HOURLY',
          stationId: 'demo-01',
          cn: '2061',
          stream: 'hourly',
          ts: NOW - 3_600_000,
          values: [{ parameter: 'ph', value: 7.3, flag: 'N', min: 7.0, max: 7.6 }],
        }),
      );
      await until(async () => (await logged(r.store, 'demo-01')).length === 2, 10_000, 'stored');
      expect((await all(r.store, 'demo-01')).map((x) => [x.ts, x.value])).toEqual([[NOW - 3_600_000, 7.3]]);
      // Both streams are kept as the logger's own record, each apart.
      expect(await logged(r.store, 'demo-01')).toEqual([
        {
          stationId: 'demo-01',
          parameter: 'ph',
          stream: 'hourly',
          ts: NOW - 3_600_000,
          value: 7.3,
          min: 7.0,
          max: 7.6,
          flag: 'N',
          late: false,
          receivedAt: NOW,
        },
        {
          stationId: 'demo-01',
          parameter: 'ph',
          stream: 'realtime',
          ts: NOW - 60_000,
          value: 7.1,
          flag: 'N',
          late: false,
          receivedAt: NOW,
        },
      ]);
    } finally {
      await r.stop();
    }
  });

  it('keeps of the record stream as logger data only what readings cannot hold: Min/Max/Cou, not a bare -Rtd', async () => {
    const r = await rig();
    try {
      // plant-01's record is the real-time stream: its -Rtd values are readings and nothing more (ADR 0012).
      await r.sink.accept(batch({}));
      await r.sink.accept(
        batch({
          cn: '2061',
          stream: 'hourly',
          ts: NOW - 3_600_000,
          values: [{ parameter: 'cod', value: 20.5, flag: 'N', min: 19, max: 22 }],
        }),
      );
      // The record stream with a cumulative amount: the reading, and the Cou beside it in logger data.
      await r.sink.accept(
        batch({
          ts: NOW - 120_000,
          values: [
            { parameter: 'flow', value: 125.4, flag: 'N', cou: 449.3 },
            { parameter: 'ph', value: 7.1, flag: 'N' },
          ],
        }),
      );
      await until(async () => (await all(r.store, 'plant-01')).length === 4, 10_000, 'stored');
      await until(async () => (await logged(r.store, 'plant-01')).length === 2, 10_000, 'logger data stored');
      expect((await logged(r.store, 'plant-01')).map((v) => [v.stream, v.parameter, v.ts, v.cou ?? v.max])).toEqual([
        ['hourly', 'cod', NOW - 3_600_000, 22],
        ['realtime', 'flow', NOW - 120_000, 449.3],
      ]);
      expect((await all(r.store, 'plant-01')).map((x) => [x.parameter, x.ts])).toEqual([
        ['flow', NOW - 120_000],
        ['ph', NOW - 120_000],
        ['cod', NOW - 60_000],
        ['nh3n', NOW - 60_000],
      ]);
    } finally {
      await r.stop();
    }
  });

  it('stores back-filled data as late, and its record readings touch the windows they fall in (late_data)', async () => {
    const r = await rig();
    try {
      const hourAgo6 = NOW - 6 * 3_600_000;
      await r.sink.accept(
        batch({
          mn: 'MN-HOURLY',
          stationId: 'demo-01',
          cn: '2061',
          stream: 'hourly',
          ts: hourAgo6,
          late: true,
          values: [{ parameter: 'ph', value: 6.9, flag: 'N', min: 6.8, max: 7.0 }],
        }),
      );
      await until(async () => (await logged(r.store, 'demo-01')).length === 1, 10_000, 'stored');
      expect((await logged(r.store, 'demo-01'))[0]).toMatchObject({ stream: 'hourly', late: true, ts: hourAgo6 });
      expect((await all(r.store, 'demo-01')).map((x) => [x.ts, x.value])).toEqual([[hourAgo6, 6.9]]);
      const touches = await r.store.touches!({ after: 0, until: NOW + 1 });
      expect(touches.map((t) => [t.stationId, t.cause, t.from <= hourAgo6, t.to > hourAgo6])).toEqual([
        ['demo-01', 'late_data', true, true],
      ]);
    } finally {
      await r.stop();
    }
  });

  it('keeps dead letters in the same dead-letter store, counted by reason', async () => {
    const r = await rig();
    try {
      const letter: DeadLetter = {
        receivedAt: NOW,
        stationId: 'plant-01',
        topic: 'hj212/MN-PLANT',
        reason: 'hj212_crc_mismatch',
        detail: 'CRC 1C81 given, 1C80 computed',
        payload: '##0101QN=…',
      };
      await r.sink.deadLetter(letter);
      await until(async () => (await r.store.deadLetters({ stationId: 'plant-01' })).length === 1, 10_000, 'stored');
      expect(await r.store.deadLetters({ stationId: 'plant-01' })).toEqual([letter]);
      expect(await r.metrics.registry.metrics()).toContain(
        'qingliu_ingest_rejected_total{reason="hj212_crc_mismatch"} 1',
      );
    } finally {
      await r.stop();
    }
  });

  it('rejects when the spool is full, and after the ingester stopped: the gateway then does not answer', async () => {
    const r = await rig({ spoolMaxBytes: 16_384 });
    // The forwarder would free the spool: stop it, so the spool fills.
    await r.ingester.forwarder.stop({ drainMs: 0 });
    // Resolved = in the spool (nothing forwards it any more).
    await r.sink.accept(batch({ ts: NOW - 2e7 }));
    expect(r.ingester.spool.stats().pendingReadings).toBe(2);
    let i = 0;
    let refused: unknown;
    while (i < 10_000) {
      try {
        await r.sink.accept(batch({ ts: NOW - 1e7 + i++ * 1000 }));
      } catch (err) {
        refused = err;
        break;
      }
    }
    expect(refused).toBeInstanceOf(SpoolRefusedError);
    expect((refused as Error).message).toBe('spool full');
    await r.stop();
    await expect(r.sink.accept(batch({}))).rejects.toThrow('ingest is stopping');
  });
});
