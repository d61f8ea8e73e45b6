/**
 * Issue 12, item 7: what a retained MQTT message means for a reading (docs/mqtt.md, "Retained messages").
 * A station's retained 1.0 used to replace the corrected 2.0 at every ingester reconnection (the broker sends the
 * retained copy again on every subscription), and clearing the retained message (an empty payload) made a dead
 * letter. Real mosquitto, the real app (ROLES=ingest) on each store: SQLite and a real influxd.
 */
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { sqliteFile } from '../../src/store/create-store.js';
import { createInfluxStore } from '../../src/store/influx/influx-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { until, writeCatalog } from './e2e.js';
import { tempDir } from './helpers.js';

const T = Date.parse('2026-11-28T08:00:00+08:00');

let broker: Mosquitto;
let influx: Influxd;
beforeAll(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
});
afterAll(async () => {
  await Promise.all([broker?.dispose(), influx?.dispose()]);
});

/** Sum of a labelled counter's samples with this label value (0 when absent). */
function counter(text: string, name: string, label: string): number {
  const m = new RegExp(`^${name}\\{reason="${label}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe.each(['sqlite', 'influx'] as const)('retained messages on the %s store', (kind) => {
  const dir = tempDir(`qingliu-retained-${kind}-`);
  let config: Config;
  let app: App;
  let reader: ReadingStore;

  beforeAll(async () => {
    config = loadConfig({
      ROLES: 'ingest',
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: `retained-${kind}`,
      DATA_DIR: path.join(dir, 'data'),
      CATALOG: writeCatalog(dir, ['st-1'], ['ph', 'do']),
      ...(kind === 'influx' ? { INFLUX_URL: influx.url, INFLUX_BUCKET: 'retained' } : {}),
    });
    reader =
      kind === 'influx'
        ? createInfluxStore({ url: influx.url, bucket: 'retained', version: 'auto', logger: silentLogger() })
        : createSqliteStore({ file: sqliteFile(config), logger: silentLogger() });
  });
  afterAll(async () => {
    await app?.stop();
    await reader?.stop();
  });

  async function startApp(): Promise<App> {
    app = await createApp({ config, logger: silentLogger() });
    await app.start();
    await until(() => app.ingester!.brokerConnected, 10_000, 'connected');
    return app;
  }
  const scrape = async () => (await app.http.request('/metrics')).text();
  const stored = async () => (await reader.raw({ stationId: 'st-1', from: T - 1, to: T + 1 })).map((r) => r.value);

  /** A logger's connection per publication: the broker restarts in between. */
  async function publish(payload: string, options: { retain?: boolean } = {}): Promise<void> {
    const station = await mqtt.connectAsync(broker.url, { clientId: `logger-${kind}`, reconnectPeriod: 0 });
    try {
      await station.publishAsync('wq/st-1/data', payload, { qos: 1, retain: options.retain ?? false });
    } finally {
      await station.endAsync();
    }
  }
  const ignored = async (reason: string) => counter(await scrape(), 'qingliu_ingest_ignored_total', reason);

  it('never lets a redelivered retained value replace a later correction, and clearing it makes no dead letter', async () => {
    await startApp();
    await reader.start();
    // The logger sends with RETAIN set (some do by default), then corrects the reading without it.
    await publish(JSON.stringify({ ts: T, values: { ph: 1.0 } }), { retain: true });
    await until(async () => (await stored()).join() === '1', 10_000, 'the first value stored');
    await publish(JSON.stringify({ ts: T, values: { ph: 2.0 } }));
    await until(async () => (await stored()).join() === '2', 10_000, 'the correction stored');

    // The ingester reconnects (a restart): the broker sends the retained 1.0 again with the subscription, before
    // anything published later — so once a later marker is stored, the replay has been through the pipeline.
    const ph = async () =>
      (await reader.raw({ stationId: 'st-1', from: T - 1, to: T + 1, parameters: ['ph'] })).map((r) => r.value);
    const marker = async (value: number) => {
      await publish(JSON.stringify({ ts: T, values: { do: value } }));
      await until(
        async () =>
          (await reader.raw({ stationId: 'st-1', from: T - 1, to: T + 1, parameters: ['do'] }))[0]?.value === value,
        15_000,
        `marker ${value} stored`,
      );
    };
    await app.stop();
    await startApp();
    await marker(7.5);
    expect(await ph()).toEqual([2]);
    // And once more through a broker restart, which also ends in a new subscription.
    await broker.restart();
    await until(() => app.ingester!.brokerConnected, 20_000, 'reconnected after the broker restart');
    await marker(7.6);
    expect(await ph()).toEqual([2]);
    expect(await ignored('retained_replay')).toBeGreaterThanOrEqual(1);

    // Clearing the retained message: an empty payload with RETAIN, delivered to the live subscription.
    await publish('', { retain: true });
    await until(async () => (await ignored('empty_payload')) === 1, 10_000, 'the empty payload seen');
    await until(async () => app.ingester!.spool.stats().pendingBytes === 0, 10_000, 'the spool drained');
    expect(counter(await scrape(), 'qingliu_ingest_rejected_total', 'malformed_json')).toBe(0);
    expect(await reader.deadLetters({ stationId: 'st-1' })).toEqual([]);
  });
});
