/**
 * The HJ 212 gateway as a child process for the kill -9 test: a real spool, the real forwarder, a real influxd store,
 * and the server. The sink is the spool-backed test sink (test/ingest/hj212/spool-sink.ts) until the ingester's own
 * HJ 212 source (issue 13, hj212app) is on main; then this test should run src/main.ts with HJ212_PORT instead.
 * Env: HJ212_PORT, INFLUX_URL, SPOOL_DIR, LOGGERS (devices KILL000000…, stations kill-0…).
 */
import path from 'node:path';
import { createHj212Metrics } from '../../../src/ingest/hj212/metrics.js';
import { createHj212Server } from '../../../src/ingest/hj212/server.js';
import type { Hj212Device } from '../../../src/ingest/hj212/contracts.js';
import { createForwarder } from '../../../src/ingest/forwarder.js';
import { createSpool } from '../../../src/ingest/spool/spool.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { createInfluxStore } from '../../../src/store/influx/influx-store.js';
import { killMn } from './fixtures.js';
import { createSpoolSink } from './spool-sink.js';

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
const server = createHj212Server({
  devices: { byMn: (mn) => devices.get(mn) },
  sink: createSpoolSink(spool, { keep: false }),
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
