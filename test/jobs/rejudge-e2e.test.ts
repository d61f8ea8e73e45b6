/**
 * The scenario of issue 14, end to end against a real mosquitto and a real influxd 1.6.7: an outbound section's link
 * is down while three 4-hour windows close (judged "insufficient data"); its logger then back-fills the 12 hours as
 * one MQTT backfill array of class-V NH3-N. The ingest process (the production app, ROLES=ingest) stores them and
 * records the touch in InfluxDB; the alert jobs (another "process": their own store client, an injected clock)
 * re-judge the windows: exactly one section alert, about those windows, found late from back-filled data, and the
 * responsible unit's webhook (a real local HTTP receiver) gets it once.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { encodeReadings } from '../../src/store/encoded-readings.js';
import { createInfluxStore } from '../../src/store/influx/influx-store.js';
import { startHttpReceiver, type HttpReceiver } from '../alerts/helpers/http-receiver.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { publishAll, until, writeCatalog } from '../ingest/e2e.js';
import { tempDir } from '../ingest/helpers.js';
import { createJobsRig } from './helpers/jobs-rig.js';

const HOUR = 3_600_000;
const MIN = 60_000;
const W = 4 * HOUR;
const SHANGHAI = 8 * HOUR;

let broker: Mosquitto;
let influx: Influxd;
let receiver: HttpReceiver;
beforeAll(async () => {
  [broker, influx, receiver] = await Promise.all([startMosquitto(), startInfluxd(), startHttpReceiver()]);
});
afterAll(async () => {
  await Promise.all([broker?.dispose(), influx?.dispose(), receiver?.close()]);
});

describe('back-filled class-V hours after their windows were judged (mosquitto + influxd 1.6.7)', () => {
  it('open exactly one section alert about those windows, found late, and tell the responsible unit once', async () => {
    const dir = tempDir('qingliu-rejudge-');
    const bucket = 'rejudge_e2e';
    const parameters = ['ph', 'do', 'codmn', 'nh3n', 'tp', 'temp'] as const;
    const ingest = await createApp({
      config: loadConfig({
        ROLES: 'ingest',
        DATA_DIR: path.join(dir, 'ingest'),
        MQTT_URL: broker.url,
        MQTT_CLIENT_ID: 'rejudge-e2e-ingest',
        INFLUX_URL: influx.url,
        INFLUX_BUCKET: bucket,
        CATALOG: writeCatalog(dir, ['out-1'], parameters),
      }),
      logger: silentLogger(),
    });
    const readings = createInfluxStore({ url: influx.url, bucket, version: 'auto', logger: silentLogger() });
    await ingest.start();
    const jr = await createJobsRig({ hookUrl: receiver.url('/unit'), readings });
    try {
      await until(() => ingest.ingester!.brokerConnected, 10_000, 'ingest connected');
      // The three windows a day ago, on 4-hour boundaries of Asia/Shanghai.
      const t0 = Math.floor((Date.now() + SHANGHAI) / W) * W - SHANGHAI - 6 * W;
      const run = async (at: number) => {
        jr.rig.clock.set(at);
        return (
          (await jr.jobs.scheduler.run('alert-windows', 'schedule')) as { run: { summary: Record<string, number> } }
        ).run.summary;
      };
      for (const end of [W, 2 * W, 3 * W]) await run(t0 + end + 10 * MIN);
      expect(await jr.rig.store.windowVerdict('section_compliance', 'out-1', t0, t0 + W)).toMatchObject({
        outcome: 'insufficient',
      });

      // The link is back: the logger back-fills 12 hours in one MQTT backfill array.
      const backfill = Array.from({ length: 12 }, (_, h) => ({
        ts: new Date(t0 + h * HOUR).toISOString(),
        values: { ph: 7.4, do: 6.2, codmn: 4.1, nh3n: 1.8, tp: 0.12, temp: 14.5 },
      }));
      await publishAll(broker.url, [{ topic: 'wq/out-1/data', payload: JSON.stringify(backfill) }]);
      await until(
        async () => (await readings.raw({ stationId: 'out-1', from: t0, to: t0 + 3 * W })).length === 72,
        20_000,
        'the back-fill stored',
      );
      await until(
        async () => (await readings.touches!({ after: 0, until: Date.now() + MIN })).length > 0,
        20_000,
        'touch',
      );
      expect(await readings.touches!({ after: 0, until: Date.now() + MIN })).toMatchObject([
        { stationId: 'out-1', from: t0, to: t0 + 3 * W, cause: 'late_data' },
      ]);

      // The alert jobs' next run, once the touch has settled.
      const detectedAt = Date.now() + 2 * MIN;
      const summary = await run(detectedAt);
      expect(summary).toMatchObject({ rejudge_windows: 3, rejudge_changed: 3, rejudge_opened: 1, failed: 0 });
      const alerts = await jr.rig.service.list({ rule: 'section_compliance', stationId: 'out-1' });
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        state: 'open',
        severity: 'critical',
        count: 3,
        windowStart: t0,
        windowEnd: t0 + 3 * W,
        detectedAt,
        detection: 'late_data',
      });
      await run(detectedAt + 5 * MIN); // nothing more: re-judging is idempotent
      await jr.jobs.scheduler.run('alert-outbox', 'schedule');
      await jr.jobs.scheduler.run('alert-outbox', 'schedule');
      const told = receiver.requests
        .filter((r) => r.url === '/unit?unit=district')
        .map((r) => JSON.parse(r.body) as { event: string; text: string; alert: Record<string, unknown> });
      expect(told.map((n) => [n.event, n.alert.rule])).toEqual([['opened', 'section_compliance']]);
      expect(told[0]!.alert).toMatchObject({
        window_start: new Date(t0).toISOString(),
        window_end: new Date(t0 + W).toISOString(),
        detection: 'late_data',
        finding: { class: 'V', target_class: 'III' },
      });
      expect(told[0]!.text).toMatch(/窗口结束\d+(\.\d)?小时后根据补传数据发现/);
    } finally {
      await jr.close();
      await ingest.stop();
    }
  });

  it('a device re-sending hours with a corrected flag: the InfluxDB store tells the correction, the unit reads why', async () => {
    let now = () => 0;
    const readings = createInfluxStore({
      url: influx.url,
      bucket: 'rejudge_flags',
      version: 'auto',
      logger: silentLogger(),
      lateData: { evalDelayMs: 10 * MIN, now: () => now() },
    });
    const jr = await createJobsRig({ hookUrl: receiver.url('/flags'), readings });
    now = jr.rig.clock.now;
    const t0 = Date.parse('2026-11-28T00:00:00+08:00');
    const hours = (flag: 'N' | 'D') =>
      Array.from({ length: 4 }, (_, h) =>
        Object.entries({ ph: 7.4, do: 6.2, codmn: 4.1, nh3n: 1.8, tp: 0.12, temp: 14.5 }).map(([parameter, value]) => ({
          stationId: 'out-1',
          parameter: parameter as 'nh3n',
          ts: t0 + h * HOUR,
          value,
          flag,
        })),
      ).flat();
    const run = async (at: number) => {
      jr.rig.clock.set(at);
      await jr.jobs.scheduler.run('alert-windows', 'schedule');
    };
    try {
      await run(t0 + W + 10 * MIN);
      // 06:00: the logger back-fills 00–04 flagged D (its analyser reported a fault): the window stays insufficient.
      jr.rig.clock.set(t0 + 6 * HOUR);
      await readings.writeEncoded!(encodeReadings(hours('D')));
      await run(t0 + 6 * HOUR + 5 * MIN);
      expect(await jr.rig.service.list({ rule: 'section_compliance', stationId: 'out-1' })).toEqual([]);
      // 07:00: it re-sends them flagged N (the fault was a false alarm), through the forwarder's fast path.
      jr.rig.clock.set(t0 + 7 * HOUR);
      await readings.writeEncoded!(encodeReadings(hours('N')));
      expect((await readings.touches!({ after: t0 + 6 * HOUR, until: t0 + 7 * HOUR })).map((t) => t.cause)).toEqual([
        'flag_correction',
      ]);
      await run(t0 + 7 * HOUR + 5 * MIN);
      const alerts = await jr.rig.service.list({ rule: 'section_compliance', stationId: 'out-1' });
      expect(alerts).toMatchObject([{ state: 'open', windowStart: t0, detection: 'flag_correction' }]);
      expect(
        (await jr.rig.store.verdictHistory('section_compliance', 'out-1', t0, t0 + W)).map((v) => [v.outcome, v.cause]),
      ).toEqual([
        ['insufficient', 'scheduled'],
        ['violation', 'flag_correction'],
      ]);
      await jr.jobs.scheduler.run('alert-outbox', 'schedule');
      const told = receiver.requests
        .filter((r) => r.url === '/flags?unit=district')
        .map((r) => JSON.parse(r.body) as { text: string; alert: Record<string, unknown> });
      expect(told).toHaveLength(1);
      expect(told[0]!.alert).toMatchObject({ detection: 'flag_correction' });
      expect(told[0]!.text).toContain('根据更正的数据标识发现');
    } finally {
      await jr.close();
    }
  });
});
