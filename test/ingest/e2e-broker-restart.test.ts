/**
 * Required by issue 3: restart the broker (with persistence) mid-stream: the ingester reconnects and nothing is
 * lost. In-process app on the embedded SQLite store, real mosquitto.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import { silentLogger } from '../../src/logger.js';
import { sqliteFile } from '../../src/store/create-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { metric, missing, publishAll, readAll, until, writeCatalog } from './e2e.js';
import { tempDir } from './helpers.js';

const STATIONS = Array.from({ length: 8 }, (_, i) => `restart-${i}`);
const PARAMETERS: ParameterCode[] = ['temp', 'ph', 'do', 'codmn', 'nh3n'];
const MESSAGES = 10_000;
const T0 = Date.parse('2026-03-01T00:00:00+08:00');

describe('broker restart mid-stream', () => {
  let broker: Mosquitto;
  let app: App;
  let reader: ReadingStore;
  const dir = tempDir('qingliu-e2e-restart-');

  beforeAll(async () => {
    broker = await startMosquitto();
    const config = loadConfig({
      ROLES: 'ingest',
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'e2e-restart',
      DATA_DIR: path.join(dir, 'data'),
      CATALOG: writeCatalog(dir, STATIONS, PARAMETERS),
    });
    app = await createApp({ config, logger: silentLogger() });
    await app.start();
    reader = createSqliteStore({ file: sqliteFile(config), logger: silentLogger() });
    await reader.start();
  });
  afterAll(async () => {
    await app?.stop();
    await reader?.stop();
    await broker?.dispose();
  });

  it('reconnects, resubscribes and loses nothing', async () => {
    await until(() => app.ingester!.brokerConnected, 10_000, 'connected');
    const scrape = async () => (await app.http.request('/metrics')).text();
    const expected: Reading[] = [];
    function* messages() {
      for (let i = 0; i < MESSAGES; i++) {
        const stationId = STATIONS[i % STATIONS.length]!;
        const ts = T0 + Math.floor(i / STATIONS.length) * 300_000;
        const values = Object.fromEntries(PARAMETERS.map((p, k) => [p, Number(((i * (k + 3)) % 97 / 10 + 1).toFixed(2))]));
        for (const [parameter, value] of Object.entries(values)) expected.push({ stationId, parameter: parameter as ParameterCode, ts, value, flag: 'N' });
        yield { topic: `wq/${stationId}/data`, payload: JSON.stringify({ ts, values }) };
      }
    }
    let restarted = false;
    await publishAll(broker.url, messages(), {
      inFlight: 100,
      onProgress: async (sent) => {
        if (!restarted && sent === 4_000) {
          restarted = true;
          await broker.restart();
        }
      },
    });
    expect(restarted).toBe(true);
    await until(async () => (await readAll(reader, STATIONS, T0, T0 + 1e11)).length >= expected.length, 60_000, 'every reading in SQLite');
    const stored = await readAll(reader, STATIONS, T0, T0 + 1e11);
    expect(missing(expected, stored)).toEqual([]);
    expect(stored).toHaveLength(expected.length);
    const text = await scrape();
    expect(metric(text, 'qingliu_mqtt_connects_total')).toBeGreaterThanOrEqual(2);
    expect(metric(text, 'qingliu_mqtt_connected')).toBe(1);
  }, 120_000);
});
