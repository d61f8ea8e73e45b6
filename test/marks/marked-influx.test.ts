import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createInfluxStore } from '../../src/store/influx/influx-store.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { describeMarkedStore, sh } from './marked-reading-store.case.js';

let influx: Influxd;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-marked-influx-'));
beforeAll(async () => {
  influx = await startInfluxd();
});
afterAll(async () => {
  await influx?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

// The reader answers valid-only aggregates from the hourly rollups the writer keeps (docs/adr/0006).
describeMarkedStore('InfluxDB 1.6.7 with hourly rollups', async () => {
  const now = () => sh(2024, 5, 10);
  const bucket = 'marked';
  const writer = createInfluxStore({
    url: influx.url,
    bucket,
    version: 'auto',
    logger: silentLogger(),
    rollups: { now, writer: { instance: 'w1', stateFile: path.join(dir, 'w1.json'), intervalMs: 3_600_000 } },
  });
  await writer.start();
  const reader = createInfluxStore({
    url: influx.url,
    bucket,
    version: 'auto',
    logger: silentLogger(),
    rollups: { now },
  });
  await reader.start();
  return {
    reader,
    async write(readings) {
      await writer.write(readings);
      await writer.rollups.backfill(['s1'], sh(2024, 5, 1), sh(2024, 5, 3));
      await writer.rollups.pass();
      const status = await reader.rollups.status();
      expect(status.trusted!.from).toBeLessThanOrEqual(sh(2024, 5, 1));
    },
    async writeBehindRollups(r) {
      const line = `reading,param=${r.parameter},station=${r.stationId} value=${r.value},flag="${r.flag}" ${r.ts}`;
      const res = await fetch(`${influx.url}/write?db=${bucket}&precision=ms`, { method: 'POST', body: line });
      expect(res.status).toBe(204);
    },
    async close() {
      await Promise.all([writer.stop(), reader.stop()]);
    },
  };
});
