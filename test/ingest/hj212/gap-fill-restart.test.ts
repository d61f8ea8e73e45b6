/**
 * Gap fill across a restart of the ingester (issue 13 §5): the production ingest app (ROLES=ingest, HJ212_PORT)
 * stores a logger's hourly record into a real influxd and stops; it starts again on the same DATA_DIR, and the
 * logger comes back after 6 h of simulated outage. The last hourly record comes from the device state in DATA_DIR
 * (the new process has seen none), so the gateway asks for the missing hours (2061 BeginTime/EndTime) and the hole
 * is filled: counted in influxd. Injected clock, real TCP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { zone } from '../../../src/domain/time-window.js';
import { silentLogger } from '../../../src/logger.js';
import { createInfluxStore } from '../../../src/store/influx/influx-store.js';
import { SimLogger } from '../../../sensors/hj212/logger.js';
import { startInfluxd, type Influxd } from '../../harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../../harness/mosquitto.js';
import { until, writeCatalog } from '../e2e.js';
import { tempDir } from '../helpers.js';

const HOUR = 3_600_000;
const MIN = 60_000;
const PW = 'gap-restart-pw';
const MN = 'GAPRESTART00000000000001';

let broker: Mosquitto;
let influx: Influxd;
beforeAll(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
});
afterAll(async () => {
  await Promise.all([broker?.dispose(), influx?.dispose()]);
});

describe('gap fill after a restart of the ingester (influxd 1.6.7, real TCP)', () => {
  it('asks for the hours missed while Qingliu was down and the logger away, from the device state in DATA_DIR', async () => {
    const dir = tempDir('qingliu-hj212-gap-restart-');
    const bucket = 'hj212_gap_restart';
    const file = writeCatalog(dir, ['wwtp-gap'], ['cod', 'nh3n', 'tp']);
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { stations: Record<string, unknown>[] };
    raw.stations[0]!.interval = '1h';
    raw.stations[0]!.hj212 = { mn: MN, protocol: 'hj212-2017', password_env: 'GAP_PW', record: 'hourly' };
    fs.writeFileSync(file, JSON.stringify(raw));
    const config = loadConfig({
      ROLES: 'ingest',
      DATA_DIR: path.join(dir, 'data'),
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'hj212-gap-restart',
      INFLUX_URL: influx.url,
      INFLUX_BUCKET: bucket,
      CATALOG: file,
      HJ212_PORT: '0',
    });
    // Ten hours ago, on the hour: the whole scenario lies in the past of the real clock (influxd, timestamps).
    const t0 = Math.floor(Date.now() / HOUR) * HOUR - 10 * HOUR;
    const clock = { now: t0 + 2 * MIN };
    const start = async (): Promise<App> => {
      const app = await createApp({ config, logger: silentLogger(), now: () => clock.now, env: { GAP_PW: PW } });
      await app.start();
      return app;
    };
    const logger = (port: number) =>
      new SimLogger({
        host: '127.0.0.1',
        port,
        mn: MN,
        pw: PW,
        st: '32',
        protocol: 'hj212-2017',
        codes: ['w01018', 'w21003', 'w21011'],
        zone: zone('Asia/Shanghai'),
        now: () => clock.now,
      });
    const readings = createInfluxStore({ url: influx.url, bucket, version: 'auto', logger: silentLogger() });
    const stored = async () =>
      (await readings.raw({ stationId: 'wwtp-gap', from: t0 - 2 * HOUR, to: t0 + 8 * HOUR })).length;

    await readings.start();
    let app = await start();
    let sim = logger(app.hj212Address!.port);
    try {
      await sim.connect();
      await sim.upload('hourly', t0 - HOUR); // the hour before t0, answered: durable
      sim.disconnect();
      await app.stop(); // Qingliu goes down; the logger's link too
      await until(async () => (await stored()) === 3, 20_000, 'the first hour stored');

      // Six hours later both are back: a new process, which has seen no record of this logger.
      clock.now = t0 + 6 * HOUR + 4 * MIN;
      app = await start();
      sim.stop();
      sim = logger(app.hj212Address!.port);
      await sim.connect();
      await sim.upload('realtime', clock.now);
      await until(async () => sim.stats.requestsAnswered === 1, 20_000, 'the logger answered the request');

      const request = sim.received.find((p) => p.cn === '2061');
      const local = (ts: number) => new Date(ts + 8 * HOUR).toISOString().replace(/[-:T]/g, '').slice(0, 14);
      expect(request?.cp).toBe(`BeginTime=${local(t0)},EndTime=${local(t0 + 5 * HOUR)}`);
      // The hole t0 … t0+5h is filled: 6 hours × 3 pollutants, beside the hour before it.
      await until(async () => (await stored()) === 7 * 3, 20_000, 'the missing hours stored');
      const hours = new Set(
        (await readings.raw({ stationId: 'wwtp-gap', from: t0 - 2 * HOUR, to: t0 + 8 * HOUR })).map((r) => r.ts),
      );
      expect([...hours].sort()).toEqual(Array.from({ length: 7 }, (_, i) => t0 + (i - 1) * HOUR));
      expect(sim.unanswered).toBe(0);
    } finally {
      sim.stop();
      await app.stop();
      await readings.stop();
    }
  });
});
