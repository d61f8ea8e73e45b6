/**
 * Required by issue 3: kill -9 the ingester (the real src/main.ts, in a child process) while 20,000 messages
 * stream in through a real mosquitto, restart it: every reading is in the real influxd. Killed twice, the second
 * time while the restarted process replays its spool.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import { silentLogger } from '../../src/logger.js';
import { createInfluxStore } from '../../src/store/influx/influx-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { freePort } from '../harness/free-port.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { ingesterProcess, metric, missing, publishAll, readAll, until, writeCatalog, type IngesterProcess } from './e2e.js';
import { tempDir } from './helpers.js';

const STATIONS = Array.from({ length: 10 }, (_, i) => `kill-${i}`);
const PARAMETERS: ParameterCode[] = ['ph', 'do', 'nh3n'];
const MESSAGES = 20_000;
const T0 = Date.parse('2026-01-01T00:00:00+08:00');

describe('ingester killed with SIGKILL mid-stream', () => {
  let broker: Mosquitto;
  let influx: Influxd;
  let ingester: IngesterProcess | undefined;
  let store: ReadingStore;
  const dir = tempDir('qingliu-e2e-kill-');

  beforeAll(async () => {
    [broker, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
    store = createInfluxStore({ url: influx.url, bucket: 'e2e', version: 'auto', logger: silentLogger() });
    await store.start();
  });
  afterAll(async () => {
    await ingester?.stop();
    await store?.stop();
    await Promise.all([broker?.dispose(), influx?.dispose()]);
  });

  it('stores every reading of 20,000 messages after a kill -9 and a restart', async () => {
    const port = await freePort();
    ingester = ingesterProcess({
      port,
      logFile: path.join(dir, 'ingester.log'),
      env: {
        MQTT_URL: broker.url,
        MQTT_CLIENT_ID: 'e2e-kill',
        INFLUX_URL: influx.url,
        INFLUX_BUCKET: 'e2e',
        DATA_DIR: path.join(dir, 'data'),
        CATALOG: writeCatalog(dir, STATIONS, PARAMETERS),
      },
    });
    await ingester.start();

    const expected: Reading[] = [];
    function* messages() {
      for (let i = 0; i < MESSAGES; i++) {
        const stationId = STATIONS[i % STATIONS.length]!;
        const ts = T0 + Math.floor(i / STATIONS.length) * 60_000;
        const values = { ph: 7 + (i % 100) / 100, do: 5 + (i % 37) / 10, nh3n: (i % 211) / 100 };
        for (const [parameter, value] of Object.entries(values)) expected.push({ stationId, parameter: parameter as ParameterCode, ts, value, flag: 'N' });
        yield { topic: `wq/${stationId}/data`, payload: JSON.stringify({ ts, values }) };
      }
    }

    // Two kills: the first a few thousand messages in, the second soon after the restart, while the restarted
    // process is still replaying its spool and catching up with the broker's queue.
    const kills: number[] = [];
    const publishing = publishAll(broker.url, messages(), {
      inFlight: 200,
      onProgress: async (sent) => {
        if (kills.length >= 2 || sent % 250 !== 0) return;
        const accepted = metric(await ingester!.metrics(), 'qingliu_ingest_readings_accepted_total') ?? 0;
        if (accepted >= (kills.length === 0 ? 4_000 : 2_000) * PARAMETERS.length) {
          kills.push(sent);
          await ingester!.kill();
          if (kills.length === 1) await ingester!.start();
        }
      },
    });
    await publishing;
    expect(kills, 'the ingester was killed twice before the stream ended').toHaveLength(2);
    expect(kills[1]).toBeLessThan(MESSAGES);

    await ingester.start();
    await until(async () => (await readAll(store, STATIONS, T0, T0 + 1e10)).length >= expected.length, 60_000, 'every reading in influxd');
    const stored = await readAll(store, STATIONS, T0, T0 + 1e10);
    expect(missing(expected, stored)).toEqual([]);
    expect(stored).toHaveLength(expected.length);
    await until(async () => metric(await ingester!.metrics(), 'qingliu_spool_pending_readings') === 0, 10_000, 'an empty spool');
  }, 120_000);
});
