/**
 * Issue 12, item 1: one station's password must not make every station's readings disappear. Nothing tied an
 * MQTT client id to a username, and the ingester's id was fixed and documented: a client with any station's
 * credentials that connected as `qingliu-ingest` took over the ingester's persistent session — Mosquitto closed
 * the ingester's connection and the QoS 1 readings queued for it went to the impostor, acknowledged and gone.
 *
 * Here the real Qingliu ingester (the composition root, ROLES=ingest, SQLite store) runs behind the real Mosquitto
 * with the production configuration (deploy/mosquitto/mosquitto.conf) and the files `qingliu mqtt-auth`
 * generates. The ingester even keeps the old, guessable id `qingliu-ingest`: the broker must protect it anyway.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCredentialsCsv } from '../../src/broker/mosquitto-auth.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { sqliteFile } from '../../src/store/create-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { cli } from '../harness/cli.js';
import { startProductionMosquitto, type ProductionMosquitto } from '../harness/mosquitto.js';
import { metric, readAll, until } from '../ingest/e2e.js';
import { tempDir } from '../ingest/helpers.js';

const CATALOG = fileURLToPath(new URL('./fixtures/mqtt-auth-catalog.yaml', import.meta.url));
const INGEST_ID = 'qingliu-ingest';

let dir: string;
let broker: ProductionMosquitto;
let passwords: Map<string, string>;
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = tempDir('qingliu-takeover-');
  const auth = path.join(dir, 'auth');
  const generated = await cli(['mqtt-auth', '--catalog', CATALOG, '--out', auth]);
  expect(generated.code).toBe(0);
  passwords = parseCredentialsCsv(fs.readFileSync(path.join(auth, 'credentials.csv'), 'utf8'));
  broker = await startProductionMosquitto({ authDir: auth });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await broker?.dispose();
});

function ingester(dataDir: string): Promise<App> {
  const config = loadConfig({
    ROLES: 'ingest',
    DATA_DIR: dataDir,
    CATALOG,
    MQTT_URL: broker.serviceUrl,
    MQTT_USERNAME: 'qingliu',
    MQTT_PASSWORD: passwords.get('qingliu')!,
    MQTT_CLIENT_ID: INGEST_ID,
  });
  return createApp({ config, logger: silentLogger() });
}

/** A client with a station's credentials, claiming the ingester's client id and a persistent session. */
async function impostor(url: string, inbox: string[]): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    clientId: INGEST_ID,
    clean: false,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    username: 'xi-outbound',
    password: passwords.get('xi-outbound')!,
  });
  clients.push(client);
  client.on('message', (topic, payload) => inbox.push(`${topic} ${payload.toString()}`));
  return client;
}

async function station(): Promise<MqttClient> {
  const client = await mqtt.connectAsync(broker.stationUrl, {
    clientId: 'logger-xi-inbound',
    reconnectPeriod: 0,
    username: 'xi-inbound',
    password: passwords.get('xi-inbound')!,
  });
  clients.push(client);
  return client;
}

const T0 = Date.parse('2026-11-28T00:00:00+08:00');
const payload = (i: number) => JSON.stringify({ ts: T0 + i * 60_000, values: { ph: 7 + (i % 10) / 100 } });

async function stored(dataDir: string, count: number): Promise<number> {
  const store = createSqliteStore({ file: sqliteFile({ DATA_DIR: dataDir }), logger: silentLogger() });
  await store.start();
  try {
    return (await readAll(store, ['xi-inbound'], T0, T0 + count * 60_000)).length;
  } finally {
    await store.stop();
  }
}

describe("station credentials cannot take over the ingester's session", () => {
  it('refuses station credentials on the service listener, where the ingester connects', async () => {
    await expect(impostor(broker.serviceUrl, [])).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
  });

  it('keeps the live ingester connected and every reading while an impostor claims its client id', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const app = await ingester(dataDir);
    await app.start();
    try {
      await until(() => app.ingester!.brokerConnected, 10_000, 'the ingester connected');
      const publisher = await station();
      const total = 200;
      const stolen: string[] = [];
      const attempts: Promise<unknown>[] = [];
      for (let i = 0; i < total; i++) {
        await publisher.publishAsync('wq/xi-inbound/data', payload(i), { qos: 1 });
        // Every 20 readings the impostor tries again, on both listeners.
        if (i % 20 === 10) {
          attempts.push(
            impostor(broker.stationUrl, stolen),
            impostor(broker.serviceUrl, stolen).catch(() => undefined),
          );
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.all(attempts);
      await until(
        () => app.ingester!.spool.stats().pendingReadings === 0 && app.ingester!.forwarder !== undefined,
        20_000,
        'spool drained',
      );
      await until(async () => (await stored(dataDir, total)) === total, 20_000, `all ${total} readings stored`);
      expect(stolen).toEqual([]);
      // The ingester was never disconnected: one connection for the whole run.
      const text = await (await app.http.request('/metrics')).text();
      expect(metric(text, 'qingliu_mqtt_connects_total')).toBe(1);
    } finally {
      await app.stop();
    }
  });

  it('keeps the QoS 1 readings queued for the ingester while it is away', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const first = await ingester(dataDir);
    await first.start();
    await until(() => first.ingester!.brokerConnected, 10_000, 'the ingester connected');
    await first.stop();

    // Queued for the ingester's persistent session while it is down.
    const publisher = await station();
    for (let i = 0; i < 6; i++) await publisher.publishAsync('wq/xi-inbound/data', payload(i), { qos: 1 });

    const stolen: string[] = [];
    const thief = await impostor(broker.stationUrl, stolen);
    await thief.subscribeAsync('wq/#', { qos: 1 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    await thief.endAsync();
    expect(stolen).toEqual([]);

    const second = await ingester(dataDir);
    await second.start();
    try {
      await until(async () => (await stored(dataDir, 6)) === 6, 20_000, 'the 6 queued readings stored');
    } finally {
      await second.stop();
    }
  });
});
