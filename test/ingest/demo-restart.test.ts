/**
 * Issue 12 item 12: the demo (embedded broker) loses nothing while it restarts. A station keeps publishing QoS 1
 * messages through two restarts of the app; every message the broker acknowledged must be stored. Before the fix
 * the embedded broker listened before the ingester had subscribed again (its sessions live in memory), so a station
 * that reconnected in between had messages acknowledged and dropped.
 */
import path from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { sqliteFile } from '../../src/store/create-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { freePort } from '../harness/free-port.js';
import { readAll, writeCatalog } from './e2e.js';
import { tempDir } from './helpers.js';

describe('the embedded broker across restarts', () => {
  it('stores every message it acknowledged while the app restarted twice', async () => {
    const dir = tempDir();
    const config = loadConfig({
      ROLES: 'ingest',
      DATA_DIR: path.join(dir, 'data'),
      MQTT_PORT: String(await freePort()),
      CATALOG: writeCatalog(dir, ['st-1'], ['ph']),
    });
    const url = `mqtt://127.0.0.1:${config.MQTT_PORT}`;
    const T0 = Date.now() - 86_400_000;
    // A station that tries to (re)connect every 5 ms, so it is there the moment the broker listens.
    const station = mqtt.connect(url, { clientId: 'station-st-1', reconnectPeriod: 5, connectTimeout: 2000 });
    station.on('error', () => undefined);
    const acknowledged: number[] = [];
    let publishing = true;
    const publisher = (async () => {
      for (let i = 0; publishing; i++) {
        if (!station.connected) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        const ts = T0 + i * 1000;
        // Resolves on the broker's PUBACK; a publish cut off by the restart rejects (never acknowledged).
        await station.publishAsync('wq/st-1/data', JSON.stringify({ ts, values: { ph: 7 } }), { qos: 1 }).then(
          () => acknowledged.push(ts),
          () => undefined,
        );
      }
    })();

    for (let round = 0; round < 3; round++) {
      const app = await createApp({ config, logger: silentLogger(), demoFeed: false });
      await app.start();
      // Publishing goes on for a while, then the app stops (the broker with it) and starts again.
      const before = acknowledged.length;
      while (acknowledged.length < before + 300) await new Promise((r) => setTimeout(r, 5));
      await app.stop();
    }
    // The last publish waits for a broker that is gone: it never counts as acknowledged.
    publishing = false;
    await Promise.race([publisher, new Promise((r) => setTimeout(r, 1000))]);
    station.end(true);

    const reader = createSqliteStore({ file: sqliteFile(config), logger: silentLogger() });
    await reader.start();
    try {
      const stored = new Set((await readAll(reader, ['st-1'], T0, Date.now())).map((r) => r.ts));
      const lost = acknowledged.filter((ts) => !stored.has(ts));
      expect(acknowledged.length).toBeGreaterThanOrEqual(900);
      expect(lost).toEqual([]);
    } finally {
      await reader.stop();
    }
  });
});
