/**
 * Issue 12, item 11: docs/mqtt.md promises an `invalid_topic` dead letter for any topic under `wq/` outside the
 * contract; `wq/{id}/status`, `wq/{id}/data/extra` and a station id containing `/` used to vanish (the ingester
 * subscribed only to `wq/+/data` and `wq/+/senml`). Real mosquitto and the real app (ROLES=ingest, SQLite):
 *  - on a broker without per-station ACLs (the embedded demo broker, a broker an operator set up), each such
 *    message becomes an `invalid_topic` dead letter, and Qingliu's own publications under `wq/` do not loop back;
 *  - on the production broker with the ACLs `qingliu mqtt-auth` generates, the ingester's `wq/#` subscription
 *    (also as a shared subscription) is granted, and a station's publish outside its two topics is refused by
 *    the broker itself (PUBACK 0x87 under MQTT 5), so the station is told either way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCredentialsCsv } from '../../src/broker/mosquitto-auth.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { sqliteFile } from '../../src/store/create-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { cli } from '../harness/cli.js';
import { startMosquitto, startProductionMosquitto } from '../harness/mosquitto.js';
import { until, writeCatalog } from './e2e.js';
import { memoryLogger, tempDir } from './helpers.js';

const T = Date.parse('2026-11-28T08:00:00+08:00');
const reading = JSON.stringify({ ts: T, values: { ph: 7.1 } });
const INVALID = ['wq/st-1/status', 'wq/st-1/data/extra', 'wq/st/1/data', 'wq/st-1', 'wq/st-1/'];

describe('topics outside the contract', () => {
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it('become invalid_topic dead letters on a broker without ACLs; our own publications do not loop', async () => {
    const dir = tempDir('qingliu-invalid-topics-');
    const config = loadConfig({
      ROLES: 'ingest',
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'invalid-topics',
      DATA_DIR: path.join(dir, 'data'),
      CATALOG: writeCatalog(dir, ['st-1'], ['ph']),
    });
    const app = await createApp({ config, logger: silentLogger() });
    const reader = createSqliteStore({ file: sqliteFile(config), logger: silentLogger() });
    await app.start();
    try {
      await until(() => app.ingester!.brokerConnected, 10_000, 'connected');
      await reader.start();
      const station = await mqtt.connectAsync(broker.url, { clientId: 'logger-st-1' });
      for (const topic of INVALID) await station.publishAsync(topic, reading, { qos: 1 });
      await station.publishAsync('wq/st-1/data', reading, { qos: 1 });
      await station.endAsync();

      const letters = async () => [
        ...(await reader.deadLetters({ stationId: 'st-1' })),
        ...(await reader.deadLetters({ stationId: 'st' })),
      ];
      await until(async () => (await letters()).length >= INVALID.length, 10_000, 'a dead letter per invalid topic');
      await until(
        async () => (await reader.raw({ stationId: 'st-1', from: T, to: T + 1 })).length === 1,
        10_000,
        'the valid reading',
      );
      // The ingester republished each dead letter on wq/_dlq/{station}, which its wq/# subscription also receives:
      // give those a moment to come back, then check they made nothing more.
      await new Promise((r) => setTimeout(r, 500));
      const stored = await letters();
      expect(stored.map((l) => l.topic).sort()).toEqual([...INVALID].sort());
      expect(new Set(stored.map((l) => l.reason))).toEqual(new Set(['invalid_topic']));
      expect(stored.every((l) => l.payload === reading)).toBe(true);
      const text = await (await app.http.request('/metrics')).text();
      expect(text).toMatch(/^qingliu_ingest_ignored_total\{reason="own_topic"\} [1-9]/m);
    } finally {
      await app.stop();
      await reader.stop();
    }
  });
});

describe('with the ACLs qingliu mqtt-auth generates', () => {
  const CATALOG = fileURLToPath(new URL('../broker/fixtures/mqtt-auth-catalog.yaml', import.meta.url));
  let broker: Awaited<ReturnType<typeof startProductionMosquitto>>;
  let passwords: Map<string, string>;

  beforeAll(async () => {
    const dir = tempDir('qingliu-invalid-topics-acl-');
    const auth = path.join(dir, 'auth');
    expect((await cli(['mqtt-auth', '--catalog', CATALOG, '--out', auth])).code).toBe(0);
    passwords = parseCredentialsCsv(fs.readFileSync(path.join(auth, 'credentials.csv'), 'utf8'));
    broker = await startProductionMosquitto({ authDir: auth });
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it.each([undefined, 'qingliu'])(
    'grants the ingester its wq/# subscription (share group %s); the broker refuses a station the other topics',
    async (shareGroup) => {
      const dir = tempDir('qingliu-invalid-topics-acl-');
      const { logger, lines } = memoryLogger();
      const app = await createApp({
        config: loadConfig({
          ROLES: 'ingest',
          MQTT_URL: broker.serviceUrl,
          MQTT_USERNAME: 'qingliu',
          MQTT_PASSWORD: passwords.get('qingliu')!,
          DATA_DIR: path.join(dir, 'data'),
          CATALOG,
          ...(shareGroup ? { MQTT_SHARE_GROUP: shareGroup } : {}),
        }),
        logger,
      });
      await app.start();
      try {
        await until(() => lines().some((l) => l.msg === 'subscribed'), 10_000, 'subscribed');
        expect(lines().filter((l) => /refused subscriptions/.test(String(l.msg)))).toEqual([]);
        const station = await mqtt.connectAsync(broker.stationUrl, {
          protocolVersion: 5,
          reconnectPeriod: 0,
          username: 'xi-inbound',
          password: passwords.get('xi-inbound')!,
        });
        await expect(station.publishAsync('wq/xi-inbound/status', reading, { qos: 1 })).rejects.toMatchObject({
          code: 0x87,
        });
        await station.endAsync(true).catch(() => undefined);
      } finally {
        await app.stop();
      }
    },
  );
});
