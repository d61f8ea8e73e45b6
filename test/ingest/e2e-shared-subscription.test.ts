/**
 * Two ingest processes (the real src/main.ts) on one shared subscription (MQTT_SHARE_GROUP → `$share/…/wq/#`) of a
 * real mosquitto, writing to one real influxd: the broker splits the messages between them, every reading the
 * broker acknowledged is stored exactly once, and the hourly rollups both keep (docs/adr/0006) agree with the raw
 * readings to the last digit.
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
import {
  ingesterProcess,
  metric,
  missing,
  publishAll,
  readAll,
  until,
  writeCatalog,
  type IngesterProcess,
} from './e2e.js';
import { tempDir } from './helpers.js';

const STATIONS = Array.from({ length: 8 }, (_, i) => `shared-${i}`);
const PARAMETERS: ParameterCode[] = ['ph', 'do', 'nh3n'];
const PER_STATION = 300; // one a minute: five whole hours per station
const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;
const BUCKET = 'shared';

type Series = { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] };

describe('two ingesters on a shared subscription', () => {
  let broker: Mosquitto;
  let influx: Influxd;
  let store: ReadingStore;
  const ingesters: IngesterProcess[] = [];
  const dir = tempDir('qingliu-e2e-shared-');

  beforeAll(async () => {
    [broker, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
    store = createInfluxStore({ url: influx.url, bucket: BUCKET, version: 'auto', logger: silentLogger() });
    await store.start();
  });
  afterAll(async () => {
    await Promise.all(ingesters.map((i) => i.stop()));
    await store?.stop();
    await Promise.all([broker?.dispose(), influx?.dispose()]);
  });

  async function query(q: string): Promise<Series[]> {
    const res = await fetch(`${influx.url}/query?db=${BUCKET}&epoch=ms&q=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { results: { series?: Series[] }[] };
    return body.results[0]?.series ?? [];
  }

  it('splits the messages, stores each reading once, and keeps the hourly rollups equal to the raw readings', async () => {
    const catalog = writeCatalog(dir, STATIONS, PARAMETERS);
    for (const name of ['a', 'b']) {
      const ingester = ingesterProcess({
        port: await freePort(),
        logFile: path.join(dir, `ingester-${name}.log`),
        env: {
          MQTT_URL: broker.url,
          MQTT_CLIENT_ID: `shared-ingest-${name}`,
          MQTT_SHARE_GROUP: 'qingliu',
          INFLUX_URL: influx.url,
          INFLUX_BUCKET: BUCKET,
          INFLUX_ROLLUP_INTERVAL_SECONDS: '1',
          DATA_DIR: path.join(dir, `data-${name}`),
          CATALOG: catalog,
        },
      });
      ingesters.push(ingester);
    }
    await Promise.all(ingesters.map((i) => i.start()));

    const expected: Reading[] = [];
    function* messages() {
      for (let i = 0; i < PER_STATION; i++) {
        for (const stationId of STATIONS) {
          const ts = T0 + i * 60_000;
          const n = i * STATIONS.length + STATIONS.indexOf(stationId);
          const values = { ph: 6.5 + (n % 150) / 100, do: 4 + (n % 43) / 10, nh3n: (n % 197) / 100 };
          for (const [parameter, value] of Object.entries(values))
            expected.push({ stationId, parameter: parameter as ParameterCode, ts, value, flag: 'N' });
          yield { topic: `wq/${stationId}/data`, payload: JSON.stringify({ ts, values }) };
        }
      }
    }
    // Every message is acknowledged by the broker (QoS 1) before publishAll resolves.
    await publishAll(broker.url, messages(), { inFlight: 100 });

    const accepted = async () =>
      Promise.all(ingesters.map(async (i) => metric(await i.metrics(), 'qingliu_ingest_readings_accepted_total') ?? 0));
    await until(async () => (await accepted()).reduce((a, b) => a + b, 0) >= expected.length, 180_000, 'all accepted');
    const split = await accepted();
    // Exactly once: no message went to both members, and the broker used both.
    expect(split[0]! + split[1]!).toBe(expected.length);
    expect(Math.min(...split)).toBeGreaterThan(expected.length * 0.1);

    await until(
      async () => missing(expected, await readAll(store, STATIONS, T0, T0 + 6 * HOUR)).length === 0,
      60_000,
      'all stored',
    );
    const stored = await readAll(store, STATIONS, T0, T0 + 6 * HOUR);
    expect(stored).toHaveLength(expected.length);
    const [count] = await query(`SELECT count("value") FROM "reading"`);
    expect(count!.values[0]![1]).toBe(expected.length);

    // Both writers have recomputed every hour they wrote: their published clean_before is past the last hour.
    const lastHourEnd = T0 + Math.ceil((PER_STATION * 60_000) / HOUR) * HOUR;
    await until(
      async () => {
        const states = await query(`SELECT last("clean_before") FROM "rollup_state" GROUP BY "instance"`);
        return states.length === 2 && states.every((s) => Number(s.values[0]![1]) >= lastHourEnd);
      },
      60_000,
      'both writers clean',
    );
    const where = `time >= ${T0}ms AND time < ${lastHourEnd}ms GROUP BY time(1h), "station", "param" fill(none)`;
    const raw = await query(
      `SELECT sum("value"), count("value"), min("value"), max("value") FROM "reading" WHERE ${where}`,
    );
    const rolled = await query(
      `SELECT sum("s"), sum("n"), min("lo"), max("hi"), sum("total") FROM "reading_1h" WHERE ${where}`,
    );
    const table = (series: Series[]) =>
      new Map(
        series.flatMap((s) =>
          s.values.map((v) => [`${s.tags!.station}|${s.tags!.param}|${v[0]}`, v.slice(1).map(Number)] as const),
        ),
      );
    const rawTable = table(raw);
    const rollTable = table(rolled);
    expect(rawTable.size).toBe(STATIONS.length * PARAMETERS.length * 5);
    expect([...rollTable.keys()].sort()).toEqual([...rawTable.keys()].sort());
    for (const [k, [sum, n, lo, hi]] of rawTable) {
      const [rs, rn, rlo, rhi, total] = rollTable.get(k)!;
      expect(rn, k).toBe(n);
      expect(total, k).toBe(n);
      expect(rs!, k).toBeCloseTo(sum!, 9);
      expect([rlo, rhi], k).toEqual([lo, hi]);
    }
    console.log(
      `shared subscription: ${expected.length} readings split ${split[0]} / ${split[1]}, stored ${stored.length}, ` +
        `${rawTable.size} hourly rollups equal to the raw readings`,
    );
    // Two app processes, a broker and influxd: on a loaded 2-core machine this takes well over a minute.
  }, 300_000);
});
