/**
 * The HJ 212 gateway as a child process for the kill -9 test (bench:hj212 runs src/main.ts itself): the real spool,
 * ingest pipeline (its group commit), pipeline sink, forwarder and influxd store, and the server — what the ingest
 * role composes, without MQTT. (src/main.ts with HJ212_PORT is the same path plus the MQTT source and the API.)
 * Env: HJ212_PORT, INFLUX_URL, SPOOL_DIR, LOGGERS (devices KILL000000…, stations kill-0…).
 */
import path from 'node:path';
import { createHj212Metrics } from '../../../src/ingest/hj212/metrics.js';
import { createHj212Server } from '../../../src/ingest/hj212/server.js';
import type { Hj212Device } from '../../../src/ingest/hj212/contracts.js';
import { createForwarder } from '../../../src/ingest/forwarder.js';
import { createPipelineSink } from '../../../src/ingest/hj212/pipeline-sink.js';
import { createIngestPipeline } from '../../../src/ingest/ingest-pipeline.js';
import { createMessageDecoder } from '../../../src/ingest/message-decoder.js';
import { stationDirectory } from '../../../src/ingest/station-directory.js';
import { createSpool } from '../../../src/ingest/spool/spool.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { createInfluxStore } from '../../../src/store/influx/influx-store.js';
import { killMn } from './fixtures.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const logger = createLogger({ level: 'warn', format: 'json' });
const metrics = createMetrics({ defaultMetrics: false });
const dir = env('SPOOL_DIR');
const spool = createSpool({ dir, maxBytes: 256 * 1024 * 1024, fsyncIntervalMs: 1000, logger });
const store = createInfluxStore({ url: env('INFLUX_URL'), bucket: 'hj212', version: 'auto', logger });
const forwarder = createForwarder({
  spool,
  store,
  logger,
  metrics: metrics.ingest,
  quarantineFile: path.join(dir, 'quarantine.log'),
});
const devices = new Map<string, Hj212Device>();
for (let i = 0; i < Number(env('LOGGERS')); i++)
  devices.set(killMn(i), {
    mn: killMn(i),
    stationId: `kill-${i}`,
    protocol: 'hj212-2017',
    password: '123456',
    units: {},
    record: 'realtime',
  });
const noop = () => undefined;
const directory = { byMn: (mn: string) => devices.get(mn) };
const pipeline = createIngestPipeline({
  decoder: createMessageDecoder({
    stations: stationDirectory([]),
    maxPayloadBytes: 256 * 1024,
    maxFutureSkewSeconds: 600,
  }),
  spool,
  metrics: metrics.ingest,
  logger,
  now: Date.now,
});
const server = createHj212Server({
  devices: directory,
  sink: createPipelineSink({ pipeline, directory }),
  events: { connected: noop, disconnected: noop, packet: noop, heartbeat: noop, status: noop },
  logger,
  metrics: createHj212Metrics(metrics.registry),
  now: Date.now,
  timeZone: 'Asia/Shanghai',
  port: Number(env('HJ212_PORT')),
  host: '127.0.0.1',
});

await store.start();
spool.open();
forwarder.start();
await server.start();

// A SIGTERM ends the process through exit handlers (so --cpu-prof can write its profile); SIGKILL is the crash test.
process.once('SIGTERM', () => process.exit(0));
