/**
 * Required by issue 3: stop influxd for 30 s mid-stream, start it again: every reading is stored and the spool
 * empties. The app runs in-process (composition root from Config), against a real mosquitto and influxd.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import { silentLogger } from '../../src/logger.js';
import { createInfluxStore } from '../../src/store/influx/influx-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { metric, missing, publishAll, readAll, until, writeCatalog } from './e2e.js';
import { tempDir } from './helpers.js';

const STATIONS = Array.from({ length: 5 }, (_, i) => `outage-${i}`);
const PARAMETERS: ParameterCode[] = ['ph', 'do', 'tp'];
const OUTAGE_MS = 30_000;
const PER_SECOND = 250;
const T0 = Date.parse('2026-02-01T00:00:00+08:00');

describe('InfluxDB outage of 30 s mid-stream', () => {
  let broker: Mosquitto;
  let influx: Influxd;
  let app: App;
  let reader: ReadingStore;
  const dir = tempDir('qingliu-e2e-outage-');

  beforeAll(async () => {
    [broker, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
    const config = loadConfig({
      ROLES: 'ingest',
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'e2e-outage',
      INFLUX_URL: influx.url,
      INFLUX_BUCKET: 'outage',
      DATA_DIR: path.join(dir, 'data'),
      CATALOG: writeCatalog(dir, STATIONS, PARAMETERS),
    });
    app = await createApp({ config, logger: silentLogger() });
    await app.start();
    reader = createInfluxStore({ url: influx.url, bucket: 'outage', version: 'auto', logger: silentLogger() });
    await reader.start();
  });
  afterAll(async () => {
    await app?.stop();
    await reader?.stop();
    await Promise.all([broker?.dispose(), influx?.dispose()]);
  });

  it('keeps every reading through the outage, and the spool drains by itself', async () => {
    await until(() => app.ingester!.brokerConnected, 10_000, 'connected');
    const scrape = async () => (await app.http.request('/metrics')).text();
    const expected: Reading[] = [];
    const total = Math.round(((OUTAGE_MS + 8_000) / 1000) * PER_SECOND);
    function* messages() {
      for (let i = 0; i < total; i++) {
        const stationId = STATIONS[i % STATIONS.length]!;
        const ts = T0 + Math.floor(i / STATIONS.length) * 60_000;
        const values = { ph: 6.5 + (i % 50) / 20, do: 4 + (i % 40) / 10, tp: (i % 300) / 1000 };
        for (const [parameter, value] of Object.entries(values)) expected.push({ stationId, parameter: parameter as ParameterCode, ts, value, flag: 'N' });
        yield { topic: `wq/${stationId}/data`, payload: JSON.stringify({ ts, values }) };
      }
    }

    let outage: Promise<void> | undefined;
    let spoolDuringOutage = 0;
    let readyDuringOutage = 0;
    await publishAll(broker.url, messages(), {
      perSecond: PER_SECOND,
      onProgress: (sent) => {
        if (sent !== 2 * PER_SECOND) return;
        // Two seconds into the stream: influxd goes away for 30 s while messages keep coming.
        outage = (async () => {
          await influx.stop();
          await new Promise((r) => setTimeout(r, OUTAGE_MS - 2_000));
          spoolDuringOutage = metric(await scrape(), 'qingliu_spool_pending_readings') ?? 0;
          readyDuringOutage = (await app.http.request('/readyz')).status;
          await new Promise((r) => setTimeout(r, 2_000));
          await influx.start();
        })();
      },
    });
    await outage;
    expect(spoolDuringOutage, 'readings piled up in the spool while influxd was down').toBeGreaterThan(PER_SECOND * 20 * PARAMETERS.length);
    expect(readyDuringOutage).toBe(503);

    await until(async () => metric(await scrape(), 'qingliu_spool_pending_readings') === 0, 60_000, 'the spool to drain');
    const stored = await readAll(reader, STATIONS, T0, T0 + 1e10);
    expect(missing(expected, stored)).toEqual([]);
    expect(stored).toHaveLength(expected.length);
    const text = await scrape();
    expect(metric(text, 'qingliu_store_write_failures_total')).toBeGreaterThan(0);
    expect(metric(text, 'qingliu_ingest_readings_stored_total')).toBeGreaterThanOrEqual(expected.length);
    expect((await app.http.request('/readyz')).status).toBe(200);
  }, 150_000);
});
