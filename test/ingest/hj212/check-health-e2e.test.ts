/**
 * Issue 13 §5, end to end against a real influxd 1.6.7 and real TCP: two national-style water stations (ST=21,
 * Flag=9) send the same class-V NH3-N hours through the production ingest app (ROLES=ingest, HJ212_PORT). One
 * logger's 2062 standard-sample check of NH3-N then fails. The alert jobs (their own store client, an injected
 * clock, readings composed as the app composes them: device marks through withDataMarks, the checks beside them)
 * open a section alert for the station whose check passed, and for the other only the maintenance alert
 * `sensor_check_failed`: its NH3-N readings since the last passed check count nowhere. An hour the other reports
 * its CODMn analyser in maintenance (3020 `i12001-Info`) counts nowhere either.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogData } from '../../../src/alerts/alert-catalog.js';
import { createApp } from '../../../src/app.js';
import { validateCatalog } from '../../../src/catalog/validate.js';
import { loadConfig } from '../../../src/config.js';
import { zone } from '../../../src/domain/time-window.js';
import { formatHj212Time } from '../../../src/ingest/hj212/data-time.js';
import { encodePacket } from '../../../src/ingest/hj212/encode.js';
import { createSqliteDeviceStateStore, deviceStateFile } from '../../../src/ingest/hj212/sqlite-device-state.js';
import { silentLogger } from '../../../src/logger.js';
import { combinedMarks, deviceHealth, withStandardChecks } from '../../../src/marks/device-mark-source.js';
import { withDataMarks } from '../../../src/marks/marked-reading-store.js';
import { createInfluxStore } from '../../../src/store/influx/influx-store.js';
import { startInfluxd, type Influxd } from '../../harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../../harness/mosquitto.js';
import { createJobsRig } from '../../jobs/helpers/jobs-rig.js';
import { until, writeCatalog } from '../e2e.js';
import { tempDir } from '../helpers.js';
import { connectLogger, type TestLogger } from './logger-client.js';

const HOUR = 3_600_000;
const MIN = 60_000;
const W = 4 * HOUR;
const SHANGHAI = zone('Asia/Shanghai');
const PW = '624930';

let broker: Mosquitto;
let influx: Influxd;
beforeAll(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
});
afterAll(async () => {
  await Promise.all([broker?.dispose(), influx?.dispose()]);
});

const STATIONS = [
  { id: 'sec-passed', mn: 'A140100_2006' },
  { id: 'sec-failed', mn: 'A140100_2007' },
];

/** The e2e catalog's river sections, made outbound sections (judged) reporting hourly through a logger each. */
function catalog(dir: string): { file: string; data: CatalogData } {
  const file = writeCatalog(
    dir,
    STATIONS.map((s) => s.id),
    ['ph', 'do', 'codmn', 'nh3n', 'tp'],
  );
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { stations: Record<string, unknown>[] };
  raw.stations.forEach((station, i) => {
    station.section = { role: 'outbound', level: 'municipal', target_class: 'III' };
    station.interval = '1h';
    station.hj212 = { mn: STATIONS[i]!.mn, protocol: 'surface-water', password_env: 'STATION_PW' };
  });
  fs.writeFileSync(file, JSON.stringify(raw));
  const checked = validateCatalog(raw);
  expect(checked.problems).toEqual([]);
  return { file, data: checked.data! };
}

const local = (ts: number) => formatHj212Time(ts, SHANGHAI);

function packet(mn: string, qn: number, cn: string, cp: string): Buffer {
  return encodePacket({ qn: `${local(qn)}000`, st: '21', cn, pw: PW, mn, flag: 9, cp });
}

/** Sends and waits for the 9014 (the upload is durable). */
async function upload(logger: TestLogger, bytes: Buffer): Promise<void> {
  const n = logger.received.length;
  logger.send(bytes);
  expect((await logger.nth(n)).cn).toBe('9014');
}

describe('a failed standard-sample check over HJ 212 (influxd 1.6.7, real TCP)', () => {
  it('keeps the suspect readings out of compliance: a sensor-health alert, no section alert', async () => {
    const dir = tempDir('qingliu-hj212-check-');
    const bucket = 'hj212_check_e2e';
    const { file, data } = catalog(dir);
    const config = loadConfig({
      ROLES: 'ingest',
      DATA_DIR: path.join(dir, 'ingest'),
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'hj212-check-e2e',
      INFLUX_URL: influx.url,
      INFLUX_BUCKET: bucket,
      CATALOG: file,
      HJ212_PORT: '0',
    });
    const ingest = await createApp({ config, logger: silentLogger(), env: { STATION_PW: PW } });
    await ingest.start();

    // The alerts side, composed as src/app.ts composes it (another process: its own clients of influxd and of
    // DATA_DIR/devices.db).
    const devices = createSqliteDeviceStateStore(deviceStateFile(config.DATA_DIR));
    const health = deviceHealth({
      store: async () => devices,
      stationsWithLoggers: () => STATIONS.map((s) => s.id),
      timeZone: 'Asia/Shanghai',
    });
    const influxStore = createInfluxStore({ url: influx.url, bucket, version: 'auto', logger: silentLogger() });
    const readings = withDataMarks(influxStore, combinedMarks({ effective: async () => [] }, health));
    const jr = await createJobsRig({ readings: withStandardChecks(readings, health), catalog: data });
    const loggers: TestLogger[] = [];
    try {
      // Two complete 4-hour windows (Asia/Shanghai boundaries) that closed before now.
      const t0 = Math.floor((Date.now() + 8 * HOUR) / W) * W - 8 * HOUR - 2 * W;
      const port = ingest.hj212Address!.port;
      for (const s of STATIONS) {
        const logger = await connectLogger(port);
        loggers.push(logger);
        // The morning's check passed for both.
        await upload(
          logger,
          packet(
            s.mn,
            t0 - HOUR,
            '2062',
            `DataTime=${local(t0 - HOUR)};w21003-SampleRd=1.01,w21003-StandardValue=1.00,w21003-ResultType=1`,
          ),
        );
        for (let h = 0; h < 8; h++) {
          const ts = t0 + h * HOUR;
          const cp =
            `DataTime=${local(ts)};w01001-Avg=${7.4 + h / 100},w01001-Flag=N;w01009-Avg=${6.2 - h / 10},w01009-Flag=N;` +
            `w01019-Avg=${4.1 + h / 10},w01019-Flag=N;w21003-Avg=${1.8 + h / 100},w21003-Flag=N;` +
            `w21011-Avg=${0.12 + h / 1000},w21011-Flag=N`;
          await upload(logger, packet(s.mn, ts + 5 * MIN, '2061', cp));
        }
      }
      // The other's CODMn analyser was in maintenance from t0+1h to t0+2h (3020, i12001-Info 1 then 0), although
      // its logger flagged the hour's value N.
      for (const [h, info] of [
        [1, 1],
        [2, 0],
      ] as const)
        await upload(
          loggers[0]!,
          packet(
            STATIONS[0]!.mn,
            t0 + h * HOUR,
            '3020',
            `DataTime=${local(t0 + h * HOUR)};PolId=w01019,i12001-Info=${info}`,
          ),
        );
      // Then one station's NH3-N analyser measures its standard sample 1.80 against 1.00: the check fails.
      const failedAt = t0 + 2 * W - 5 * MIN;
      await upload(
        loggers[1]!,
        packet(
          STATIONS[1]!.mn,
          failedAt,
          '2062',
          `DataTime=${local(failedAt)};w21003-SampleRd=1.80,w21003-StandardValue=1.00,w21003-ResultType=0`,
        ),
      );
      await until(
        async () =>
          (await influxStore.raw({ stationId: 'sec-failed', from: t0, to: t0 + 2 * W })).length === 40 &&
          (await influxStore.raw({ stationId: 'sec-passed', from: t0, to: t0 + 2 * W })).length === 40,
        20_000,
        'the hours stored',
      );

      // The readings as every reader sees them: NH3-N of the failed station counts nowhere, the rest does.
      // The two windows' counts per parameter: summed over the day buckets, since the 8 hours cross Beijing
      // midnight when the test runs between 04:00 and 08:00 there.
      const valid = async (stationId: string) => {
        const totals = new Map<string, [string, number, number]>();
        const buckets = await readings.aggregate({
          stationId,
          parameters: ['nh3n', 'codmn'],
          from: t0,
          to: t0 + 2 * W,
          window: { spec: '1d', unit: 'day', size: 1 },
          timeZone: 'Asia/Shanghai',
          validOnly: true,
        });
        for (const b of buckets) {
          const total = totals.get(b.parameter) ?? [b.parameter, 0, 0];
          total[1] += b.count;
          total[2] += b.excluded;
          totals.set(b.parameter, total);
        }
        return [...totals.values()];
      };
      expect(await valid('sec-failed')).toEqual([
        ['nh3n', 0, 8],
        ['codmn', 8, 0],
      ]);
      expect(await valid('sec-passed')).toEqual([
        ['nh3n', 8, 0],
        ['codmn', 7, 1],
      ]);
      const raw = await readings.rawMarked({ stationId: 'sec-failed', from: t0, to: t0 + HOUR, parameters: ['nh3n'] });
      expect(raw.map((r) => [r.flag, r.originalFlag, r.markId])).toEqual([['D', 'N', null]]);
      // Windows judged before the record came are judged again (ADR 0013): the day before the check is touched.
      expect(await influxStore.touches!({ after: 0, until: Date.now() + MIN })).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ stationId: 'sec-failed', from: failedAt - 24 * HOUR, cause: 'flag_correction' }),
        ]),
      );

      jr.rig.clock.set(t0 + 2 * W + 10 * MIN);
      await jr.jobs.scheduler.run('alert-windows', 'schedule');
      await jr.jobs.scheduler.run('alert-instant', 'schedule');
      const open = async (stationId: string) =>
        (await jr.rig.service.list({ stationId }))
          .filter((a) => a.state === 'open')
          .map((a) => a.rule)
          .sort();
      const passed = await open('sec-passed');
      const failed = await open('sec-failed');
      expect(passed).toContain('section_compliance');
      expect(passed).not.toContain('sensor_check_failed');
      expect(failed).not.toContain('section_compliance');
      expect(failed).toContain('sensor_check_failed');
      const [alert] = await jr.rig.service.list({ stationId: 'sec-failed', rule: 'sensor_check_failed' });
      expect(alert).toMatchObject({
        category: 'maintenance',
        latest: { items: [{ parameter: 'nh3n', value: 1.8, limit: 1 }] },
      });
    } finally {
      for (const l of loggers) l.end();
      await jr.close();
      await ingest.stop();
      await devices.close();
    }
  });
});
