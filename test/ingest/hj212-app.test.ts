/**
 * The HJ 212 gateway composed by the app (ROLES=ingest, HJ212_PORT): a 2017 and a 2025 (SM4) logger over real TCP,
 * beside a real mosquitto, into the SQLite store; device state in DATA_DIR; dead letters; metrics; start-up errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { encodePacket } from '../../src/ingest/hj212/encode.js';
import { createSqliteDeviceStateStore, deviceStateFile } from '../../src/ingest/hj212/sqlite-device-state.js';
import { PassThrough } from 'node:stream';
import { createLogger, silentLogger } from '../../src/logger.js';
import { sqliteFile } from '../../src/store/create-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { connectLogger } from './hj212/logger-client.js';
import { metric, until } from './e2e.js';
import { tempDir } from './helpers.js';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});

const KEY_HEX = '0123456789abcdeffedcba9876543210';

function writeCatalog(dir: string): string {
  const station = (id: string, plant: string, hj212: Record<string, unknown>) => ({
    id,
    name: { zh: id, en: id },
    kind: 'plant_effluent',
    plant,
    location: { lat: 30, lon: 120 },
    jurisdiction: 'city',
    maintainer: 'city',
    parameters: ['cod', 'nh3n', 'ph'],
    interval: '1h',
    hj212,
  });
  const plant = (id: string) => ({
    id,
    name: { zh: id, en: id },
    type: 'wwtp',
    discharge_standard: 'gb18918-1a',
    operator_unit: 'city',
  });
  const catalog = {
    version: 1,
    city: { zh: '测试市', en: 'Test City' },
    units: [{ id: 'city', name: { zh: '市局', en: 'City' }, level: 'city' }],
    plants: [plant('p1'), plant('p2')],
    stations: [
      station('p1-out', 'p1', { mn: 'MN2017PLANT1', protocol: 'hj212-2017', password_env: 'P1_PW' }),
      station('p2-out', 'p2', {
        mn: '010000A8900016F000169DC0',
        protocol: 'hj212-2025',
        password_env: 'P2_PW',
        sm4_key_env: 'P2_KEY',
      }),
    ],
  };
  const file = path.join(dir, 'catalog.json');
  fs.writeFileSync(file, JSON.stringify(catalog));
  return file;
}

/** Local Beijing time as HJ 212 writes it (yyyyMMddHHmmss). */
const beijing = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);

describe('the HJ 212 gateway in the ingest role', () => {
  it('stores readings of a 2017 and a 2025 (SM4) logger after answering 9014; device state, dead letters, metrics', async () => {
    const dir = tempDir();
    const config = loadConfig({
      ROLES: 'ingest',
      DATA_DIR: path.join(dir, 'data'),
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'hj212-app',
      CATALOG: writeCatalog(dir),
      HJ212_PORT: '0',
    });
    const logLines: string[] = [];
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString().split('\n').filter(Boolean)));
    const app = await createApp({
      config,
      logger: createLogger({ level: 'info', format: 'json', destination: logStream }),
      env: { P1_PW: '123456', P2_PW: '654321', P2_KEY: KEY_HEX },
    });
    await app.start();
    // Said once, with the address and the number of loggers (the server and the source both said it before).
    const listening = logLines.map((l) => JSON.parse(l) as { msg: string }).filter((l) => /listening/.test(l.msg));
    expect(listening).toMatchObject([{ msg: 'HJ 212 gateway listening', loggers: 2 }]);
    const t = Math.floor((Date.now() - 120_000) / 60_000) * 60_000;
    try {
      const port = app.hj212Address!.port;
      expect(port).toBeGreaterThan(0);
      const a = await connectLogger(port);
      a.send(
        encodePacket({
          qn: '20261206120000000',
          st: '32',
          cn: '2011',
          pw: '123456',
          mn: 'MN2017PLANT1',
          flag: 5,
          cp: `DataTime=${beijing(t)};w01018-Rtd=21.5,w01018-Flag=N;w21003-Rtd=0.82,w21003-Flag=N`,
        }),
      );
      const answerA = await a.nth(0);
      expect(answerA.cn).toBe('9014');

      const key = Buffer.from(KEY_HEX, 'hex');
      const b = await connectLogger(port, () => [key]);
      b.send(
        encodePacket(
          {
            qn: '20261206120000001',
            st: '32',
            cn: '2011',
            pw: '654321',
            mn: '010000A8900016F000169DC0',
            flag: 9,
            cp: `DataTime=${beijing(t)};w01001-Rtd=7.12,w01001-Flag=N`,
          },
          { key },
        ),
      );
      expect((await b.nth(0)).cn).toBe('9014');
      // A wrong password: refused, a dead letter, no answer.
      b.send(
        encodePacket(
          {
            qn: '20261206120000002',
            st: '32',
            cn: '2011',
            pw: 'wrong!',
            mn: '010000A8900016F000169DC0',
            flag: 9,
            cp: `DataTime=${beijing(t)};w01001-Rtd=7,w01001-Flag=N`,
          },
          { key },
        ),
      );

      const store = createSqliteStore({ file: sqliteFile(config), logger: silentLogger() });
      await store.start();
      try {
        const raw = (id: string) => store.raw({ stationId: id, from: t - 1, to: t + 1 });
        await until(
          async () => (await raw('p1-out')).length === 2 && (await raw('p2-out')).length === 1,
          10_000,
          'stored',
        );
        expect((await raw('p1-out')).map((r) => [r.parameter, r.value, r.flag])).toEqual([
          ['cod', 21.5, 'N'],
          ['nh3n', 0.82, 'N'],
        ]);
        expect((await raw('p2-out')).map((r) => [r.parameter, r.value])).toEqual([['ph', 7.12]]);
        // The record stream (real-time) is in readings; logger data holds only what readings cannot (ADR 0012).
        expect(await store.loggerData!({ stationId: 'p2-out', from: t - 1, to: t + 1 })).toEqual([]);
        await until(async () => (await store.deadLetters({ stationId: 'p2-out' })).length === 1, 10_000, 'dead letter');
        const [letter] = await store.deadLetters({ stationId: 'p2-out' });
        expect(letter!.payload).not.toContain('wrong!');
      } finally {
        await store.stop();
      }

      const text = await (await app.http.request('/metrics')).text();
      expect(text).toContain('qingliu_ingest_messages_received_total{format="hj212"}');
      expect(metric(text, 'qingliu_hj212_connections')).toBe(2);
      a.end();
      b.end();
    } finally {
      await app.stop();
    }
    // The device state outlives the ingest process, for the API (another process, perhaps).
    const states = createSqliteDeviceStateStore(deviceStateFile(config.DATA_DIR));
    try {
      const p1 = (await states.stateOfStation('p1-out'))!;
      expect(p1).toMatchObject({
        mn: 'MN2017PLANT1',
        protocol: 'hj212-2017',
        protocolSeen: 'hj212-2017',
        connected: false,
      });
      expect(p1.packets).toBeGreaterThanOrEqual(1);
      expect(p1.connectedSince).not.toBeNull();
      expect((await states.stateOfStation('p2-out'))!.protocolSeen).toBe('hj212-2025');
    } finally {
      await states.close();
    }
  });

  it('does not start when a logger variable is unset, naming the catalog file, the field and the variable', async () => {
    const dir = tempDir();
    const catalog = writeCatalog(dir);
    const config = loadConfig({
      ROLES: 'ingest',
      DATA_DIR: path.join(dir, 'data'),
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'hj212-app-bad',
      CATALOG: catalog,
      HJ212_PORT: '0',
    });
    const app = await createApp({ config, logger: silentLogger(), env: { P1_PW: 'x', P2_PW: 'y' } });
    const err = await app.start().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await app.stop();
    expect(err?.message).toContain(`${catalog}: stations[1].hj212.sm4_key_env: environment variable P2_KEY is not set`);
  });
});
