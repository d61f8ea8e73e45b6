/** The composition root with ROLES=ingest: health, readiness and metrics endpoints; graceful shutdown flushes. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Reading } from '../../src/domain/reading.js';
import { silentLogger } from '../../src/logger.js';
import { sqliteFile } from '../../src/store/create-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { freePort } from '../harness/free-port.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { metric, missing, publishAll, readAll, until, writeCatalog } from './e2e.js';
import { tempDir } from './helpers.js';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});

describe('app', () => {
  it('ROLES=ingest: serves /healthz, /readyz (store and broker) and /metrics with the ingest metrics', async () => {
    const dir = tempDir();
    const config = loadConfig({
      ROLES: 'ingest',
      DATA_DIR: path.join(dir, 'data'),
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'app-endpoints',
      CATALOG: writeCatalog(dir, ['st-1'], ['ph']),
    });
    const app = await createApp({ config, logger: silentLogger() });
    await app.start();
    try {
      expect(app.ingester).toBeDefined();
      await until(() => app.ingester!.brokerConnected, 10_000, 'connected');
      expect((await app.http.request('/healthz')).status).toBe(200);
      expect((await app.http.request('/readyz')).status).toBe(200);
      const metrics = await app.http.request('/metrics');
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      expect(text).toContain('process_resident_memory_bytes');
      expect(text).toContain('# TYPE qingliu_store_write_duration_seconds histogram');
      expect(metric(text, 'qingliu_mqtt_connected')).toBe(1);
      expect(metric(text, 'qingliu_spool_pending_readings')).toBe(0);
    } finally {
      await app.stop();
      await app.stop();
    }
  });

  it('reports not ready while the store does not answer, and still accepts messages into the spool', async () => {
    const dir = tempDir();
    const deadPort = await freePort();
    const config = loadConfig({
      ROLES: 'ingest',
      DATA_DIR: path.join(dir, 'data'),
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'app-dead-store',
      INFLUX_URL: `http://127.0.0.1:${deadPort}`,
      CATALOG: writeCatalog(dir, ['st-1'], ['ph']),
    });
    const app = await createApp({ config, logger: silentLogger() });
    await app.start();
    try {
      await until(() => app.ingester!.brokerConnected, 10_000, 'connected');
      await publishAll(broker.url, [{ topic: 'wq/st-1/data', payload: JSON.stringify({ ts: Date.now() - 1000, values: { ph: 7.1 } }) }]);
      await until(async () => metric(await (await app.http.request('/metrics')).text(), 'qingliu_spool_pending_readings') === 1, 10_000, 'spooled');
      const ready = await app.http.request('/readyz');
      expect(ready.status).toBe(503);
      expect(await ready.text()).toMatch(/store/);
    } finally {
      await app.stop();
    }
  });

  it('on stop, stores what it acknowledged before closing (graceful shutdown flushes)', async () => {
    const dir = tempDir();
    const config = loadConfig({
      ROLES: 'ingest',
      DATA_DIR: path.join(dir, 'data'),
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'app-graceful',
      CATALOG: writeCatalog(dir, ['st-1', 'st-2'], ['ph', 'do']),
    });
    const app = await createApp({ config, logger: silentLogger() });
    await app.start();
    await until(() => app.ingester!.brokerConnected, 10_000, 'connected');
    const T0 = Date.parse('2026-05-01T00:00:00Z');
    const expected: Reading[] = [];
    const messages = Array.from({ length: 2000 }, (_, i) => {
      const stationId = i % 2 === 0 ? 'st-1' : 'st-2';
      const ts = T0 + i * 1000;
      expected.push({ stationId, parameter: 'ph', ts, value: 7, flag: 'N' }, { stationId, parameter: 'do', ts, value: 6, flag: 'N' });
      return { topic: `wq/${stationId}/data`, payload: JSON.stringify({ ts, values: { ph: 7, do: 6 } }) };
    });
    await publishAll(broker.url, messages);
    await until(async () => metric(await (await app.http.request('/metrics')).text(), 'qingliu_ingest_readings_accepted_total') === 4000, 20_000, 'all acknowledged');
    await app.stop();
    const reader = createSqliteStore({ file: sqliteFile(config), logger: silentLogger() });
    await reader.start();
    try {
      expect(missing(expected, await readAll(reader, ['st-1', 'st-2'], T0, T0 + 1e8))).toEqual([]);
    } finally {
      await reader.stop();
    }
  });
});
